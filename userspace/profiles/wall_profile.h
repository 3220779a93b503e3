/*
 * wall_profile.h: the wall-clock profile: every thread's on-CPU time (CPU
 * samples) and off-CPU time (block waits) over one window, in one profile
 * of wall/nanoseconds, each sample labelled state=on-CPU or off-CPU, so a
 * flamegraph shows where a request's whole latency goes (pprof draws the
 * split with -tagroot=state; bpfprof's flamegraphs always do).
 */
#ifndef WALL_PROFILE_H
#define WALL_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "session.h"

struct wall_window;

/* Starts CPU sampling and block tracing together, for duration_ns at
 * most. NULL with a reason. */
struct wall_window *wall_window_open(struct session *session, uint64_t duration_ns, char *err, size_t err_len);
/* Ends both (early when the window was cut short) and returns the merged profile, or NULL when out of memory;
 * frees the window. */
struct profile *wall_window_close(struct wall_window *window, bool set_exited);

#endif
