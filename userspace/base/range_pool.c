/* range_pool.c: first fit over a sorted list of free ranges, merged with
 * their neighbours as they come back; the free room at the end is kept as
 * `end` alone. */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "range_pool.h"

void range_pool_init(struct range_pool *pool, uint32_t capacity)
{
	*pool = (struct range_pool){.capacity = capacity};
}

void range_pool_free(struct range_pool *pool)
{
	free(pool->free);
	free(pool->retired);
	*pool = (struct range_pool){0};
}

bool range_pool_take(struct range_pool *pool, uint32_t count, uint32_t *first)
{
	if (count == 0) {
		*first = 0;
		return true;
	}
	for (size_t i = 0; i < pool->n_free; i++) {
		struct range *r = &pool->free[i];
		if (r->count < count)
			continue;
		*first = r->first;
		r->first += count;
		r->count -= count;
		if (r->count == 0) {
			memmove(r, r + 1, (pool->n_free - i - 1) * sizeof(*r));
			pool->n_free--;
		}
		pool->in_use += count;
		return true;
	}
	if (count > pool->capacity - pool->end)
		return false;
	*first = pool->end;
	pool->end += count;
	pool->in_use += count;
	return true;
}

bool range_pool_give(struct range_pool *pool, struct range range)
{
	if (range.count == 0)
		return true;
	pool->in_use -= range.count;
	size_t at = 0;
	while (at < pool->n_free && pool->free[at].first < range.first)
		at++;
	bool joins_before = at > 0 && pool->free[at - 1].first + pool->free[at - 1].count == range.first;
	bool joins_after = at < pool->n_free && range.first + range.count == pool->free[at].first;
	if (joins_before && joins_after) {
		pool->free[at - 1].count += range.count + pool->free[at].count;
		memmove(&pool->free[at], &pool->free[at + 1], (pool->n_free - at - 1) * sizeof(range));
		pool->n_free--;
	} else if (joins_before) {
		pool->free[at - 1].count += range.count;
	} else if (joins_after) {
		pool->free[at].first = range.first;
		pool->free[at].count += range.count;
	} else {
		if (ARRAY_PUSH(pool->free, pool->n_free, pool->cap_free) == NULL)
			return false;
		memmove(&pool->free[at + 1], &pool->free[at], (pool->n_free - 1 - at) * sizeof(range));
		pool->free[at] = range;
	}
	/* Room that reaches the end is the end's again. */
	struct range *last = pool->n_free > 0 ? &pool->free[pool->n_free - 1] : NULL;
	if (last != NULL && last->first + last->count == pool->end) {
		pool->end = last->first;
		pool->n_free--;
	}
	return true;
}

void range_pool_retire(struct range_pool *pool, struct range range)
{
	struct range *slot = ARRAY_PUSH(pool->retired, pool->n_retired, pool->cap_retired);

	if (slot != NULL)
		*slot = range; /* else lost to the pool: never handed out twice */
}

void range_pool_reuse_retired(struct range_pool *pool)
{
	for (size_t i = 0; i < pool->n_retired; i++)
		range_pool_give(pool, pool->retired[i]);
	pool->n_retired = 0;
}
