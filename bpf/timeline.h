/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timeline.h: the scheduler events timeline.bpf.c sends for the target's
 * threads, from which the agent draws each thread's time on and off CPU.
 */
#ifndef BPFPROF_TIMELINE_H
#define BPFPROF_TIMELINE_H

#include "counter_list.h"

#define TIMELINE_COMM_LEN 16

enum timeline_kind {
	TIMELINE_SWITCH_IN,  /* tid starts running on cpu */
	TIMELINE_SWITCH_OUT, /* tid stops running on cpu, leaving in `state` */
	TIMELINE_WAKEUP,     /* tid is made runnable by `other_tid` (of `other_tgid`) */
};

struct timeline_event {
	__u64 time_ns; /* CLOCK_MONOTONIC */
	__u32 tid;
	__u32 tgid;
	__u32 other_tid;
	__u32 other_tgid;
	__u32 state;   /* SWITCH_OUT: the task state it left in (0: preempted, still runnable) */
	__u16 cpu;
	__u8 kind;     /* enum timeline_kind */
	__u8 pad;
	char comm[TIMELINE_COMM_LEN]; /* tid's name */
};

/* Per-CPU counters, so nothing is dropped silently, each with what it
 * counts, as profile comments say it (counter_list.h). */
#define TIMELINE_COUNTERS(X) \
	X(TIMELINE_COUNTER_EVENTS, "events of the target's threads") \
	X(TIMELINE_COUNTER_RINGBUF_FULL, "of which with no room in the ring buffer")
enum timeline_counter { TIMELINE_COUNTERS(BPF_COUNTER_ENUM) TIMELINE_COUNTER_MAX };

#endif
