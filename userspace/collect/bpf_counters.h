/* bpf_counters.h: per-CPU counter arrays, summed over the CPUs. */
#ifndef BPF_COUNTERS_H
#define BPF_COUNTERS_H

#include <stdint.h>

/* Fills totals[0..n) with the sums of a BPF_MAP_TYPE_PERCPU_ARRAY of u64
 * counters; a counter that cannot be read stays 0. */
void bpf_counters_sum(int map_fd, uint64_t *totals, uint32_t n);

#endif
