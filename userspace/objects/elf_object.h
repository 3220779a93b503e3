/*
 * elf_object.h: naming addresses inside one object file, the same for
 * every process that maps it. The object is reported to its own Dwfl at
 * its link-time addresses, so callers translate a process address first
 * (elf_object_link_time_address). An address is named from DWARF (lines
 * and inlined calls, dwarf_frames.h), else the PLT ("printf@plt"), the
 * symbol table (.symtab, or .dynsym when stripped), the CFI ("libc.so.6+
 * 0x1234", or the signal trampoline), in that order; each answer is kept
 * per address. The names handed out live as long as the object.
 *
 * Where the object came from, who shares it and its debug files found
 * later are the object cache's (symbolizer.h); an elf_object only tells
 * it when its DWARF is first opened.
 */
#ifndef ELF_OBJECT_H
#define ELF_OBJECT_H

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbol_frame.h"

struct elf_object;

/* Called once each time the object's DWARF is found present, on the
 * first lookup that needs it (on_dwarf may be NULL). */
typedef void elf_object_dwarf_opened(void *ctx, struct elf_object *object);

/* Takes dwfl (with module, reported at bias 0) and reads what naming
 * needs at once: PT_LOAD segments, build ID, PLT. NULL (dwfl ended) when
 * the object has no loadable segment or memory runs out. */
struct elf_object *elf_object_new(Dwfl *dwfl, Dwfl_Module *module, const char *path,
				  elf_object_dwarf_opened *on_dwarf, void *ctx);
void elf_object_free(struct elf_object *object);

/* Debug info found later replaces the module the object was named from;
 * what was resolved without it is forgotten. Takes dwfl: 0; -1 when out of
 * memory (dwfl ended, the old module stays). */
int elf_object_replace_module(struct elf_object *object, Dwfl *dwfl, Dwfl_Module *module);

const char *elf_object_path(const struct elf_object *object);
Dwfl_Module *elf_object_module(const struct elf_object *object);
const char *elf_object_build_id(const struct elf_object *object); /* hex, "" when none */
bool elf_object_has_symbols(const struct elf_object *object);     /* .symtab, .dynsym or a debug file */
/* Whether file names and line numbers are available: the first call
 * opens the DWARF (inflating compressed debug sections), which naming
 * does only when lines are wanted. */
bool elf_object_has_dwarf(struct elf_object *object);

/* The link-time address of the byte at file_offset, through the PT_LOAD
 * holding it; false when none does. */
bool elf_object_link_time_address(const struct elf_object *object, uint64_t file_offset, uint64_t *vaddr);
/* The load bias (runtime address minus link-time address) of a mapping of
 * length bytes of the file from offset at start; false when no PT_LOAD's
 * bytes are in it. */
bool elf_object_load_bias(const struct elf_object *object, uint64_t start, uint64_t offset, uint64_t length,
			  uint64_t *bias);

/* A module's GNU build ID in hex into hex ("" when it has none). */
void elf_module_build_id(Dwfl_Module *module, char *hex, size_t size);

/* Names a link-time address into out (n_frames 0: nothing names it). */
void elf_object_resolve(struct elf_object *object, uint64_t vaddr, struct symbolization *out);

#endif
