/*
 * kallsyms.h: kernel symbols from /proc/kallsyms, for kernel frames.
 */
#ifndef KALLSYMS_H
#define KALLSYMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module; /* NULL for the core kernel */
};

struct kallsyms {
	struct ksym *symbols; /* sorted by address */
	size_t count, cap;
	char *text; /* the whole file, its names cut out in place: one allocation for 100k names */
};

/* Reads text in /proc/kallsyms format; text symbols only. 0, or -1. */
int kallsyms_load(struct kallsyms *table, FILE *in);
/* The symbol whose range holds addr (up to the next symbol), or NULL. */
const struct ksym *kallsyms_find(const struct kallsyms *table, uint64_t addr);
void kallsyms_free(struct kallsyms *table);

#endif
