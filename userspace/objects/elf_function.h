/*
 * elf_function.h: where an object file defines a function, as a file
 * offset: what uprobes take, and what a mapping of the file turns into an
 * address in a process.
 */
#ifndef ELF_FUNCTION_H
#define ELF_FUNCTION_H

#include <gelf.h>

/* The file offset of the function name defines (in .dynsym or .symtab),
 * or -1. */
long elf_function_offset(Elf *elf, const char *name);

/* The same for the object open on fd. */
long elf_file_function_offset(int fd, const char *name);

#endif
