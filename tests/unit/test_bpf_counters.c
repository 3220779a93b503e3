/*
 * test_bpf_counters.c: every counter a program's x.h lists reaches the
 * profile's comments with its count and what it counts, in the list's
 * order, from the one list that also makes the BPF side's enum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <linux/types.h>

#include "bpf_counters.h"
#include "offcpu.h"

static const char *const descriptions[OFFCPU_COUNTER_MAX] = {OFFCPU_COUNTERS(BPF_COUNTER_DESCRIPTION)};

static void every_counter_is_described_with_its_count(void **state)
{
	uint64_t values[OFFCPU_COUNTER_MAX];
	(void)state;

	for (int i = 0; i < OFFCPU_COUNTER_MAX; i++) {
		assert_non_null(descriptions[i]);
		values[i] = 100 + (uint64_t)i;
	}
	struct profile *profile = profile_new();
	bpf_counters_describe(profile, "offcpu.bpf.c", descriptions, values, OFFCPU_COUNTER_MAX);
	assert_int_equal(profile->n_comments, 1);
	const char *comment = profile->comments[0];
	assert_non_null(strstr(comment, "counters of offcpu.bpf.c: 100 waits of the target's threads that ended"));
	assert_non_null(strstr(comment, "; 101 of which long enough to count; "));
	assert_non_null(strstr(comment, "; 106 stacks whose user part could not be read (kept, empty)"));
	profile_free(profile);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_counter_is_described_with_its_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
