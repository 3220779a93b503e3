/* test_flame_tree.c: flame stacks merged into one tree, and that tree as the UI's JSON trees and diffs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flame_tree.h"
#include "palette.h"

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

static const struct flame_frame main_f = {.name = "main"}, work_f = {.name = "work"},
				hash_f = {.name = "hash", .inlined = true},
				read_f = {.name = "read", .kind = FRAME_KERNEL}, read_user_f = {.name = "read"},
				root_f = {.name = "all", .role = FLAME_ROOT};

/* The palette's colour of a frame, as the JSON writes it. */
static const char *hex(const struct flame_frame *frame, bool off_cpu)
{
	static char buf[8][8];
	static int next;
	struct rgb c = palette_colour(frame, off_cpu);
	char *out = buf[next++ % 8];

	snprintf(out, 8, "#%02x%02x%02x", c.r, c.g, c.b);
	return out;
}

static void tree_merges_stacks_and_sorts_children(void **state)
{
	const struct flame_frame s1[] = {main_f, work_f, hash_f}, s2[] = {main_f, work_f}, s3[] = {main_f, read_f},
				 s4[] = {main_f, read_user_f};
	struct flame_stack stacks[] = {{s1, 3, 5}, {s2, 2, 2}, {s3, 2, 1}, {s4, 2, 4}, {s1, 3, 1}};
	struct flame_stacks all = {.stacks = stacks, .n_stacks = 5, .total = 13};
	char *want = NULL;
	(void)state;

	assert_true(asprintf(&want,
			     "{\"unit\":\"nanoseconds\",\"total\":13,\"root\":{\"name\":\"all\",\"kind\":\"root\","
			     "\"colour\":\"%s\",\"value\":13,\"self\":0,\"children\":["
			     "{\"name\":\"main\",\"kind\":\"native\",\"colour\":\"%s\",\"value\":13,\"self\":0,"
			     "\"children\":["
			     "{\"name\":\"read\",\"kind\":\"native\",\"colour\":\"%s\",\"value\":4,\"self\":4,"
			     "\"children\":[]},"
			     "{\"name\":\"read\",\"kind\":\"kernel\",\"colour\":\"%s\",\"value\":1,\"self\":1,"
			     "\"children\":[]},"
			     "{\"name\":\"work\",\"kind\":\"native\",\"colour\":\"%s\",\"value\":8,\"self\":2,"
			     "\"children\":["
			     "{\"name\":\"hash\",\"kind\":\"native\",\"inlined\":true,\"colour\":\"%s\",\"value\":6,"
			     "\"self\":6,\"children\":[]}]}]}]}}",
			     hex(&root_f, false), hex(&main_f, false), hex(&read_user_f, false), hex(&read_f, false),
			     hex(&work_f, false), hex(&hash_f, false)) > 0);
	char *text = capture_tree(&all, NULL);
	assert_string_equal(text, want);
	free(text);
	free(want);
}

static void diff_carries_both_sides(void **state)
{
	const struct flame_frame s1[] = {main_f, work_f}, s2[] = {main_f, read_f};
	struct flame_stack before[] = {{s1, 2, 3}}, after[] = {{s1, 2, 1}, {s2, 2, 2}};
	struct flame_stacks a = {.stacks = before, .n_stacks = 1}, b = {.stacks = after, .n_stacks = 2};
	char *want = NULL;
	(void)state;

	assert_true(asprintf(&want,
			     "{\"unit\":\"nanoseconds\",\"base_total\":3,\"target_total\":3,\"root\":{\"name\":\"all\","
			     "\"kind\":\"root\",\"colour\":\"%s\",\"base\":3,\"target\":3,\"children\":[{\"name\":"
			     "\"main\",\"kind\":\"native\",\"colour\":\"%s\",\"base\":3,\"target\":3,\"children\":["
			     "{\"name\":\"read\",\"kind\":\"kernel\",\"colour\":\"%s\",\"base\":0,\"target\":2,"
			     "\"children\":[]},{\"name\":\"work\",\"kind\":\"native\",\"colour\":\"%s\",\"base\":3,"
			     "\"target\":1,\"children\":[]}]}]}}",
			     hex(&root_f, false), hex(&main_f, false), hex(&read_f, false), hex(&work_f, false)) > 0);
	char *text = capture_tree(&a, &b);
	assert_string_equal(text, want);
	free(text);
	free(want);
}

/* The tree every output is written from: parents before children, depths,
 * self values, children in frame order, and which nodes lie under the
 * wall clock's off-CPU root. */
static void tree_has_depths_selves_and_off_cpu(void **state)
{
	const struct flame_frame on = {.name = "on-CPU", .role = FLAME_STATE},
				 off = {.name = "off-CPU", .role = FLAME_STATE};
	const struct flame_frame s1[] = {on, main_f, work_f}, s2[] = {off, main_f, read_f}, s3[] = {off, main_f};
	struct flame_stack list[] = {{s1, 3, 2}, {s2, 3, 3}, {s3, 2, 1}, {s1, 3, 0}};
	struct flame_stacks stacks = {.stacks = list, .n_stacks = 4};
	struct flame_tree tree;
	(void)state;

	assert_int_equal(flame_tree_build(&tree, &stacks, NULL), 0);
	assert_int_equal(tree.n_nodes, 7);
	assert_int_equal(tree.max_depth, 3);
	assert_int_equal(tree.nodes[0].value[0], 6);
	const struct flame_node *root = &tree.nodes[0];
	assert_int_equal(root->n_children, 2);
	/* "off-CPU" sorts before "on-CPU". */
	const struct flame_node *off_node = &tree.nodes[tree.children[root->first_child]];
	const struct flame_node *on_node = &tree.nodes[tree.children[root->first_child + 1]];
	assert_string_equal(off_node->frame.name, "off-CPU");
	assert_true(off_node->off_cpu);
	assert_false(on_node->off_cpu);
	assert_int_equal(off_node->value[0], 4);
	for (size_t i = 1; i < tree.n_nodes; i++) {
		const struct flame_node *node = &tree.nodes[i];
		assert_true(node->parent < i);
		assert_int_equal(node->depth, tree.nodes[node->parent].depth + 1);
		if (strcmp(node->frame.name, "read") == 0)
			assert_true(node->off_cpu);
		if (strcmp(node->frame.name, "work") == 0) {
			assert_false(node->off_cpu);
			assert_int_equal(node->self[0], 2);
		}
		if (strcmp(node->frame.name, "main") == 0 && node->off_cpu)
			assert_int_equal(node->self[0], 1);
	}
	flame_tree_free(&tree);

	char *text = capture_tree(&stacks, NULL);
	char needle[128];
	snprintf(needle, sizeof(needle), "{\"name\":\"read\",\"kind\":\"kernel\",\"colour\":\"%s\"",
		 hex(&read_f, true));
	assert_non_null(strstr(text, needle));
	snprintf(needle, sizeof(needle), "{\"name\":\"work\",\"kind\":\"native\",\"colour\":\"%s\"",
		 hex(&work_f, false));
	assert_non_null(strstr(text, needle));
	free(text);
}

static void no_stacks_give_a_root_alone(void **state)
{
	struct flame_tree tree;
	(void)state;

	assert_int_equal(flame_tree_build(&tree, NULL, NULL), 0);
	assert_int_equal(tree.n_nodes, 1);
	assert_int_equal(tree.nodes[0].value[0], 0);
	assert_int_equal(tree.nodes[0].n_children, 0);
	assert_string_equal(tree.nodes[0].frame.name, "all");
	flame_tree_free(&tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_merges_stacks_and_sorts_children),
		cmocka_unit_test(diff_carries_both_sides),
		cmocka_unit_test(tree_has_depths_selves_and_off_cpu),
		cmocka_unit_test(no_stacks_give_a_root_alone),
	};
	return cmocka_run_group_tests_name("flame_tree", tests, NULL, NULL);
}
