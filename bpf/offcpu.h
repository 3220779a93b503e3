/* SPDX-License-Identifier: GPL-2.0 */
/*
 * offcpu.h: what offcpu.bpf.c shares with the agent. Off-CPU time is
 * aggregated in the kernel, per stack: a thread's stack is hashed where it
 * starts waiting, and the wait's count and nanoseconds are added under
 * that hash when it ends, so a busy server costs no record per switch.
 */
#ifndef BPFPROF_OFFCPU_H
#define BPFPROF_OFFCPU_H

#include "counter_list.h"
#include "unwind.h"

#define OFFCPU_COMM_LEN 16
#define OFFCPU_KERNEL_DEPTH 127

/* What kind of wait a total is for. */
enum offcpu_kind {
	OFFCPU_BLOCK, /* off CPU in a sleeping state, from switch-out to switch-in: the block profile */
	OFFCPU_FUTEX, /* inside a futex wait, from the system call's entry to its exit: the mutex profile */
	OFFCPU_KINDS,
};

/* A stack, as the hash names it. */
struct offcpu_stack {
	char comm[OFFCPU_COMM_LEN];
	__s32 user_depth;   /* frames, or a negative errno */
	__s32 kernel_depth; /* frames, or a negative errno; none for futex waits */
	__u8 user_stack_end; /* enum unwind_end */
	__u8 pad[3];
	__u32 tgid;          /* the process waiting */
	__u64 user_stack[UNWIND_MAX_FRAMES];
	__u64 kernel_stack[OFFCPU_KERNEL_DEPTH];
};

struct offcpu_key {
	__u64 stack; /* hash of the offcpu_stack */
	__u32 kind;  /* enum offcpu_kind */
	__u32 pad;
};

struct offcpu_total {
	__u64 count;
	__u64 ns;
};

/* Per-CPU counters, so nothing is dropped silently, each with what it
 * counts, as profile comments say it (counter_list.h). */
#define OFFCPU_COUNTERS(X) \
	X(OFFCPU_COUNTER_BLOCKS, "waits of the target's threads that ended, of any length") \
	X(OFFCPU_COUNTER_COUNTED, "of which long enough to count") \
	X(OFFCPU_COUNTER_STACK_BUSY, "waits whose stack could not be taken") \
	X(OFFCPU_COUNTER_STACKS_FULL, "waits with no room for a new stack") \
	X(OFFCPU_COUNTER_TOTALS_FULL, "waits with no room for a new total") \
	X(OFFCPU_COUNTER_THREADS_FULL, "waits with no room for the thread's start") \
	X(OFFCPU_COUNTER_USER_STACK_ERR, "stacks whose user part could not be read (kept, empty)")
enum offcpu_counter { OFFCPU_COUNTERS(BPF_COUNTER_ENUM) OFFCPU_COUNTER_MAX };

/* FNV-1a over 64-bit words: the stack's name in the maps. */
static inline __u64 offcpu_hash_word(__u64 hash, __u64 word)
{
	return (hash ^ word) * 0x100000001b3ULL;
}

#define OFFCPU_HASH_SEED 0xcbf29ce484222325ULL

#endif
