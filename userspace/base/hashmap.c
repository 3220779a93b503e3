/*
 * hashmap.c: open addressing with linear probing over a power-of-two table;
 * keys live in an append-only arena of blocks so their addresses never move.
 */
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

#define ARENA_BLOCK (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	unsigned char data[];
};

struct hashmap {
	struct hashmap_entry *slots; /* key == NULL marks an empty slot */
	size_t n_slots, count;
	struct arena_block *blocks;
};

uint64_t hash_bytes(const void *data, size_t len)
{
	/* FNV-1a over 8-byte words, then a final avalanche: fast on the long
	 * frame arrays that make up most keys, and well mixed in the low bits
	 * the table uses. */
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ len;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t word;
		memcpy(&word, p, 8);
		h = (h ^ word) * 0x100000001b3ULL;
	}
	for (; len > 0; p++, len--)
		h = (h ^ *p) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static const void *arena_copy(struct hashmap *map, const void *key, size_t len)
{
	struct arena_block *block = map->blocks;
	size_t need = (len + 7) & ~(size_t)7;

	if (need == 0)
		need = 8;
	if (block == NULL || block->size - block->used < need) {
		size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		block = malloc(sizeof(*block) + size);
		if (block == NULL)
			return NULL;
		block->next = map->blocks;
		block->used = 0;
		block->size = size;
		map->blocks = block;
	}
	void *copy = block->data + block->used;
	memcpy(copy, key, len);
	block->used += need;
	return copy;
}

struct hashmap *hashmap_new(void)
{
	struct hashmap *map = calloc(1, sizeof(*map));

	if (map == NULL)
		return NULL;
	map->n_slots = 64;
	map->slots = calloc(map->n_slots, sizeof(*map->slots));
	if (map->slots == NULL) {
		free(map);
		return NULL;
	}
	return map;
}

static void free_blocks(struct arena_block *block)
{
	while (block != NULL) {
		struct arena_block *next = block->next;
		free(block);
		block = next;
	}
}

void hashmap_free(struct hashmap *map)
{
	if (map == NULL)
		return;
	free_blocks(map->blocks);
	free(map->slots);
	free(map);
}

size_t hashmap_count(const struct hashmap *map)
{
	return map->count;
}

size_t hashmap_memory_bytes(const struct hashmap *map)
{
	size_t bytes = sizeof(*map) + map->n_slots * sizeof(*map->slots);

	for (const struct arena_block *block = map->blocks; block != NULL; block = block->next)
		bytes += sizeof(*block) + block->size;
	return bytes;
}

static struct hashmap_entry *probe(const struct hashmap *map, const void *key, size_t key_len, uint64_t hash)
{
	size_t mask = map->n_slots - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct hashmap_entry *slot = &map->slots[i];
		if (slot->key == NULL)
			return slot;
		if (slot->hash == hash && slot->key_len == key_len && memcmp(slot->key, key, key_len) == 0)
			return slot;
	}
}

static int grow(struct hashmap *map)
{
	struct hashmap old = *map;

	map->n_slots *= 2;
	map->slots = calloc(map->n_slots, sizeof(*map->slots));
	if (map->slots == NULL) {
		*map = old;
		return -1;
	}
	for (size_t i = 0; i < old.n_slots; i++)
		if (old.slots[i].key != NULL)
			*probe(map, old.slots[i].key, old.slots[i].key_len, old.slots[i].hash) = old.slots[i];
	free(old.slots);
	return 0;
}

struct hashmap_entry *hashmap_find(const struct hashmap *map, const void *key, size_t key_len)
{
	struct hashmap_entry *slot = probe(map, key, key_len, hash_bytes(key, key_len));

	return slot->key != NULL ? slot : NULL;
}

struct hashmap_entry *hashmap_upsert(struct hashmap *map, const void *key, size_t key_len, bool *added)
{
	uint64_t hash = hash_bytes(key, key_len);
	struct hashmap_entry *slot = probe(map, key, key_len, hash);

	if (added != NULL)
		*added = slot->key == NULL;
	if (slot->key != NULL)
		return slot;
	/* Keep the load under 3/4 so probes stay short. */
	if ((map->count + 1) * 4 > map->n_slots * 3) {
		if (grow(map) != 0)
			return NULL;
		slot = probe(map, key, key_len, hash);
	}
	const void *copy = arena_copy(map, key, key_len);
	if (copy == NULL)
		return NULL;
	*slot = (struct hashmap_entry){.key = copy, .key_len = key_len, .hash = hash, .value = 0};
	map->count++;
	return slot;
}

int hashmap_filter(struct hashmap *map, bool (*keep)(const struct hashmap_entry *entry, void *ctx), void *ctx)
{
	struct hashmap *kept = hashmap_new();
	size_t cursor = 0;
	struct hashmap_entry *entry;

	if (kept == NULL)
		return -1;
	while ((entry = hashmap_next(map, &cursor)) != NULL) {
		if (!keep(entry, ctx))
			continue;
		struct hashmap_entry *copy = hashmap_upsert(kept, entry->key, entry->key_len, NULL);
		if (copy == NULL) {
			hashmap_free(kept);
			return -1;
		}
		copy->value = entry->value;
	}
	free_blocks(map->blocks);
	free(map->slots);
	*map = *kept;
	free(kept);
	return 0;
}

struct hashmap_entry *hashmap_next(const struct hashmap *map, size_t *cursor)
{
	while (*cursor < map->n_slots) {
		struct hashmap_entry *slot = &map->slots[(*cursor)++];
		if (slot->key != NULL)
			return slot;
	}
	return NULL;
}
