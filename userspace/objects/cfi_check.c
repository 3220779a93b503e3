/*
 * cfi_check.c: the register check cfi_check.h explains: every CIE and FDE
 * of .eh_frame and .debug_frame walked as libdw would walk them, and an
 * object refused when libdw would find its CFI only through
 * PT_GNU_EH_FRAME, which this check does not follow.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <string.h>

#include "cfi_check.h"

#define CFI_REG_LIMIT 256

/* Reads a LEB128 number's magnitude (a signed one is skipped alike);
 * UINT64_MAX when it does not fit. false when the bytes end first. */
static bool cfi_read_leb(const uint8_t **p, const uint8_t *end, uint64_t *value)
{
	uint64_t v = 0;
	bool overflow = false;

	for (unsigned shift = 0; *p < end; shift += 7) {
		uint64_t bits = **p & 0x7f;
		bool more = *(*p)++ & 0x80;
		if (shift < 64 && (bits << shift) >> shift == bits)
			v |= bits << shift;
		else if (bits != 0)
			overflow = true;
		if (!more) {
			*value = overflow ? UINT64_MAX : v;
			return true;
		}
	}
	return false;
}

/* Moves p on by n bytes; false when fewer are left. */
static bool cfi_skip_bytes(const uint8_t **p, const uint8_t *end, uint64_t n)
{
	if (n > (uint64_t)(end - *p))
		return false;
	*p += n;
	return true;
}

/* Whether the CFA instructions in [p, end) name registers below
 * CFI_REG_LIMIT only (else *reg is one that does not). The scan stops
 * where libdw's execution would: an opcode it does not know, an operand
 * cut short. pointer_size is DW_CFA_set_loc's operand, 0 for a LEB128. */
static bool cfi_registers_plausible(const uint8_t *p, const uint8_t *end, unsigned pointer_size, uint64_t *reg)
{
	while (p < end) {
		uint8_t op = *p++;
		unsigned regs = 0, lebs = 0, skip = 0;
		bool block = false;
		switch (op & 0xc0 ? op & 0xc0 : op) {
		case DW_CFA_advance_loc:
		case DW_CFA_restore:
		case DW_CFA_nop:
		case DW_CFA_remember_state:
		case DW_CFA_restore_state:
		case DW_CFA_GNU_window_save:
			break;
		case DW_CFA_offset: /* its register is in the opcode's low 6 bits */
		case DW_CFA_def_cfa_offset:
		case DW_CFA_def_cfa_offset_sf:
		case DW_CFA_GNU_args_size:
			lebs = 1;
			break;
		case DW_CFA_set_loc:
			lebs = pointer_size == 0;
			skip = pointer_size;
			break;
		case DW_CFA_advance_loc1:
			skip = 1;
			break;
		case DW_CFA_advance_loc2:
			skip = 2;
			break;
		case DW_CFA_advance_loc4:
			skip = 4;
			break;
		case DW_CFA_MIPS_advance_loc8:
			skip = 8;
			break;
		case DW_CFA_offset_extended:
		case DW_CFA_offset_extended_sf:
		case DW_CFA_def_cfa:
		case DW_CFA_def_cfa_sf:
		case DW_CFA_val_offset:
		case DW_CFA_val_offset_sf:
		case DW_CFA_GNU_negative_offset_extended:
			regs = lebs = 1;
			break;
		case DW_CFA_restore_extended:
		case DW_CFA_undefined:
		case DW_CFA_same_value:
		case DW_CFA_def_cfa_register:
			regs = 1;
			break;
		case DW_CFA_register:
			regs = 2;
			break;
		case DW_CFA_def_cfa_expression:
			block = true;
			break;
		case DW_CFA_expression:
		case DW_CFA_val_expression:
			regs = 1;
			block = true;
			break;
		default:
			return true;
		}
		uint64_t value;
		for (unsigned i = 0; i < regs; i++) {
			if (!cfi_read_leb(&p, end, reg))
				return true;
			if (*reg >= CFI_REG_LIMIT)
				return false;
		}
		for (unsigned i = 0; i < lebs; i++)
			if (!cfi_read_leb(&p, end, &value))
				return true;
		if (!cfi_skip_bytes(&p, end, skip) ||
		    (block && (!cfi_read_leb(&p, end, &value) || !cfi_skip_bytes(&p, end, value))))
			return true;
	}
	return true;
}

/* The bytes of a pointer in an EH encoding: 0 for a LEB128, -1 unknown. */
static int cfi_encoded_size(uint8_t encoding, int address_size)
{
	switch (encoding & 0x0f) {
	case DW_EH_PE_absptr:
		return address_size;
	case DW_EH_PE_uleb128:
	case DW_EH_PE_sleb128:
		return 0;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		return 2;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		return 4;
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		return 8;
	}
	return -1;
}

/* The size of the pointers of a CIE's FDEs: its augmentation's 'R'
 * encoding, else the address size; -1 when unknown. */
static int cfi_fde_pointer_size(const Dwarf_CIE *cie, int address_size)
{
	const uint8_t *data = cie->augmentation_data, *end = data + cie->augmentation_data_size;
	uint8_t encoding = DW_EH_PE_absptr;

	for (const char *a = cie->augmentation[0] == 'z' ? cie->augmentation + 1 : ""; *a != '\0'; a++) {
		if ((*a == 'R' || *a == 'L' || *a == 'P') && data >= end)
			return -1;
		if (*a == 'R')
			encoding = *data++;
		else if (*a == 'L')
			data++;
		else if (*a == 'P') {
			int size = cfi_encoded_size(*data++, address_size);
			if (size <= 0 || size > end - data)
				return -1;
			data += size;
		} else if (*a != 'S')
			break; /* what follows is unknown to libdw too */
	}
	return cfi_encoded_size(encoding, address_size);
}

/* Whether a CIE's return address column and initial instructions name
 * registers below CFI_REG_LIMIT only. */
static bool cfi_cie_plausible(const Dwarf_CIE *cie, int pointer_size, uint64_t *reg)
{
	*reg = cie->return_address_register;
	return *reg < CFI_REG_LIMIT && cfi_registers_plausible(cie->initial_instructions, cie->initial_instructions_end,
							       pointer_size > 0 ? (unsigned)pointer_size : 0, reg);
}

/* Whether the CIEs and FDEs of a CFI section, and the CIEs its FDEs name,
 * name registers below CFI_REG_LIMIT only; *reg is one that does not. */
static bool cfi_section_plausible(Elf *elf, Elf_Data *data, bool eh_frame, uint64_t *reg)
{
	const unsigned char *ident = (const unsigned char *)elf_getident(elf, NULL);
	int address_size = ident != NULL && ident[EI_CLASS] == ELFCLASS32 ? 4 : 8;
	Dwarf_Off next;

	for (Dwarf_Off offset = 0; ident != NULL && offset < data->d_size; offset = next) {
		Dwarf_CFI_Entry entry, cie;
		next = offset; /* an error may leave it unset */
		int rc = dwarf_next_cfi(ident, data, eh_frame, offset, &next, &entry);
		if (rc > 0 || next <= offset)
			break;
		if (rc < 0) /* libdw's lookups step over an entry it cannot read */
			continue;
		if (dwarf_cfi_cie_p(&entry)) {
			if (!cfi_cie_plausible(&entry.cie, cfi_fde_pointer_size(&entry.cie, address_size), reg))
				return false;
			continue;
		}
		/* The FDE's CIE may be one the walk along the section never
		 * meets (a pointer into the middle of another entry). */
		Dwarf_Off unused;
		if (dwarf_next_cfi(ident, data, eh_frame, entry.fde.CIE_pointer, &unused, &cie) != 0 ||
		    !dwarf_cfi_cie_p(&cie))
			continue; /* libdw cannot use the FDE either */
		int size = cfi_fde_pointer_size(&cie.cie, address_size);
		if (!cfi_cie_plausible(&cie.cie, size, reg))
			return false;
		/* The instructions follow the initial location, the address
		 * range and the augmentation data. */
		const uint8_t *p = entry.fde.start, *end = entry.fde.end;
		uint64_t length;
		bool found = size > 0 ? cfi_skip_bytes(&p, end, 2 * (uint64_t)size)
				      : size == 0 && cfi_read_leb(&p, end, &length) && cfi_read_leb(&p, end, &length);
		if (cie.cie.augmentation[0] == 'z')
			found = found && cfi_read_leb(&p, end, &length) && cfi_skip_bytes(&p, end, length);
		else
			found = found && cfi_skip_bytes(&p, end, cie.cie.fde_augmentation_data_size);
		if (found && !cfi_registers_plausible(p, end, size > 0 ? (unsigned)size : 0, reg))
			return false;
	}
	return true;
}

/* Whether the program headers point at an .eh_frame_hdr (PT_GNU_EH_FRAME),
 * through which libdw reads CFI when it finds no .eh_frame section. */
static bool has_eh_frame_segment(Elf *elf)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr phdr;
		if (gelf_getphdr(elf, (int)i, &phdr) != NULL && phdr.p_type == PT_GNU_EH_FRAME)
			return true;
	}
	return false;
}

/* Whether the object's .eh_frame and .debug_frame name registers below
 * CFI_REG_LIMIT only (*reg is one that does not, or CFI_REG_UNCHECKED),
 * read as libdw reads them: call it after dwarf_begin_elf, which
 * decompresses .debug_frame in place. */
bool cfi_plausible(Elf *elf, uint64_t *reg)
{
	size_t shstrndx;
	bool eh_frame_read = false;

	*reg = CFI_REG_UNCHECKED;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return true; /* libdw gives up on CFI then too */
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		const char *name = gelf_getshdr(scn, &shdr) != NULL ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
		if (name == NULL || shdr.sh_type == SHT_NOBITS || (shdr.sh_flags & SHF_COMPRESSED) ||
		    (strcmp(name, ".eh_frame") != 0 && strcmp(name, ".debug_frame") != 0))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (data != NULL && data->d_buf != NULL && !cfi_section_plausible(elf, data, name[1] == 'e', reg))
			return false;
		eh_frame_read |= name[1] == 'e' && data != NULL && data->d_buf != NULL;
	}
	/* No .eh_frame read here (section headers cut off, say): libdw would
	 * follow PT_GNU_EH_FRAME to CFI this check has not seen. Every linker
	 * writes the section, so such an object is corrupt. */
	if (!eh_frame_read && has_eh_frame_segment(elf)) {
		*reg = CFI_REG_UNCHECKED;
		return false;
	}
	return true;
}
