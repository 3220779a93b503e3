/*
 * table_cache.c: unwind tables on disk by build ID (table_cache.h). One
 * file per object: a header, the rows, the page index. Written to a
 * temporary name and renamed, so a reader sees a whole file or none; read
 * back only after every check a corrupt or foreign file would fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_io.h"
#include "table_cache.h"

#define CACHE_MAGIC	 "bpfprofU"
#define CACHE_VERSION	 1
#define BUILD_ID_HEX_MAX 128	    /* 64 bytes: longer than any build ID a linker writes */
#define CACHE_MAX_ROWS	 (1u << 26) /* far beyond any object's table; bounds what a header can ask for */
#define TABLE_SUFFIX	 ".unwind"

struct table_cache {
	char dir[4096];
	char builder[BUILD_ID_HEX_MAX + 1];
};

struct cache_header {
	char magic[8];
	uint32_t version;
	uint32_t entry_size;
	char builder[BUILD_ID_HEX_MAX + 1]; /* the agent that built the table, NUL-padded */
	char pad[7];
	uint64_t n_rows, n_pages, unsupported;
	uint32_t page_base;
	uint32_t pad2;
	uint64_t checksum; /* over the rows and the page index */
};

static bool is_build_id(const char *hex)
{
	size_t length = strlen(hex);

	if (length == 0 || length > BUILD_ID_HEX_MAX || length % 2 != 0)
		return false;
	for (size_t i = 0; i < length; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	return true;
}

static uint64_t checksum(uint64_t hash, const void *data, size_t size)
{
	const unsigned char *bytes = data;

	for (size_t i = 0; i < size; i++)
		hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
	return hash;
}

/* Over the header (its checksum field zero) and the data: page_base and
 * the counts steer the walker as much as the rows do. */
static uint64_t file_checksum(const struct cache_header *header, const struct unwind_table *table)
{
	struct cache_header zeroed = *header;

	zeroed.checksum = 0;
	uint64_t hash = checksum(0xcbf29ce484222325ULL, &zeroed, sizeof(zeroed));
	hash = checksum(hash, table->rows, table->n_rows * sizeof(*table->rows));
	return checksum(hash, table->pages, table->n_pages * sizeof(*table->pages));
}

/* mkdir -p, the directories it creates private to this user. */
static int make_dirs(const char *path)
{
	char partial[4096];
	size_t length = strlen(path);

	if (length == 0 || length >= sizeof(partial)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(partial, path, length + 1);
	for (size_t i = 1; i <= length; i++) {
		if (partial[i] != '/' && partial[i] != '\0')
			continue;
		char kept = partial[i];
		partial[i] = '\0';
		if (mkdir(partial, 0700) != 0 && errno != EEXIST)
			return -1;
		partial[i] = kept;
	}
	return 0;
}

/* A file or directory this user owns and nobody else may write. */
static bool private_to_us(const struct stat *st)
{
	return st->st_uid == geteuid() && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

struct table_cache *table_cache_open(const char *dir, const char *builder, char *err, size_t err_len)
{
	struct stat st;

	if (!is_build_id(builder)) {
		snprintf(err, err_len, "the agent has no build ID to key its tables by");
		return NULL;
	}
	if (make_dirs(dir) != 0 || lstat(dir, &st) != 0) {
		snprintf(err, err_len, "cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, err_len, "%s is not a directory", dir);
		return NULL;
	}
	if (!private_to_us(&st)) {
		snprintf(err, err_len, "%s is not this user's alone (owner %u, mode %03o)", dir, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 0777));
		return NULL;
	}
	struct table_cache *cache = calloc(1, sizeof(*cache));
	if (cache == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	snprintf(cache->dir, sizeof(cache->dir), "%s", dir);
	snprintf(cache->builder, sizeof(cache->builder), "%s", builder);
	return cache;
}

void table_cache_close(struct table_cache *cache)
{
	free(cache);
}

const char *table_cache_default_dir(void)
{
	static char dir[4096];
	const char *chosen = getenv("BPFPROF_CACHE_DIR");

	if (chosen != NULL && strcmp(chosen, "off") == 0)
		return NULL;
	if (chosen != NULL && chosen[0] != '\0')
		snprintf(dir, sizeof(dir), "%s", chosen);
	else if (getenv("XDG_CACHE_HOME") != NULL && getenv("XDG_CACHE_HOME")[0] == '/')
		snprintf(dir, sizeof(dir), "%s/bpfprof", getenv("XDG_CACHE_HOME"));
	else if (getenv("HOME") != NULL && getenv("HOME")[0] == '/')
		snprintf(dir, sizeof(dir), "%s/.cache/bpfprof", getenv("HOME"));
	else
		dir[0] = '\0';
	return dir;
}

int table_cache_path(const struct table_cache *cache, const char *build_id, const char *suffix, char *path,
		     size_t size)
{
	if (!is_build_id(build_id))
		return -1;
	int n = snprintf(path, size, "%s/%s%s", cache->dir, build_id, suffix);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int table_cache_open_file(const struct table_cache *cache, const char *build_id, const char *suffix, off_t *size)
{
	char path[4352];
	struct stat st;

	if (cache == NULL || table_cache_path(cache, build_id, suffix, path, sizeof(path)) != 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC); /* a FIFO must not block us */
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !private_to_us(&st)) {
		close(fd);
		return -1;
	}
	if (size != NULL)
		*size = st.st_size;
	return fd;
}

int table_cache_create_file(const struct table_cache *cache, const char *build_id, const char *suffix,
			    char *temporary, size_t size)
{
	char path[4352];

	if (cache == NULL || table_cache_path(cache, build_id, suffix, path, sizeof(path)) != 0)
		return -1;
	/* mkostemp: a name no other writer has, created 0600. */
	int n = snprintf(temporary, size, "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkostemp(temporary, O_CLOEXEC);
}

int table_cache_finish_file(const struct table_cache *cache, const char *build_id, const char *suffix,
			    const char *temporary, bool complete)
{
	char path[4352];

	if (!complete || table_cache_path(cache, build_id, suffix, path, sizeof(path)) != 0 || rename(temporary, path) != 0) {
		unlink(temporary);
		return -1;
	}
	return 0;
}

/* What the walker and unwind_table_find rely on: rows in increasing pc
 * order, every page entry naming a row, in order. */
static bool table_is_sound(const struct unwind_table *table)
{
	for (size_t i = 1; i < table->n_rows; i++)
		if (table->rows[i].pc <= table->rows[i - 1].pc)
			return false;
	for (size_t i = 0; i < table->n_pages; i++)
		if (table->pages[i] >= table->n_rows || (i > 0 && table->pages[i] < table->pages[i - 1]))
			return false;
	return true;
}

bool table_cache_load(struct table_cache *cache, const char *build_id, struct unwind_table *table)
{
	struct cache_header header;
	off_t file_size;
	bool hit = false;

	memset(table, 0, sizeof(*table));
	int fd = table_cache_open_file(cache, build_id, TABLE_SUFFIX, &file_size);
	if (fd < 0)
		return false;
	if (fd_read_full(fd, &header, sizeof(header)) != 0)
		goto out;
	if (memcmp(header.magic, CACHE_MAGIC, sizeof(header.magic)) != 0 || header.version != CACHE_VERSION ||
	    header.entry_size != sizeof(struct unwind_entry) ||
	    memchr(header.builder, '\0', sizeof(header.builder)) == NULL ||
	    strcmp(header.builder, cache->builder) != 0 || header.n_rows > CACHE_MAX_ROWS ||
	    header.n_pages > CACHE_MAX_ROWS)
		goto out;
	size_t rows_bytes = header.n_rows * sizeof(struct unwind_entry),
	       pages_bytes = header.n_pages * sizeof(uint32_t);
	if ((uint64_t)file_size != sizeof(header) + rows_bytes + pages_bytes)
		goto out;
	table->rows = malloc(rows_bytes > 0 ? rows_bytes : 1);
	table->pages = malloc(pages_bytes > 0 ? pages_bytes : 1);
	if (table->rows == NULL || table->pages == NULL || fd_read_full(fd, table->rows, rows_bytes) != 0 ||
	    fd_read_full(fd, table->pages, pages_bytes) != 0)
		goto out;
	table->n_rows = table->cap_rows = header.n_rows;
	table->n_pages = header.n_pages;
	table->unsupported = header.unsupported;
	table->page_base = header.page_base;
	hit = file_checksum(&header, table) == header.checksum && table_is_sound(table);
out:
	close(fd);
	if (!hit)
		unwind_table_free(table);
	return hit;
}

int table_cache_store(struct table_cache *cache, const char *build_id, const struct unwind_table *table)
{
	char temporary[4400];
	struct cache_header header;

	memset(&header, 0, sizeof(header));
	memcpy(header.magic, CACHE_MAGIC, sizeof(header.magic));
	header.version = CACHE_VERSION;
	header.entry_size = sizeof(struct unwind_entry);
	if (cache != NULL)
		snprintf(header.builder, sizeof(header.builder), "%s", cache->builder);
	header.n_rows = table->n_rows;
	header.n_pages = table->n_pages;
	header.unsupported = table->unsupported;
	header.page_base = table->page_base;
	header.checksum = file_checksum(&header, table);

	int fd = table_cache_create_file(cache, build_id, TABLE_SUFFIX, temporary, sizeof(temporary));
	if (fd < 0)
		return -1;
	bool written = fd_write_full(fd, &header, sizeof(header)) == 0 &&
		       fd_write_full(fd, table->rows, table->n_rows * sizeof(*table->rows)) == 0 &&
		       fd_write_full(fd, table->pages, table->n_pages * sizeof(*table->pages)) == 0;
	if (close(fd) != 0)
		written = false;
	return table_cache_finish_file(cache, build_id, TABLE_SUFFIX, temporary, written);
}

/* dl_iterate_phdr's first object is the program itself. */
static int find_own_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	char *hex = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *phdr = &info->dlpi_phdr[i];
		if (phdr->p_type != PT_NOTE)
			continue;
		const char *note = (const char *)(info->dlpi_addr + phdr->p_vaddr), *end = note + phdr->p_memsz;
		while (note + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *header = (const ElfW(Nhdr) *)note;
			const char *name = note + sizeof(*header);
			const unsigned char *desc = (const unsigned char *)name + ((header->n_namesz + 3) & ~3u);
			if (header->n_type == NT_GNU_BUILD_ID && header->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
			    header->n_descsz <= BUILD_ID_HEX_MAX / 2 && (const char *)desc + header->n_descsz <= end) {
				for (uint32_t j = 0; j < header->n_descsz; j++)
					sprintf(hex + 2 * j, "%02x", desc[j]);
				return 1;
			}
			note = (const char *)desc + ((header->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* only the program's own headers count */
}

const char *table_cache_own_build_id(void)
{
	static char hex[BUILD_ID_HEX_MAX + 1];

	if (hex[0] == '\0')
		dl_iterate_phdr(find_own_build_id, hex);
	return hex;
}
