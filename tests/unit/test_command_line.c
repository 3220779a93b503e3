/* test_command_line.c: the values the agent's flags take: durations, sizes, frequencies, rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "command_line.h"

static void durations_in_go_syntax(void **state)
{
	const struct {
		const char *text;
		uint64_t ns;
	} good[] = {
		{"30s", 30000000000ULL}, {"1m30s", 90000000000ULL}, {"500ms", 500000000ULL}, {"1.5s", 1500000000ULL},
		{"2h", 7200000000000ULL}, {"1ms", 1000000ULL},   {"1500us", 1500000ULL},  {".5m", 30000000000ULL},
	};
	char err[128];
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t ns = 0;
		assert_int_equal(parse_duration("--duration", good[i].text, 1000000, &ns, err, sizeof(err)), 0);
		assert_int_equal(ns, good[i].ns);
	}
}

static void durations_rejected_with_reason(void **state)
{
	const char *bad[] = {"", "30", "s", "-1s", "1x", "1s2", "0s", "0.1ms", "169h", "1e3s", " 1s", "abc"};
	char err[128];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ns = 42;
		err[0] = '\0';
		assert_int_equal(parse_duration("--duration", bad[i], 1000000, &ns, err, sizeof(err)), -1);
		assert_int_equal(ns, 42);
		assert_non_null(strstr(err, "--duration"));
	}
}

/* Sizes: a whole number of bytes, or K/M/G in powers of 1024, at least the minimum. */
static void sizes_in_bytes(void **state)
{
	uint64_t bytes = 0;
	char err[160];
	(void)state;

	assert_int_equal(parse_bytes("--snapshot-memory", "256MiB", 1, &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 256ULL << 20);
	assert_int_equal(parse_bytes("--snapshot-memory", "1G", 1, &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 1ULL << 30);
	assert_int_equal(parse_bytes("--snapshot-memory", "4096", 1, &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 4096);
	const char *bad[] = {"", "MiB", "1TiB", "-1M", "1.5G", "99999999999999999999", "10"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bytes = 42;
		assert_int_equal(parse_bytes("--snapshot-memory", bad[i], 1 << 20, &bytes, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "--snapshot-memory must be a size of at least 1048576 bytes"));
	}
}

/* A threshold flag takes 0 and below a millisecond, and names itself. */
static void thresholds_take_zero(void **state)
{
	uint64_t ns = 42;
	char err[128];
	(void)state;

	assert_int_equal(parse_duration("--older-than", "0s", 0, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(parse_duration("--min-wait", "500us", 0, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, 500000);
	assert_int_equal(parse_duration("--min-wait", "5x", 0, &ns, err, sizeof(err)), -1);
	assert_string_equal(err, "--min-wait takes a duration like 30s, 1m30s or 500ms, not '5x'");
	assert_int_equal(parse_duration("--older-than", "169h", 0, &ns, err, sizeof(err)), -1);
	assert_string_equal(err, "--older-than must be from 0s to 168h, not '169h'");
}

static void hz_within_range_only(void **state)
{
	unsigned hz = 0;
	char err[128];
	(void)state;

	assert_int_equal(parse_hz("99", HZ_MAX, &hz, err, sizeof(err)), 0);
	assert_int_equal(hz, 99);
	assert_int_equal(parse_hz("1", HZ_MAX, &hz, err, sizeof(err)), 0);
	assert_int_equal(parse_hz("10000", HZ_MAX, &hz, err, sizeof(err)), 0);
	const char *bad[] = {"0", "10001", "-5", "", "99hz", "1e3", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_hz(bad[i], HZ_MAX, &hz, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "--hz must be a whole number from 1 to 10000"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations_in_go_syntax),
		cmocka_unit_test(durations_rejected_with_reason),
		cmocka_unit_test(thresholds_take_zero),
		cmocka_unit_test(sizes_in_bytes),
		cmocka_unit_test(hz_within_range_only),
	};
	return cmocka_run_group_tests_name("command_line", tests, NULL, NULL);
}
