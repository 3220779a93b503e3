/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sample_cost.bpf.h: where a CPU sample's BPF time goes, for make
 * bench-sampler only. Built with BPFPROF_SAMPLE_COST, the sampler adds the
 * nanoseconds between marks (bpf_ktime_get_ns) to a per-CPU array the bench
 * reads with bpftool; built without, every mark is nothing. The clock reads
 * cost time of their own, so the bench reports the plain build's totals
 * beside the breakdown.
 */
#ifndef BPFPROF_SAMPLE_COST_BPF_H
#define BPFPROF_SAMPLE_COST_BPF_H

/* The bench names these in this order (bench/sampler.sh). */
enum sample_cost {
	COST_FILTER,	     /* ns: entry to "a target thread" */
	COST_SETUP,	     /* ns: the record's head */
	COST_WALK,	     /* ns: the user stack, all of it */
	COST_WALK_MAPPING,   /* ns of COST_WALK: finding each pc's mapping (and Go's stack switches) */
	COST_WALK_ROW,	     /* ns of COST_WALK: finding each pc's row (cache or search) */
	COST_KERNEL_STACK,   /* ns: bpf_get_stack, the kernel's own unwinder */
	COST_HASH,	     /* ns: the stack's two hashes */
	COST_SEND_REF,	     /* ns: known stack, totalled (or sent by reference) */
	COST_SEND_WHOLE,     /* ns: a stack sent whole */
	COST_SAMPLES,	     /* count: target samples */
	COST_FRAMES,	     /* count: user frames walked */
	COST_KERNEL_SAMPLES, /* count: samples taken in kernel mode */
	COST_KERNEL_FRAMES,  /* count: their kernel frames */
	COST_ROW_HITS,	     /* count: rows found in the row cache */
	COST_ROW_MISSES,     /* count: rows searched for */
	COST_MAX,
};

#ifdef BPFPROF_SAMPLE_COST
#include "percpu_counters.bpf.h"

PERCPU_COUNTERS(sample_cost, COST_MAX);

static __always_inline void sample_cost_count(__u32 what, __u64 n)
{
	percpu_counter_add(&sample_cost, what, n);
}

static __always_inline void sample_cost_mark(__u32 phase, __u64 *mark)
{
	__u64 now = bpf_ktime_get_ns();

	sample_cost_count(phase, now - *mark);
	*mark = now;
}

#define COST_START(mark)       __u64 mark = bpf_ktime_get_ns()
#define COST_MARK(phase, mark) sample_cost_mark(phase, mark)
#define COST_COUNT(what, n)    sample_cost_count(what, n)
#else
#define COST_START(mark)
#define COST_MARK(phase, mark) ((void)0)
#define COST_COUNT(what, n)    ((void)0)
#endif

#endif
