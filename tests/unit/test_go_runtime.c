/*
 * test_go_runtime.c: a Go executable's runtime layout, read as the
 * unwinder needs it (build/tests/goserver, built by Debian's Go): g's TLS
 * slot, the offsets of g.m, g.sched, m.curg and gobuf's registers, the
 * switching functions' ranges; and a C program is no Go program.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "go_runtime.h"

static void a_go_programs_layout_is_read(void **state)
{
	struct go_runtime go;
	int fd = open("build/tests/goserver", O_RDONLY | O_CLOEXEC);
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(go_runtime_read(fd, &go), 0);
	close(fd);
	/* A pure-Go executable's TLS block is g alone, just below fs. */
	assert_int_equal(go.g_tls, -8);
	/* gobuf is {sp, pc, g, ctxt, ret, lr, bp} in every Go of the last years. */
	assert_int_equal(go.gobuf_sp, 0);
	assert_int_equal(go.gobuf_pc, 8);
	assert_true(go.gobuf_bp > go.gobuf_pc);
	assert_true(go.g_m > 0 && go.g_sched > 0 && go.m_curg > 0);
	assert_true(go.m_vdso_sp > 0 && go.m_vdso_pc == go.m_vdso_sp + 8);
	const struct go_range *ranges[] = {&go.systemstack, &go.morestack, &go.mcall, &go.goexit, &go.mstart,
					   &go.rt0_go, &go.nanotime, &go.sigreturn};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		assert_true(ranges[i]->start > 0 && ranges[i]->end > ranges[i]->start);
}

static void a_c_program_is_not_go(void **state)
{
	struct go_runtime go;
	int fd = open("build/tests/cpu_split", O_RDONLY | O_CLOEXEC);
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(go_runtime_read(fd, &go), -1);
	assert_int_equal(go.g_tls, 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_go_programs_layout_is_read),
		cmocka_unit_test(a_c_program_is_not_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
