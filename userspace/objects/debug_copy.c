/*
 * debug_copy.c: uncompressed copies of debug files by build ID
 * (debug_copy.h). The copy is the original file with every SHF_COMPRESSED
 * section inflated and the file laid out again by libelf: the same
 * sections, symbols and build ID, so libdwfl takes it for the original.
 */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debug_copy.h"

#define DEBUG_SUFFIX ".debug"

/* Whether elf's GNU build ID is build_id (hex). */
static bool has_build_id(Elf *elf, const char *build_id)
{
	const void *bits;
	ssize_t n = elf != NULL ? dwelf_elf_gnu_build_id(elf, &bits) : -1;
	char hex[2 * 64 + 1];

	if (n <= 0 || (size_t)n * 2 >= sizeof(hex))
		return false;
	for (ssize_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)bits)[i]);
	return strcmp(hex, build_id) == 0;
}

/* The bytes the file takes with its compressed sections inflated; 0 when
 * none is compressed. */
static uint64_t inflated_size(Elf *elf, uint64_t file_size)
{
	uint64_t grown = 0;

	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		GElf_Chdr chdr;
		if (gelf_getshdr(scn, &shdr) != NULL && (shdr.sh_flags & SHF_COMPRESSED) != 0 &&
		    gelf_getchdr(scn, &chdr) != NULL)
			grown += chdr.ch_size;
	}
	return grown > 0 ? file_size + grown : 0;
}

int debug_copy_open(const struct table_cache *cache, const char *build_id, char **path)
{
	char name[4352];
	int fd = table_cache_open_file(cache, build_id, DEBUG_SUFFIX, NULL);

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool ours = has_build_id(elf, build_id);
	elf_end(elf);
	if (!ours || table_cache_path(cache, build_id, DEBUG_SUFFIX, name, sizeof(name)) != 0 ||
	    (*path = strdup(name)) == NULL) {
		close(fd);
		return -1;
	}
	return fd;
}

static int copy_bytes(int from, int to, off_t size)
{
	off_t offset = 0;

	while (offset < size) {
		ssize_t n = sendfile(to, from, &offset, (size_t)(size - offset));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
	}
	return 0;
}

/* Gives the copy's section scn the inflated bytes of the same section in
 * inflated (libdw's handle on the original, whose debug sections it has
 * inflated in memory as it opened them): no second inflation. False when
 * that section is still compressed there. */
static bool take_inflated(Elf_Scn *scn, GElf_Shdr *shdr, Elf *inflated)
{
	Elf_Scn *source = inflated != NULL ? elf_getscn(inflated, elf_ndxscn(scn)) : NULL;
	GElf_Shdr source_shdr;

	if (source == NULL || gelf_getshdr(source, &source_shdr) == NULL ||
	    (source_shdr.sh_flags & SHF_COMPRESSED) != 0 || source_shdr.sh_type != shdr->sh_type)
		return false;
	Elf_Data *from = elf_getdata(source, NULL), *to = elf_getdata(scn, NULL);
	if (from == NULL || to == NULL)
		return false;
	*to = (Elf_Data){.d_buf = from->d_buf,
			 .d_type = ELF_T_BYTE,
			 .d_version = EV_CURRENT,
			 .d_size = from->d_size,
			 .d_align = from->d_align};
	shdr->sh_flags &= ~(GElf_Xword)SHF_COMPRESSED;
	shdr->sh_size = from->d_size;
	shdr->sh_addralign = source_shdr.sh_addralign;
	return gelf_update_shdr(scn, shdr) != 0 && elf_flagdata(to, ELF_C_SET, ELF_F_DIRTY) != 0;
}

/* Inflates every compressed section of the file open on fd, in place,
 * taking what inflated already holds inflated. */
static bool inflate_sections(int fd, Elf *inflated)
{
	Elf *elf = elf_begin(fd, ELF_C_RDWR, NULL);
	bool done = elf != NULL;

	for (Elf_Scn *scn = NULL; done && (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		if (gelf_getshdr(scn, &shdr) == NULL)
			done = false;
		else if ((shdr.sh_flags & SHF_COMPRESSED) != 0 && !take_inflated(scn, &shdr, inflated))
			done = elf_compress(scn, 0, 0) >= 0;
	}
	/* Written while inflated's buffers are still there: they are the caller's. */
	done = done && elf_update(elf, ELF_C_WRITE) >= 0;
	elf_end(elf);
	return done;
}

int debug_copy_store(const struct table_cache *cache, const char *build_id, const char *debug_file, Elf *inflated)
{
	char temporary[4400];
	struct stat st;
	int result = -1;

	if (cache == NULL)
		return -1;
	elf_version(EV_CURRENT);
	int source = open(debug_file, O_RDONLY | O_CLOEXEC);
	if (source < 0)
		return -1;
	Elf *elf = fstat(source, &st) == 0 ? elf_begin(source, ELF_C_READ_MMAP, NULL) : NULL;
	bool matches = has_build_id(elf, build_id);
	uint64_t size = matches ? inflated_size(elf, (uint64_t)st.st_size) : 0;
	elf_end(elf);
	if (!matches || size == 0 || size > DEBUG_COPY_MAX_BYTES) {
		close(source);
		return matches ? 0 : -1;
	}
	int copy = table_cache_create_file(cache, build_id, DEBUG_SUFFIX, temporary, sizeof(temporary));
	if (copy >= 0) {
		bool complete = copy_bytes(source, copy, st.st_size) == 0 && inflate_sections(copy, inflated);
		complete = close(copy) == 0 && complete;
		result = table_cache_finish_file(cache, build_id, DEBUG_SUFFIX, temporary, complete) == 0 ? 1 : -1;
	}
	close(source);
	return result;
}
