/* test_flame.c: profiles as root-first frame stacks, and folded output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flame.h"
#include "folded.h"

/* main -> work (with hash inlined into it) -> [kernel] write; and main -> work alone. */
static struct profile *sample_profile(void)
{
	struct profile *p = profile_new();
	struct profile_mapping app = {.start = 0x400000, .limit = 0x500000, .filename = "/app"};
	struct profile_mapping kernel = {.start = 0xffff800000000000, .limit = UINT64_MAX, .is_kernel = true};

	profile_add_sample_type(p, "samples", "count");
	profile_add_sample_type(p, "cpu", "nanoseconds");
	int32_t m_app = profile_add_mapping(p, &app), m_kernel = profile_add_mapping(p, &kernel);
	int32_t f_main = profile_intern_function(p, "main", NULL, "app.c", 1);
	int32_t f_work = profile_intern_function(p, "work", NULL, "app.c", 10);
	int32_t f_hash = profile_intern_function(p, "hash", NULL, "app.c", 20);
	int32_t f_write = profile_intern_function(p, "ksys_write", NULL, "", 0);
	struct profile_line l_main = {(uint32_t)f_main, 3}, l_inlined[] = {{(uint32_t)f_hash, 21}, {(uint32_t)f_work, 12}},
			    l_work = {(uint32_t)f_work, 11}, l_write = {(uint32_t)f_write, 0};
	uint32_t loc_main = (uint32_t)profile_add_location(p, 0x401000, m_app, FRAME_NATIVE, &l_main, 1);
	uint32_t loc_hash = (uint32_t)profile_add_location(p, 0x402000, m_app, FRAME_NATIVE, l_inlined, 2);
	uint32_t loc_work = (uint32_t)profile_add_location(p, 0x402100, m_app, FRAME_NATIVE, &l_work, 1);
	uint32_t loc_write =
		(uint32_t)profile_add_location(p, 0xffffffff81000000, m_kernel, FRAME_KERNEL, &l_write, 1);

	uint32_t with_kernel[] = {loc_write, loc_hash, loc_main}, plain[] = {loc_work, loc_main};
	int64_t three[] = {3, 30}, two[] = {2, 20}, zero_samples[] = {0, 5};
	profile_add_sample(p, with_kernel, 3, three, NULL, 0);
	profile_add_sample(p, plain, 2, two, NULL, 0);
	profile_add_sample(p, plain, 2, two, NULL, 0); /* equal stacks: folded output merges them */
	profile_add_sample(p, plain, 2, zero_samples, NULL, 0);
	return p;
}

static void stacks_run_root_first_with_inlined_frames(void **state)
{
	struct profile *p = sample_profile();
	struct flame_stacks stacks;
	(void)state;

	assert_int_equal(flame_stacks_from_profile(p, 0, &stacks), 0);
	assert_int_equal(stacks.n_stacks, 3); /* the zero-valued sample is left out */
	assert_int_equal(stacks.total, 7);
	const struct flame_stack *first = &stacks.stacks[0];
	assert_int_equal(first->depth, 4);
	assert_int_equal(first->value, 3);
	const char *names[] = {"main", "work", "hash", "ksys_write"};
	enum frame_kind kinds[] = {FRAME_NATIVE, FRAME_NATIVE, FRAME_NATIVE, FRAME_KERNEL};
	bool inlined[] = {false, false, true, false};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(first->frames[i].name, names[i]);
		assert_int_equal(first->frames[i].role, FLAME_FUNCTION);
		assert_int_equal(first->frames[i].kind, kinds[i]);
		assert_int_equal(first->frames[i].inlined, inlined[i]);
	}
	flame_stacks_free(&stacks);

	assert_int_equal(flame_stacks_from_profile(p, 1, &stacks), 0);
	assert_int_equal(stacks.n_stacks, 4); /* by cpu time the last sample counts */
	assert_int_equal(stacks.total, 75);
	flame_stacks_free(&stacks);
	profile_free(p);
}

static void folded_output_merges_sorts_and_marks_kinds(void **state)
{
	struct profile *p = sample_profile();
	struct flame_stacks stacks;
	char *text = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(flame_stacks_from_profile(p, 0, &stacks), 0);
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(folded_write(out, &stacks), 0);
	fclose(out);
	assert_string_equal(text, "main;work 4\n"
				  "main;work;hash_[i];ksys_write_[k] 3\n");
	free(text);
	flame_stacks_free(&stacks);
	profile_free(p);
}

static void empty_profile_gives_no_stacks(void **state)
{
	struct profile *p = profile_new();
	struct flame_stacks stacks;
	char *text = NULL;
	size_t len = 0;
	(void)state;

	profile_add_sample_type(p, "samples", "count");
	assert_int_equal(flame_stacks_from_profile(p, 0, &stacks), 0);
	assert_int_equal(stacks.n_stacks, 0);
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(folded_write(out, &stacks), 0);
	fclose(out);
	assert_int_equal(len, 0);
	free(text);
	flame_stacks_free(&stacks);
	profile_free(p);
}

/* Samples of two processes: each stack starts with its process; samples
 * of one process alone keep their stacks as they are. */
static void several_processes_each_get_a_root(void **state)
{
	struct profile *p = profile_new();
	struct flame_stacks stacks;
	char *text = NULL;
	size_t len = 0;
	(void)state;

	profile_add_sample_type(p, "samples", "count");
	int32_t f_main = profile_intern_function(p, "main", NULL, "app.c", 1);
	struct profile_line l_main = {(uint32_t)f_main, 3};
	uint32_t loc_main = (uint32_t)profile_add_location(p, 0x401000, -1, FRAME_NATIVE, &l_main, 1);
	struct profile_label first[] = {{.key = "pid", .num = 12}, {.key = "comm", .str = "nginx"}},
			     second[] = {{.key = "pid", .num = 13}, {.key = "comm", .str = "nginx"}};
	int64_t one = 1, two = 2;
	profile_add_sample(p, &loc_main, 1, &one, first, 2);
	profile_add_sample(p, &loc_main, 1, &two, second, 2);
	profile_add_sample(p, &loc_main, 1, &one, first, 2);
	assert_int_equal(flame_stacks_from_profile(p, 0, &stacks), 0);
	assert_int_equal(stacks.n_stacks, 3);
	assert_int_equal(stacks.stacks[0].depth, 2);
	assert_string_equal(stacks.stacks[0].frames[0].name, "nginx (PID 12)");
	assert_int_equal(stacks.stacks[0].frames[0].role, FLAME_PROCESS);
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(folded_write(out, &stacks), 0);
	fclose(out);
	assert_string_equal(text, "nginx (PID 12);main 2\nnginx (PID 13);main 2\n");
	free(text);
	flame_stacks_free(&stacks);
	profile_free(p);

	p = profile_new();
	profile_add_sample_type(p, "samples", "count");
	f_main = profile_intern_function(p, "main", NULL, "app.c", 1);
	l_main = (struct profile_line){(uint32_t)f_main, 3};
	loc_main = (uint32_t)profile_add_location(p, 0x401000, -1, FRAME_NATIVE, &l_main, 1);
	profile_add_sample(p, &loc_main, 1, &one, first, 2);
	assert_int_equal(flame_stacks_from_profile(p, 0, &stacks), 0);
	assert_int_equal(stacks.stacks[0].depth, 1);
	assert_string_equal(stacks.stacks[0].frames[0].name, "main");
	flame_stacks_free(&stacks);
	profile_free(p);
}

/* The kinds no unwinder produces yet pass through like the others: a
 * JIT frame is marked "_[j]" in folded output, as flamegraph.pl's java
 * palette reads it, and an interpreted one keeps its kind unmarked. */
static void every_frame_kind_reaches_the_stacks(void **state)
{
	struct profile *p = profile_new();
	struct flame_stacks stacks;
	char *text = NULL;
	size_t len = 0;
	(void)state;

	profile_add_sample_type(p, "samples", "count");
	struct profile_line l_loop = {(uint32_t)profile_intern_function(p, "eval_loop", NULL, "", 0), 0},
			    l_py = {(uint32_t)profile_intern_function(p, "handler.py:serve", NULL, "", 0), 0},
			    l_jit = {(uint32_t)profile_intern_function(p, "Lcom/x/Hot;::run", NULL, "", 0), 0};
	uint32_t stack[] = {
		(uint32_t)profile_add_location(p, 0x7000, -1, FRAME_JIT, &l_jit, 1),
		(uint32_t)profile_add_location(p, 0x6000, -1, FRAME_INTERPRETED, &l_py, 1),
		(uint32_t)profile_add_location(p, 0x5000, -1, FRAME_NATIVE, &l_loop, 1),
	};
	int64_t one = 1;
	profile_add_sample(p, stack, 3, &one, NULL, 0);
	assert_int_equal(flame_stacks_from_profile(p, 0, &stacks), 0);
	assert_int_equal(stacks.stacks[0].frames[0].kind, FRAME_NATIVE);
	assert_int_equal(stacks.stacks[0].frames[1].kind, FRAME_INTERPRETED);
	assert_int_equal(stacks.stacks[0].frames[2].kind, FRAME_JIT);
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(folded_write(out, &stacks), 0);
	fclose(out);
	assert_string_equal(text, "eval_loop;handler.py:serve;Lcom/x/Hot;::run_[j] 1\n");
	assert_string_equal(frame_kind_name(FRAME_INTERPRETED), "interpreted");
	assert_string_equal(frame_kind_name(FRAME_JIT), "jit");
	free(text);
	flame_stacks_free(&stacks);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(several_processes_each_get_a_root),
		cmocka_unit_test(stacks_run_root_first_with_inlined_frames),
		cmocka_unit_test(folded_output_merges_sorts_and_marks_kinds),
		cmocka_unit_test(empty_profile_gives_no_stacks),
		cmocka_unit_test(every_frame_kind_reaches_the_stacks),
	};
	return cmocka_run_group_tests_name("flame", tests, NULL, NULL);
}
