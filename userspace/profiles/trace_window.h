/*
 * trace_window.h: a window of the trace kind: the scheduler's timeline of
 * every thread of the traced set (timeline.bpf.c) over the window, written
 * as Chrome trace-event JSON (trace_json.c). Its output is that document,
 * not a profile.
 */
#ifndef TRACE_WINDOW_H
#define TRACE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "traced_set.h"

struct trace_window;

/* What a closed trace window gathered, for its owner's messages. */
struct trace_figures {
	size_t events;	/* drawn: inside the window */
	size_t threads; /* listed at the start */
	uint64_t seen, lost;
};

/* Lists the processes and threads of the set as they are now (so quiet ones
 * get a track too) and attaches the timeline's programs. NULL with a
 * one-line reason: the traced set is gone, or the programs would not load. */
struct trace_window *trace_window_open(struct traced_set *set, char *err, size_t err_len);
/* Gathers pending events for up to timeout_ms (a window_clock's drain). */
void trace_window_drain(void *window, int timeout_ms);
/* Detaches, and writes the window from start_ns to end_ns (monotonic) as
 * JSON to out, or nothing when out is NULL (nobody wants it any more);
 * fills figures and frees the window. 0, or -1 on a write error or when
 * out of memory. */
int trace_window_close(struct trace_window *window, uint64_t start_ns, uint64_t end_ns, bool set_exited, FILE *out,
		       struct trace_figures *figures);

#endif
