/*
 * offcpu_profile.c: a window of off-CPU totals into a symbolized profile.
 * The kernel did the aggregation; what is left is naming the stacks and
 * saying honestly what the figures cover.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bpf_counters.h"
#include "clock.h"
#include "offcpu_collector.h"
#include "offcpu_profile.h"
#include "profile_builder.h"
#include "profile_comments.h"
#include "window_health.h"

struct offcpu_window {
	struct traced_set *set;
	struct offcpu_collector *collector;
	enum offcpu_kind kind;
	uint64_t min_wait_ns;
	uint64_t started_ns; /* monotonic */
	int64_t started_wall_ns;
	int64_t set_cpu_at_open;    /* -1: unknown */
	struct program_load load;   /* what loading the collector's programs cost, and their walk */
};

const char *offcpu_kind_name(enum offcpu_kind kind)
{
	return kind == OFFCPU_FUTEX ? "mutex" : "block";
}

static struct offcpu_window *open_window(struct traced_set *set, enum offcpu_kind kind, uint64_t min_wait_ns,
					 bool include_preempted, char *err, size_t err_len)
{
	struct offcpu_window *window = calloc(1, sizeof(*window));

	if (window == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (!traced_set_alive(set)) {
		traced_set_gone_reason(set, err, err_len);
		free(window);
		return NULL;
	}
	*window = (struct offcpu_window){.set = set, .kind = kind, .min_wait_ns = min_wait_ns};
	window->collector =
		offcpu_collector_start(set->tracker, kind, min_wait_ns, include_preempted, set->unwinder, err, err_len);
	if (window->collector == NULL) {
		free(window);
		return NULL;
	}
	window->load = *offcpu_collector_program_load(window->collector);
	window->started_ns = monotonic_ns();
	window->started_wall_ns = wall_ns();
	window->set_cpu_at_open = traced_set_cpu_ns(set);
	return window;
}

struct offcpu_window *offcpu_window_open(struct traced_set *set, enum offcpu_kind kind, uint64_t min_wait_ns, char *err,
					 size_t err_len)
{
	return open_window(set, kind, min_wait_ns, false, err, err_len);
}

struct offcpu_window *offcpu_window_open_all(struct traced_set *set, char *err, size_t err_len)
{
	return open_window(set, OFFCPU_BLOCK, OFFCPU_MIN_WAIT_DEFAULT_NS, true, err, err_len);
}

const struct program_load *offcpu_window_program_load(const struct offcpu_window *window)
{
	return &window->load;
}

static void describe(struct profile *profile, const struct offcpu_window *window,
		     const struct offcpu_collector_stats *stats, bool exited, double seconds)
{
	char what[32];
	snprintf(what, sizeof(what), "%s profile", offcpu_kind_name(window->kind));
	profile_comments_add_set(profile, window->set, what);
	if (window->kind == OFFCPU_BLOCK)
		profile_add_comment(profile, "block: time threads spent switched out asleep (I/O, sleeps, locks, "
					     "condition variables), by the user and kernel stack where they blocked, "
					     "from the scheduler's switch events");
	else
		profile_add_comment(profile, "mutex: time threads waited inside futex system calls (contended "
					     "pthread mutexes and rwlocks, condition variables, semaphores), by the "
					     "waiter's stack; an uncontended lock never enters the kernel and is not seen");
	profile_add_comment(profile, "waits shorter than %.1f us are not counted, nor waits that began before the "
				     "window or were still going at its end",
			    (double)window->min_wait_ns / 1e3);
	unwinder_describe(window->set->unwinder, window->load.mode, profile, stats->user_stack_ends);
	profile_add_comment(profile,
			    "waits: %llu ended, %llu counted; lost: %llu (no room for a stack, a total or the "
			    "thread's start, or a nested walk), %llu (agent out of memory); %llu user stacks unreadable",
			    (unsigned long long)stats->waits, (unsigned long long)stats->counted,
			    (unsigned long long)stats->lost, (unsigned long long)stats->unread,
			    (unsigned long long)stats->stack_errors);
	bpf_counters_describe(profile, "offcpu.bpf.c", offcpu_counter_descriptions, stats->counters,
			      OFFCPU_COUNTER_MAX);
	program_load_describe(&window->load, profile);
	if (exited)
		profile_add_comment(profile, "the target exited after %.1f s: the profile covers only that time",
				    seconds);
	offcpu_check_health(profile, window->kind, stats,
			    process_handle_cpu_between(window->set_cpu_at_open, traced_set_cpu_ns(window->set)),
			    seconds);
}

void offcpu_check_health(struct profile *profile, enum offcpu_kind kind, const struct offcpu_collector_stats *stats,
			 int64_t set_cpu_ns, double seconds)
{
	window_health_check(profile, &(struct window_activity){
					     .events = "waits",
					     .probe = kind == OFFCPU_BLOCK ? "tp_btf/sched_switch" : "tp_btf/sys_enter",
					     .machine_wide = true,
					     .fired = stats->seen,
					     .kept = stats->counted,
					     .lost = stats->lost + stats->unread,
					     .set_cpu_ns = set_cpu_ns,
					     .seconds = seconds,
				     });
}

struct stack_table *offcpu_window_collect(struct offcpu_window *window, struct offcpu_collector_stats *stats,
					   uint64_t *elapsed_ns)
{
	struct stack_table *stacks = stack_table_new(2);

	*elapsed_ns = monotonic_ns() - window->started_ns;
	offcpu_collector_stop(window->collector, stacks, stats);
	free(window);
	return stacks;
}

struct profile *offcpu_window_close(struct offcpu_window *window, bool set_exited)
{
	struct traced_set *set = window->set;
	struct offcpu_window described = *window;
	struct offcpu_collector_stats stats = {0};
	uint64_t elapsed;
	struct stack_table *stacks = offcpu_window_collect(window, &stats, &elapsed);
	struct profile *profile = stacks != NULL ? profile_new() : NULL;

	if (profile != NULL) {
		profile_add_sample_type(profile, "contentions", "count");
		profile_add_sample_type(profile, "delay", "nanoseconds");
		profile->period_type = (struct value_type){
			.type = profile_string(profile, "contentions"),
			.unit = profile_string(profile, "count"),
		};
		profile->period = 1;
		profile->time_nanos = described.started_wall_ns;
		profile->duration_nanos = (int64_t)elapsed;
		describe(profile, &described, &stats, set_exited, (double)elapsed / 1e9);
		if (traced_set_add_stacks(set, profile, stacks) != 0) {
			profile_free(profile);
			profile = NULL;
		}
	}
	stack_table_free(stacks);
	return profile;
}
