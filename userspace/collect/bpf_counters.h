/* bpf_counters.h: per-CPU counter arrays, summed over the CPUs. */
#ifndef BPF_COUNTERS_H
#define BPF_COUNTERS_H

#include <stdint.h>

#include "profile.h"

/* A counter's description, as its program's x.h lists it (counter_list.h):
 * `const char *const d[X_COUNTER_MAX] = {X_COUNTERS(BPF_COUNTER_DESCRIPTION)};` */
#define BPF_COUNTER_DESCRIPTION(name, description) [name] = description,

/* Fills totals[0..n) with the sums of a BPF_MAP_TYPE_PERCPU_ARRAY of u64
 * counters; a counter that cannot be read stays 0. */
void bpf_counters_sum(int map_fd, uint64_t *totals, uint32_t n);

/* One comment giving every counter of program with what it counts:
 * "counters of cpu.bpf.c: 1200 target samples seen by the program; 0 ...". */
void bpf_counters_describe(struct profile *profile, const char *program, const char *const *descriptions,
			   const uint64_t *values, uint32_t n);

#endif
