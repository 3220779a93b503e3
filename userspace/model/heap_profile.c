/*
 * heap_profile.c: a sampled allocation adds to its stack's four values at
 * once, as allocated and as in use; its record waits for the allocation's
 * address (the DONE record) under the thread's ID, then under the address
 * until a FREE takes the in-use part off the same stack again.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "heap_profile.h"
#include "heap_sampling.h"

struct allocation {
	int64_t stack; /* index in the stack table */
	int64_t objects, bytes;
	uint64_t born_ns; /* monotonic */
	struct heap_live_key live; /* where it is, once its address is known */
};

struct heap_profile {
	uint64_t rate;
	bool by_process; /* stacks say their process (a set of them is traced) */
	struct stack_table *stacks;
	struct hashmap *pending; /* tid -> index in allocations + 1 */
	struct hashmap *live;    /* struct heap_live_key -> index in allocations + 1 */
	struct allocation *allocations;
	size_t n_allocations, cap_allocations;
	size_t *unused; /* indexes of allocations records free for reuse */
	size_t n_unused, cap_unused;
	struct heap_profile_stats stats;
};

struct heap_profile *heap_profile_new(uint64_t rate, bool by_process)
{
	struct heap_profile *heap = calloc(1, sizeof(*heap));

	if (heap == NULL)
		return NULL;
	heap->rate = rate;
	heap->by_process = by_process;
	heap->stacks = stack_table_new(HEAP_VALUES);
	heap->pending = hashmap_new();
	heap->live = hashmap_new();
	if (heap->stacks == NULL || heap->pending == NULL || heap->live == NULL) {
		heap_profile_free(heap);
		return NULL;
	}
	return heap;
}

void heap_profile_free(struct heap_profile *heap)
{
	if (heap == NULL)
		return;
	stack_table_free(heap->stacks);
	hashmap_free(heap->pending);
	hashmap_free(heap->live);
	free(heap->allocations);
	free(heap->unused);
	free(heap);
}

static int64_t new_record(struct heap_profile *heap, struct allocation allocation)
{
	size_t index;

	if (heap->n_unused > 0) {
		index = heap->unused[--heap->n_unused];
	} else {
		if (ARRAY_PUSH(heap->allocations, heap->n_allocations, heap->cap_allocations) == NULL)
			return -1;
		index = heap->n_allocations - 1;
	}
	heap->allocations[index] = allocation;
	return (int64_t)index;
}

static void release_record(struct heap_profile *heap, size_t index)
{
	size_t *slot = ARRAY_PUSH(heap->unused, heap->n_unused, heap->cap_unused);

	if (slot != NULL)
		*slot = index;
}

/* Takes the allocation off its stack's in-use values (and, when it never
 * happened, off the allocated ones too). */
static void take_off(struct heap_profile *heap, size_t index, bool allocated_too)
{
	const struct allocation *a = &heap->allocations[index];
	int64_t values[HEAP_VALUES] = {0, 0, -a->objects, -a->bytes};

	if (allocated_too) {
		values[HEAP_ALLOC_OBJECTS] = -a->objects;
		values[HEAP_ALLOC_SPACE] = -a->bytes;
	}
	stack_table_add_to(heap->stacks, (size_t)a->stack, values);
	release_record(heap, index);
}

/* Removes key from map; the record index it held, or -1. */
static int64_t take(struct hashmap *map, const void *key, size_t key_len)
{
	struct hashmap_entry *entry = hashmap_find(map, key, key_len);

	if (entry == NULL || entry->value == 0)
		return -1;
	int64_t index = (int64_t)entry->value - 1;
	entry->value = 0; /* the hashmap has no removal: 0 marks the key free */
	return index;
}

static bool put(struct hashmap *map, const void *key, size_t key_len, int64_t index)
{
	struct hashmap_entry *entry = hashmap_upsert(map, key, key_len, NULL);

	if (entry == NULL)
		return false;
	entry->value = (uint64_t)index + 1;
	return true;
}

static void on_allocation(struct heap_profile *heap, const struct heap_event *event)
{
	const struct heap_event_header *h = &event->header;
	double scale = heap_sample_scale(h->size, heap->rate);
	struct allocation a = {
		.objects = llround(scale), .bytes = llround(scale * (double)h->size), .born_ns = event->time_ns};
	int64_t values[HEAP_VALUES] = {a.objects, a.bytes, a.objects, a.bytes};
	uint32_t depth = h->user_depth > 0 ? (uint32_t)h->user_depth : 0;
	struct stack_key key = {
		.user = (const uint64_t *)event->user_stack,
		.n_user = depth < UNWIND_MAX_FRAMES ? depth : UNWIND_MAX_FRAMES,
		.pid = heap->by_process ? h->tgid : 0,
	};

	memcpy(key.thread, event->comm, sizeof(key.thread));
	if (h->user_depth < 0)
		heap->stats.stack_errors++;
	if (h->user_stack_end < UNWIND_END_MAX)
		heap->stats.user_stack_ends[h->user_stack_end]++;
	/* A record still waiting on this thread never got its return (a
	 * nested allocation took it over): allocated, but not known live. */
	int64_t unfinished = take(heap->pending, &h->tid, sizeof(h->tid));
	if (unfinished >= 0) {
		heap->stats.unfinished++;
		take_off(heap, (size_t)unfinished, false);
	}
	a.stack = stack_table_add_indexed(heap->stacks, &key, values);
	int64_t index = a.stack >= 0 ? new_record(heap, a) : -1;
	if (index < 0 || !put(heap->pending, &h->tid, sizeof(h->tid), index))
		heap->stats.agent_memory++;
}

static void on_done(struct heap_profile *heap, const struct heap_event_header *h)
{
	int64_t index = take(heap->pending, &h->tid, sizeof(h->tid));

	if (index < 0)
		return;
	if (h->address == 0) {
		heap->stats.failed++;
		take_off(heap, (size_t)index, true);
		return;
	}
	heap->stats.allocations++;
	struct heap_live_key key = {.address = h->address, .tgid = h->tgid};
	heap->allocations[index].live = key;
	/* An address handed out again without its free seen: the old one is gone. */
	int64_t stale = take(heap->live, &key, sizeof(key));
	if (stale >= 0)
		take_off(heap, (size_t)stale, false);
	if (!put(heap->live, &key, sizeof(key), index))
		heap->stats.agent_memory++;
}

static void on_free(struct heap_profile *heap, const struct heap_event_header *h)
{
	struct heap_live_key key = {.address = h->address, .tgid = h->tgid};
	int64_t index = take(heap->live, &key, sizeof(key));

	if (index < 0)
		return;
	heap->stats.frees++;
	take_off(heap, (size_t)index, false);
}

/* A process of the set ran a new program: nothing it had is live any
 * more, and none of it will be freed. */
static void on_exec(struct heap_profile *heap, uint32_t tgid)
{
	struct hashmap_entry *entry;
	size_t cursor = 0;

	heap->stats.execs++;
	while ((entry = hashmap_next(heap->live, &cursor)) != NULL) {
		if (entry->value == 0)
			continue;
		struct heap_live_key key;
		memcpy(&key, entry->key, sizeof(key));
		if (key.tgid != tgid)
			continue;
		size_t index = entry->value - 1;
		entry->value = 0;
		take_off(heap, index, false);
	}
}

void heap_profile_add(struct heap_profile *heap, const struct heap_event_header *event, size_t size)
{
	switch (event->kind) {
	case HEAP_EVENT_ALLOC:
		if (size >= sizeof(struct heap_event))
			on_allocation(heap, (const struct heap_event *)event);
		break;
	case HEAP_EVENT_DONE:
		on_done(heap, event);
		break;
	case HEAP_EVENT_FREE:
		on_free(heap, event);
		break;
	case HEAP_EVENT_EXEC:
		on_exec(heap, event->tgid);
		break;
	}
}

const struct stack_table *heap_profile_stacks(const struct heap_profile *heap)
{
	return heap->stacks;
}

struct stack_table *heap_profile_leaks(const struct heap_profile *heap, uint64_t born_before_ns)
{
	size_t n_stacks = stack_table_count(heap->stacks);
	int64_t *values = calloc(n_stacks > 0 ? n_stacks : 1, 2 * sizeof(int64_t));
	struct hashmap_entry *entry;
	size_t cursor = 0;

	if (values == NULL)
		return NULL;
	while ((entry = hashmap_next(heap->live, &cursor)) != NULL) {
		if (entry->value == 0)
			continue;
		const struct allocation *a = &heap->allocations[entry->value - 1];
		if (a->born_ns >= born_before_ns)
			continue;
		values[2 * a->stack] += a->objects;
		values[2 * a->stack + 1] += a->bytes;
	}
	struct stack_table *leaks = stack_table_with_values(heap->stacks, values, 2);
	free(values);
	return leaks;
}

void heap_profile_read_stats(const struct heap_profile *heap, struct heap_profile_stats *stats)
{
	*stats = heap->stats;
}

void heap_profile_conventions(struct profile *profile, uint64_t rate, bool in_use_only)
{
	if (!in_use_only) {
		profile_add_sample_type(profile, "alloc_objects", "count");
		profile_add_sample_type(profile, "alloc_space", "bytes");
	}
	profile_add_sample_type(profile, "inuse_objects", "count");
	profile_add_sample_type(profile, "inuse_space", "bytes");
	profile->period_type = (struct value_type){
		.type = profile_string(profile, "space"),
		.unit = profile_string(profile, "bytes"),
	};
	profile->period = (int64_t)rate;
	profile->default_sample_type = "inuse_space";
}
