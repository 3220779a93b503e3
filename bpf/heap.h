/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heap.h: what the heap profiler's BPF side shares with the
 * agent: its records and counters, and which allocations are sampled,
 * decided where they happen (in the uprobe) by code the agent's tests run
 * too.
 *
 * As Go's runtime does: every thread counts down the bytes it allocates;
 * the allocation that crosses zero is sampled, and the next distance is
 * drawn from an exponential distribution with mean `rate` bytes, so each
 * byte has the same chance 1/rate of triggering a sample and the sampled
 * sizes are unbiased once scaled. BPF has no floating point: the draw
 * reads a table of -ln(u) in 16.16 fixed point, filled by the agent.
 */
#ifndef BPFPROF_HEAP_H
#define BPFPROF_HEAP_H

#include "counter_list.h"
#include "unwind.h"

#define HEAP_COMM_LEN 16

enum heap_event_kind {
	HEAP_EVENT_ALLOC, /* a sampled allocation entered: its size and the stack that made it */
	HEAP_EVENT_DONE,  /* that allocation returned: its address (0: it failed) */
	HEAP_EVENT_FREE,  /* a sampled allocation was freed (or moved by realloc) */
	HEAP_EVENT_EXEC,  /* a process of a traced set called exec: its heap is another program's */
};

/* A live sampled allocation: addresses repeat across processes. */
struct heap_live_key {
	__u64 address;
	__u32 tgid;
	__u32 pad;
};

/* The start of every record; DONE and FREE records are just this. */
struct heap_event_header {
	__u8 kind;           /* enum heap_event_kind */
	__u8 user_stack_end; /* enum unwind_end */
	__u16 pad;
	__u32 tid;
	__u64 address;
	__u64 size;
	__s32 user_depth; /* frames, or a negative errno */
	__u32 tgid;       /* the process */
};

/* An ALLOC record: the header, when it happened, the thread's name and
 * its user stack. The time (CLOCK_MONOTONIC, as bpf_ktime_get_ns) dates
 * the allocation for the leak view. */
struct heap_event {
	struct heap_event_header header;
	__u64 time_ns;
	char comm[HEAP_COMM_LEN];
	__u64 user_stack[UNWIND_MAX_FRAMES];
};

/* The in-process sampler's report of one sampled call or the free of a
 * sampled block (sampler/heap_sampler.c, --heap-inject): the uprobe on
 * bpfprof_heap_sampled() reads it. The stack is walked from the caller as
 * the allocator function would have seen it at its entry, so both modes
 * give the same stacks. */
#define HEAP_NOTE_UNTRACKED 1 /* the sampler had no room to remember the block: its free goes unseen */
struct heap_sampler_note {
	__u32 kind;  /* HEAP_EVENT_ALLOC (the call has returned: address is known) or HEAP_EVENT_FREE */
	__u32 flags; /* HEAP_NOTE_* */
	__u64 address;
	__u64 size;
	__u64 function;  /* the allocator function called: the stack's first frame */
	__u64 entry_sp;  /* the stack pointer at its entry: where the return address is */
	__u64 caller_bp; /* the caller's rbp */
	__u64 calls;     /* the thread's allocation calls since its previous note */
};

/* Per-CPU counters, so nothing is dropped silently, each with what it
 * counts, as profile comments say it (counter_list.h). */
#define HEAP_COUNTERS(X) \
	X(HEAP_COUNTER_CALLS, "allocation calls seen") \
	X(HEAP_COUNTER_SAMPLED, "of which sampled") \
	X(HEAP_COUNTER_RINGBUF_FULL, "events with no room in the ring buffer") \
	X(HEAP_COUNTER_LIVE_FULL, "sampled allocations whose free cannot be matched") \
	X(HEAP_COUNTER_THREADS_FULL, "calls with no room for the thread's countdown")
enum heap_counter { HEAP_COUNTERS(BPF_COUNTER_ENUM) HEAP_COUNTER_MAX };

#define HEAP_DRAW_TABLE 1024  /* entries; a power of two */
#define HEAP_DRAW_SHIFT 16    /* the table's fixed point */
_Static_assert((HEAP_DRAW_TABLE & (HEAP_DRAW_TABLE - 1)) == 0, "draws index the table with a mask");

/* One thread's countdown. */
struct heap_countdown {
	__s64 bytes_left; /* sample the allocation that takes it to zero or below */
};

/* Draws the next distance: rate x -ln(u), u uniform in (0, 1). rate 1
 * samples every allocation. */
static inline __u64 heap_next_distance(const __u32 *draw_table, __u64 rate, __u32 random)
{
	if (rate <= 1)
		return 1;
	return (rate * draw_table[random & (HEAP_DRAW_TABLE - 1)]) >> HEAP_DRAW_SHIFT;
}

/* Counts an allocation of size bytes; true when it is sampled (and the
 * next distance is drawn). */
static inline int heap_countdown_take(struct heap_countdown *countdown, const __u32 *draw_table, __u64 rate,
				      __u64 size, __u32 random)
{
	countdown->bytes_left -= (__s64)size;
	if (countdown->bytes_left > 0)
		return 0;
	countdown->bytes_left = (__s64)heap_next_distance(draw_table, rate, random);
	return 1;
}

#endif
