/*
 * trace_json.h: the trace endpoint's output: scheduler events of the
 * target's threads (timeline.bpf.c) drawn as the Chrome trace-event JSON
 * format that Perfetto and chrome://tracing open. Each thread gets a track
 * of slices: on CPU (with the CPU), sleeping or in disk sleep (until woken),
 * runnable (woken or preempted, waiting for a CPU); wake-ups are instant
 * events naming the waker. Threads without an event in the window still
 * get their track, in the state /proc gave at the start. Pure: no BPF,
 * unit-tested alone.
 */
#ifndef TRACE_JSON_H
#define TRACE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/types.h>

#include "timeline.h"

/* A traced process, named in the trace as its own group of tracks. */
struct trace_process {
	pid_t pid;
	const char *comm;
};

/* A thread as /proc had it at the start, so that one without events
 * still gets its track. */
struct trace_thread {
	pid_t pid, tid;
	char name[TIMELINE_COMM_LEN]; /* as the events' comm: not always terminated */
	char state;		      /* /proc's letter: R, S, D, ... */
};

struct trace_info {
	const struct trace_process *processes;
	size_t n_processes;
	const struct trace_thread *threads;
	size_t n_threads;
	uint64_t start_ns, end_ns; /* the window, monotonic */
	uint64_t events_seen, events_lost;
	bool set_exited; /* the window ended early because the traced set did */
};

/* Sorts events by time (in place) and writes the JSON document. 0, or -1
 * on a write error. */
int trace_write_json(FILE *out, struct timeline_event *events, size_t n, const struct trace_info *info);

#endif
