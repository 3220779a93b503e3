/*
 * cfi_check.h: whether an object's call frame information names only
 * registers x86-64 code has, checked before libdw's CFI interpreter runs
 * it. x86-64's DWARF registers end below 130 (k7 is 125), but libdw grows a
 * frame's register array to the highest register the rules name, at every
 * lookup: corrupt CFI naming register 100,000,000 costs 800 MB and a third
 * of a second per lookup (up to 2 GiB each). Used by the unwind table
 * builder and the symbolizer, which both look CFI up.
 *
 * Not covered: an FDE reached only through a corrupt .eh_frame_hdr search
 * table or PT_GNU_EH_FRAME pointing outside .eh_frame.
 */
#ifndef CFI_CHECK_H
#define CFI_CHECK_H

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

/* Whether the object's .eh_frame and .debug_frame name registers below
 * 256 only (*reg is one that does not), read as libdw reads them:
 * call it after dwarf_begin_elf, which decompresses .debug_frame in place. */
bool cfi_plausible(Elf *elf, uint64_t *reg);

#endif
