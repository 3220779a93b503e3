/* test_listen.c: `serve --listen` addresses: host and port forms, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "listen.h"

static void listen_addresses_parse(void **state)
{
	struct listen_address addr;
	char err[200];
	(void)state;

	assert_int_equal(listen_address_parse("127.0.0.1:6060", &addr, err, sizeof(err)), 0);
	assert_string_equal(addr.host, "127.0.0.1");
	assert_int_equal(addr.port, 6060);
	assert_int_equal(listen_address_parse("[::1]:0", &addr, err, sizeof(err)), 0);
	assert_string_equal(addr.host, "::1");
	assert_int_equal(addr.port, 0);
	assert_int_equal(listen_address_parse(":8080", &addr, err, sizeof(err)), 0);
	assert_string_equal(addr.host, "");
	assert_int_equal(listen_address_parse("localhost:65535", &addr, err, sizeof(err)), 0);
	const char *bad[] = {"6060", "host:", "host:65536", "host:-1", "::1:6060", "h:6x", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(listen_address_parse(bad[i], &addr, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "--listen takes HOST:PORT"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listen_addresses_parse),
	};
	return cmocka_run_group_tests_name("listen", tests, NULL, NULL);
}
