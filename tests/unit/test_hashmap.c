/* test_hashmap.c: lookups across growth, upserts, filtering, and keys that keep their address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hashmap.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hashmap_finds_what_was_inserted_across_growth),
		cmocka_unit_test(hashmap_upsert_returns_existing_entry),
		cmocka_unit_test(hashmap_filter_drops_what_keep_refuses),
		cmocka_unit_test(hashmap_keys_keep_their_address_and_distinguish_lengths),
	};
	return cmocka_run_group_tests_name("hashmap", tests, NULL, NULL);
}
