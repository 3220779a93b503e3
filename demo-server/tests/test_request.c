/* test_request.c: routing, allowed methods and ?size= parsing of the encrypt server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "request.h"

static void routes_known_paths_exactly(void **state)
{
	(void)state;
	assert_int_equal(route_for_path("/encrypt"), ROUTE_ENCRYPT);
	assert_int_equal(route_for_path("/stats"), ROUTE_STATS);
	assert_int_equal(route_for_path("/healthz"), ROUTE_HEALTHZ);
	assert_int_equal(route_for_path("/impl"), ROUTE_IMPL);
	assert_int_equal(route_for_path("/"), ROUTE_NOT_FOUND);
	assert_int_equal(route_for_path("/encrypt/"), ROUTE_NOT_FOUND);
	assert_int_equal(route_for_path("/encryptx"), ROUTE_NOT_FOUND);
	assert_int_equal(route_for_path(""), ROUTE_NOT_FOUND);
}

static void encrypt_accepts_get_head_post_only(void **state)
{
	(void)state;
	assert_true(route_accepts(ROUTE_ENCRYPT, "GET"));
	assert_true(route_accepts(ROUTE_ENCRYPT, "HEAD"));
	assert_true(route_accepts(ROUTE_ENCRYPT, "POST"));
	assert_false(route_accepts(ROUTE_ENCRYPT, "PUT"));
	assert_false(route_accepts(ROUTE_ENCRYPT, "DELETE"));
	assert_false(route_accepts(ROUTE_ENCRYPT, "ET"));
	assert_false(route_accepts(ROUTE_ENCRYPT, "GET, HEAD"));
	assert_false(route_accepts(ROUTE_ENCRYPT, ""));
}

static void read_only_routes_refuse_post(void **state)
{
	(void)state;
	assert_true(route_accepts(ROUTE_STATS, "GET"));
	assert_false(route_accepts(ROUTE_STATS, "POST"));
	assert_true(route_accepts(ROUTE_HEALTHZ, "HEAD"));
	assert_false(route_accepts(ROUTE_HEALTHZ, "POST"));
	assert_false(route_accepts(ROUTE_NOT_FOUND, "GET"));
	assert_string_equal(route_allowed_methods(ROUTE_STATS), "GET, HEAD");
	assert_true(route_accepts(ROUTE_IMPL, "POST"));
	assert_false(route_accepts(ROUTE_IMPL, "PUT"));
}

static void size_accepts_range_bounds(void **state)
{
	size_t size = 7;
	const char *why = NULL;
	(void)state;

	assert_int_equal(parse_payload_size("0", &size, &why), 0);
	assert_int_equal(size, 0);
	assert_int_equal(parse_payload_size("1", &size, &why), 0);
	assert_int_equal(size, 1);
	assert_int_equal(parse_payload_size("1048576", &size, &why), 0);
	assert_int_equal(size, PAYLOAD_MAX);
	assert_null(why);
}

static void size_rejects_malformed_and_excessive_values(void **state)
{
	const char *bad[] = {"", "-1", "+5", "abc", "12a", " 1", "1.5", "1048577", "99999999999999999999999"};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t size = 42;
		const char *why = NULL;
		assert_int_equal(parse_payload_size(bad[i], &size, &why), -1);
		assert_int_equal(size, 42);
		assert_non_null(why);
	}
}

static void sized_payload_repeats_alphabet(void **state)
{
	unsigned char buf[28];
	(void)state;

	fill_sized_payload(buf, sizeof(buf));
	assert_memory_equal(buf, "abcdefghijklmnopqrstuvwxyzab", sizeof(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(routes_known_paths_exactly),
		cmocka_unit_test(encrypt_accepts_get_head_post_only),
		cmocka_unit_test(read_only_routes_refuse_post),
		cmocka_unit_test(size_accepts_range_bounds),
		cmocka_unit_test(size_rejects_malformed_and_excessive_values),
		cmocka_unit_test(sized_payload_repeats_alphabet),
	};
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
