/*
 * probe_site.c: a deliberately small x86-64 decoder. It knows only the
 * instructions allocator prologues start with, and moves a probe past one
 * only when that cannot change what the probe reads (the argument
 * registers) or which calls reach it; anything else ends the search and
 * the probe stays at the entry.
 */
#include "probe_site.h"

enum {
	REG_RCX = 1,
	REG_RDX = 2,
	REG_RSI = 6,
	REG_RDI = 7,
	REG_R8 = 8,
	REG_R9 = 9,
};

static bool is_argument_register(unsigned reg)
{
	return reg == REG_RDI || reg == REG_RSI || reg == REG_RDX || reg == REG_RCX || reg == REG_R8 || reg == REG_R9;
}

/* push %reg (50+r, or 41 50+r for r8-r15) and nop: the kernel emulates
 * them instead of single-stepping. Their length, or 0. */
static size_t emulated_length(const uint8_t *p, size_t left)
{
	if (left >= 1 && ((p[0] >= 0x50 && p[0] <= 0x57) || p[0] == 0x90))
		return 1;
	if (left >= 2 && p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57)
		return 2;
	return 0;
}

/* Instructions a site may move past: they write no argument register and
 * transfer no control. Their length, or 0 for anything else. */
static size_t harmless_length(const uint8_t *p, size_t left)
{
	if (left >= 4 && p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa)
		return 4; /* endbr64 */
	if (left >= 7 && p[0] == 0x80 && p[1] == 0x3d)
		return 7; /* cmpb $imm8, disp32(%rip): flags only */
	/* mov %reg, %reg (64-bit, REX.W): writes the register in ModRM.rm */
	if (left >= 3 && (p[0] & 0xf8) == 0x48 && p[1] == 0x89 && (p[2] & 0xc0) == 0xc0) {
		unsigned destination = (p[2] & 7u) | ((p[0] & 1u) << 3);
		return is_argument_register(destination) ? 0 : 3;
	}
	return 0;
}

/* test %rdi,%rdi followed by je (rel8 or rel32): the NULL check. Its
 * length, or 0. */
static size_t null_check_length(const uint8_t *p, size_t left)
{
	if (left < 5 || p[0] != 0x48 || p[1] != 0x85 || p[2] != 0xff)
		return 0;
	if (p[3] == 0x74)
		return 5;
	if (left >= 9 && p[3] == 0x0f && p[4] == 0x84)
		return 9;
	return 0;
}

struct probe_site probe_site_find(const uint8_t *code, size_t len, bool skip_null_first)
{
	struct probe_site site = {0};
	size_t offset = 0, step;

	while (offset < len) {
		if (emulated_length(code + offset, len - offset) > 0) {
			site.offset = offset;
			site.emulated = true;
			return site;
		}
		if (skip_null_first && (step = null_check_length(code + offset, len - offset)) > 0)
			site.skips_null = true;
		else if ((step = harmless_length(code + offset, len - offset)) == 0)
			break;
		offset += step;
	}
	return (struct probe_site){0};
}
