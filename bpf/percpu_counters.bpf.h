/* SPDX-License-Identifier: GPL-2.0 */
/*
 * percpu_counters.bpf.h: an array of 64-bit counters, one copy per CPU so
 * adding needs no atomics; user space sums the copies. The shape both the
 * programs' loss counters (counters.bpf.h) and make bench-sampler's phase
 * times (sample_cost.bpf.h) are kept in.
 */
#ifndef BPFPROF_PERCPU_COUNTERS_BPF_H
#define BPFPROF_PERCPU_COUNTERS_BPF_H

#define PERCPU_COUNTERS(name, n)                       \
	struct {                                       \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, n);                \
		__type(key, __u32);                    \
		__type(value, __u64);                  \
	} name SEC(".maps")

static __always_inline void percpu_counter_add(void *counters, __u32 index, __u64 n)
{
	__u64 *value = bpf_map_lookup_elem(counters, &index);

	if (value)
		*value += n;
}

#endif
