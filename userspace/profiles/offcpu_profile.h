/*
 * offcpu_profile.h: block and mutex profiles over a window: an off-CPU
 * collector attached while the window is open, its totals symbolized into
 * a profile with Go's conventions for both (contentions/count,
 * delay/nanoseconds) and comments on what was and was not counted.
 */
#ifndef OFFCPU_PROFILE_H
#define OFFCPU_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "offcpu.h"
#include "profile.h"
#include "traced_set.h"

struct offcpu_collector_stats;

#define OFFCPU_MIN_WAIT_DEFAULT_NS 1000ULL /* 1 us: shorter waits are noise to a profile */

struct offcpu_window;

/* Starts counting waits of kind of at least min_wait_ns. NULL with a
 * one-line reason in err. */
struct offcpu_window *offcpu_window_open(struct traced_set *set, enum offcpu_kind kind, uint64_t min_wait_ns, char *err,
					 size_t err_len);
/* The same for all time off CPU, preemptions included: the wall clock's. */
struct offcpu_window *offcpu_window_open_all(struct traced_set *set, char *err, size_t err_len);
/* What loading the window's programs cost, and the walk they do. */
const struct program_load *offcpu_window_program_load(const struct offcpu_window *window);
/* Ends the window (set_exited: it ended because the traced set did) and
 * returns its profile, or NULL when out of memory; frees the window. */
struct profile *offcpu_window_close(struct offcpu_window *window, bool set_exited);

/* Warns in the profile's comments when the kind's program never fired
 * although the traced set ran, or lost its waits (window_health.h). */
void offcpu_check_health(struct profile *profile, enum offcpu_kind kind, const struct offcpu_collector_stats *stats,
			 int64_t set_cpu_ns, double seconds);

/* Ends the window and hands over its totals: a table of (count,
 * nanoseconds) per stack, or NULL when out of memory; frees the window. */
struct offcpu_collector_stats;
struct stack_table *offcpu_window_collect(struct offcpu_window *window, struct offcpu_collector_stats *stats,
					   uint64_t *elapsed_ns);

/* "block" or "mutex". */
const char *offcpu_kind_name(enum offcpu_kind kind);

#endif
