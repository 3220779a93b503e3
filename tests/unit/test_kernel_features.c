/*
 * test_kernel_features.c: each profile kind's needs and the refusal when a
 * kernel lacks one: the feature, the release that has it, this kernel, and
 * what still works; the frame-pointer unwinder needing less; the table
 * docs/kernels.md holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel_features.h"

#define ALL	   ((1u << FEATURE_COUNT) - 1)
#define WITHOUT(f) (ALL & ~(1u << (f)))
#define NEEDS(f)   FEATURE_BIT(FEATURE_##f)

/* A table of kinds as the agent's rows describe them (profile_kinds.c):
 * the logic under test is how needs meet a kernel, not which kind needs
 * what, which the kernel matrix checks on real kernels. */
static const struct kernel_kind kinds[] = {
	{"cpu", NEEDS(BTF) | NEEDS(PERF_EVENT) | NEEDS(RINGBUF) | NEEDS(ATOMICS), true},
	{"heap", NEEDS(BTF) | NEEDS(UPROBE) | NEEDS(TP_BTF) | NEEDS(RINGBUF) | NEEDS(ATOMICS), true},
	{"block", NEEDS(BTF) | NEEDS(TP_BTF) | NEEDS(PREV_STATE) | NEEDS(ATOMICS), true},
	{"mutex", NEEDS(BTF) | NEEDS(TP_BTF) | NEEDS(ATOMICS), true},
	{"threads", 0, false},
	{"trace", NEEDS(BTF) | NEEDS(TP_BTF) | NEEDS(PREV_STATE) | NEEDS(RINGBUF), false},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct kernel_kind *kind(const char *name)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	fail_msg("no kind %s", name);
	return NULL;
}

static int require(const char *name, bool frame_pointers_only, uint32_t present, const char *release, char *err,
		   size_t err_len)
{
	return kernel_features_require(kinds, N_KINDS, kind(name), frame_pointers_only, present, release, err, err_len);
}

static void a_complete_kernel_runs_everything(void **state)
{
	(void)state;
	char err[512] = "";

	for (size_t i = 0; i < N_KINDS; i++)
		assert_int_equal(require(kinds[i].name, false, ALL, "6.1.0", err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void a_missing_feature_names_itself_its_release_and_what_works(void **state)
{
	(void)state;
	char err[512];

	assert_int_equal(
		require("block", false, WITHOUT(FEATURE_PREV_STATE), "5.15.0-91", err, sizeof(err)),
		-1);
	assert_string_equal(err, "the block profile needs sched_switch's prev_state argument (Linux 5.18+), which this "
				 "kernel (5.15.0-91) lacks; what works here: cpu, heap, mutex, threads");
}

static void the_frame_pointer_unwinder_does_without_bpf_loop(void **state)
{
	(void)state;
	char err[512];

	assert_int_equal(require("cpu", false, WITHOUT(FEATURE_LOOP), "5.15.0", err, sizeof(err)), -1);
	assert_non_null(strstr(err,
			       "needs bpf_loop() (Linux 5.17+), which this kernel (5.15.0) lacks (--unwind fp does "
			       "without it); what works here: threads"));
	assert_int_equal(require("cpu", true, WITHOUT(FEATURE_LOOP), "5.15.0", err, sizeof(err)), 0);
}

static void threads_need_no_bpf_at_all(void **state)
{
	(void)state;
	char err[512];

	assert_int_equal(kernel_features_needed(kind("threads"), false), 0);
	assert_int_equal(require("heap", false, 0, "4.19", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "what works here: threads"));
}

static void the_markdown_table_has_a_row_per_feature(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	kernel_features_markdown(out, kinds, N_KINDS);
	fclose(out);
	size_t rows = 0;
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		rows++;
	assert_int_equal(rows, 2 + FEATURE_COUNT);
	assert_non_null(strstr(text, "| sched_switch's prev_state argument | 5.18 | "));
	assert_non_null(strstr(text, "| block, trace |"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_complete_kernel_runs_everything),
		cmocka_unit_test(a_missing_feature_names_itself_its_release_and_what_works),
		cmocka_unit_test(the_frame_pointer_unwinder_does_without_bpf_loop),
		cmocka_unit_test(threads_need_no_bpf_at_all),
		cmocka_unit_test(the_markdown_table_has_a_row_per_feature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
