/*
 * test_unwind_table.c: CFI rows of a function with a known prologue (from
 * the test library), and the special rules real objects need: libc's PLT,
 * signal trampoline and thread roots, libcrypto's realigned stacks.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
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
	const struct unwind_entry *row = unwind_table_find(&table, entry);
	assert_non_null(row);
	assert_int_equal(row->cfa_kind, UNWIND_CFA_RSP);
	assert_int_equal(row->cfa_offset, 8);
	assert_int_equal(row->rbp_kind, UNWIND_RBP_SAME);
	/* After push %rbp (one byte): CFA = rsp + 16, rbp saved at CFA - 16. */
	row = unwind_table_find(&table, entry + 1);
	assert_int_equal(row->cfa_kind, UNWIND_CFA_RSP);
	assert_int_equal(row->cfa_offset, 16);
	assert_int_equal(row->rbp_kind, UNWIND_RBP_AT_CFA);
	assert_int_equal(row->rbp_offset, -16);
	/* After mov %rsp,%rbp (three bytes): CFA = rbp + 16. */
	row = unwind_table_find(&table, entry + 4);
	assert_int_equal(row->cfa_kind, UNWIND_CFA_RBP);
	assert_int_equal(row->cfa_offset, 16);
	assert_int_equal(row->rbp_kind, UNWIND_RBP_AT_CFA);

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
	const struct unwind_entry *row =
		unwind_table_find(&table, (uint64_t)((uintptr_t)printf - (uintptr_t)info.dli_fbase));
	assert_non_null(row);
	assert_true(row->cfa_kind == UNWIND_CFA_RSP);
	unwind_table_free(&table);
}

/* The table of the object holding a symbol of this process. */
static void table_of_object_with(const void *symbol, struct unwind_table *table, Dl_info *info)
{
	char err[200];

	assert_true(dladdr(symbol, info) != 0);
	int fd = open(info->dli_fname, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(unwind_table_build(fd, table, err, sizeof(err)), 0);
	close(fd);
}

static size_t rows_of_kind(const struct unwind_table *table, enum unwind_cfa_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < table->n_rows; i++)
		n += table->rows[i].cfa_kind == kind;
	return n;
}

static void ignore_signal(int signo)
{
	(void)signo;
}

static void libc_signal_trampoline_plt_and_roots(void **state)
{
	struct unwind_table table;
	Dl_info info;
	struct sigaction action = {.sa_handler = ignore_signal}, installed;
	(void)state;

	/* glibc installs its own restorer (__restore_rt) with every handler
	 * and reports it back: the code a handler returns into. */
	assert_int_equal(sigaction(SIGUSR2, &action, NULL), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &installed), 0);
	assert_non_null(installed.sa_restorer);
	table_of_object_with((const void *)installed.sa_restorer, &table, &info);
	uint64_t restorer = (uint64_t)((uintptr_t)installed.sa_restorer - (uintptr_t)info.dli_fbase);
	const struct unwind_entry *row = unwind_table_find(&table, restorer);
	assert_non_null(row);
	assert_int_equal(row->cfa_kind, UNWIND_CFA_SIGNAL);
	/* A return address into it, minus one, still finds the signal rule. */
	assert_int_equal(unwind_table_find(&table, restorer - 1)->cfa_kind, UNWIND_CFA_SIGNAL);

	/* The lazy-binding PLT: rsp + 8, plus 8 from the 11th byte of a stub. */
	assert_true(rows_of_kind(&table, UNWIND_CFA_PLT) >= 1);
	for (size_t i = 0; i < table.n_rows; i++)
		if (table.rows[i].cfa_kind == UNWIND_CFA_PLT) {
			assert_int_equal(table.rows[i].cfa_offset, 8);
			assert_int_equal(table.rows[i].cfa_addend, 11);
		}
	/* clone3's child marks the return address undefined: a thread's root. */
	assert_true(rows_of_kind(&table, UNWIND_CFA_END) >= 1);
	assert_int_equal(table.unsupported, 0);
	unwind_table_free(&table);
}

static void libcrypto_realigned_stacks(void **state)
{
	struct unwind_table table;
	Dl_info info;
	(void)state;

	void *crypto = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	assert_non_null(crypto);
	table_of_object_with(dlsym(crypto, "SHA256_Update"), &table, &info);
	/* CFA = *(rsp + n) + 8 where assembly realigned the stack, and
	 * CFA = rax + n where it keeps the frame base in a scratch register. */
	assert_true(rows_of_kind(&table, UNWIND_CFA_RSP_DEREF) >= 10);
	assert_true(rows_of_kind(&table, UNWIND_CFA_REG) >= 10);
	assert_true(table.unsupported * 1000 < table.n_rows); /* under 0.1 % */
	unwind_table_free(&table);
	dlclose(crypto);
}

/* The row a plain linear scan finds: the reference for the page index. */
static const struct unwind_entry *find_by_scan(const struct unwind_table *table, uint64_t pc)
{
	const struct unwind_entry *found = NULL;

	for (size_t i = 0; i < table->n_rows && table->rows[i].pc <= pc; i++)
		found = &table->rows[i];
	return found;
}

static void page_index_finds_what_a_scan_finds(void **state)
{
	struct unwind_table table;
	Dl_info info;
	(void)state;

	table_of_object_with((const void *)printf, &table, &info);
	assert_true(table.n_pages > 100);
	assert_int_equal(table.page_base % 4096, 0);
	for (size_t page = 0; page < table.n_pages; page++) /* each entry covers its page's first byte */
		assert_true(table.pages[page] == 0 || table.rows[table.pages[page]].pc <= table.page_base + page * 4096);
	uint64_t first = table.rows[0].pc, last = table.rows[table.n_rows - 1].pc + 64, seed = 42;
	for (int i = 0; i < 20000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t pc = first - 16 + (seed >> 33) % (last - first + 32);
		assert_ptr_equal(unwind_table_find(&table, pc), find_by_scan(&table, pc));
	}
	for (size_t i = 0; i < table.n_rows; i += 7) { /* every row's own first byte, and the byte before */
		assert_ptr_equal(unwind_table_find(&table, table.rows[i].pc), &table.rows[i]);
		assert_ptr_equal(unwind_table_find(&table, table.rows[i].pc - 1), find_by_scan(&table, table.rows[i].pc - 1));
	}
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
		cmocka_unit_test(libc_signal_trampoline_plt_and_roots),
		cmocka_unit_test(libcrypto_realigned_stacks),
		cmocka_unit_test(page_index_finds_what_a_scan_finds),
		cmocka_unit_test(non_elf_input_is_refused),
	};
	return cmocka_run_group_tests_name("unwind_table", tests, NULL, NULL);
}
