/*
 * timeline_collector.h: the thin glue around timeline.bpf.c: attach to
 * the scheduler's events of the traced set and gather them for a window.
 * Drawing them is trace_json.c's.
 */
#ifndef TIMELINE_COLLECTOR_H
#define TIMELINE_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "process_collector.h"
#include "timeline.h"

#define TIMELINE_EVENTS_MAX (4U << 20) /* kept per window: 192 MiB at most */

struct timeline_events {
	struct timeline_event *events;
	size_t count, cap;
	uint64_t seen, lost; /* lost: no room in the ring buffer, or past TIMELINE_EVENTS_MAX */
};

struct timeline_collector;

/* Loads timeline.bpf.c for the processes of set and attaches it. NULL
 * with a one-line reason. */
struct timeline_collector *timeline_collector_start(const struct process_collector *set, char *err, size_t err_len);
/* Loads the programs alone (no set, no attach), to measure them; 0 with
 * load filled, or -1 with err. */
int timeline_collector_measure(struct program_load *load, char *err, size_t err_len);
/* Gathers pending events, waiting up to timeout_ms; -1 on error. */
int timeline_collector_poll(struct timeline_collector *collector, int timeout_ms);
/* Detaches, gathers what is still buffered, hands the events over (the
 * caller frees out->events) and frees. */
void timeline_collector_stop(struct timeline_collector *collector, struct timeline_events *out);

#endif
