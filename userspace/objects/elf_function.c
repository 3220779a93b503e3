/* elf_function.c: functions of an object file by name (elf_function.h). */
#include <string.h>

#include <libelf.h>

#include "elf_function.h"

long elf_function_offset(Elf *elf, const char *name)
{
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		if (gelf_getshdr(scn, &shdr) == NULL || (shdr.sh_type != SHT_DYNSYM && shdr.sh_type != SHT_SYMTAB) ||
		    shdr.sh_entsize == 0)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		for (size_t i = 0; data != NULL && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			GElf_Shdr text;
			if (gelf_getsym(data, (int)i, &sym) == NULL || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
				continue;
			const char *symbol = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (symbol == NULL || strcmp(symbol, name) != 0 ||
			    gelf_getshdr(elf_getscn(elf, sym.st_shndx), &text) == NULL)
				continue;
			return (long)(sym.st_value - text.sh_addr + text.sh_offset);
		}
	}
	return -1;
}

long elf_file_function_offset(int fd, const char *name)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf == NULL)
		return -1;
	long offset = elf_function_offset(elf, name);
	elf_end(elf);
	return offset;
}
