/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counters.bpf.h: a program's per-CPU event and loss counters, so nothing
 * is dropped silently; the agent sums them over the CPUs
 * (userspace/collect/bpf_counters.c). Define BPF_COUNTER_MAX (the number of
 * counters) before including.
 */
#ifndef BPFPROF_COUNTERS_BPF_H
#define BPFPROF_COUNTERS_BPF_H

#include "percpu_counters.bpf.h"

PERCPU_COUNTERS(counters, BPF_COUNTER_MAX);

static __always_inline void count_many(__u32 counter, __u64 n)
{
	percpu_counter_add(&counters, counter, n);
}

static __always_inline void count(__u32 counter)
{
	count_many(counter, 1);
}

#endif
