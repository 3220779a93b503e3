/* test_containers.c: the hashmap, the stack table built on it, and the range pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hashmap.h"
#include "range_pool.h"
#include "stack_table.h"

static void hashmap_finds_what_was_inserted_across_growth(void **state)
{
	struct hashmap *map = hashmap_new();
	(void)state;

	for (uint64_t i = 0; i < 10000; i++) {
		bool added = false;
		struct hashmap_entry *entry = hashmap_upsert(map, &i, sizeof(i), &added);
		assert_non_null(entry);
		assert_true(added);
		entry->value = i * 3;
	}
	assert_int_equal(hashmap_count(map), 10000);
	for (uint64_t i = 0; i < 10000; i++) {
		struct hashmap_entry *entry = hashmap_find(map, &i, sizeof(i));
		assert_non_null(entry);
		assert_int_equal(entry->value, i * 3);
	}
	uint64_t missing = 10000;
	assert_null(hashmap_find(map, &missing, sizeof(missing)));
	hashmap_free(map);
}

static bool keep_even(const struct hashmap_entry *entry, void *ctx)
{
	(void)ctx;
	return entry->value % 2 == 0;
}

static void hashmap_filter_drops_what_keep_refuses(void **state)
{
	struct hashmap *map = hashmap_new();
	(void)state;

	for (uint64_t i = 0; i < 1000; i++)
		hashmap_upsert(map, &i, sizeof(i), NULL)->value = i;
	size_t before = hashmap_memory_bytes(map);
	assert_int_equal(hashmap_filter(map, keep_even, NULL), 0);
	assert_int_equal(hashmap_count(map), 500);
	for (uint64_t i = 0; i < 1000; i++) {
		struct hashmap_entry *entry = hashmap_find(map, &i, sizeof(i));
		if (i % 2 == 0) {
			assert_non_null(entry);
			assert_int_equal(entry->value, i);
		} else {
			assert_null(entry);
		}
	}
	/* What was dropped gives its memory back, keys included. */
	assert_true(hashmap_memory_bytes(map) <= before);
	uint64_t again = 1;
	bool added;
	hashmap_upsert(map, &again, sizeof(again), &added);
	assert_true(added);
	hashmap_free(map);
}

static void range_pool_reuses_what_comes_back(void **state)
{
	struct range_pool pool;
	uint32_t a, b, c, d;
	(void)state;

	range_pool_init(&pool, 100);
	assert_true(range_pool_take(&pool, 30, &a));
	assert_true(range_pool_take(&pool, 30, &b));
	assert_true(range_pool_take(&pool, 30, &c));
	assert_int_equal(a, 0);
	assert_int_equal(b, 30);
	assert_int_equal(c, 60);
	assert_false(range_pool_take(&pool, 20, &d)); /* 10 left */
	assert_true(range_pool_give(&pool, (struct range){b, 30}));
	assert_int_equal(pool.in_use, 60);
	assert_true(range_pool_take(&pool, 20, &d)); /* first fit: b's room */
	assert_int_equal(d, 30);
	assert_false(range_pool_take(&pool, 11, &b)); /* 10 in the hole, 10 at the end: not contiguous */
	assert_true(range_pool_give(&pool, (struct range){a, 30}));
	assert_true(range_pool_give(&pool, (struct range){d, 20})); /* merges with a's and the hole: 0..60 */
	assert_int_equal(pool.n_free, 1);
	assert_true(range_pool_take(&pool, 60, &a));
	assert_int_equal(a, 0);
	/* Room that reaches the end is the end's again. */
	assert_true(range_pool_give(&pool, (struct range){c, 30}));
	assert_int_equal(pool.end, 60);
	assert_true(range_pool_give(&pool, (struct range){a, 60}));
	assert_int_equal(pool.end, 0);
	assert_int_equal(pool.n_free, 0);
	assert_int_equal(pool.in_use, 0);
	assert_true(range_pool_take(&pool, 100, &a));
	range_pool_free(&pool);
}

/* A retired range stays taken until the pool is told readers are done
 * with it, then merges back like any other. */
static void range_pool_holds_retired_ranges_back(void **state)
{
	struct range_pool pool;
	uint32_t a, b, c;
	(void)state;

	range_pool_init(&pool, 100);
	assert_true(range_pool_take(&pool, 50, &a));
	assert_true(range_pool_take(&pool, 50, &b));
	range_pool_retire(&pool, (struct range){a, 50});
	assert_int_equal(pool.in_use, 100);
	assert_false(range_pool_take(&pool, 1, &c)); /* a's room is still someone's to read */
	range_pool_reuse_retired(&pool);
	assert_int_equal(pool.in_use, 50);
	assert_true(range_pool_take(&pool, 50, &c));
	assert_int_equal(c, a);
	range_pool_retire(&pool, (struct range){b, 50});
	range_pool_retire(&pool, (struct range){c, 50});
	range_pool_reuse_retired(&pool);
	assert_int_equal(pool.in_use, 0);
	assert_int_equal(pool.end, 0); /* everything merged back into the end */
	range_pool_reuse_retired(&pool); /* nothing left to reuse: no change */
	assert_int_equal(pool.in_use, 0);
	range_pool_free(&pool);
}

/* Many sizes taken and given back in turn never overlap, and the pool
 * ends where it began. */
static void range_pool_never_hands_out_a_range_twice(void **state)
{
	enum { CAPACITY = 4096, ROUNDS = 20000 };
	static unsigned char owner[CAPACITY];
	struct range held[64] = {{0, 0}};
	struct range_pool pool;
	unsigned seed = 7;
	(void)state;

	memset(owner, 0, sizeof(owner));
	range_pool_init(&pool, CAPACITY);
	for (int round = 0; round < ROUNDS; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t i = (seed >> 8) % 64;
		if (held[i].count > 0) {
			for (uint32_t k = 0; k < held[i].count; k++)
				owner[held[i].first + k] = 0;
			assert_true(range_pool_give(&pool, held[i]));
			held[i].count = 0;
			continue;
		}
		uint32_t count = 1 + (seed >> 16) % 200, first;
		if (!range_pool_take(&pool, count, &first))
			continue;
		assert_true(first + count <= CAPACITY);
		for (uint32_t k = 0; k < count; k++) {
			assert_int_equal(owner[first + k], 0);
			owner[first + k] = 1;
		}
		held[i] = (struct range){first, count};
	}
	for (size_t i = 0; i < 64; i++)
		if (held[i].count > 0)
			assert_true(range_pool_give(&pool, held[i]));
	assert_int_equal(pool.in_use, 0);
	assert_int_equal(pool.end, 0);
	assert_int_equal(pool.n_free, 0);
	range_pool_free(&pool);
}

static void hashmap_upsert_returns_existing_entry(void **state)
{
	struct hashmap *map = hashmap_new();
	bool added;
	(void)state;

	struct hashmap_entry *first = hashmap_upsert(map, "key", 4, &added);
	assert_true(added);
	first->value = 7;
	const void *stored = first->key;
	struct hashmap_entry *again = hashmap_upsert(map, "key", 4, &added);
	assert_false(added);
	assert_int_equal(again->value, 7);
	assert_ptr_equal(again->key, stored);
	assert_string_equal(again->key, "key");
	hashmap_free(map);
}

static void hashmap_keys_keep_their_address_and_distinguish_lengths(void **state)
{
	struct hashmap *map = hashmap_new();
	char big[100000];
	(void)state;

	memset(big, 'x', sizeof(big));
	const void *a = hashmap_upsert(map, "ab", 2, NULL)->key;
	const void *b = hashmap_upsert(map, "ab", 3, NULL)->key; /* with the NUL: another key */
	const void *c = hashmap_upsert(map, big, sizeof(big), NULL)->key; /* larger than an arena block */
	for (int i = 0; i < 5000; i++)
		hashmap_upsert(map, &i, sizeof(i), NULL);
	assert_ptr_equal(hashmap_find(map, "ab", 2)->key, a);
	assert_ptr_equal(hashmap_find(map, "ab", 3)->key, b);
	assert_ptr_equal(hashmap_find(map, big, sizeof(big))->key, c);
	assert_int_equal(hashmap_count(map), 5003);

	size_t cursor = 0, visited = 0;
	while (hashmap_next(map, &cursor) != NULL)
		visited++;
	assert_int_equal(visited, 5003);
	hashmap_free(map);
}

static void stack_table_sums_values_of_equal_stacks(void **state)
{
	struct stack_table *table = stack_table_new(2);
	uint64_t user[] = {0x401000, 0x402000, 0x403000};
	uint64_t kernel[] = {0xffffffff81000000};
	struct stack_key key = {.user = user, .n_user = 3, .kernel = kernel, .n_kernel = 1, .thread = "worker"};
	int64_t one[] = {1, 10101010};
	(void)state;

	for (int i = 0; i < 5; i++)
		assert_int_equal(stack_table_add(table, &key, one), 0);
	key.n_kernel = 0; /* same user frames, no kernel part: another stack */
	assert_int_equal(stack_table_add(table, &key, one), 0);
	strcpy(key.thread, "other"); /* another thread's name: another stack */
	assert_int_equal(stack_table_add(table, &key, one), 0);
	assert_int_equal(stack_table_count(table), 3);

	size_t cursor = 0, seen = 0;
	struct stack_key got;
	const int64_t *values;
	while (stack_table_next(table, &cursor, &got, &values)) {
		seen++;
		assert_int_equal(got.n_user, 3);
		assert_memory_equal(got.user, user, sizeof(user));
		if (got.n_kernel == 1) {
			assert_int_equal(got.kernel[0], kernel[0]);
			assert_string_equal(got.thread, "worker");
			assert_int_equal(values[0], 5);
			assert_int_equal(values[1], 5 * 10101010);
		} else {
			assert_int_equal(values[0], 1);
		}
	}
	assert_int_equal(seen, 3);
	stack_table_free(table);
}

static void stack_table_keeps_empty_stacks(void **state)
{
	struct stack_table *table = stack_table_new(1);
	struct stack_key key = {.thread = "t"};
	int64_t value = 4;
	(void)state;

	assert_int_equal(stack_table_add(table, &key, &value), 0);
	size_t cursor = 0;
	const int64_t *values;
	struct stack_key got;
	assert_int_equal(stack_table_next(table, &cursor, &got, &values), 1);
	assert_int_equal(got.n_user + got.n_kernel, 0);
	assert_int_equal(values[0], 4);
	assert_int_equal(stack_table_next(table, &cursor, &got, &values), 0);
	stack_table_free(table);
}

static void stack_table_adds_by_index(void **state)
{
	struct stack_table *table = stack_table_new(2);
	uint64_t a[] = {0x401000}, b[] = {0x402000};
	struct stack_key key = {.user = a, .n_user = 1, .thread = "t"};
	int64_t alloc[] = {1, 64}, freed[] = {-1, -64};
	(void)state;

	int64_t first = stack_table_add_indexed(table, &key, alloc);
	key.user = b;
	int64_t second = stack_table_add_indexed(table, &key, alloc);
	assert_true(first >= 0 && second >= 0 && first != second);
	key.user = a;
	assert_int_equal(stack_table_add_indexed(table, &key, alloc), first); /* the same stack, the same index */
	stack_table_add_to(table, (size_t)first, freed);
	stack_table_add_to(table, 99, freed); /* no such stack: ignored */

	size_t cursor = 0;
	struct stack_key got;
	const int64_t *values;
	while (stack_table_next(table, &cursor, &got, &values)) {
		assert_int_equal(values[0], 1);
		assert_int_equal(values[1], 64);
	}
	stack_table_free(table);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hashmap_finds_what_was_inserted_across_growth),
		cmocka_unit_test(stack_table_adds_by_index),
		cmocka_unit_test(hashmap_upsert_returns_existing_entry),
		cmocka_unit_test(hashmap_filter_drops_what_keep_refuses),
		cmocka_unit_test(range_pool_reuses_what_comes_back),
		cmocka_unit_test(range_pool_holds_retired_ranges_back),
		cmocka_unit_test(range_pool_never_hands_out_a_range_twice),
		cmocka_unit_test(hashmap_keys_keep_their_address_and_distinguish_lengths),
		cmocka_unit_test(stack_table_sums_values_of_equal_stacks),
		cmocka_unit_test(stack_table_keeps_empty_stacks),
	};
	return cmocka_run_group_tests_name("containers", tests, NULL, NULL);
}
