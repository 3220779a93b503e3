/*
 * test_window.c: the one window lifecycle. A window lasts its duration and
 * no longer; its token, or any token above it, ends it at once and only the
 * tokens below the one fired; the traced set's exit, a client gone and a
 * source's own end each end it, saying which; a drain function is called
 * in place of sleeping.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "process_handle.h"
#include "window.h"

static void a_window_lasts_its_duration(void **state)
{
	struct window_clock clock;
	(void)state;

	window_clock_start(&clock, 250000000ULL, NULL);
	assert_int_equal(window_check(&clock), WINDOW_RUNNING);
	assert_int_equal(window_wait(&clock), WINDOW_DEADLINE);
	double seconds = window_elapsed_seconds(&clock);
	assert_true(seconds >= 0.25);
	assert_true(seconds < 0.25 + WINDOW_TICK_MS / 1000.0);
	assert_int_equal(window_wait(&clock), WINDOW_DEADLINE); /* ended stays ended */
}

static void a_window_of_nothing_ends_at_once(void **state)
{
	struct window_clock clock;
	(void)state;

	window_clock_start(&clock, 0, NULL);
	assert_int_equal(window_wait(&clock), WINDOW_DEADLINE);
	assert_true(window_elapsed_seconds(&clock) < 0.01);
}

static void tokens_end_the_windows_below_them(void **state)
{
	struct cancel_token agent = {0}, store = {.parent = &agent}, other = {.parent = NULL};
	struct window_clock snapshot, request, unrelated;
	(void)state;

	window_clock_start(&snapshot, 3600000000000ULL, &store);
	window_clock_start(&request, 3600000000000ULL, &agent);
	window_clock_start(&unrelated, 3600000000000ULL, &other);
	cancel_token_fire(&store);
	assert_int_equal(window_check(&snapshot), WINDOW_CANCELLED);
	assert_int_equal(window_check(&request), WINDOW_RUNNING);
	cancel_token_fire(&agent);
	assert_int_equal(window_wait(&request), WINDOW_CANCELLED);
	assert_int_equal(window_check(&unrelated), WINDOW_RUNNING);
	cancel_token_fire(&unrelated.token);
	assert_int_equal(window_wait(&unrelated), WINDOW_CANCELLED);
	assert_false(cancel_token_fired(&other));
}

static bool process_exited(void *process)
{
	return !process_handle_alive(process);
}

static void the_sets_exit_ends_it(void **state)
{
	struct process_handle process;
	struct window_clock clock;
	char err[256];
	(void)state;

	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		usleep(200000);
		_exit(0);
	}
	assert_int_equal(process_handle_open(child, &process, err, sizeof(err)), 0);
	window_clock_start(&clock, 3600000000000ULL, NULL);
	clock.set_gone = process_exited;
	clock.set = &process;
	assert_int_equal(window_check(&clock), WINDOW_RUNNING);
	waitpid(child, NULL, 0);
	assert_int_equal(window_wait(&clock), WINDOW_SET_EXITED);
	assert_true(window_elapsed_seconds(&clock) < 1.0);
	process_handle_close(&process);
}

static int polls;
static bool gone_on_third_poll(void *ctx)
{
	(void)ctx;
	return ++polls >= 3;
}

static bool ended_now(void *ctx)
{
	return *(bool *)ctx;
}

static int drained;
static void count_drain(void *ctx, int timeout_ms)
{
	(void)ctx;
	assert_true(timeout_ms > 0 && timeout_ms <= WINDOW_TICK_MS);
	drained++;
	usleep((useconds_t)timeout_ms * 1000);
}

static void a_client_gone_and_a_source_ended_end_it(void **state)
{
	struct window_clock clock;
	bool ended = true;
	(void)state;

	polls = drained = 0;
	window_clock_start(&clock, 3600000000000ULL, NULL);
	clock.client_gone = gone_on_third_poll;
	clock.drain = count_drain;
	assert_int_equal(window_wait(&clock), WINDOW_CLIENT_GONE);
	assert_int_equal(polls, 3);
	assert_int_equal(drained, 2); /* in place of the sleeps between polls */
	assert_string_equal(window_end_reason(clock.end), "the client went away");

	window_clock_start(&clock, 3600000000000ULL, NULL);
	clock.source_ended = ended_now;
	clock.source = &ended;
	assert_int_equal(window_wait(&clock), WINDOW_SET_EXITED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_window_lasts_its_duration),
		cmocka_unit_test(a_window_of_nothing_ends_at_once),
		cmocka_unit_test(tokens_end_the_windows_below_them),
		cmocka_unit_test(the_sets_exit_ends_it),
		cmocka_unit_test(a_client_gone_and_a_source_ended_end_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
