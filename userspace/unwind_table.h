/*
 * unwind_table.h: an object's call frame information (.eh_frame) compiled
 * into compact rows, pc -> how to find the caller, for the table-driven
 * DWARF unwinder (issue 5): the BPF side will walk stacks with these rows
 * instead of frame pointers. x86-64 only: the return address is always at
 * CFA - 8, so a row needs just the CFA rule and where rbp was saved.
 */
#ifndef UNWIND_TABLE_H
#define UNWIND_TABLE_H

#include <stddef.h>
#include <stdint.h>

enum unwind_cfa_rule {
	UNWIND_CFA_RSP,         /* CFA = rsp + cfa_offset */
	UNWIND_CFA_RBP,         /* CFA = rbp + cfa_offset */
	UNWIND_CFA_NONE,        /* no CFI covers this code: use the frame pointer */
	UNWIND_CFA_UNSUPPORTED, /* a DWARF expression the unwinder does not run: stop here */
};

enum unwind_rbp_rule {
	UNWIND_RBP_SAME,        /* rbp still holds the caller's value */
	UNWIND_RBP_AT_CFA,      /* the caller's rbp is saved at CFA + rbp_offset */
	UNWIND_RBP_UNSUPPORTED, /* saved some other way */
};

struct unwind_row {
	uint64_t pc; /* link-time address where the rule starts; it holds until the next row */
	int32_t cfa_offset;
	int16_t rbp_offset;
	uint8_t cfa_rule; /* enum unwind_cfa_rule */
	uint8_t rbp_rule; /* enum unwind_rbp_rule */
};

struct unwind_table {
	struct unwind_row *rows; /* sorted by pc, adjacent equal rules merged */
	size_t n_rows, cap_rows;
	size_t unsupported; /* rows whose rules the unwinder cannot follow */
};

/* Builds the table of the ELF file open on fd (which stays the caller's).
 * 0, or -1 with a one-line reason. */
int unwind_table_build(int fd, struct unwind_table *table, char *err, size_t err_len);
/* The row covering link-time address pc, or NULL outside the executable sections. */
const struct unwind_row *unwind_table_find(const struct unwind_table *table, uint64_t pc);
void unwind_table_free(struct unwind_table *table);

#endif
