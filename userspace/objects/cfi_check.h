/*
 * cfi_check.h: whether an object's call frame information names only
 * registers x86-64 code has, checked before libdw's CFI interpreter runs
 * it. x86-64's DWARF registers end below 130 (k7 is 125), but libdw grows a
 * frame's register array to the highest register the rules name, at every
 * lookup: corrupt CFI naming register 100,000,000 costs 800 MB and a third
 * of a second per lookup (up to 2 GiB each). Used by the unwind table
 * builder and the symbolizer, which both look CFI up.
 *
 * An object whose program headers lead libdw to CFI outside any .eh_frame
 * section this check reads (section headers cut off) is refused.
 * Not covered: an FDE reached only through a corrupt .eh_frame_hdr search
 * table.
 */
#ifndef CFI_CHECK_H
#define CFI_CHECK_H

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

#define CFI_REG_UNCHECKED UINT64_MAX /* *reg when no register is at fault: CFI this check could not read */

/* Whether the object's .eh_frame and .debug_frame name registers below
 * 256 only (*reg is one that does not, or CFI_REG_UNCHECKED), read as
 * libdw reads them: call it after dwarf_begin_elf, which decompresses
 * .debug_frame in place. */
bool cfi_plausible(Elf *elf, uint64_t *reg);

#endif
