/*
 * dwarf_frames.h: an address of one object named from its DWARF: the
 * source line, and the chain of functions inlined into each other there,
 * each with the line its callee was called from. Go's linker writes no
 * .debug_aranges and inlined subroutines libdw's scope lookup does not
 * follow, so units are also found by their own ranges and scopes by
 * descending from the unit. Callers ask only once the object is known to
 * have DWARF (elf_object.h opens it on first need).
 */
#ifndef DWARF_FRAMES_H
#define DWARF_FRAMES_H

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbol_frame.h"

struct hashmap;

/* The addresses each compilation unit covers, read on first need. */
struct dwarf_units {
	struct cu_range *ranges; /* sorted by low address */
	size_t n;
	bool read;
};

/* Frees what was read, so the next lookup reads the units again (of new
 * debug info). */
void dwarf_units_forget(struct dwarf_units *units);

/* The source line at vaddr (a link-time address): its file (absolute,
 * kept in strings) and line; NULL and 0 when DWARF does not say. */
void dwarf_line_at(Dwfl_Module *module, struct dwarf_units *units, struct hashmap *strings, uint64_t vaddr,
		   const char **file, int *line);

/* The chain of functions at vaddr, innermost first, at most max of them;
 * the innermost is at file:line (from dwarf_line_at). 0 when DWARF names
 * no function there. */
size_t dwarf_inlined_frames(Dwfl_Module *module, struct dwarf_units *units, struct hashmap *strings,
			    uint64_t vaddr, const char *file, int line, struct symbol_frame *out, size_t max);

#endif
