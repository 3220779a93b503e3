/*
 * test_unwind_table.c: CFI rows of a function with a known prologue (from
 * the test library) and of the system's libc.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unwind_table.h"

static int open_library(const char *name, char *path, size_t len)
{
	const char *dir = getenv("SYMTEST_DIR") ? getenv("SYMTEST_DIR") : "build/tests/symtest";
	char relative[PATH_MAX];

	snprintf(relative, sizeof(relative), "%s/%s", dir, name);
	assert_non_null(realpath(relative, path));
	(void)len;
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void known_prologue_gives_known_rules(void **state)
{
	char path[PATH_MAX], err[200];
	struct unwind_table table;
	Dl_info info;
	(void)state;

	int fd = open_library("libsymtest.so", path, sizeof(path));
	assert_true(fd >= 0);
	assert_int_equal(unwind_table_build(fd, &table, err, sizeof(err)), 0);
	close(fd);

	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	void *framed = dlsym(handle, "symtest_framed");
	assert_non_null(framed);
	assert_true(dladdr(framed, &info) != 0);
	uint64_t entry = (uint64_t)((uintptr_t)framed - (uintptr_t)info.dli_fbase);

	/* At entry: the return address is on top of the stack. */
	const struct unwind_row *row = unwind_table_find(&table, entry);
	assert_non_null(row);
	assert_int_equal(row->cfa_rule, UNWIND_CFA_RSP);
	assert_int_equal(row->cfa_offset, 8);
	assert_int_equal(row->rbp_rule, UNWIND_RBP_SAME);
	/* After push %rbp (one byte): CFA = rsp + 16, rbp saved at CFA - 16. */
	row = unwind_table_find(&table, entry + 1);
	assert_int_equal(row->cfa_rule, UNWIND_CFA_RSP);
	assert_int_equal(row->cfa_offset, 16);
	assert_int_equal(row->rbp_rule, UNWIND_RBP_AT_CFA);
	assert_int_equal(row->rbp_offset, -16);
	/* After mov %rsp,%rbp (three bytes): CFA = rbp + 16. */
	row = unwind_table_find(&table, entry + 4);
	assert_int_equal(row->cfa_rule, UNWIND_CFA_RBP);
	assert_int_equal(row->cfa_offset, 16);
	assert_int_equal(row->rbp_rule, UNWIND_RBP_AT_CFA);

	assert_null(unwind_table_find(&table, 0)); /* before any code */
	dlclose(handle);
	unwind_table_free(&table);
}

static void libc_table_is_sorted_and_mostly_supported(void **state)
{
	char err[200];
	struct unwind_table table;
	Dl_info info;
	(void)state;

	assert_true(dladdr((void *)printf, &info) != 0);
	int fd = open(info.dli_fname, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(unwind_table_build(fd, &table, err, sizeof(err)), 0);
	close(fd);
	assert_true(table.n_rows > 1000);
	for (size_t i = 1; i < table.n_rows; i++)
		assert_true(table.rows[i - 1].pc < table.rows[i].pc);
	assert_true(table.unsupported * 100 < table.n_rows); /* under 1 % */
	const struct unwind_row *row =
		unwind_table_find(&table, (uint64_t)((uintptr_t)printf - (uintptr_t)info.dli_fbase));
	assert_non_null(row);
	assert_true(row->cfa_rule == UNWIND_CFA_RSP);
	unwind_table_free(&table);
}

static void non_elf_input_is_refused(void **state)
{
	char err[200] = "";
	struct unwind_table table;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	(void)state;

	assert_int_equal(unwind_table_build(fd, &table, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an ELF object"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_prologue_gives_known_rules),
		cmocka_unit_test(libc_table_is_sorted_and_mostly_supported),
		cmocka_unit_test(non_elf_input_is_refused),
	};
	return cmocka_run_group_tests_name("unwind_table", tests, NULL, NULL);
}
