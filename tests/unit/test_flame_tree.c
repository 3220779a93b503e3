/* test_flame_tree.c: flame stacks as the UI's JSON trees and diffs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flame_tree.h"

static char *capture_tree(const struct flame_stacks *a, const struct flame_stacks *b)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (b == NULL)
		assert_int_equal(flame_tree_write_json(out, a, "nanoseconds"), 0);
	else
		assert_int_equal(flame_diff_write_json(out, a, b, "nanoseconds"), 0);
	fclose(out);
	return text;
}

static const struct flame_frame main_f = {"main", FLAME_USER}, work_f = {"work", FLAME_USER},
				 hash_f = {"hash", FLAME_INLINED}, read_f = {"read", FLAME_KERNEL},
				 read_user_f = {"read", FLAME_USER};

static void tree_merges_stacks_and_sorts_children(void **state)
{
	const struct flame_frame s1[] = {main_f, work_f, hash_f}, s2[] = {main_f, work_f}, s3[] = {main_f, read_f},
				 s4[] = {main_f, read_user_f};
	struct flame_stack stacks[] = {{s1, 3, 5}, {s2, 2, 2}, {s3, 2, 1}, {s4, 2, 4}, {s1, 3, 1}};
	struct flame_stacks all = {.stacks = stacks, .n_stacks = 5, .total = 13};
	(void)state;

	char *text = capture_tree(&all, NULL);
	assert_string_equal(
		text, "{\"unit\":\"nanoseconds\",\"total\":13,\"root\":{\"name\":\"all\",\"kind\":\"root\",\"value\":13,"
		      "\"self\":0,\"children\":[{\"name\":\"main\",\"kind\":\"user\",\"value\":13,\"self\":0,\"children\":["
		      "{\"name\":\"read\",\"kind\":\"user\",\"value\":4,\"self\":4,\"children\":[]},"
		      "{\"name\":\"read\",\"kind\":\"kernel\",\"value\":1,\"self\":1,\"children\":[]},"
		      "{\"name\":\"work\",\"kind\":\"user\",\"value\":8,\"self\":2,\"children\":["
		      "{\"name\":\"hash\",\"kind\":\"inlined\",\"value\":6,\"self\":6,\"children\":[]}]}]}]}}");
	free(text);
}

static void diff_carries_both_sides(void **state)
{
	const struct flame_frame s1[] = {main_f, work_f}, s2[] = {main_f, read_f};
	struct flame_stack before[] = {{s1, 2, 3}}, after[] = {{s1, 2, 1}, {s2, 2, 2}};
	struct flame_stacks a = {.stacks = before, .n_stacks = 1}, b = {.stacks = after, .n_stacks = 2};
	(void)state;

	char *text = capture_tree(&a, &b);
	assert_string_equal(text, "{\"unit\":\"nanoseconds\",\"base_total\":3,\"target_total\":3,\"root\":{\"name\":\"all\","
				  "\"kind\":\"root\",\"base\":3,\"target\":3,\"children\":[{\"name\":\"main\",\"kind\":"
				  "\"user\",\"base\":3,\"target\":3,\"children\":[{\"name\":\"read\",\"kind\":\"kernel\","
				  "\"base\":0,\"target\":2,\"children\":[]},{\"name\":\"work\",\"kind\":\"user\","
				  "\"base\":3,\"target\":1,\"children\":[]}]}]}}");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_merges_stacks_and_sorts_children),
		cmocka_unit_test(diff_carries_both_sides),
	};
	return cmocka_run_group_tests_name("flame_tree", tests, NULL, NULL);
}
