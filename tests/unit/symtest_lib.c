/*
 * symtest_lib.c: a small shared library with known functions, lines and one
 * inlined call, built by the tests in several variants (full debug info,
 * stripped, debug info behind .gnu_debuglink, plain and compressed) for the
 * symbolizer's and the unwind table's tests and the fuzzers' seeds.
 */
int symtest_inline_line, symtest_call_line;

/* The nop is an instruction at a known line inside the inlined body; its
 * label makes that address findable with dlsym. */
static inline __attribute__((always_inline)) int symtest_inner(int x)
{
	__asm__ volatile(".globl symtest_inline_site\nsymtest_inline_site: nop"); symtest_inline_line = __LINE__;
	return x * 3 + 1;
}

__attribute__((noinline)) int symtest_outer(int x)
{
	int y = symtest_inner(x); symtest_call_line = __LINE__;
	return y + 2;
}

static __attribute__((noinline)) int symtest_hidden(int x)
{
	return x ^ 0x5a;
}

int (*symtest_hidden_address(void))(int)
{
	return symtest_hidden;
}

/* Built with frame pointers (see tests/build.mk): a known prologue,
 * push %rbp; mov %rsp,%rbp, for test_unwind_table.c. */
__attribute__((noinline)) int symtest_framed(int x)
{
	return symtest_outer(x) + 1;
}
