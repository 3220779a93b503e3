/*
 * probe_site.h: where in a function to place a uprobe (the allocator
 * probes). A uprobe costs far less where the kernel can emulate the probed
 * instruction (push, nop) than where it must single-step it out of line
 * (about 0.7 us against 9.3 us a hit on this VM), so the probe goes on the
 * first emulatable instruction that every interesting call still reaches
 * with its argument registers intact, found by decoding the prologue of
 * the very library the target maps. x86-64 only.
 */
#ifndef PROBE_SITE_H
#define PROBE_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probe_site {
	size_t offset;   /* from the function's entry */
	bool emulated;   /* the kernel emulates the instruction there; false: entry, single-stepped */
	bool skips_null; /* calls with a NULL first argument branch away before the site */
};

/* Decodes code (the function's first bytes, len of them). skip_null_first:
 * calls whose first argument is NULL are of no interest (free(NULL)), so a
 * `test %rdi,%rdi; je` may be stepped over. Always succeeds: without a
 * better site the answer is the entry. */
struct probe_site probe_site_find(const uint8_t *code, size_t len, bool skip_null_first);

#endif
