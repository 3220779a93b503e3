/* SPDX-License-Identifier: GPL-2.0 */
/*
 * process_tracker.h: what process_tracker.bpf.c shares with the agent. A
 * traced set of processes changes as they fork, exec, exit and as others
 * join the traced cgroup; the kernel side keeps the set (traced_pids.bpf.h)
 * right at once and tells the agent, which reads each newcomer's image.
 */
#ifndef BPFPROF_PROCESS_TRACKER_H
#define BPFPROF_PROCESS_TRACKER_H

#include "counter_list.h"

#define TRACED_PIDS_MAX 8192     /* processes one session traces at once */
#define PROCESS_CGROUP_DEPTH 32  /* cgroup levels searched for the traced one */

enum process_event_kind {
	PROCESS_FORKED, /* tgid is a new process forked by the member `parent` */
	PROCESS_JOINED, /* tgid was moved into the traced cgroup */
	PROCESS_EXECED, /* tgid runs a new program */
	PROCESS_EXITED, /* tgid's last thread exited */
	PROCESS_LEFT,   /* tgid, there because of the traced cgroup, was moved out of it */
};

/* A bit of a member's value in the set (traced_pids.bpf.h): it is there
 * because it is in the traced cgroup (found in it, moved into it, or forked
 * by such a member), so moving out of the cgroup takes it out of the set.
 * One given by --pid, or a descendant of one, stays wherever it moves. */
#define TRACED_VIA_CGROUP (1u << 31)

struct process_event {
	__u64 time_ns; /* CLOCK_MONOTONIC */
	__u32 kind;    /* enum process_event_kind */
	__u32 tgid;
	__u32 parent;
	__u32 pad;
};

/* Per-CPU counters, so nothing is dropped silently, each with what it
 * counts, as profile comments say it (counter_list.h). */
#define PROCESS_COUNTERS(X) \
	X(PROCESS_COUNTER_EVENTS, "forks, joins, execs and exits of traced processes") \
	X(PROCESS_COUNTER_RINGBUF_FULL, "of which with no room in the ring buffer") \
	X(PROCESS_COUNTER_SET_FULL, "processes not traced: the set was full")
enum process_counter { PROCESS_COUNTERS(BPF_COUNTER_ENUM) PROCESS_COUNTER_MAX };

#endif
