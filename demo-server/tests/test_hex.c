/* test_hex.c: hex encoding (including the in-place form) and decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

static void encodes_lowercase_pairs(void **state)
{
	const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof(in) + 1];
	(void)state;

	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abff");
}

static void encodes_empty_input_as_empty_string(void **state)
{
	char out[1] = {'x'};
	(void)state;

	hex_encode((const unsigned char *)"", 0, out);
	assert_string_equal(out, "");
}

static void encodes_in_place_from_upper_half(void **state)
{
	enum { N = 300 };
	unsigned char expected_in[N];
	char expected[2 * N + 1], buf[2 * N + 1];
	(void)state;

	for (int i = 0; i < N; i++)
		expected_in[i] = (unsigned char)(i * 37 + 11);
	hex_encode(expected_in, N, expected);
	memcpy(buf + N, expected_in, N);
	hex_encode((unsigned char *)buf + N, N, buf);
	assert_string_equal(buf, expected);
}

static void decodes_mixed_case(void **state)
{
	unsigned char out[4];
	size_t n = 0;
	(void)state;

	assert_int_equal(hex_decode("00aBfF10", out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\x00\xab\xff\x10", 4);
}

static void rejects_odd_length(void **state)
{
	unsigned char out[4];
	size_t n = 99;
	(void)state;

	assert_int_equal(hex_decode("abc", out, sizeof(out), &n), -1);
	assert_int_equal(n, 99);
}

static void rejects_non_hex_characters(void **state)
{
	unsigned char out[4];
	size_t n;
	(void)state;

	assert_int_equal(hex_decode("0g", out, sizeof(out), &n), -1);
	assert_int_equal(hex_decode("0 ", out, sizeof(out), &n), -1);
	assert_int_equal(hex_decode("-1", out, sizeof(out), &n), -1);
}

static void rejects_more_than_capacity(void **state)
{
	unsigned char out[2];
	size_t n;
	(void)state;

	assert_int_equal(hex_decode("aabbcc", out, sizeof(out), &n), -1);
	assert_int_equal(hex_decode("aabb", out, sizeof(out), &n), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encodes_lowercase_pairs),
		cmocka_unit_test(encodes_empty_input_as_empty_string),
		cmocka_unit_test(encodes_in_place_from_upper_half),
		cmocka_unit_test(decodes_mixed_case),
		cmocka_unit_test(rejects_odd_length),
		cmocka_unit_test(rejects_non_hex_characters),
		cmocka_unit_test(rejects_more_than_capacity),
	};
	return cmocka_run_group_tests_name("hex", tests, NULL, NULL);
}
