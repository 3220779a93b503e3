/*
 * symbol_frame.h: what naming one address gives (a function, its line and
 * what is inlined into it), and the interned strings those frames point
 * into. The strings belong to the object that named them and live as long
 * as it (elf_object.h), or as the kernel's symbols.
 */
#ifndef SYMBOL_FRAME_H
#define SYMBOL_FRAME_H

#include <stddef.h>

struct hashmap;

/* One frame of a resolved address; strings live as long as the symbolizer. */
struct symbol_frame {
	const char *function;    /* demangled */
	const char *system_name; /* as in the symbol table or DWARF linkage name */
	const char *file;        /* source file of `line`, "" when unknown */
	int line;                /* 0 when unknown */
	const char *decl_file;   /* where the function is defined, "" when unknown */
	int start_line;          /* its first line, 0 when unknown */
};

#define SYMBOL_MAX_FRAMES 32 /* one address: the function and what is inlined into it */

struct symbolization {
	struct symbol_frame frames[SYMBOL_MAX_FRAMES]; /* innermost (callee) first */
	size_t n_frames; /* 0: nothing known but the address */
};

/* s kept in strings (a hashmap used as a set), so a frame can point at it
 * for as long as strings lives; "" for NULL or when out of memory. */
const char *symbol_intern(struct hashmap *strings, const char *s);

#endif
