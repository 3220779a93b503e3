/*
 * fuzz_unwind_table.c: unwind_table_build on call frame information it has
 * never seen. The input's header places up to two code sections and the
 * CFI sections in a small ELF object written to a memfd; the rest of the
 * input is the bytes of .eh_frame_hdr, .eh_frame and .debug_frame. The
 * table must come out as unwind_table.h promises: rows sorted by pc, equal
 * neighbours merged, a page index that finds what a linear scan finds.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "expect.h"
#include "unwind_table.h"

/* The input starts with this, little-endian, packed (tests/fuzz/make-seeds.sh
 * writes it for the seeds made from real objects). */
struct layout {
	uint8_t flags;
	uint8_t pad;
	uint16_t text_size[2];
	uint16_t hdr_len;
	uint32_t text_addr[2];
	uint32_t hdr_addr;
	uint32_t eh_addr;
	uint32_t eh_len; /* what follows is .eh_frame_hdr, .eh_frame, then .debug_frame to the end */
} __attribute__((packed));

enum {
	HAS_EH_FRAME = 1 << 0,
	HAS_EH_FRAME_HDR = 1 << 1,
	HAS_DEBUG_FRAME = 1 << 2,
	HAS_SECOND_TEXT = 1 << 3,
	/* Addresses above 4 GiB, which 32-bit rows cannot hold. */
	HIGH_TEXT0 = 1 << 4,
	HIGH_TEXT1 = 1 << 5,
};

/* Code is zeros that nothing reads; its size bounds the walk, which visits
 * every byte no FDE covers, so it stays small enough for fast runs. */
#define TEXT_MAX 8192

enum { S_NULL, S_TEXT0, S_TEXT1, S_EH_FRAME_HDR, S_EH_FRAME, S_DEBUG_FRAME, S_SHSTRTAB, N_SECTIONS };

/* A section the flags leave out is renamed as well as typed away, in case
 * a reader looks sections up by name alone. */
static const char shstrtab[] = "\0.text\0.text.hot\0.eh_frame_hdr\0.eh_frame\0.debug_frame\0.shstrtab\0.absent";

static uint32_t name_offset(const char *name)
{
	for (uint32_t i = 0; i < sizeof(shstrtab); i += (uint32_t)strlen(shstrtab + i) + 1)
		if (strcmp(shstrtab + i, name) == 0)
			return i;
	abort();
}

/* Section contents go after the headers; sections without bytes in the
 * file (code) point at the zeros past its end, which ftruncate supplies. */
static int write_object(const struct layout *l, const uint8_t *hdr, const uint8_t *eh, size_t eh_len,
			const uint8_t *debug, size_t debug_len)
{
	Elf64_Shdr sh[N_SECTIONS];
	Elf64_Ehdr eh_hdr = {
		.e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
		.e_type = ET_DYN,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_shoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_shentsize = sizeof(Elf64_Shdr),
		.e_shnum = N_SECTIONS,
		.e_shstrndx = S_SHSTRTAB,
	};
	uint64_t data_at = sizeof(eh_hdr) + sizeof(sh);
	uint64_t hdr_at = data_at, eh_at = hdr_at + l->hdr_len, debug_at = eh_at + eh_len;
	uint64_t strtab_at = debug_at + debug_len, end = strtab_at + sizeof(shstrtab);

	memset(sh, 0, sizeof(sh));
	for (int i = 0; i < 2; i++) {
		uint64_t addr = l->text_addr[i];
		bool present = i == 0 || (l->flags & HAS_SECOND_TEXT);
		if (l->flags & (i == 0 ? HIGH_TEXT0 : HIGH_TEXT1))
			addr |= 0xffffffff00000000ULL;
		sh[S_TEXT0 + i] = (Elf64_Shdr){
			.sh_name = name_offset(!present ? ".absent"
					       : i == 0 ? ".text"
							: ".text.hot"),
			.sh_type = present ? SHT_PROGBITS : SHT_NULL,
			.sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			.sh_addr = addr,
			.sh_offset = end,
			.sh_size = l->text_size[i] % (TEXT_MAX + 1),
			.sh_addralign = 16,
		};
	}
	sh[S_EH_FRAME_HDR] = (Elf64_Shdr){
		.sh_name = name_offset(l->flags & HAS_EH_FRAME_HDR ? ".eh_frame_hdr" : ".absent"),
		.sh_type = l->flags & HAS_EH_FRAME_HDR ? SHT_PROGBITS : SHT_NULL,
		.sh_flags = SHF_ALLOC,
		.sh_addr = l->hdr_addr,
		.sh_offset = hdr_at,
		.sh_size = l->hdr_len,
		.sh_addralign = 4,
	};
	sh[S_EH_FRAME] = (Elf64_Shdr){
		.sh_name = name_offset(l->flags & HAS_EH_FRAME ? ".eh_frame" : ".absent"),
		.sh_type = l->flags & HAS_EH_FRAME ? SHT_PROGBITS : SHT_NULL,
		.sh_flags = SHF_ALLOC,
		.sh_addr = l->eh_addr,
		.sh_offset = eh_at,
		.sh_size = eh_len,
		.sh_addralign = 8,
	};
	sh[S_DEBUG_FRAME] = (Elf64_Shdr){
		.sh_name = name_offset(l->flags & HAS_DEBUG_FRAME ? ".debug_frame" : ".absent"),
		.sh_type = l->flags & HAS_DEBUG_FRAME ? SHT_PROGBITS : SHT_NULL,
		.sh_offset = debug_at,
		.sh_size = debug_len,
		.sh_addralign = 8,
	};
	sh[S_SHSTRTAB] = (Elf64_Shdr){
		.sh_name = name_offset(".shstrtab"),
		.sh_type = SHT_STRTAB,
		.sh_offset = strtab_at,
		.sh_size = sizeof(shstrtab),
		.sh_addralign = 1,
	};

	int fd = memfd_create("fuzz-eh-frame", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	bool written = write(fd, &eh_hdr, sizeof(eh_hdr)) == sizeof(eh_hdr) &&
		       write(fd, sh, sizeof(sh)) == sizeof(sh) &&
		       (l->hdr_len == 0 || write(fd, hdr, l->hdr_len) == l->hdr_len) &&
		       (eh_len == 0 || write(fd, eh, eh_len) == (ssize_t)eh_len) &&
		       (debug_len == 0 || write(fd, debug, debug_len) == (ssize_t)debug_len) &&
		       write(fd, shstrtab, sizeof(shstrtab)) == sizeof(shstrtab) &&
		       ftruncate(fd, (off_t)(end + TEXT_MAX)) == 0;
	if (!written) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool same_rules(const struct unwind_entry *a, const struct unwind_entry *b)
{
	return a->cfa_kind == b->cfa_kind && a->rbp_kind == b->rbp_kind && a->cfa_offset == b->cfa_offset &&
	       a->rbp_offset == b->rbp_offset && a->cfa_addend == b->cfa_addend && a->cfa_reg == b->cfa_reg;
}

static const struct unwind_entry *find_by_scan(const struct unwind_table *t, uint64_t pc)
{
	const struct unwind_entry *found = NULL;

	for (size_t i = 0; i < t->n_rows && t->rows[i].pc <= pc; i++)
		found = &t->rows[i];
	return found;
}

static void check_table(const struct unwind_table *t)
{
	size_t unsupported = 0;

	for (size_t i = 0; i < t->n_rows; i++) {
		const struct unwind_entry *row = &t->rows[i];
		EXPECT(row->cfa_kind <= UNWIND_CFA_UNSUPPORTED && row->rbp_kind <= UNWIND_RBP_UNSUPPORTED);
		EXPECT(row->cfa_kind != UNWIND_CFA_REG || row->cfa_reg <= 15);
		unsupported += row->cfa_kind == UNWIND_CFA_UNSUPPORTED;
		if (i == 0)
			continue;
		EXPECT(row[-1].pc < row->pc);
		EXPECT(!same_rules(&row[-1], row));
	}
	EXPECT(unsupported == t->unsupported);
	if (t->n_rows == 0)
		return;
	EXPECT(t->n_pages >= 1 && t->pages != NULL);
	for (size_t p = 0; p < t->n_pages; p++)
		EXPECT(t->pages[p] < t->n_rows && (p == 0 || t->pages[p - 1] <= t->pages[p]));
	/* Around every row, against a scan: its first pc, the pcs either
	 * side, and the starts of its page and the next (sections far apart
	 * make millions of pages, so not every page is visited). */
	for (size_t i = 0; i < t->n_rows; i++) {
		uint64_t pc = t->rows[i].pc;
		uint64_t page = pc & ~((1ULL << UNWIND_PAGE_SHIFT) - 1);
		EXPECT(unwind_table_find(t, pc) == &t->rows[i]);
		EXPECT(unwind_table_find(t, pc + 1) == find_by_scan(t, pc + 1));
		if (pc > 0)
			EXPECT(unwind_table_find(t, pc - 1) == find_by_scan(t, pc - 1));
		EXPECT(unwind_table_find(t, page) == find_by_scan(t, page));
		page += 1ULL << UNWIND_PAGE_SHIFT;
		EXPECT(unwind_table_find(t, page) == find_by_scan(t, page));
	}
	EXPECT(unwind_table_find(t, UINT64_MAX) == &t->rows[t->n_rows - 1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layout l;

	if (size < sizeof(l))
		return 0;
	memcpy(&l, data, sizeof(l));
	data += sizeof(l);
	size -= sizeof(l);
	if (l.hdr_len > size)
		l.hdr_len = (uint16_t)size;
	const uint8_t *hdr = data;
	data += l.hdr_len;
	size -= l.hdr_len;
	size_t eh_len = l.eh_len < size ? l.eh_len : size;

	int fd = write_object(&l, hdr, data, eh_len, data + eh_len, size - eh_len);
	if (fd < 0)
		return 0;
	struct unwind_table table;
	char err[256];
	if (unwind_table_build(fd, &table, err, sizeof(err)) == 0) {
		check_table(&table);
		unwind_table_free(&table);
	} else {
		EXPECT(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	}
	close(fd);
	return 0;
}
