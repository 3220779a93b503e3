/* test_proc.c: parsing /proc/PID/maps lines and /proc/kallsyms text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kallsyms.h"
#include "proc_maps.h"

static void parses_file_mapping(void **state)
{
	struct map_entry e;
	(void)state;

	assert_int_equal(map_entry_parse("7f1c2a028000-7f1c2a1bd000 r-xp 00028000 fe:01 1835042                    "
					 "/usr/lib/x86_64-linux-gnu/libc.so.6\n",
					 &e),
			 0);
	assert_int_equal(e.start, 0x7f1c2a028000);
	assert_int_equal(e.end, 0x7f1c2a1bd000);
	assert_int_equal(e.offset, 0x28000);
	assert_int_equal(e.inode, 1835042);
	assert_true(e.executable);
	assert_false(e.deleted);
	assert_string_equal(e.path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
}

static void parses_deleted_anonymous_and_special(void **state)
{
	struct map_entry e;
	(void)state;

	assert_int_equal(map_entry_parse("55d0c0000000-55d0c0001000 r-xp 00001000 fe:01 99 /tmp/app (deleted)\n", &e), 0);
	assert_true(e.deleted);
	assert_string_equal(e.path, "/tmp/app");
	assert_int_equal(map_entry_parse("7ffd1000-7ffd3000 r-xp 00000000 00:00 0                          [vdso]", &e),
			 0);
	assert_string_equal(e.path, "[vdso]");
	assert_int_equal(map_entry_parse("7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n", &e), 0);
	assert_false(e.executable);
	assert_string_equal(e.path, "");
	assert_int_equal(map_entry_parse("/a/path with spaces", &e), -1);
	assert_int_equal(map_entry_parse("2000-1000 r-xp 00000000 00:00 0", &e), -1);
	assert_int_equal(map_entry_parse("", &e), -1);
}

static void reads_own_maps_and_finds_own_code(void **state)
{
	struct map_list list = {0};
	(void)state;

	assert_int_equal(map_list_read(getpid(), &list), 0);
	assert_true(list.count > 0);
	const struct map_entry *here = map_list_find(&list, (uint64_t)(uintptr_t)reads_own_maps_and_finds_own_code);
	assert_non_null(here);
	assert_true(here->executable);
	assert_non_null(strstr(here->path, "test_proc"));
	for (size_t i = 1; i < list.count; i++)
		assert_true(list.entries[i - 1].end <= list.entries[i].start);
	assert_null(map_list_find(&list, 0x10));
	map_list_free(&list);
}

static const char kallsyms_text[] = "ffffffff81000000 T _stext\n"
				    "ffffffff81000100 t helper_one\n"
				    "ffffffff81000200 D some_data\n"
				    "ffffffff81000300 W weak_text\n"
				    "ffffffffc0001000 t ext4_thing\t[ext4]\n"
				    "ffffffff81000050 T early\n";

static void kallsyms_finds_containing_symbol(void **state)
{
	struct kallsyms table;
	FILE *in = fmemopen((void *)kallsyms_text, sizeof(kallsyms_text) - 1, "r");
	(void)state;

	assert_int_equal(kallsyms_load(&table, in), 0);
	fclose(in);
	assert_int_equal(table.count, 5); /* the data symbol is left out */
	assert_string_equal(kallsyms_find(&table, 0xffffffff81000000)->name, "_stext");
	assert_string_equal(kallsyms_find(&table, 0xffffffff81000060)->name, "early");
	assert_string_equal(kallsyms_find(&table, 0xffffffff810001ff)->name, "helper_one");
	assert_string_equal(kallsyms_find(&table, 0xffffffff81000250)->name, "helper_one");
	assert_string_equal(kallsyms_find(&table, 0xffffffff81000301)->name, "weak_text");
	const struct ksym *module = kallsyms_find(&table, 0xffffffffc0001010);
	assert_string_equal(module->name, "ext4_thing");
	assert_string_equal(module->module, "ext4");
	assert_null(kallsyms_find(&table, 0xffffffff80000000));
	assert_null(kallsyms_find(&table, 0xffffffff81000000)->module);
	kallsyms_free(&table);
}

/* Past the first read's megabyte, a last line with no newline, and lines
 * of other shapes skipped. */
static void kallsyms_reads_a_kernel_sized_file(void **state)
{
	FILE *in = tmpfile();
	struct kallsyms table;
	(void)state;

	assert_non_null(in);
	fputs("not a symbol line\nffffffff8100000z T bad_address\n", in);
	for (int i = 0; i < 60000; i++)
		fprintf(in, "%016llx t function_number_%d\t[module_%d]\n", 0xffffffff81000000ULL + 16ULL * (unsigned)i, i,
			i % 7);
	fputs("ffffffff90000000 T last_without_newline", in);
	rewind(in);
	assert_int_equal(kallsyms_load(&table, in), 0);
	fclose(in);
	assert_int_equal(table.count, 60001);
	const struct ksym *sym = kallsyms_find(&table, 0xffffffff81000000ULL + 16ULL * 54321 + 3);
	assert_string_equal(sym->name, "function_number_54321");
	assert_string_equal(sym->module, "module_1");
	assert_string_equal(kallsyms_find(&table, 0xffffffff90000001ULL)->name, "last_without_newline");
	assert_null(kallsyms_find(&table, 0xffffffff90000001ULL)->module);
	kallsyms_free(&table);
}

static void kallsyms_with_hidden_addresses_is_unavailable(void **state)
{
	static const char hidden[] = "0000000000000000 T _stext\n0000000000000000 t helper\n";
	struct kallsyms table;
	FILE *in = fmemopen((void *)hidden, sizeof(hidden) - 1, "r");
	(void)state;

	assert_int_equal(kallsyms_load(&table, in), -1);
	fclose(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_file_mapping),
		cmocka_unit_test(parses_deleted_anonymous_and_special),
		cmocka_unit_test(reads_own_maps_and_finds_own_code),
		cmocka_unit_test(kallsyms_finds_containing_symbol),
		cmocka_unit_test(kallsyms_reads_a_kernel_sized_file),
		cmocka_unit_test(kallsyms_with_hidden_addresses_is_unavailable),
	};
	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
