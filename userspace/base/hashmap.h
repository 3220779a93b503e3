/*
 * hashmap.h: a map from byte-string keys to 64-bit values, the one hash
 * table of the agent (interned strings, stacks, addresses, objects).
 * Keys are copied into the map and keep their address for its lifetime;
 * entry pointers are valid only until the next insertion.
 */
#ifndef HASHMAP_H
#define HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashmap_entry {
	const void *key;
	size_t key_len;
	uint64_t hash;
	uint64_t value;
};

struct hashmap;

struct hashmap *hashmap_new(void);
void hashmap_free(struct hashmap *map);
size_t hashmap_count(const struct hashmap *map);
/* The heap memory the map holds: its slots and the copies of its keys. */
size_t hashmap_memory_bytes(const struct hashmap *map);

/* The entry for key, or NULL. */
struct hashmap_entry *hashmap_find(const struct hashmap *map, const void *key, size_t key_len);
/* The entry for key, added with value 0 (and *added set) when absent; NULL when out of memory. */
struct hashmap_entry *hashmap_upsert(struct hashmap *map, const void *key, size_t key_len, bool *added);

/* Drops every entry keep() says no to, and the copies of their keys: the
 * map is rebuilt, so entry pointers taken before are invalid after. 0, or
 * -1 when out of memory (the map is then unchanged). */
int hashmap_filter(struct hashmap *map, bool (*keep)(const struct hashmap_entry *entry, void *ctx), void *ctx);

/* Visits entries in no particular order; *cursor starts at 0. NULL at the end. */
struct hashmap_entry *hashmap_next(const struct hashmap *map, size_t *cursor);

uint64_t hash_bytes(const void *data, size_t len);

#endif
