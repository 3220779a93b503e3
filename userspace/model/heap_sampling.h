/*
 * heap_sampling.h: the user-space half of heap sampling (the kernel half is
 * in bpf/heap.h): the exponential draw table the agent hands the BPF
 * program, and how a sampled allocation is scaled back to an estimate of
 * all allocations, as Go's pprof does.
 */
#ifndef HEAP_SAMPLING_H
#define HEAP_SAMPLING_H

#include <stdint.h>

#include <linux/types.h>

#include "heap.h"

/* Fills table with -ln(u) in 16.16 fixed point for u at the midpoints of
 * HEAP_DRAW_TABLE equal slices of (0, 1): an exponential with mean 1. */
void heap_fill_draw_table(uint32_t table[HEAP_DRAW_TABLE]);

/* How many allocations one sampled allocation of size bytes stands for at
 * this rate: 1 / (1 - e^(-size/rate)), as Go's runtime/pprof scales heap
 * samples; exactly 1 at rate 1 (every allocation sampled). */
double heap_sample_scale(uint64_t size, uint64_t rate);

#endif
