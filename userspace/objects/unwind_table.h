/*
 * unwind_table.h: an object's call frame information (.eh_frame, and
 * .debug_frame for code .eh_frame leaves out: Go's) compiled
 * into compact rows, pc -> how to find the caller, in the very layout the
 * BPF unwinder walks (bpf/unwind.h). x86-64 only: the return address is
 * always at CFA - 8, so a row needs just the CFA rule and where rbp was
 * saved.
 */
#ifndef UNWIND_TABLE_H
#define UNWIND_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "unwind.h"

struct unwind_table {
	struct unwind_entry *rows; /* sorted by pc, adjacent equal rules merged */
	size_t n_rows, cap_rows;
	size_t unsupported; /* rows where the walk must stop (a CFA rule it cannot follow) */
	/* pages[p]: the row covering the first byte of the page at page_base
	 * + p * 4 KiB, so a pc's row is between pages[p] and pages[p + 1]. */
	uint32_t *pages;
	size_t n_pages;
	uint32_t page_base;
};

/* Builds the table of the ELF file open on fd (which stays the caller's).
 * 0, or -1 with a one-line reason. */
int unwind_table_build(int fd, struct unwind_table *table, char *err, size_t err_len);
/* The row covering link-time address pc, or NULL before the first one. */
const struct unwind_entry *unwind_table_find(const struct unwind_table *table, uint64_t pc);
void unwind_table_free(struct unwind_table *table);

#endif
