/*
 * unwind_table.c: libdw evaluates the CFI (dwarf_cfi_addrframe gives the
 * rules at a pc and the range they hold for), and we walk each executable
 * section range by range, keeping the two rules an x86-64 unwinder needs.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "unwind_table.h"

#define DWARF_REG_RBP 6
#define DWARF_REG_RSP 7

/* The rules of one frame state, as a row (pc left to the caller). */
static struct unwind_row row_for_frame(Dwarf_Frame *frame)
{
	struct unwind_row row = {.cfa_rule = UNWIND_CFA_UNSUPPORTED, .rbp_rule = UNWIND_RBP_UNSUPPORTED};
	Dwarf_Op *ops, ops_mem[3];
	size_t n_ops;

	/* A register-plus-offset CFA comes back as one DW_OP_bregx. */
	if (dwarf_frame_cfa(frame, &ops, &n_ops) == 0 && n_ops == 1 && ops[0].atom == DW_OP_bregx &&
	    (ops[0].number == DWARF_REG_RSP || ops[0].number == DWARF_REG_RBP)) {
		row.cfa_rule = ops[0].number == DWARF_REG_RSP ? UNWIND_CFA_RSP : UNWIND_CFA_RBP;
		row.cfa_offset = (int32_t)ops[0].number2;
	}
	/* rbp: no ops means "same value"; CFA + N comes back as
	 * DW_OP_call_frame_cfa, DW_OP_plus_uconst N. */
	if (dwarf_frame_register(frame, DWARF_REG_RBP, ops_mem, &ops, &n_ops) == 0) {
		if (n_ops == 0) {
			row.rbp_rule = UNWIND_RBP_SAME;
		} else if (n_ops == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_plus_uconst) {
			row.rbp_rule = UNWIND_RBP_AT_CFA;
			row.rbp_offset = (int16_t)(int64_t)ops[1].number;
		}
	}
	return row;
}

static bool same_rules(const struct unwind_row *a, const struct unwind_row *b)
{
	return a->cfa_rule == b->cfa_rule && a->rbp_rule == b->rbp_rule && a->cfa_offset == b->cfa_offset &&
	       a->rbp_offset == b->rbp_offset;
}

/* Appends a row starting at pc unless it continues the last one unchanged;
 * a row at the same pc as the last (where one section ends and the next
 * begins) replaces it. Sections come in address order in linked objects. */
static int append(struct unwind_table *table, uint64_t pc, struct unwind_row row)
{
	if (table->n_rows > 0 && table->rows[table->n_rows - 1].pc == pc)
		table->n_rows--;
	if (table->n_rows > 0 && same_rules(&table->rows[table->n_rows - 1], &row))
		return 0;
	struct unwind_row *slot = ARRAY_PUSH(table->rows, table->n_rows, table->cap_rows);
	if (slot == NULL)
		return -1;
	row.pc = pc;
	*slot = row;
	return 0;
}

static int add_section(struct unwind_table *table, Dwarf_CFI *cfi, uint64_t start, uint64_t end)
{
	const struct unwind_row gap = {.cfa_rule = UNWIND_CFA_NONE, .rbp_rule = UNWIND_RBP_SAME};

	for (uint64_t pc = start; pc < end;) {
		Dwarf_Frame *frame;
		if (cfi == NULL || dwarf_cfi_addrframe(cfi, pc, &frame) != 0) {
			/* No FDE here (padding, or code without CFI): step on until one starts. */
			if (append(table, pc, gap) != 0)
				return -1;
			pc++;
			continue;
		}
		Dwarf_Addr from, to;
		bool signal_frame;
		dwarf_frame_info(frame, &from, &to, &signal_frame);
		struct unwind_row row = row_for_frame(frame);
		free(frame);
		if (append(table, pc, row) != 0)
			return -1;
		pc = to > pc ? (to < end ? to : end) : pc + 1;
	}
	return 0;
}

int unwind_table_build(int fd, struct unwind_table *table, char *err, size_t err_len)
{
	memset(table, 0, sizeof(*table));
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t shstrndx;

	if (elf == NULL || elf_getshdrstrndx(elf, &shstrndx) != 0) {
		snprintf(err, err_len, "not an ELF object: %s", elf_errmsg(-1));
		if (elf != NULL)
			elf_end(elf);
		return -1;
	}
	Dwarf_CFI *cfi = dwarf_getcfi_elf(elf); /* .eh_frame; NULL leaves only frame pointers */
	int rc = 0;
	for (Elf_Scn *scn = NULL; rc == 0 && (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		if (gelf_getshdr(scn, &shdr) == NULL || !(shdr.sh_flags & SHF_EXECINSTR) || shdr.sh_type != SHT_PROGBITS)
			continue;
		rc = add_section(table, cfi, shdr.sh_addr, shdr.sh_addr + shdr.sh_size);
		/* Addresses past a section belong to no code until the next one. */
		if (rc == 0)
			rc = append(table, shdr.sh_addr + shdr.sh_size,
				    (struct unwind_row){.cfa_rule = UNWIND_CFA_NONE, .rbp_rule = UNWIND_RBP_SAME});
	}
	if (cfi != NULL)
		dwarf_cfi_end(cfi);
	elf_end(elf);
	if (rc != 0) {
		snprintf(err, err_len, "out of memory");
		unwind_table_free(table);
		return -1;
	}
	for (size_t i = 0; i < table->n_rows; i++)
		table->unsupported += table->rows[i].cfa_rule == UNWIND_CFA_UNSUPPORTED ||
				      table->rows[i].rbp_rule == UNWIND_RBP_UNSUPPORTED;
	return 0;
}

const struct unwind_row *unwind_table_find(const struct unwind_table *table, uint64_t pc)
{
	size_t low = 0, high = table->n_rows;

	if (table->n_rows == 0 || pc < table->rows[0].pc)
		return NULL;
	while (high - low > 1) { /* the last row starting at or below pc */
		size_t mid = low + (high - low) / 2;
		if (table->rows[mid].pc <= pc)
			low = mid;
		else
			high = mid;
	}
	return &table->rows[low];
}

void unwind_table_free(struct unwind_table *table)
{
	free(table->rows);
	memset(table, 0, sizeof(*table));
}
