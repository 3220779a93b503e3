/*
 * unwind_table.c: libdw evaluates the CFI (dwarf_cfi_addrframe gives the
 * rules at a pc and the range they hold for), and we walk each executable
 * section range by range, keeping the rules an x86-64 unwinder needs and
 * recognising the few DWARF expressions real code uses: PLT stubs, signal
 * trampolines and stacks realigned by hand-written assembly.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cfi_check.h"
#include "unwind_table.h"

#define DWARF_REG_RBP 6
#define DWARF_REG_RSP 7
#define DWARF_REG_R15 15
#define DWARF_REG_RIP 16 /* the return address column */

static bool is_breg(const Dwarf_Op *op, unsigned reg)
{
	return op->atom == DW_OP_breg0 + reg;
}

/* Whether the op is DW_OP_litN; sets *n. */
static bool is_lit(const Dwarf_Op *op, unsigned *n)
{
	if (op->atom < DW_OP_lit0 || op->atom > DW_OP_lit31)
		return false;
	*n = op->atom - DW_OP_lit0;
	return true;
}

/* The CFA rule of a frame state. Besides register + offset (one
 * DW_OP_bregx), two expressions occur in practice: *(reg + n) + m, where
 * assembly realigned the stack and saved the old pointer (OpenSSL), and the
 * PLT's "rsp + 8, plus 8 past the push" test on the pc's low bits. */
static void cfa_rule(Dwarf_Frame *frame, struct unwind_entry *row)
{
	Dwarf_Op *ops;
	size_t n;
	unsigned lit;

	row->cfa_kind = UNWIND_CFA_UNSUPPORTED;
	if (dwarf_frame_cfa(frame, &ops, &n) != 0 || n == 0)
		return;
	if (n == 1 && ops[0].atom == DW_OP_bregx && (ops[0].number == DWARF_REG_RSP || ops[0].number == DWARF_REG_RBP)) {
		row->cfa_kind = ops[0].number == DWARF_REG_RSP ? UNWIND_CFA_RSP : UNWIND_CFA_RBP;
		row->cfa_offset = (int32_t)ops[0].number2;
		return;
	}
	/* Hand-written assembly may keep the CFA in a scratch register
	 * (OpenSSL's `lea (%rsp),%rax`): usable where the sample stopped. */
	if (n == 1 && ops[0].atom == DW_OP_bregx && ops[0].number <= DWARF_REG_R15) {
		row->cfa_kind = UNWIND_CFA_REG;
		row->cfa_reg = (uint8_t)ops[0].number;
		row->cfa_offset = (int32_t)ops[0].number2;
		return;
	}
	bool on_rsp = is_breg(&ops[0], DWARF_REG_RSP), on_rbp = is_breg(&ops[0], DWARF_REG_RBP);
	if (!on_rsp && !on_rbp)
		return;
	if ((n == 2 || n == 3) && ops[1].atom == DW_OP_deref &&
	    (n == 2 || (ops[2].atom == DW_OP_plus_uconst && ops[2].number <= INT16_MAX))) {
		row->cfa_kind = on_rsp ? UNWIND_CFA_RSP_DEREF : UNWIND_CFA_RBP_DEREF;
		row->cfa_offset = (int32_t)ops[0].number;
		row->cfa_addend = n == 3 ? (int16_t)ops[2].number : 0;
		return;
	}
	if (n == 9 && on_rsp && is_breg(&ops[1], DWARF_REG_RIP) && is_lit(&ops[2], &lit) && lit == 15 &&
	    ops[3].atom == DW_OP_and && is_lit(&ops[4], &lit) && ops[5].atom == DW_OP_ge && ops[7].atom == DW_OP_shl &&
	    ops[8].atom == DW_OP_plus) {
		unsigned shift;
		if (!is_lit(&ops[6], &shift) || shift != 3)
			return;
		row->cfa_kind = UNWIND_CFA_PLT;
		row->cfa_offset = (int32_t)ops[0].number;
		row->cfa_addend = (int16_t)lit;
	}
}

/* Where the caller's rbp is. libdw tells "same value" (no ops, NULL) from
 * "undefined" (no ops, ops_mem); CFA + N comes as DW_OP_call_frame_cfa,
 * DW_OP_plus_uconst N. */
static void rbp_rule(Dwarf_Frame *frame, struct unwind_entry *row)
{
	Dwarf_Op *ops, ops_mem[3];
	size_t n;

	row->rbp_kind = UNWIND_RBP_UNSUPPORTED;
	if (dwarf_frame_register(frame, DWARF_REG_RBP, ops_mem, &ops, &n) != 0)
		return;
	if (n == 0 && ops == NULL)
		row->rbp_kind = UNWIND_RBP_SAME;
	else if (n == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_plus_uconst) {
		row->rbp_kind = UNWIND_RBP_AT_CFA;
		row->rbp_offset = (int16_t)(int64_t)ops[1].number;
	}
}

/* Whether the CFI says the frame has no caller: the return address column
 * is "undefined", as in _start and a new thread's first frame. */
static bool return_address_undefined(Dwarf_Frame *frame)
{
	Dwarf_Op *ops, ops_mem[3];
	size_t n;

	return dwarf_frame_register(frame, DWARF_REG_RIP, ops_mem, &ops, &n) == 0 && n == 0 && ops != NULL;
}

static struct unwind_entry row_for_frame(Dwarf_Frame *frame, bool signal_frame)
{
	struct unwind_entry row = {.rbp_kind = UNWIND_RBP_SAME};

	if (signal_frame) {
		row.cfa_kind = UNWIND_CFA_SIGNAL; /* the walker reads the ucontext's registers */
		return row;
	}
	if (return_address_undefined(frame)) {
		row.cfa_kind = UNWIND_CFA_END;
		return row;
	}
	cfa_rule(frame, &row);
	rbp_rule(frame, &row);
	return row;
}

static bool same_rules(const struct unwind_entry *a, const struct unwind_entry *b)
{
	return a->cfa_kind == b->cfa_kind && a->rbp_kind == b->rbp_kind && a->cfa_offset == b->cfa_offset &&
	       a->rbp_offset == b->rbp_offset && a->cfa_addend == b->cfa_addend && a->cfa_reg == b->cfa_reg;
}

/* Appends a row starting at pc unless it continues the last one unchanged;
 * a row at the same pc as the last (where one section ends and the next
 * begins) replaces it. Sections come in address order in linked objects. */
static int append(struct unwind_table *table, uint64_t pc, struct unwind_entry row)
{
	if (table->n_rows > 0 && table->rows[table->n_rows - 1].pc == pc)
		table->n_rows--;
	if (table->n_rows > 0 && same_rules(&table->rows[table->n_rows - 1], &row))
		return 0;
	struct unwind_entry *slot = ARRAY_PUSH(table->rows, table->n_rows, table->cap_rows);
	if (slot == NULL)
		return -1;
	row.pc = (uint32_t)pc;
	*slot = row;
	return 0;
}

static const struct unwind_entry no_cfi = {.cfa_kind = UNWIND_CFA_NONE, .rbp_kind = UNWIND_RBP_SAME};

/* The rules at pc from the object's first CFI that covers it. */
static int frame_at(Dwarf_CFI *const cfis[2], uint64_t pc, Dwarf_Frame **frame)
{
	for (int i = 0; i < 2; i++)
		if (cfis[i] != NULL && dwarf_cfi_addrframe(cfis[i], pc, frame) == 0)
			return 0;
	return -1;
}

static int add_section(struct unwind_table *table, Dwarf_CFI *const cfis[2], uint64_t start, uint64_t end)
{
	if (cfis[0] == NULL && cfis[1] == NULL) /* no CFI at all: frame pointers throughout */
		return append(table, start, no_cfi);
	for (uint64_t pc = start; pc < end;) {
		Dwarf_Frame *frame;
		if (frame_at(cfis, pc, &frame) != 0) {
			/* No FDE here (padding, or code without CFI): step on until one starts. */
			if (append(table, pc, no_cfi) != 0)
				return -1;
			pc++;
			continue;
		}
		Dwarf_Addr from, to;
		bool signal_frame;
		dwarf_frame_info(frame, &from, &to, &signal_frame);
		struct unwind_entry row = row_for_frame(frame, signal_frame);
		free(frame);
		if (append(table, pc, row) != 0)
			return -1;
		pc = to > pc ? (to < end ? to : end) : pc + 1;
	}
	return 0;
}

/* An executable section's addresses. */
struct code_range {
	uint64_t start, end;
};

static int by_start(const void *a, const void *b)
{
	const struct code_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int index_pages(struct unwind_table *table)
{
	if (table->n_rows == 0)
		return 0;
	uint32_t page_size = 1U << UNWIND_PAGE_SHIFT;
	table->page_base = table->rows[0].pc & ~(page_size - 1);
	table->n_pages = ((table->rows[table->n_rows - 1].pc - table->page_base) >> UNWIND_PAGE_SHIFT) + 1;
	table->pages = malloc(table->n_pages * sizeof(*table->pages));
	if (table->pages == NULL)
		return -1;
	size_t row = 0;
	for (size_t page = 0; page < table->n_pages; page++) {
		uint64_t start = table->page_base + (uint64_t)page * page_size;
		while (row + 1 < table->n_rows && table->rows[row + 1].pc <= start)
			row++;
		table->pages[page] = (uint32_t)row;
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
	/* .eh_frame first, as the C runtime unwinds; .debug_frame for the
	 * code it does not cover: all of a Go program's (Go's linker writes
	 * no .eh_frame), or the Go half of a cgo one. Neither: frame pointers. */
	Dwarf *dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	Dwarf_CFI *const cfis[2] = {dwarf_getcfi_elf(elf), dwarf != NULL ? dwarf_getcfi(dwarf) : NULL};
	uint64_t bad_reg = 0;
	int rc = cfi_plausible(elf, &bad_reg) ? 0 : -3;
	struct code_range *ranges = NULL;
	size_t n_ranges = 0, cap_ranges = 0;
	for (Elf_Scn *scn = NULL; rc == 0 && (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		if (gelf_getshdr(scn, &shdr) == NULL || !(shdr.sh_flags & SHF_EXECINSTR) || shdr.sh_type != SHT_PROGBITS)
			continue;
		/* Rows keep 32-bit pcs; the sum alone could wrap. */
		if (shdr.sh_addr > UINT32_MAX || shdr.sh_size > UINT32_MAX - shdr.sh_addr) {
			rc = -2;
			break;
		}
		struct code_range *range = ARRAY_PUSH(ranges, n_ranges, cap_ranges);
		if (range == NULL)
			rc = -1;
		else
			*range = (struct code_range){shdr.sh_addr, shdr.sh_addr + shdr.sh_size};
	}
	/* Rows must come out sorted whatever order the section headers list
	 * the code in; where sections overlap, the earlier one's rows stand. */
	if (rc == 0 && n_ranges > 0)
		qsort(ranges, n_ranges, sizeof(*ranges), by_start);
	for (size_t i = 0; rc == 0 && i < n_ranges; i++) {
		uint64_t covered = i > 0 ? ranges[i - 1].end : 0;
		if (i > 0 && ranges[i].end <= covered) {
			ranges[i].end = covered; /* inside the one before: nothing new */
			continue;
		}
		rc = add_section(table, cfis, i > 0 && ranges[i].start < covered ? covered : ranges[i].start,
				 ranges[i].end);
		/* Addresses past a section belong to no code until the next one. */
		if (rc == 0)
			rc = append(table, ranges[i].end, no_cfi);
	}
	free(ranges);
	if (cfis[0] != NULL)
		dwarf_cfi_end(cfis[0]);
	if (dwarf != NULL)
		dwarf_end(dwarf); /* and the .debug_frame CFI it owns */
	elf_end(elf);
	if (rc == 0 && index_pages(table) != 0)
		rc = -1;
	if (rc != 0) {
		if (rc == -3 && bad_reg == CFI_REG_UNCHECKED)
			snprintf(err, err_len, "corrupt object: call frame information outside its .eh_frame section");
		else if (rc == -3)
			snprintf(err, err_len, "corrupt call frame information: a rule for register %" PRIu64, bad_reg);
		else
			snprintf(err, err_len, rc == -2 ? "code above 4 GiB in link-time addresses" : "out of memory");
		unwind_table_free(table);
		return -1;
	}
	for (size_t i = 0; i < table->n_rows; i++)
		table->unsupported += table->rows[i].cfa_kind == UNWIND_CFA_UNSUPPORTED;
	return 0;
}

const struct unwind_entry *unwind_table_find(const struct unwind_table *table, uint64_t pc)
{
	size_t low = 0, high = table->n_rows;

	if (table->n_rows == 0 || pc < table->rows[0].pc)
		return NULL;
	/* The same narrowing the BPF walker does: the page's rows only. */
	uint64_t page = (pc - table->page_base) >> UNWIND_PAGE_SHIFT;
	if (page < table->n_pages) {
		low = table->pages[page];
		high = page + 1 < table->n_pages ? table->pages[page + 1] + 1 : table->n_rows;
	}
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
	free(table->pages);
	memset(table, 0, sizeof(*table));
}
