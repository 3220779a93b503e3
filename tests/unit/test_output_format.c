/* test_output_format.c: output formats by name and by file extension. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "output_format.h"

static void formats_by_name_and_extension(void **state)
{
	(void)state;
	assert_int_equal(parse_format("pprof"), FORMAT_PPROF);
	assert_int_equal(parse_format("folded"), FORMAT_FOLDED);
	assert_int_equal(parse_format("svg"), FORMAT_SVG);
	assert_int_equal(parse_format("json"), FORMAT_TRACE_JSON);
	assert_int_equal(parse_format("SVG"), FORMAT_UNKNOWN);
	assert_int_equal(format_for_path("cpu.pb.gz"), FORMAT_PPROF);
	assert_int_equal(format_for_path("/tmp/x.pprof"), FORMAT_PPROF);
	assert_int_equal(format_for_path("x.pb"), FORMAT_PPROF);
	assert_int_equal(format_for_path("out.folded"), FORMAT_FOLDED);
	assert_int_equal(format_for_path("out.collapsed"), FORMAT_FOLDED);
	assert_int_equal(format_for_path("flame.svg"), FORMAT_SVG);
	assert_int_equal(format_for_path("trace.json"), FORMAT_TRACE_JSON);
	assert_int_equal(format_for_path("profile"), FORMAT_UNKNOWN);
	assert_int_equal(format_for_path(".svg"), FORMAT_UNKNOWN);
	assert_string_equal(format_name(FORMAT_FOLDED), "folded");
	assert_string_equal(format_name(FORMAT_TRACE_JSON), "json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_by_name_and_extension),
	};
	return cmocka_run_group_tests_name("output_format", tests, NULL, NULL);
}
