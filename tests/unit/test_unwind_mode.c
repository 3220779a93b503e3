/* test_unwind_mode.c: --unwind's modes by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "unwind_mode.h"

static void unwind_modes_by_name(void **state)
{
	enum unwind_mode mode = UNWIND_MODE_FP;
	char err[128] = "";
	(void)state;

	assert_int_equal(parse_unwind_mode("auto", &mode, err, sizeof(err)), 0);
	assert_int_equal(mode, UNWIND_MODE_AUTO);
	assert_int_equal(parse_unwind_mode("dwarf", &mode, err, sizeof(err)), 0);
	assert_int_equal(mode, UNWIND_MODE_DWARF);
	assert_int_equal(parse_unwind_mode("fp", &mode, err, sizeof(err)), 0);
	assert_int_equal(mode, UNWIND_MODE_FP);
	assert_string_equal(unwind_mode_name(UNWIND_MODE_DWARF), "dwarf");
	assert_int_equal(parse_unwind_mode("FP", &mode, err, sizeof(err)), -1);
	assert_string_equal(err, "--unwind must be auto, fp or dwarf, not 'FP'");
	assert_int_equal(parse_unwind_mode("", &mode, err, sizeof(err)), -1);
	assert_int_equal(mode, UNWIND_MODE_FP); /* untouched by a refusal */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unwind_modes_by_name),
	};
	return cmocka_run_group_tests_name("unwind_mode", tests, NULL, NULL);
}
