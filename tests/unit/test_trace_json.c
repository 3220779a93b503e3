/*
 * test_trace_json.c: scheduler events into trace-event slices: a thread's
 * run, sleep, wake-up and wait for a CPU; a thread running when the window
 * opened; one preempted; events out of order; edges of the window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace_json.h"

static struct timeline_event event(uint8_t kind, uint32_t tid, uint64_t time_ns, uint32_t state, const char *comm)
{
	struct timeline_event e = {.kind = kind, .tid = tid, .tgid = 42, .time_ns = time_ns, .state = state, .cpu = 1};

	strncpy(e.comm, comm, sizeof(e.comm));
	return e;
}

static const struct trace_process server = {.pid = 42, .comm = "server"};

static char *render(struct timeline_event *events, size_t n, uint64_t start, uint64_t end)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct trace_info info = {.processes = &server, .n_processes = 1, .start_ns = start, .end_ns = end,
				  .events_seen = n, .events_lost = 3, .set_exited = true};

	assert_int_equal(trace_write_json(out, events, n, &info), 0);
	fclose(out);
	return buf;
}

static void a_sleep_and_its_wakeup_become_slices(void **state)
{
	(void)state;
	/* Given out of order: the writer sorts. */
	struct timeline_event events[] = {
		event(TIMELINE_WAKEUP, 7, 9000, 0, "worker"),
		event(TIMELINE_SWITCH_IN, 7, 1000, 0, "worker"),
		event(TIMELINE_SWITCH_OUT, 7, 5000, 1, "worker"),
		event(TIMELINE_SWITCH_IN, 7, 10000, 0, "worker"),
	};
	events[0].other_tid = 8;
	events[0].other_tgid = 42;
	char *json = render(events, 4, 0, 12000);

	assert_non_null(strstr(json, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":42,\"args\":{\"name\":\"server\"}}"));
	assert_non_null(strstr(json, "\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":42,\"tid\":7,\"args\":{\"name\":\"worker\"}"));
	/* Off CPU in a way not seen until its first switch in. */
	assert_non_null(strstr(json, "\"name\":\"off CPU (since before the window)\",\"cat\":\"wait\",\"ph\":\"X\",\"ts\":0.000,\"dur\":1.000"));
	assert_non_null(strstr(json, "\"name\":\"on CPU\",\"cat\":\"cpu\",\"ph\":\"X\",\"ts\":1.000,\"dur\":4.000,\"pid\":42,\"tid\":7,\"args\":{\"cpu\":1}"));
	assert_non_null(strstr(json, "\"name\":\"sleeping\",\"cat\":\"wait\",\"ph\":\"X\",\"ts\":5.000,\"dur\":4.000"));
	assert_non_null(strstr(json, "\"name\":\"wakeup\",\"cat\":\"wakeup\",\"ph\":\"i\",\"s\":\"t\",\"ts\":9.000,\"pid\":42,\"tid\":7,\"args\":{\"waker_tid\":8,\"waker_pid\":42}"));
	assert_non_null(strstr(json, "\"name\":\"runnable (waiting for a CPU)\",\"cat\":\"wait\",\"ph\":\"X\",\"ts\":9.000,\"dur\":1.000"));
	/* Still running when the window closed: drawn to its end. */
	assert_non_null(strstr(json, "\"name\":\"on CPU\",\"cat\":\"cpu\",\"ph\":\"X\",\"ts\":10.000,\"dur\":2.000"));
	assert_non_null(strstr(json, "\"otherData\":{\"producer\":\"bpfprof\",\"events_seen\":4,\"events_lost\":3"));
	assert_non_null(strstr(json, "\"target_exited\":true}}"));
	free(json);
}

static void running_at_the_start_and_preempted(void **state)
{
	(void)state;
	struct timeline_event events[] = {
		event(TIMELINE_SWITCH_OUT, 3, 2000, 0, "busy"), /* preempted: still runnable */
		event(TIMELINE_SWITCH_IN, 3, 2500, 0, "busy"),
		event(TIMELINE_SWITCH_OUT, 3, 4000, 2, "busy"), /* uninterruptible: disk sleep */
		event(TIMELINE_SWITCH_IN, 3, 99000, 0, "busy"),  /* after the window: ignored */
	};
	char *json = render(events, 4, 1000, 6000);

	assert_non_null(strstr(json, "\"name\":\"on CPU\",\"cat\":\"cpu\",\"ph\":\"X\",\"ts\":0.000,\"dur\":1.000"));
	assert_non_null(strstr(json, "\"name\":\"runnable (waiting for a CPU)\",\"cat\":\"wait\",\"ph\":\"X\",\"ts\":1.000,\"dur\":0.500"));
	assert_non_null(strstr(json, "\"name\":\"disk sleep\",\"cat\":\"wait\",\"ph\":\"X\",\"ts\":3.000,\"dur\":2.000"));
	assert_null(strstr(json, "\"ts\":98.000"));
	free(json);
}

/* Threads /proc listed get a track even without an event: a busy one on
 * CPU throughout, a quiet one asleep throughout. */
static void listed_threads_without_events(void **state)
{
	(void)state;
	struct trace_thread listed[2] = {{.pid = 42, .tid = 5, .name = "spinner", .state = 'R'},
					 {.pid = 42, .tid = 6, .name = "idle", .state = 'S'}};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct trace_info info = {
		.processes = &server, .n_processes = 1, .threads = listed, .n_threads = 2, .start_ns = 0, .end_ns = 3000};

	assert_int_equal(trace_write_json(out, NULL, 0, &info), 0);
	fclose(out);
	assert_non_null(strstr(buf, "\"tid\":5,\"args\":{\"name\":\"spinner\"}"));
	assert_non_null(strstr(buf, "\"name\":\"on CPU\",\"cat\":\"cpu\",\"ph\":\"X\",\"ts\":0.000,\"dur\":3.000,\"pid\":42,\"tid\":5"));
	assert_non_null(strstr(buf, "\"name\":\"sleeping\",\"cat\":\"wait\",\"ph\":\"X\",\"ts\":0.000,\"dur\":3.000,\"pid\":42,\"tid\":6"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_sleep_and_its_wakeup_become_slices),
		cmocka_unit_test(running_at_the_start_and_preempted),
		cmocka_unit_test(listed_threads_without_events),
	};
	return cmocka_run_group_tests_name("trace_json", tests, NULL, NULL);
}
