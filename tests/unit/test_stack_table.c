/* test_stack_table.c: equal stacks summed, empty stacks kept, values added by index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stack_table.h"

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
		cmocka_unit_test(stack_table_sums_values_of_equal_stacks),
		cmocka_unit_test(stack_table_keeps_empty_stacks),
		cmocka_unit_test(stack_table_adds_by_index),
	};
	return cmocka_run_group_tests_name("stack_table", tests, NULL, NULL);
}
