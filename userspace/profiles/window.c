/* window.c: deadlines, cancellation and the one wait. */
#include <time.h>

#include "clock.h"
#include "window.h"

void cancel_token_fire(struct cancel_token *token)
{
	__atomic_store_n(&token->fired, true, __ATOMIC_RELEASE);
}

bool cancel_token_fired(const struct cancel_token *token)
{
	for (; token != NULL; token = token->parent)
		if (__atomic_load_n(&token->fired, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

void window_clock_start(struct window_clock *clock, uint64_t duration_ns, const struct cancel_token *parent)
{
	*clock = (struct window_clock){
		.started_ns = monotonic_ns(),
		.token = {.parent = parent},
	};
	clock->deadline_ns = clock->started_ns + duration_ns;
}

enum window_end window_check(struct window_clock *clock)
{
	if (clock->end != WINDOW_RUNNING)
		return clock->end;
	if (cancel_token_fired(&clock->token))
		clock->end = WINDOW_CANCELLED;
	else if (clock->set_gone != NULL && clock->set_gone(clock->set))
		clock->end = WINDOW_SET_EXITED;
	else if (clock->source_ended != NULL && clock->source_ended(clock->source))
		clock->end = WINDOW_SET_EXITED;
	else if (clock->client_gone != NULL && clock->client_gone(clock->client))
		clock->end = WINDOW_CLIENT_GONE;
	else if (monotonic_ns() >= clock->deadline_ns)
		clock->end = WINDOW_DEADLINE;
	if (clock->end != WINDOW_RUNNING)
		clock->ended_ns = monotonic_ns();
	return clock->end;
}

enum window_end window_wait(struct window_clock *clock)
{
	while (window_check(clock) == WINDOW_RUNNING) {
		/* Sleep a tick, or less when the deadline comes first, so a
		 * window lasts what was asked. */
		uint64_t left_ns = clock->deadline_ns - monotonic_ns();
		int timeout_ms = left_ns < WINDOW_TICK_MS * 1000000ULL ? (int)((left_ns + 999999) / 1000000) : WINDOW_TICK_MS;
		if (clock->drain != NULL) {
			clock->drain(clock->drain_ctx, timeout_ms);
		} else {
			struct timespec pause = {.tv_sec = timeout_ms / 1000, .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
			nanosleep(&pause, NULL);
		}
	}
	return clock->end;
}

double window_elapsed_seconds(const struct window_clock *clock)
{
	uint64_t end = clock->end != WINDOW_RUNNING ? clock->ended_ns : monotonic_ns();

	return (double)(end - clock->started_ns) / 1e9;
}

const char *window_end_reason(enum window_end end)
{
	switch (end) {
	case WINDOW_RUNNING: return "it is still running";
	case WINDOW_DEADLINE: return "its duration is over";
	case WINDOW_CANCELLED: return "it was cancelled";
	case WINDOW_SET_EXITED: return "the target exited";
	case WINDOW_CLIENT_GONE: return "the client went away";
	}
	return "?";
}

bool window_slots_take(struct window_slots *slots)
{
	unsigned used = __atomic_load_n(&slots->used, __ATOMIC_RELAXED);

	do {
		if (slots->max != 0 && used >= slots->max)
			return false;
	} while (!__atomic_compare_exchange_n(&slots->used, &used, used + 1, true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	return true;
}

void window_slots_give_back(struct window_slots *slots)
{
	__atomic_sub_fetch(&slots->used, 1, __ATOMIC_ACQ_REL);
}
