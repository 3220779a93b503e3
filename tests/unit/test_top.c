/* test_top.c: pprof's top table: flat and cumulative values once per stack, bytes with units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "top.h"

/* main -> work -> leaf (3), main -> work (1), main -> main -> leaf (recursion, 2). */
static struct profile *small_profile(void)
{
	struct profile *p = profile_new();
	profile_add_sample_type(p, "samples", "count");
	profile_add_sample_type(p, "cpu", "nanoseconds");
	uint32_t f_main = (uint32_t)profile_intern_function(p, "main", NULL, "m.c", 1);
	uint32_t f_work = (uint32_t)profile_intern_function(p, "work", NULL, "m.c", 5);
	uint32_t f_leaf = (uint32_t)profile_intern_function(p, "leaf", NULL, "m.c", 9);
	struct profile_line l_main = {f_main, 2}, l_work = {f_work, 6}, l_leaf = {f_leaf, 10};
	uint32_t main_loc = (uint32_t)profile_add_location(p, 0x10, -1, FRAME_NATIVE, &l_main, 1);
	uint32_t work_loc = (uint32_t)profile_add_location(p, 0x20, -1, FRAME_NATIVE, &l_work, 1);
	uint32_t leaf_loc = (uint32_t)profile_add_location(p, 0x30, -1, FRAME_NATIVE, &l_leaf, 1);
	uint32_t s1[] = {leaf_loc, work_loc, main_loc}, s2[] = {work_loc, main_loc}, s3[] = {leaf_loc, main_loc, main_loc};
	int64_t v1[] = {3, 3000000000}, v2[] = {1, 1000000000}, v3[] = {2, 2000000000};
	profile_add_sample(p, s1, 3, v1, NULL, 0);
	profile_add_sample(p, s2, 2, v2, NULL, 0);
	profile_add_sample(p, s3, 3, v3, NULL, 0);
	return p;
}

static void top_counts_flat_and_cum_once_per_stack(void **state)
{
	struct profile *p = small_profile();
	struct top_table table;
	(void)state;

	assert_int_equal(top_table_build(p, 0, &table), 0);
	assert_int_equal(table.total, 6);
	assert_int_equal(table.n_rows, 3);
	assert_string_equal(table.rows[0].function, "leaf");
	assert_int_equal(table.rows[0].flat, 5);
	assert_int_equal(table.rows[0].cum, 5);
	assert_string_equal(table.rows[1].function, "work");
	assert_int_equal(table.rows[1].flat, 1);
	assert_int_equal(table.rows[1].cum, 4);
	assert_string_equal(table.rows[2].function, "main");
	assert_int_equal(table.rows[2].flat, 0);
	assert_int_equal(table.rows[2].cum, 6); /* recursion counted once */

	top_table_free(&table);

	/* By CPU time, printed as seconds. */
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(top_table_build(p, 1, &table), 0);
	assert_int_equal(top_table_write_text(out, p, &table, 1, 2), 0);
	fclose(out);
	assert_non_null(strstr(text, "Total: 6.00s"));
	assert_non_null(strstr(text, "5.00s  83.33%  83.33%        5.00s  83.33%  leaf"));
	assert_null(strstr(text, " main\n")); /* only two rows asked for */
	free(text);
	top_table_free(&table);
	profile_free(p);
}

/* The text top table of a one-sample profile of `bytes` in use: the
 * caller frees it. */
static char *bytes_top_text(int64_t bytes)
{
	struct profile *p = profile_new();
	struct top_table table;
	char *text = NULL;
	size_t len = 0;

	profile_add_sample_type(p, "inuse_space", "bytes");
	struct profile_line line = {(uint32_t)profile_intern_function(p, "grow", NULL, "g.c", 1), 2};
	uint32_t loc = (uint32_t)profile_add_location(p, 0x10, -1, FRAME_NATIVE, &line, 1);
	profile_add_sample(p, &loc, 1, &bytes, NULL, 0);
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(top_table_build(p, 0, &table), 0);
	assert_int_equal(top_table_write_text(out, p, &table, 0, 10), 0);
	fclose(out);
	top_table_free(&table);
	profile_free(p);
	return text;
}

/* Bytes print with their unit in powers of 1024, as pprof's do; under a
 * kilobyte, plain bytes. */
static void top_prints_bytes_with_units(void **state)
{
	(void)state;
	char *text = bytes_top_text(1081686);
	assert_non_null(strstr(text, "Total: 1.03MB\n"));
	free(text);
	text = bytes_top_text(100);
	assert_non_null(strstr(text, "Total: 100B\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(top_counts_flat_and_cum_once_per_stack),
		cmocka_unit_test(top_prints_bytes_with_units),
	};
	return cmocka_run_group_tests_name("top", tests, NULL, NULL);
}
