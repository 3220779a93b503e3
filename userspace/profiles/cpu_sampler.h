/*
 * cpu_sampler.h: CPU sampling windows over the traced set. Any number of
 * windows may be open at once (a `record`, or several HTTP clients of
 * `serve`), each aggregating the samples taken while it is open into its
 * own stack table. The BPF sampler is attached while at least one window
 * is open and detached when none is, so an idle agent costs nothing.
 */
#ifndef CPU_SAMPLER_H
#define CPU_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu_collector.h"
#include "profile.h"
#include "stack_table.h"
#include "symbolizer.h"
#include "process_handle.h"

struct cpu_window_result {
	struct stack_table *stacks;       /* the caller's to free */
	struct cpu_collector_stats stats; /* over the window only */
	uint64_t aggregation_failures;    /* samples lost for want of agent memory */
	uint64_t user_stack_ends[UNWIND_END_MAX]; /* samples received, by why their user stack ended */
	int64_t start_wall_ns;
	uint64_t elapsed_ns;
	int64_t set_cpu_ns;	  /* CPU the traced set used over the window; -1: unknown */
	bool set_exited;	  /* the window ended because the traced set did */
	struct program_load load; /* the sampler's programs: their cost and walk */
};

struct cpu_sampler;
struct cpu_window;

struct traced_set;

/* The sampler symbolizes and unwinds through the traced set (and asks
 * it to look again when code is mapped later); the set must outlive it. */
struct cpu_sampler *cpu_sampler_new(struct traced_set *set, const struct cpu_event *event, unsigned hz);
/* Ends every open window and detaches. */
void cpu_sampler_free(struct cpu_sampler *sampler);

/* Opens a window of duration_ns, attaching the sampler if needed. NULL with
 * a one-line reason when it cannot (the traced set is gone, attach failed). */
struct cpu_window *cpu_window_open(struct cpu_sampler *sampler, uint64_t duration_ns, char *err, size_t err_len);
/* Ends a window before its time (its token fired: window.h). */
void cpu_window_stop(struct cpu_window *window);
/* Waits for the end, hands over what the window collected and frees it. */
void cpu_window_close(struct cpu_window *window, struct cpu_window_result *result);

/* A profile of a closed window's stacks, symbolized, with Go's CPU-profile
 * conventions and comments on the traced set, the rate and every loss. NULL
 * when out of memory. Safe to call from several threads. */
struct profile *cpu_sampler_profile(struct cpu_sampler *sampler, const struct cpu_window_result *result);

/* Warns in the profile's comments when the window's sampler never fired
 * although the traced set ran, or lost its samples (window_health.h). */
void cpu_window_check_health(const struct cpu_sampler *sampler, struct profile *profile,
			     const struct cpu_window_result *result);

/* Whether the traced set still runs, as the sampler last saw it. */
bool cpu_sampler_set_alive(struct cpu_sampler *sampler);
/* The event it samples on (--event). */
const struct cpu_event *cpu_sampler_event(const struct cpu_sampler *sampler);

#endif
