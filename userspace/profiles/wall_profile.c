/*
 * wall_profile.c: a CPU window and a block window opened and closed
 * together, their stacks merged under a state each. On-CPU time is the
 * samples' periods, off-CPU time the waits' delays: the same unit, so one
 * graph adds them up.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bpf_counters.h"
#include "clock.h"
#include "offcpu_collector.h"
#include "offcpu_profile.h"
#include "profile_comments.h"
#include "wall_profile.h"

struct wall_window {
	struct session *session;
	struct cpu_window *cpu;
	struct offcpu_window *off;
	int64_t started_wall_ns;
};

struct wall_window *wall_window_open(struct session *session, uint64_t duration_ns, char *err, size_t err_len)
{
	struct wall_window *window = calloc(1, sizeof(*window));

	if (window == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	window->session = session;
	window->started_wall_ns = wall_ns();
	window->cpu = cpu_window_open(session->cpu, duration_ns, err, err_len);
	if (window->cpu == NULL) {
		free(window);
		return NULL;
	}
	window->off = offcpu_window_open_all(&session->set, err, err_len);
	if (window->off == NULL) {
		struct cpu_window_result dropped;
		cpu_window_stop(window->cpu);
		cpu_window_close(window->cpu, &dropped);
		stack_table_free(dropped.stacks);
		free(window);
		return NULL;
	}
	return window;
}

/* Adds each stack of from, under state, with its nanoseconds (value 1). */
static int merge(struct stack_table *into, const struct stack_table *from, enum stack_state state)
{
	size_t cursor = 0;
	struct stack_key key;
	const int64_t *values;

	while (from != NULL && stack_table_next(from, &cursor, &key, &values)) {
		key.state = state;
		if (stack_table_add(into, &key, &values[1]) != 0)
			return -1;
	}
	return 0;
}

static void describe(struct profile *profile, const struct wall_window *window, const struct cpu_window_result *on,
		     const struct offcpu_collector_stats *off, bool exited, double seconds)
{

	profile_comments_add_set(profile, &window->session->set, "wall-clock profile");
	profile_add_comment(profile, "on-CPU and off-CPU time in one profile. on-CPU: cpu-clock samples, each worth its period; off-CPU: from the scheduler's "
				     "switch events, sleeps and preemptions alike (waits of 1 us and more), by the stack "
				     "the thread left the CPU in; each sample labelled state=on-CPU or state=off-CPU (go "
				     "tool pprof -tagroot=state splits the graph)");
	profile_add_comment(profile, "a thread asleep for the whole window has no event in it and does not show; "
				     "waits that began before the window or outlast it are not counted");
	unwinder_describe(window->session->set.unwinder, on->load.mode, profile, on->user_stack_ends);
	profile_add_comment(profile,
			    "on-CPU samples: %llu taken, %llu lost; off-CPU waits: %llu ended, %llu counted, %llu lost",
			    (unsigned long long)on->stats.samples,
			    (unsigned long long)(on->stats.lost_ringbuf_full + on->aggregation_failures),
			    (unsigned long long)off->waits, (unsigned long long)off->counted,
			    (unsigned long long)(off->lost + off->unread));
	bpf_counters_describe(profile, "cpu.bpf.c", cpu_counter_descriptions, on->stats.counters, CPU_COUNTER_MAX);
	bpf_counters_describe(profile, "offcpu.bpf.c", offcpu_counter_descriptions, off->counters, OFFCPU_COUNTER_MAX);
	program_load_describe(&on->load, profile);
	program_load_describe(offcpu_window_program_load(window->off), profile);
	if (exited)
		profile_add_comment(profile, "the target exited after %.1f s: the profile covers only that time",
				    seconds);
	cpu_window_check_health(window->session->cpu, profile, on);
	offcpu_check_health(profile, OFFCPU_BLOCK, off, on->set_cpu_ns, seconds);
}

struct profile *wall_window_close(struct wall_window *window, bool set_exited)
{
	struct session *session = window->session;
	struct cpu_window_result on;
	struct offcpu_collector_stats off = {0};
	uint64_t elapsed;

	cpu_window_stop(window->cpu);
	cpu_window_close(window->cpu, &on);
	struct stack_table *off_stacks = offcpu_window_collect(window->off, &off, &elapsed);
	struct stack_table *wall = stack_table_new(1);
	struct profile *profile = wall != NULL && off_stacks != NULL ? profile_new() : NULL;
	int rc = profile != NULL ? 0 : -1;

	if (rc == 0)
		rc = merge(wall, on.stacks, STACK_ON_CPU);
	if (rc == 0)
		rc = merge(wall, off_stacks, STACK_OFF_CPU);
	if (rc == 0) {
		profile_add_sample_type(profile, "wall", "nanoseconds");
		profile->period_type = (struct value_type){
			.type = profile_string(profile, "wall"),
			.unit = profile_string(profile, "nanoseconds"),
		};
		profile->period = 1;
		profile->time_nanos = window->started_wall_ns;
		profile->duration_nanos = (int64_t)elapsed;
		describe(profile, window, &on, &off, set_exited, (double)elapsed / 1e9);
		rc = traced_set_add_stacks(&session->set, profile, wall);
	}
	stack_table_free(on.stacks);
	stack_table_free(off_stacks);
	stack_table_free(wall);
	free(window);
	if (rc != 0) {
		profile_free(profile);
		return NULL;
	}
	return profile;
}
