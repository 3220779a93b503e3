/*
 * test_probe_site.c: uprobe placement on prologues of known bytes (the
 * shapes glibc's allocator entry points have), and on the system's own
 * libc, whose malloc and free the heap profiler probes for real.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_site.h"

#define FIND(bytes, skip_null) probe_site_find(bytes, sizeof(bytes), skip_null)

static void a_push_at_entry_is_the_site(void **state)
{
	const uint8_t malloc_like[] = {0x41, 0x54, 0x55, 0x53, 0x48, 0x89, 0xfb}; /* push %r12; push %rbp; ... */
	const uint8_t push_rbp[] = {0x55, 0x48, 0x89, 0xe5};
	(void)state;

	struct probe_site site = FIND(malloc_like, false);
	assert_int_equal(site.offset, 0);
	assert_true(site.emulated);
	assert_false(site.skips_null);
	assert_int_equal(FIND(push_rbp, false).offset, 0);
	assert_true(FIND(push_rbp, false).emulated);
}

static void the_null_check_is_stepped_over_only_when_allowed(void **state)
{
	/* test %rdi,%rdi; je rel32; push %rbp: glibc's free */
	const uint8_t free_like[] = {0x48, 0x85, 0xff, 0x0f, 0x84, 0xbf, 0x00, 0x00, 0x00, 0x55, 0x48, 0x8d, 0x77, 0xf0};
	/* test %rdi,%rdi; je rel8; push %rbx */
	const uint8_t short_jump[] = {0x48, 0x85, 0xff, 0x74, 0x10, 0x53};
	(void)state;

	struct probe_site site = FIND(free_like, true);
	assert_int_equal(site.offset, 9);
	assert_true(site.emulated);
	assert_true(site.skips_null);
	site = FIND(short_jump, true);
	assert_int_equal(site.offset, 5);
	assert_true(site.skips_null);
	/* Where NULL calls matter, a branch keeps the probe at the entry. */
	site = FIND(free_like, false);
	assert_int_equal(site.offset, 0);
	assert_false(site.emulated);
	assert_false(site.skips_null);
}

static void harmless_instructions_are_stepped_over(void **state)
{
	/* cmpb $0x0,disp32(%rip); push %r12: glibc's posix_memalign */
	const uint8_t memalign_like[] = {0x80, 0x3d, 0x01, 0x02, 0x14, 0x00, 0x00, 0x41, 0x54};
	/* endbr64; mov %rdi,%rbx (rbx is no argument); push %rbp */
	const uint8_t cet[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x89, 0xfb, 0x55};
	(void)state;

	struct probe_site site = FIND(memalign_like, false);
	assert_int_equal(site.offset, 7);
	assert_true(site.emulated);
	site = FIND(cet, false);
	assert_int_equal(site.offset, 7);
	assert_true(site.emulated);
}

static void anything_else_keeps_the_entry(void **state)
{
	/* mov %rsi,%rdi writes an argument register: the probe must read rdi first. */
	const uint8_t clobbers_argument[] = {0x48, 0x89, 0xf7, 0x55};
	/* cmpb ...; je: a branch that may skip the push. */
	const uint8_t branch[] = {0x80, 0x3d, 0x71, 0x0e, 0x14, 0x00, 0x00, 0x74, 0x07, 0x55};
	/* mov %rsi,%rax; mul %rdx: glibc's reallocarray */
	const uint8_t unknown[] = {0x48, 0x89, 0xf0, 0x48, 0xf7, 0xe2};
	const uint8_t truncated[] = {0x41};
	(void)state;

	assert_false(FIND(clobbers_argument, true).emulated);
	assert_int_equal(FIND(clobbers_argument, true).offset, 0);
	assert_false(FIND(branch, true).emulated);
	assert_false(FIND(unknown, true).emulated);
	assert_false(FIND(truncated, true).emulated);
	assert_false(probe_site_find(truncated, 0, true).emulated);
}

/* The system libc's own entry points (not a sanitizer's or valgrind's
 * replacements): whatever site is chosen is an emulated push, and a free
 * that starts with the NULL check gets its probe past it. */
static void system_libc_sites_are_pushes(void **state)
{
	const char *names[] = {"malloc", "calloc", "realloc", "free"};
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	(void)state;

	assert_non_null(libc);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const uint8_t *code = dlsym(libc, names[i]);
		assert_non_null(code);
		if (strcmp(names[i], "free") == 0 && code[0] == 0x48 && code[1] == 0x85 && code[2] == 0xff) {
			struct probe_site site = probe_site_find(code, 32, true);
			assert_true(site.emulated && site.skips_null);
		}
		struct probe_site site = probe_site_find(code, 32, strcmp(names[i], "free") == 0);
		if (!site.emulated) {
			assert_int_equal(site.offset, 0);
			continue;
		}
		uint8_t first = code[site.offset];
		assert_true((first >= 0x50 && first <= 0x57) || first == 0x41 || first == 0x90);
	}
	dlclose(libc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_push_at_entry_is_the_site),
		cmocka_unit_test(the_null_check_is_stepped_over_only_when_allowed),
		cmocka_unit_test(harmless_instructions_are_stepped_over),
		cmocka_unit_test(anything_else_keeps_the_entry),
		cmocka_unit_test(system_libc_sites_are_pushes),
	};
	return cmocka_run_group_tests_name("probe_site", tests, NULL, NULL);
}
