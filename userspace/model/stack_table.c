/*
 * stack_table.c: stacks are serialized into one byte key (counts, thread
 * name, state, process, user frames, kernel frames) and interned in a hashmap whose value
 * indexes a flat array of value vectors.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "stack_table.h"

struct key_header {
	uint32_t n_user, n_kernel;
	char thread[STACK_THREAD_NAME_LEN];
	uint32_t state, pid; /* a whole number of words */
};

struct stack_table {
	struct hashmap *stacks; /* serialized key -> index of its value vector */
	size_t n_values;
	int64_t *values;
	size_t n_vectors, cap_vectors;
	uint64_t *scratch; /* serialization buffer, reused */
	size_t scratch_cap;
};

struct stack_table *stack_table_new(size_t n_values)
{
	struct stack_table *table = calloc(1, sizeof(*table));

	if (table == NULL || (table->stacks = hashmap_new()) == NULL) {
		free(table);
		return NULL;
	}
	table->n_values = n_values;
	return table;
}

void stack_table_free(struct stack_table *table)
{
	if (table == NULL)
		return;
	hashmap_free(table->stacks);
	free(table->values);
	free(table->scratch);
	free(table);
}

size_t stack_table_count(const struct stack_table *table)
{
	return hashmap_count(table->stacks);
}

size_t stack_table_values(const struct stack_table *table)
{
	return table->n_values;
}

static void add_values(struct stack_table *table, size_t index, const int64_t *values)
{
	int64_t *totals = table->values + index * table->n_values;

	for (size_t i = 0; i < table->n_values; i++)
		totals[i] += values[i];
}

int64_t stack_table_add_indexed(struct stack_table *table, const struct stack_key *key, const int64_t *values)
{
	size_t header_words = sizeof(struct key_header) / sizeof(uint64_t);
	size_t words = header_words + key->n_user + key->n_kernel;

	if (array_reserve((void **)&table->scratch, &table->scratch_cap, words, sizeof(uint64_t)) != 0)
		return -1;
	struct key_header header = {
		.n_user = key->n_user, .n_kernel = key->n_kernel, .state = key->state, .pid = key->pid};
	memcpy(header.thread, key->thread, sizeof(header.thread));
	memcpy(table->scratch, &header, sizeof(header));
	/* An empty stack may come with NULL arrays, which memcpy must not see. */
	if (key->n_user > 0)
		memcpy(table->scratch + header_words, key->user, key->n_user * sizeof(uint64_t));
	if (key->n_kernel > 0)
		memcpy(table->scratch + header_words + key->n_user, key->kernel, key->n_kernel * sizeof(uint64_t));

	/* Room for a new vector first, so a new key never lacks one. */
	if (array_reserve((void **)&table->values, &table->cap_vectors, table->n_vectors + 1,
			  table->n_values * sizeof(int64_t)) != 0)
		return -1;
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(table->stacks, table->scratch, words * sizeof(uint64_t), &added);
	if (entry == NULL)
		return -1;
	if (added) {
		memset(table->values + table->n_vectors * table->n_values, 0, table->n_values * sizeof(int64_t));
		entry->value = table->n_vectors++;
	}
	add_values(table, entry->value, values);
	return (int64_t)entry->value;
}

int stack_table_add(struct stack_table *table, const struct stack_key *key, const int64_t *values)
{
	return stack_table_add_indexed(table, key, values) < 0 ? -1 : 0;
}

void stack_table_add_to(struct stack_table *table, size_t index, const int64_t *values)
{
	if (index < table->n_vectors)
		add_values(table, index, values);
}

static void decode_key(const struct hashmap_entry *entry, struct stack_key *key)
{
	struct key_header header;
	const uint64_t *words = entry->key;

	memcpy(&header, words, sizeof(header));
	words += sizeof(header) / sizeof(uint64_t);
	key->n_user = header.n_user;
	key->n_kernel = header.n_kernel;
	key->user = words;
	key->kernel = words + header.n_user;
	memcpy(key->thread, header.thread, sizeof(key->thread));
	key->state = (enum stack_state)header.state;
	key->pid = header.pid;
}

int stack_table_next(const struct stack_table *table, size_t *cursor, struct stack_key *key,
		     const int64_t **values)
{
	struct hashmap_entry *entry = hashmap_next(table->stacks, cursor);

	if (entry == NULL)
		return 0;
	decode_key(entry, key);
	*values = table->values + entry->value * table->n_values;
	return 1;
}

int64_t *stack_table_copy_values(const struct stack_table *table)
{
	size_t bytes = table->n_vectors * table->n_values * sizeof(int64_t);
	int64_t *copy = bytes > 0 ? malloc(bytes) : NULL;

	if (copy != NULL)
		memcpy(copy, table->values, bytes);
	return copy;
}

static bool all_zero(const int64_t *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (values[i] != 0)
			return false;
	return true;
}

struct stack_table *stack_table_with_values(const struct stack_table *table, const int64_t *values,
					    size_t n_values)
{
	struct stack_table *out = stack_table_new(n_values);
	size_t cursor = 0;
	struct hashmap_entry *entry;

	if (out == NULL)
		return NULL;
	while ((entry = hashmap_next(table->stacks, &cursor)) != NULL) {
		const int64_t *vector = values + entry->value * n_values;
		if (all_zero(vector, n_values))
			continue;
		struct stack_key key;
		decode_key(entry, &key);
		if (stack_table_add(out, &key, vector) != 0) {
			stack_table_free(out);
			return NULL;
		}
	}
	return out;
}
