/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counters.bpf.h: a program's per-CPU event and loss counters, so nothing
 * is dropped silently; the agent sums them over the CPUs
 * (userspace/collect/bpf_counters.c). Define BPF_COUNTER_MAX (the number of
 * counters) before including.
 */
#ifndef BPFPROF_COUNTERS_BPF_H
#define BPFPROF_COUNTERS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BPF_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count_many(__u32 counter, __u64 n)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &counter);

	if (value)
		*value += n;
}

static __always_inline void count(__u32 counter)
{
	count_many(counter, 1);
}

#endif
