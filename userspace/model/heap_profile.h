/*
 * heap_profile.h: heap records (heap.bpf.c, through heap_collector.c)
 * aggregated into Go's four heap values per stack: alloc_objects,
 * alloc_space, inuse_objects, inuse_space, each sample scaled back to the
 * allocations it stands for (heap_sampling.c). "In use" is allocated since
 * attach and not freed yet. Pure: no BPF, unit-tested alone.
 */
#ifndef HEAP_PROFILE_H
#define HEAP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "heap.h"
#include "profile.h"
#include "stack_table.h"

enum { HEAP_ALLOC_OBJECTS, HEAP_ALLOC_SPACE, HEAP_INUSE_OBJECTS, HEAP_INUSE_SPACE, HEAP_VALUES };

struct heap_profile_stats {
	uint64_t allocations;  /* sampled allocations that returned an address */
	uint64_t failed;       /* sampled allocations that returned NULL */
	uint64_t frees;        /* frees matched to a sampled allocation */
	uint64_t unfinished;   /* sampled allocations whose return never came */
	uint64_t agent_memory; /* records dropped: the agent ran out of memory */
	uint64_t stack_errors; /* sampled allocations whose stack could not be read */
	uint64_t execs;        /* processes of the set that ran a new program, their heaps let go */
	uint64_t user_stack_ends[UNWIND_END_MAX]; /* sampled allocations by why their stack ended */
};

struct heap_profile;

/* by_process: the records are of several processes, and each stack says
 * whose (its key's pid); one process's leave it out. */
struct heap_profile *heap_profile_new(uint64_t rate, bool by_process);
void heap_profile_free(struct heap_profile *heap);
/* Takes one record of size bytes, as the collector delivers it. */
void heap_profile_add(struct heap_profile *heap, const struct heap_event_header *event, size_t size);
/* The stacks, with HEAP_VALUES values each; the heap profile's own. */
const struct stack_table *heap_profile_stacks(const struct heap_profile *heap);
/* The leak view: allocations still live that were made before
 * born_before_ns (monotonic), by stack, as a new table of two values
 * (objects, bytes; scaled as in use). NULL when out of memory. */
struct stack_table *heap_profile_leaks(const struct heap_profile *heap, uint64_t born_before_ns);
void heap_profile_read_stats(const struct heap_profile *heap, struct heap_profile_stats *stats);
/* Sets Go's heap conventions on a new profile: the four sample types (the
 * two in-use ones alone for the leak view), period_type space/bytes,
 * period = rate, default sample type inuse_space. */
void heap_profile_conventions(struct profile *profile, uint64_t rate, bool in_use_only);

#endif
