/*
 * range_pool.h: the space of a fixed-size array (a BPF array map) handed
 * out as contiguous ranges and taken back, so a long-lived agent reuses
 * the room of what it dropped instead of filling the array once.
 */
#ifndef RANGE_POOL_H
#define RANGE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct range {
	uint32_t first, count;
};

struct range_pool {
	uint32_t capacity;
	uint32_t end;          /* nothing at or beyond it was ever handed out */
	uint64_t in_use;       /* entries handed out and not given back */
	struct range *free;    /* given back below end: sorted, never adjacent */
	size_t n_free, cap_free;
	struct range *retired; /* given up, not yet free: see range_pool_retire */
	size_t n_retired, cap_retired;
};

void range_pool_init(struct range_pool *pool, uint32_t capacity);
void range_pool_free(struct range_pool *pool);
/* count contiguous entries: the lowest free range that fits, else after
 * the end. false when none is that large (or out of memory). */
bool range_pool_take(struct range_pool *pool, uint32_t count, uint32_t *first);
/* Gives a range taken before back; false when out of memory (the range
 * is then lost to the pool, never handed out twice). */
bool range_pool_give(struct range_pool *pool, struct range range);
/* Gives a range back later: it stays in use until the next
 * range_pool_reuse_retired(), for readers that may still hold an entry
 * naming it (a BPF walker reading a map the agent is rewriting). */
void range_pool_retire(struct range_pool *pool, struct range range);
/* Every range retired so far becomes free. */
void range_pool_reuse_retired(struct range_pool *pool);

#endif
