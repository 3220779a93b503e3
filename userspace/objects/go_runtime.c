/* go_runtime.c: a Go executable's symbols, TLS segment and DWARF types. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <string.h>

#include "go_runtime.h"

/* Symbol names with and without the ABI suffix Go gives assembly. */
static bool names(const char *symbol, const char *function)
{
	size_t len = strlen(function);

	return strncmp(symbol, function, len) == 0 && (symbol[len] == '\0' || strcmp(symbol + len, ".abi0") == 0);
}

static void read_symbols(Elf *elf, struct go_runtime *out, uint64_t *tlsg)
{
	struct {
		const char *name;
		struct go_range *range;
	} wanted[] = {
		{"runtime.systemstack", &out->systemstack},
		{"runtime.morestack", &out->morestack},
		{"runtime.mcall", &out->mcall},
		{"runtime.goexit", &out->goexit},
		{"runtime.mstart", &out->mstart},
		{"runtime.rt0_go", &out->rt0_go},
		{"runtime.nanotime1", &out->nanotime},
		{"runtime.walltime", &out->walltime},
		{"time.now", &out->walltime}, /* where time.now makes the vDSO call itself (Go 1.17+) */
		{"runtime.sigreturn", &out->sigreturn},          /* Go 1.19's restorer */
		{"runtime.sigreturn__sigaction", &out->sigreturn}, /* later releases' */
	};

	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		Elf_Data *data;
		if (gelf_getshdr(scn, &shdr) == NULL || shdr.sh_type != SHT_SYMTAB ||
		    (data = elf_getdata(scn, NULL)) == NULL || shdr.sh_entsize == 0)
			continue;
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			if (gelf_getsym(data, (int)i, &sym) == NULL ||
			    (name = elf_strptr(elf, shdr.sh_link, sym.st_name)) == NULL)
				continue;
			if (GELF_ST_TYPE(sym.st_info) == STT_TLS && strcmp(name, "runtime.tlsg") == 0)
				*tlsg = sym.st_value;
			for (size_t w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++)
				if (names(name, wanted[w].name) && sym.st_size > 0)
					*wanted[w].range = (struct go_range){sym.st_value, sym.st_value + sym.st_size};
		}
	}
}

/* g's place below the thread pointer: x86-64's TLS puts the executable's
 * block just below it, and runtime.tlsg (when the linker kept it) within. */
static bool read_tls(Elf *elf, uint64_t tlsg, int64_t *g_tls)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr phdr;
		if (gelf_getphdr(elf, (int)i, &phdr) == NULL || phdr.p_type != PT_TLS)
			continue;
		uint64_t align = phdr.p_align > 0 ? phdr.p_align : 1;
		uint64_t block = (phdr.p_memsz + align - 1) / align * align;
		*g_tls = (int64_t)tlsg - (int64_t)block;
		return true;
	}
	return false;
}

static bool member_offset(Dwarf_Die *type, const char *member, uint32_t *offset)
{
	Dwarf_Die child;

	if (dwarf_child(type, &child) != 0)
		return false;
	do {
		Dwarf_Attribute attr;
		Dwarf_Word value;
		const char *name = dwarf_diename(&child);
		if (dwarf_tag(&child) == DW_TAG_member && name != NULL && strcmp(name, member) == 0 &&
		    dwarf_formudata(dwarf_attr(&child, DW_AT_data_member_location, &attr), &value) == 0) {
			*offset = (uint32_t)value;
			return true;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* The offsets the walk reads, from the runtime's struct types. */
static bool read_offsets(Elf *elf, struct go_runtime *out)
{
	Dwarf *dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	Dwarf_Off offset = 0, next;
	size_t header;
	int found = 0;

	while (dwarf != NULL && found < 3 && dwarf_nextcu(dwarf, offset, &next, &header, NULL, NULL, NULL) == 0) {
		Dwarf_Die unit, child;
		if (dwarf_offdie(dwarf, offset + header, &unit) != NULL && dwarf_child(&unit, &child) == 0)
			do {
				const char *name = dwarf_diename(&child);
				if (dwarf_tag(&child) != DW_TAG_structure_type || name == NULL)
					continue;
				if (strcmp(name, "runtime.g") == 0)
					found += member_offset(&child, "m", &out->g_m) &&
						 member_offset(&child, "sched", &out->g_sched);
				else if (strcmp(name, "runtime.m") == 0) {
					found += member_offset(&child, "curg", &out->m_curg);
					if (!member_offset(&child, "vdsoSP", &out->m_vdso_sp) ||
					    !member_offset(&child, "vdsoPC", &out->m_vdso_pc))
						out->m_vdso_sp = out->m_vdso_pc = 0;
				}
				else if (strcmp(name, "runtime.gobuf") == 0)
					found += member_offset(&child, "sp", &out->gobuf_sp) &&
						 member_offset(&child, "pc", &out->gobuf_pc) &&
						 member_offset(&child, "bp", &out->gobuf_bp);
			} while (found < 3 && dwarf_siblingof(&child, &child) == 0);
		offset = next;
	}
	if (dwarf != NULL)
		dwarf_end(dwarf);
	return found == 3;
}

static bool is_go(Elf *elf)
{
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		const char *name = gelf_getshdr(scn, &shdr) != NULL ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
		if (name != NULL && (strcmp(name, ".gopclntab") == 0 || strcmp(name, ".go.buildinfo") == 0))
			return true;
	}
	return false;
}

int go_runtime_read(int fd, struct go_runtime *out)
{
	uint64_t tlsg = 0;
	int rc = -1;

	*out = (struct go_runtime){0};
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf == NULL)
		return -1;
	if (is_go(elf)) {
		read_symbols(elf, out, &tlsg);
		if (out->systemstack.end != 0 && read_tls(elf, tlsg, &out->g_tls) && read_offsets(elf, out))
			rc = 0;
	}
	elf_end(elf);
	if (rc != 0)
		*out = (struct go_runtime){0};
	return rc;
}
