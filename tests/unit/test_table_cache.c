/*
 * test_table_cache.c: unwind tables kept on disk by build ID. A stored table
 * comes back exactly, and every file the agent must not trust (another
 * builder's, a damaged or unsound one, one others could have written or
 * reached through a symlink, one named by a malformed build ID) is a miss.
 * Also where the cache lives, and the agent's own build ID it is keyed by.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "table_cache.h"

#define BUILDER	      "00112233445566778899aabbccddeeff00112233"
#define OTHER_BUILDER "ffeeddccbbaa99887766554433221100ffeeddcc"
#define OBJECT	      "0123456789abcdef0123456789abcdef01234567"
#define OTHER_OBJECT  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Each test's own directory, so no test sees another's files; the cache
 * is one level down, so a file written beside it would show. */
struct scratch {
	char root[4096];
	char cache[4200];
};

static int make_scratch(void **state)
{
	const char *base = getenv("TEST_TMP");
	struct scratch *scratch = calloc(1, sizeof(*scratch));

	if (scratch == NULL)
		return -1;
	snprintf(scratch->root, sizeof(scratch->root), "%s/table_cache.XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(scratch->root) == NULL) {
		free(scratch);
		return -1;
	}
	snprintf(scratch->cache, sizeof(scratch->cache), "%s/cache", scratch->root);
	*state = scratch;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int remove_scratch(void **state)
{
	struct scratch *scratch = *state;
	int status = nftw(scratch->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(scratch);
	return status;
}

static struct table_cache *open_cache(const char *dir, const char *builder)
{
	char err[256] = "";
	struct table_cache *cache = table_cache_open(dir, builder, err, sizeof(err));

	if (cache == NULL)
		fail_msg("table_cache_open(%s): %s", dir, err);
	return cache;
}

static void file_for(const struct scratch *scratch, const char *build_id, char *path, size_t size)
{
	snprintf(path, size, "%s/%s.unwind", scratch->cache, build_id);
}

static size_t entries_in(const char *dir)
{
	DIR *stream = opendir(dir);
	struct dirent *entry;
	size_t count = 0;

	assert_non_null(stream);
	while ((entry = readdir(stream)) != NULL)
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			count++;
	closedir(stream);
	return count;
}

/* Five rows that differ in every field, and a page index over them: page 0
 * (0x1000) starts in row 0, pages 1 and 2 both in row 3, a long function.
 * The counts are all different, so a field read into another shows. */
static void sample_table(struct unwind_table *table)
{
	static const struct unwind_entry rows[] = {
		{.pc = 0x1000, .cfa_offset = 8, .cfa_kind = UNWIND_CFA_RSP, .rbp_kind = UNWIND_RBP_SAME},
		{.pc = 0x1001,
		 .cfa_offset = 16,
		 .rbp_offset = -16,
		 .cfa_kind = UNWIND_CFA_RSP,
		 .rbp_kind = UNWIND_RBP_AT_CFA},
		{.pc = 0x1004,
		 .cfa_offset = 16,
		 .rbp_offset = -16,
		 .cfa_kind = UNWIND_CFA_RBP,
		 .rbp_kind = UNWIND_RBP_AT_CFA},
		{.pc = 0x1ff0,
		 .cfa_offset = -8,
		 .cfa_addend = 24,
		 .cfa_kind = UNWIND_CFA_RSP_DEREF,
		 .rbp_kind = UNWIND_RBP_UNSUPPORTED},
		{.pc = 0x3400,
		 .cfa_offset = 40,
		 .cfa_kind = UNWIND_CFA_REG,
		 .cfa_reg = 12,
		 .rbp_kind = UNWIND_RBP_SAME},
	};
	static const uint32_t pages[] = {0, 3, 3};

	memset(table, 0, sizeof(*table));
	table->rows = malloc(sizeof(rows));
	table->pages = malloc(sizeof(pages));
	assert_non_null(table->rows);
	assert_non_null(table->pages);
	memcpy(table->rows, rows, sizeof(rows));
	memcpy(table->pages, pages, sizeof(pages));
	table->n_rows = table->cap_rows = sizeof(rows) / sizeof(rows[0]);
	table->n_pages = sizeof(pages) / sizeof(pages[0]);
	table->unsupported = 1;
	table->page_base = 0x1000;
}

static void assert_same_table(const struct unwind_table *got, const struct unwind_table *want)
{
	assert_int_equal(got->n_rows, want->n_rows);
	assert_int_equal(got->n_pages, want->n_pages);
	assert_int_equal(got->unsupported, want->unsupported);
	assert_int_equal(got->page_base, want->page_base);
	for (size_t i = 0; i < want->n_rows; i++) {
		const struct unwind_entry *a = &got->rows[i], *b = &want->rows[i];
		assert_int_equal(a->pc, b->pc);
		assert_int_equal(a->cfa_offset, b->cfa_offset);
		assert_int_equal(a->rbp_offset, b->rbp_offset);
		assert_int_equal(a->cfa_addend, b->cfa_addend);
		assert_int_equal(a->cfa_kind, b->cfa_kind);
		assert_int_equal(a->rbp_kind, b->rbp_kind);
		assert_int_equal(a->cfa_reg, b->cfa_reg);
	}
	for (size_t i = 0; i < want->n_pages; i++)
		assert_int_equal(got->pages[i], want->pages[i]);
}

/* A miss must leave nothing for the caller to free or to mistake for rows. */
static void assert_miss(struct table_cache *cache, const char *build_id)
{
	struct unwind_table loaded;

	memset(&loaded, 0xa5, sizeof(loaded));
	assert_false(table_cache_load(cache, build_id, &loaded));
	assert_null(loaded.rows);
	assert_null(loaded.pages);
	assert_int_equal(loaded.n_rows, 0);
	assert_int_equal(loaded.n_pages, 0);
}

static void assert_hit(struct table_cache *cache, const char *build_id, const struct unwind_table *want)
{
	struct unwind_table loaded;

	assert_true(table_cache_load(cache, build_id, &loaded));
	assert_same_table(&loaded, want);
	unwind_table_free(&loaded);
}

static void stored_table_loads_back_unchanged(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table table;
	char path[4400];
	struct stat st;

	sample_table(&table);
	struct table_cache *cache = open_cache(scratch->cache, BUILDER);
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	assert_hit(cache, OBJECT, &table);

	/* Written under a temporary name and renamed: nothing else is left, and
	 * the file is as private as the load demands. */
	file_for(scratch, OBJECT, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(entries_in(scratch->cache), 1);

	table_cache_close(cache);
	unwind_table_free(&table);
}

static void empty_table_loads_back_empty(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table empty = {0}, loaded;

	struct table_cache *cache = open_cache(scratch->cache, BUILDER);
	assert_int_equal(table_cache_store(cache, OBJECT, &empty), 0);
	assert_true(table_cache_load(cache, OBJECT, &loaded));
	assert_same_table(&loaded, &empty);
	unwind_table_free(&loaded);
	table_cache_close(cache);
}

/* An object rebuilt with the same build ID is the same object, but a store
 * must still replace the file rather than fail on it. */
static void later_store_replaces_the_earlier_table(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table first, second;

	sample_table(&first);
	sample_table(&second);
	second.n_rows = 2;
	second.n_pages = 1;
	second.page_base = 0x5000;

	struct table_cache *cache = open_cache(scratch->cache, BUILDER);
	assert_int_equal(table_cache_store(cache, OBJECT, &first), 0);
	assert_int_equal(table_cache_store(cache, OBJECT, &second), 0);
	assert_hit(cache, OBJECT, &second);
	assert_int_equal(entries_in(scratch->cache), 1);

	table_cache_close(cache);
	unwind_table_free(&first);
	unwind_table_free(&second);
}

static void build_id_never_stored_is_a_miss(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table table;

	sample_table(&table);
	struct table_cache *cache = open_cache(scratch->cache, BUILDER);
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	assert_miss(cache, OTHER_OBJECT);
	table_cache_close(cache);
	unwind_table_free(&table);
}

/* The unwinder asks even when its cache is off or failed to open (NULL). */
static void cache_that_is_off_never_hits(void **state)
{
	struct unwind_table table;
	(void)state;

	sample_table(&table);
	assert_int_equal(table_cache_store(NULL, OBJECT, &table), -1);
	assert_miss(NULL, OBJECT);
	unwind_table_free(&table);
}

/* Another agent build may compile call frame information differently, so
 * its tables are not this one's, even for the very same object. */
static void another_builders_table_is_a_miss(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table table;

	sample_table(&table);
	struct table_cache *ours = open_cache(scratch->cache, BUILDER);
	struct table_cache *theirs = open_cache(scratch->cache, OTHER_BUILDER);
	struct table_cache *prefix = open_cache(scratch->cache, "0011");
	assert_int_equal(table_cache_store(ours, OBJECT, &table), 0);
	assert_miss(theirs, OBJECT);
	assert_miss(prefix, OBJECT);
	assert_hit(ours, OBJECT, &table);
	table_cache_close(ours);
	table_cache_close(theirs);
	table_cache_close(prefix);
	unwind_table_free(&table);
}

static void flip_bit_at(const char *path, off_t offset)
{
	unsigned char byte;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &byte, 1, offset), 1);
	byte ^= 1;
	assert_int_equal(pwrite(fd, &byte, 1, offset), 1);
	close(fd);
}

static void damaged_files_are_misses(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table table;
	char path[4400];
	struct stat st;

	sample_table(&table);
	file_for(scratch, OBJECT, path, sizeof(path));
	struct table_cache *cache = open_cache(scratch->cache, BUILDER);
	/* Counted from the end, the rows and pages' offsets need no knowledge
	 * of the header. */
	off_t pages_bytes = (off_t)(table.n_pages * sizeof(*table.pages));
	off_t rows_bytes = (off_t)(table.n_rows * sizeof(*table.rows));

	/* Cut short, as by a full disk. */
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 3), 0);
	assert_miss(cache, OBJECT);

	/* A row's cfa_offset changed: only the checksum can tell. */
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	flip_bit_at(path, st.st_size - pages_bytes - rows_bytes + 2 * (off_t)sizeof(*table.rows) + 4);
	assert_miss(cache, OBJECT);

	/* pages[1] 3 -> 2 is still a sound index: again only the checksum. */
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	flip_bit_at(path, st.st_size - pages_bytes + (off_t)sizeof(*table.pages));
	assert_miss(cache, OBJECT);

	/* page_base, the header's last word before its padding and checksum,
	 * steers the walker as much as a row: the header is checksummed too. */
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	flip_bit_at(path, st.st_size - pages_bytes - rows_bytes - 16);
	assert_miss(cache, OBJECT);

	/* Longer than its header says. */
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "", 1), 1);
	close(fd);
	assert_miss(cache, OBJECT);

	/* Each miss was the damage: the undamaged file hits. */
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	assert_hit(cache, OBJECT, &table);
	table_cache_close(cache);
	unwind_table_free(&table);
}

/* Stores table (the caller's, freed here) and checks that loading it back misses. */
static void assert_stored_table_misses(struct table_cache *cache, struct unwind_table *table)
{
	assert_int_equal(table_cache_store(cache, OBJECT, table), 0);
	assert_miss(cache, OBJECT);
	unwind_table_free(table);
}

/* Store trusts its caller, load trusts no file: a table whose checksum
 * matches but whose rows would send unwind_table_find or the walker astray
 * is a miss. */
static void unsound_tables_are_misses(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table table;

	struct table_cache *cache = open_cache(scratch->cache, BUILDER);

	sample_table(&table);
	uint32_t pc = table.rows[1].pc;
	table.rows[1].pc = table.rows[2].pc;
	table.rows[2].pc = pc;
	assert_stored_table_misses(cache, &table);

	sample_table(&table);
	table.rows[2].pc = table.rows[1].pc; /* two rows for one pc */
	assert_stored_table_misses(cache, &table);

	sample_table(&table);
	table.pages[2] = (uint32_t)table.n_rows; /* one past the last row */
	assert_stored_table_misses(cache, &table);

	sample_table(&table);
	table.pages[2] = 1; /* a later page starting in an earlier row */
	assert_stored_table_misses(cache, &table);

	table_cache_close(cache);
}

/* Whoever can write the file can steer the walker. */
static void file_others_can_write_is_a_miss(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table table;
	char path[4400];

	sample_table(&table);
	file_for(scratch, OBJECT, path, sizeof(path));
	struct table_cache *cache = open_cache(scratch->cache, BUILDER);
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	assert_int_equal(chmod(path, 0620), 0);
	assert_miss(cache, OBJECT);
	assert_int_equal(chmod(path, 0600), 0);
	assert_hit(cache, OBJECT, &table);
	table_cache_close(cache);
	unwind_table_free(&table);
}

/* A symlink could lead anywhere, so even one to a good cache file is a miss. */
static void symlinked_file_is_a_miss(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table table;
	char target[4400], link[4400];

	sample_table(&table);
	file_for(scratch, OBJECT, target, sizeof(target));
	file_for(scratch, OTHER_OBJECT, link, sizeof(link));
	struct table_cache *cache = open_cache(scratch->cache, BUILDER);
	assert_int_equal(table_cache_store(cache, OBJECT, &table), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_miss(cache, OTHER_OBJECT);
	assert_hit(cache, OBJECT, &table);
	table_cache_close(cache);
	unwind_table_free(&table);
}

static void open_refuses_a_directory_others_can_write(void **state)
{
	struct scratch *scratch = *state;
	char err[256] = "";

	assert_int_equal(mkdir(scratch->cache, 0700), 0);
	assert_int_equal(chmod(scratch->cache, 0777), 0);
	assert_null(table_cache_open(scratch->cache, BUILDER, err, sizeof(err)));
	assert_true(err[0] != '\0');

	assert_int_equal(chmod(scratch->cache, 0700), 0);
	table_cache_close(open_cache(scratch->cache, BUILDER));
}

static void open_refuses_a_regular_file(void **state)
{
	struct scratch *scratch = *state;
	char err[256] = "", below[4300];

	int fd = open(scratch->cache, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(table_cache_open(scratch->cache, BUILDER, err, sizeof(err)));
	assert_true(err[0] != '\0');

	err[0] = '\0';
	snprintf(below, sizeof(below), "%s/tables", scratch->cache);
	assert_null(table_cache_open(below, BUILDER, err, sizeof(err)));
	assert_true(err[0] != '\0');
}

/* With no umask to narrow it, what mkdir was asked for shows. */
static void open_creates_missing_directories_private(void **state)
{
	struct scratch *scratch = *state;
	char a[4300], b[4300], err[256] = "";
	struct stat st;

	snprintf(a, sizeof(a), "%s/a", scratch->cache);
	snprintf(b, sizeof(b), "%s/a/b", scratch->cache);
	mode_t saved = umask(0);
	struct table_cache *cache = table_cache_open(b, BUILDER, err, sizeof(err));
	umask(saved);
	if (cache == NULL)
		fail_msg("table_cache_open(%s): %s", b, err);
	table_cache_close(cache);

	const char *created[] = {scratch->cache, a, b};
	for (size_t i = 0; i < sizeof(created) / sizeof(created[0]); i++) {
		assert_int_equal(lstat(created[i], &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0700);
	}
}

/* A build ID becomes a file name, so anything but lowercase hex of a sane
 * length could name a file elsewhere, or two names the same object. */
static void malformed_build_ids_are_refused(void **state)
{
	struct scratch *scratch = *state;
	struct unwind_table table;
	char too_long[131];

	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	const char *malformed[] = {
		"", "xyz", "../etc", "../0011", "0011/22", "abc", "AABBCC", "00112233445566778899AABB", too_long};

	sample_table(&table);
	struct table_cache *cache = open_cache(scratch->cache, BUILDER);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		assert_int_equal(table_cache_store(cache, malformed[i], &table), -1);
		assert_miss(cache, malformed[i]);
	}
	assert_int_equal(entries_in(scratch->cache), 0);
	assert_int_equal(entries_in(scratch->root), 1); /* the cache alone */
	table_cache_close(cache);
	unwind_table_free(&table);

	char err[256] = "";
	assert_null(table_cache_open(scratch->cache, "", err, sizeof(err)));
	assert_true(err[0] != '\0');
}

static void own_build_id_is_stable_lowercase_hex(void **state)
{
	struct scratch *scratch = *state;
	const char *own = table_cache_own_build_id();
	size_t length = strlen(own);

	assert_true(length > 0);
	assert_int_equal(length % 2, 0);
	assert_true(length <= 128);
	for (size_t i = 0; i < length; i++)
		assert_non_null(strchr("0123456789abcdef", own[i]));
	assert_string_equal(table_cache_own_build_id(), own);
	/* It is what the agent keys its cache by, so open must take it. */
	table_cache_close(open_cache(scratch->cache, own));
}

static const char *const cache_variables[] = {"BPFPROF_CACHE_DIR", "XDG_CACHE_HOME", "HOME"};
#define N_CACHE_VARIABLES (sizeof(cache_variables) / sizeof(cache_variables[0]))

/* The environment as the test found it, put back even when it fails. */
static int save_environment(void **state)
{
	char **saved = calloc(N_CACHE_VARIABLES, sizeof(*saved));

	if (saved == NULL)
		return -1;
	for (size_t i = 0; i < N_CACHE_VARIABLES; i++)
		if (getenv(cache_variables[i]) != NULL)
			saved[i] = strdup(getenv(cache_variables[i]));
	*state = saved;
	return 0;
}

static int restore_environment(void **state)
{
	char **saved = *state;

	for (size_t i = 0; i < N_CACHE_VARIABLES; i++) {
		if (saved[i] != NULL)
			setenv(cache_variables[i], saved[i], 1);
		else
			unsetenv(cache_variables[i]);
		free(saved[i]);
	}
	free(saved);
	return 0;
}

static void cache_dir_variable_overrides_the_defaults(void **state)
{
	(void)state;
	setenv("XDG_CACHE_HOME", "/c", 1);
	setenv("HOME", "/h", 1);

	setenv("BPFPROF_CACHE_DIR", "off", 1);
	assert_null(table_cache_default_dir());
	setenv("BPFPROF_CACHE_DIR", "/x/y", 1);
	assert_string_equal(table_cache_default_dir(), "/x/y");
	/* Set but empty, as a shell leaves VAR= : no say either way. */
	setenv("BPFPROF_CACHE_DIR", "", 1);
	assert_string_equal(table_cache_default_dir(), "/c/bpfprof");
}

static void default_dir_is_xdg_cache_then_home(void **state)
{
	(void)state;
	unsetenv("BPFPROF_CACHE_DIR");
	setenv("HOME", "/h", 1);

	setenv("XDG_CACHE_HOME", "/c", 1);
	assert_string_equal(table_cache_default_dir(), "/c/bpfprof");
	/* The XDG spec has relative paths ignored. */
	setenv("XDG_CACHE_HOME", "c", 1);
	assert_string_equal(table_cache_default_dir(), "/h/.cache/bpfprof");
	unsetenv("XDG_CACHE_HOME");
	assert_string_equal(table_cache_default_dir(), "/h/.cache/bpfprof");
	/* Nowhere to go, but not switched off: the caller says why. */
	unsetenv("HOME");
	assert_string_equal(table_cache_default_dir(), "");
}

#define scratch_test(test) cmocka_unit_test_setup_teardown(test, make_scratch, remove_scratch)

int main(void)
{
	const struct CMUnitTest tests[] = {
		scratch_test(stored_table_loads_back_unchanged),
		scratch_test(empty_table_loads_back_empty),
		scratch_test(later_store_replaces_the_earlier_table),
		scratch_test(build_id_never_stored_is_a_miss),
		cmocka_unit_test(cache_that_is_off_never_hits),
		scratch_test(another_builders_table_is_a_miss),
		scratch_test(damaged_files_are_misses),
		scratch_test(unsound_tables_are_misses),
		scratch_test(file_others_can_write_is_a_miss),
		scratch_test(symlinked_file_is_a_miss),
		scratch_test(open_refuses_a_directory_others_can_write),
		scratch_test(open_refuses_a_regular_file),
		scratch_test(open_creates_missing_directories_private),
		scratch_test(malformed_build_ids_are_refused),
		scratch_test(own_build_id_is_stable_lowercase_hex),
		cmocka_unit_test_setup_teardown(cache_dir_variable_overrides_the_defaults, save_environment,
						restore_environment),
		cmocka_unit_test_setup_teardown(default_dir_is_xdg_cache_then_home, save_environment,
						restore_environment),
	};
	return cmocka_run_group_tests_name("table_cache", tests, NULL, NULL);
}
