/*
 * test_symbolizer.c: the symbolizer against this very process, which loads
 * variants of a small library built by the tests: full DWARF, stripped to
 * .dynsym, and DWARF found through .gnu_debuglink.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <limits.h>
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

#include "debug_copy.h"
#include "process_image.h"
#include "table_cache.h"

struct loaded_library {
	void *handle;
	uint64_t inline_site, outer, hidden;
	int inline_line, call_line;
};

static void load_variant(const char *file, struct loaded_library *lib)
{
	const char *dir = getenv("SYMTEST_DIR") ? getenv("SYMTEST_DIR") : "build/tests/symtest";
	char path[PATH_MAX], resolved[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_non_null(realpath(path, resolved));
	lib->handle = dlopen(resolved, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(lib->handle);
	int (*outer)(int) = (int (*)(int))dlsym(lib->handle, "symtest_outer");
	int (*(*hidden_address)(void))(int) = (int (*(*)(void))(int))dlsym(lib->handle, "symtest_hidden_address");
	assert_non_null(outer);
	assert_int_equal(outer(1), 6); /* also records the lines */
	lib->outer = (uint64_t)(uintptr_t)outer;
	lib->inline_site = (uint64_t)(uintptr_t)dlsym(lib->handle, "symtest_inline_site");
	lib->hidden = (uint64_t)(uintptr_t)hidden_address();
	lib->inline_line = *(int *)dlsym(lib->handle, "symtest_inline_line");
	lib->call_line = *(int *)dlsym(lib->handle, "symtest_call_line");
	assert_true(lib->inline_site != 0 && lib->inline_line > 0 && lib->call_line > lib->inline_line);
}

static void assert_inlined_chain(const struct symbolization *s, const struct loaded_library *lib)
{
	assert_int_equal(s->n_frames, 2);
	assert_string_equal(s->frames[0].function, "symtest_inner");
	assert_int_equal(s->frames[0].line, lib->inline_line);
	assert_non_null(strstr(s->frames[0].file, "tests/unit/symtest_lib.c"));
	assert_true(s->frames[0].file[0] == '/');
	assert_string_equal(s->frames[1].function, "symtest_outer");
	assert_int_equal(s->frames[1].line, lib->call_line);
	assert_non_null(strstr(s->frames[1].file, "symtest_lib.c"));
	assert_non_null(strstr(s->frames[1].decl_file, "symtest_lib.c"));
	assert_int_equal(s->frames[1].start_line, lib->call_line - 2); /* the line naming the function */
}

/* This process's image, read by symbolizer: the subject of most tests. */
static struct process_image *own_image(struct symbolizer *symbolizer)
{
	char err[256];
	struct process_image *image = process_image_open(symbolizer, getpid(), err, sizeof(err));

	if (image == NULL)
		fail_msg("cannot read our own image: %s", err);
	return image;
}

static void full_debug_info_gives_inlined_frames_and_lines(void **state)
{
	struct loaded_library lib;
	struct symbolization s;
	(void)state;

	load_variant("libsymtest.so", &lib);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = own_image(symbolizer);

	const struct map_entry *map = symbolize_user(image, lib.inline_site, &s);
	assert_non_null(map);
	assert_non_null(strstr(map->path, "libsymtest.so"));
	assert_inlined_chain(&s, &lib);

	struct object_info info;
	process_image_object_info(image, map, &info);
	assert_true(info.has_symbols);
	assert_true(process_image_object_has_dwarf(image, map));
	assert_int_equal(strlen(info.build_id), 40);

	assert_non_null(symbolize_user(image, lib.hidden, &s));
	assert_int_equal(s.n_frames, 1);
	assert_string_equal(s.frames[0].function, "symtest_hidden");

	process_image_free(image);
	symbolizer_free(symbolizer);
	dlclose(lib.handle);
}

static void debuglink_finds_the_separate_debug_file(void **state)
{
	struct loaded_library lib;
	struct symbolization s;
	(void)state;

	load_variant("libsymtest-debuglink.so", &lib);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = own_image(symbolizer);
	const struct map_entry *map = symbolize_user(image, lib.inline_site, &s);
	assert_non_null(map);
	assert_non_null(strstr(map->path, "libsymtest-debuglink.so"));
	assert_inlined_chain(&s, &lib);
	process_image_free(image);
	symbolizer_free(symbolizer);
	dlclose(lib.handle);
}

/* With a server named in DEBUGINFOD_URLS, the attach looks only in the
 * build-ID directories; the rest of libdwfl's search (here the debuglink,
 * which is found before any server is asked) runs in the background, and
 * its result replaces the .dynsym names when the symbolizer takes it. */
static void with_servers_named_the_search_runs_in_the_background(void **state)
{
	struct loaded_library lib;
	struct symbolization s;
	char cache[] = "/tmp/symtest-debuginfod-XXXXXX", text[1024];
	size_t pending;
	(void)state;

	assert_non_null(mkdtemp(cache));
	setenv("DEBUGINFOD_CACHE_PATH", cache, 1);
	setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9", 1); /* the discard port: refused at once */
	load_variant("libsymtest-debuglink.so", &lib);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = own_image(symbolizer);

	assert_non_null(symbolize_user(image, lib.inline_site, &s));
	assert_int_equal(s.n_frames, 1); /* .dynsym's name, no inline frame, no line */
	assert_string_equal(s.frames[0].function, "symtest_outer");
	assert_int_equal(s.frames[0].line, 0);

	assert_true(symbolizer_await_debuginfo(symbolizer, 60ULL * 1000000000ULL, 60ULL * 1000000000ULL, &pending));
	symbolizer_take_debuginfo(symbolizer);
	assert_non_null(symbolize_user(image, lib.inline_site, &s));
	assert_inlined_chain(&s, &lib);
	assert_true(symbolizer_describe_debuginfo(symbolizer, text, sizeof(text)));
	assert_non_null(strstr(text, "found ("));
	assert_non_null(strstr(text, "libsymtest-debuglink.so"));
	assert_non_null(strstr(text, "; 0 objects still pending"));

	process_image_free(image);
	symbolizer_free(symbolizer);
	unsetenv("DEBUGINFOD_URLS");
	dlclose(lib.handle);
	char command[128];
	snprintf(command, sizeof(command), "rm -rf %s", cache);
	assert_int_equal(system(command), 0);
}

/* symtest_framed calls the exported symtest_outer through the PLT. */
static void plt_stubs_are_named_after_their_target(void **state)
{
	struct loaded_library lib;
	struct symbolization s;
	struct map_list maps = {0};
	char err[256];
	const char *stub = NULL;
	(void)state;

	load_variant("libsymtest-stripped.so", &lib);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = process_image_open(symbolizer, getpid(), err, sizeof(err));
	assert_int_equal(map_list_read(getpid(), &maps), 0);
	for (size_t m = 0; m < maps.count && stub == NULL; m++) {
		if (strstr(maps.entries[m].path, "libsymtest-stripped.so") == NULL)
			continue;
		for (uint64_t addr = maps.entries[m].start; addr < maps.entries[m].end && stub == NULL; addr += 4) {
			symbolize_user(image, addr, &s);
			if (s.n_frames > 0 && strstr(s.frames[0].function, "@plt") != NULL)
				stub = s.frames[0].function;
		}
	}
	assert_non_null(stub);
	assert_string_equal(stub, "symtest_outer@plt");
	map_list_free(&maps);
	process_image_free(image);
	symbolizer_free(symbolizer);
	dlclose(lib.handle);
}

static void stripped_object_falls_back_to_dynsym(void **state)
{
	struct loaded_library lib;
	struct symbolization s;
	(void)state;

	load_variant("libsymtest-stripped.so", &lib);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = own_image(symbolizer);

	const struct map_entry *map = symbolize_user(image, lib.outer + 1, &s);
	assert_non_null(map);
	assert_int_equal(s.n_frames, 1);
	assert_string_equal(s.frames[0].function, "symtest_outer");
	assert_int_equal(s.frames[0].line, 0);
	assert_false(process_image_object_has_dwarf(image, map));

	/* A static function has no name left: its CFI still says where it
	 * starts, so each of its addresses gets the same object+offset name. */
	Dl_info where;
	assert_true(dladdr((void *)(uintptr_t)lib.hidden, &where) != 0);
	char expected[64];
	snprintf(expected, sizeof(expected), "libsymtest-stripped.so+0x%" PRIx64,
		 lib.hidden - (uint64_t)(uintptr_t)where.dli_fbase);
	assert_non_null(symbolize_user(image, lib.hidden, &s));
	assert_int_equal(s.n_frames, 1);
	assert_string_equal(s.frames[0].function, expected);
	assert_non_null(symbolize_user(image, lib.hidden + 2, &s));
	assert_string_equal(s.frames[0].function, expected);

	process_image_free(image);
	symbolizer_free(symbolizer);
	dlclose(lib.handle);
}

static void ignore_signal(int signo)
{
	(void)signo;
}

static void signal_trampoline_is_named(void **state)
{
	struct sigaction action = {.sa_handler = ignore_signal}, installed;
	struct symbolization s;
	(void)state;

	/* glibc's restorer, which handlers return into, has no exported
	 * symbol; a profile looks up the return address minus one, the byte
	 * before it, which its CFI covers (and no symbol, even in libc6-dbg). */
	assert_int_equal(sigaction(SIGUSR2, &action, NULL), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &installed), 0);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = own_image(symbolizer);
	assert_non_null(symbolize_user(image, (uint64_t)(uintptr_t)installed.sa_restorer - 1, &s));
	assert_int_equal(s.n_frames, 1);
	assert_string_equal(s.frames[0].function, "[signal trampoline]");
	process_image_free(image);
	symbolizer_free(symbolizer);
}

static void objects_are_shared_by_build_id(void **state)
{
	struct loaded_library lib;
	struct symbolization s;
	struct object_info first, second;
	char err[256];
	(void)state;

	load_variant("libsymtest.so", &lib);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *a = process_image_open(symbolizer, getpid(), err, sizeof(err));
	struct process_image *b = process_image_open(symbolizer, getpid(), err, sizeof(err));
	process_image_object_info(a, symbolize_user(a, lib.outer, &s), &first);
	process_image_object_info(b, symbolize_user(b, lib.outer, &s), &second);
	assert_ptr_equal(first.build_id, second.build_id); /* one cached object */
	assert_int_equal(process_image_refresh(a), 0);
	assert_non_null(symbolize_user(a, lib.inline_site, &s));
	assert_inlined_chain(&s, &lib);
	process_image_free(a);
	process_image_free(b);
	symbolizer_free(symbolizer);
	dlclose(lib.handle);
}

/* The frames as text, to outlive the symbolizer whose strings they are. */
static void frames_text(const struct symbolization *s, char *text, size_t len)
{
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < s->n_frames && used < len; i++)
		used += (size_t)snprintf(text + used, len - used, "%s|%s|%s:%d|%s:%d\n", s->frames[i].function,
					 s->frames[i].system_name, s->frames[i].file, s->frames[i].line,
					 s->frames[i].decl_file, s->frames[i].start_line);
}

#define NAMED_ADDRESSES 3

/* One symbolizer's naming of the library's addresses, as text, and its stats. */
static void symbolize_library(const struct loaded_library *lib, char text[NAMED_ADDRESSES][2048],
			      struct symbolizer_stats *stats, char *build_id, size_t len)
{
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = own_image(symbolizer);
	const uint64_t addresses[NAMED_ADDRESSES] = {lib->inline_site, lib->outer, lib->hidden};
	struct symbolization s;
	struct object_info info;

	for (size_t i = 0; i < NAMED_ADDRESSES; i++) {
		assert_non_null(symbolize_user(image, addresses[i], &s));
		if (i == 0)
			assert_inlined_chain(&s, lib);
		frames_text(&s, text[i], sizeof(text[i]));
	}
	process_image_object_info(image, symbolize_user(image, lib->outer, &s), &info);
	snprintf(build_id, len, "%s", info.build_id);
	symbolizer_read_stats(symbolizer, stats);
	process_image_free(image);
	symbolizer_free(symbolizer);
}

static void assert_same_names(char first[NAMED_ADDRESSES][2048], char again[NAMED_ADDRESSES][2048])
{
	for (size_t i = 0; i < NAMED_ADDRESSES; i++)
		assert_string_equal(first[i], again[i]);
}

static bool has_compressed_section(const char *path)
{
	FILE *readelf;
	char command[PATH_MAX + 64], line[512];
	bool compressed = false, any = false;

	/* readelf's section flags: C for SHF_COMPRESSED */
	snprintf(command, sizeof(command), "readelf -S -W '%s' 2>/dev/null", path);
	assert_non_null(readelf = popen(command, "r"));
	while (fgets(line, sizeof(line), readelf) != NULL)
		if (strstr(line, ".debug_info") != NULL) {
			any = true;
			compressed |= strstr(line, " C ") != NULL || strstr(line, "C ") != NULL;
		}
	pclose(readelf);
	assert_true(any);
	return compressed;
}

static void copy_file(const char *from, const char *to)
{
	char command[2 * PATH_MAX + 16];

	snprintf(command, sizeof(command), "cp '%s' '%s'", from, to);
	assert_int_equal(system(command), 0);
}

/* A debug file with compressed sections is copied uncompressed into the
 * cache by build ID; the next symbolizer opens the copy and names every
 * address as before. A copy that is not ELF, is another object's, or
 * that others may write is passed over (and replaced). */
static void compressed_debug_file_is_kept_uncompressed(void **state)
{
	struct loaded_library lib;
	char first[NAMED_ADDRESSES][2048], again[NAMED_ADDRESSES][2048];
	struct symbolizer_stats stats;
	char dir[] = "/tmp/bpfprof-symtest-XXXXXX", build_id[129], copy[PATH_MAX], original[PATH_MAX];
	const char *symtest_dir = getenv("SYMTEST_DIR") ? getenv("SYMTEST_DIR") : "build/tests/symtest";
	(void)state;

	snprintf(original, sizeof(original), "%s/libsymtest-gz.debug", symtest_dir);
	assert_true(has_compressed_section(original));
	assert_non_null(mkdtemp(dir));
	setenv("BPFPROF_CACHE_DIR", dir, 1);
	load_variant("libsymtest-gz.so", &lib);

	symbolize_library(&lib, first, &stats, build_id, sizeof(build_id));
	assert_int_equal(stats.debug_copies_written, 1);
	assert_int_equal(stats.debug_copies_read, 0);
	assert_int_equal(stats.debug_copy_failures, 0);
	snprintf(copy, sizeof(copy), "%s/%s.debug", dir, build_id);
	assert_false(has_compressed_section(copy));
	/* Made from libdw's inflated sections; inflating them again gives the same bytes. */
	char other_dir[PATH_MAX + 8], other[2 * PATH_MAX], command[4 * PATH_MAX], err[160];
	snprintf(other_dir, sizeof(other_dir), "%s/other", dir);
	struct table_cache *other_cache = table_cache_open(other_dir, table_cache_own_build_id(), err, sizeof(err));
	assert_non_null(other_cache);
	assert_int_equal(debug_copy_store(other_cache, build_id, original, NULL), 1);
	assert_int_equal(debug_copy_store(other_cache, build_id, copy, NULL), 0); /* nothing compressed */
	assert_int_equal(debug_copy_store(other_cache, "00ff", original, NULL), -1); /* another build ID */
	table_cache_close(other_cache);
	snprintf(other, sizeof(other), "%s/%s.debug", other_dir, build_id);
	snprintf(command, sizeof(command), "cmp -s '%s' '%s'", copy, other);
	assert_int_equal(system(command), 0);

	symbolize_library(&lib, again, &stats, build_id, sizeof(build_id));
	assert_int_equal(stats.debug_copies_read, 1);
	assert_int_equal(stats.debug_copies_written, 0);
	assert_same_names(first, again);

	const char *foreign[] = {"/proc/self/exe", "/etc/hostname"}; /* another build ID; not ELF */
	for (size_t k = 0; k < 3; k++) {
		if (k < 2)
			copy_file(foreign[k], copy);
		else
			assert_int_equal(chmod(copy, 0664), 0); /* the rewritten copy, group-writable */
		symbolize_library(&lib, again, &stats, build_id, sizeof(build_id));
		assert_int_equal(stats.debug_copies_read, 0);
		assert_int_equal(stats.debug_copies_written, 1); /* from the original, again */
		assert_same_names(first, again);
		assert_false(has_compressed_section(copy));
	}

	setenv("BPFPROF_CACHE_DIR", "off", 1);
	unlink(copy);
	symbolize_library(&lib, again, &stats, build_id, sizeof(build_id));
	assert_int_equal(stats.debug_copies_read + stats.debug_copies_written + stats.debug_copy_failures, 0);
	assert_int_equal(access(copy, F_OK), -1);

	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	assert_int_equal(system(command), 0);
	dlclose(lib.handle);
}

/* A library dlclose'd leaves the symbolizer once no image maps it and
 * more than a few such objects wait: what it holds follows what is mapped. */
static void objects_no_image_maps_are_freed(void **state)
{
	struct loaded_library lib;
	struct symbolization s;
	struct symbolizer_stats stats;
	(void)state;

	load_variant("libsymtest.so", &lib);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = own_image(symbolizer);
	assert_non_null(symbolize_user(image, lib.outer, &s));
	symbolizer_read_stats(symbolizer, &stats);
	size_t mapped = stats.objects;
	assert_int_equal(stats.idle, 0);
	dlclose(lib.handle);
	assert_int_equal(process_image_refresh(image), 0);
	assert_null(symbolize_user(image, lib.outer, &s));
	symbolizer_read_stats(symbolizer, &stats);
	assert_int_equal(stats.idle, 1); /* libsymtest.so, kept a while */
	assert_int_equal(stats.objects, mapped);

	load_variant("libsymtest.so", &lib); /* back: the same object, mapped again */
	assert_int_equal(process_image_refresh(image), 0);
	symbolizer_read_stats(symbolizer, &stats);
	assert_int_equal(stats.idle, 0);
	assert_int_equal(stats.dropped, 0);

	process_image_free(image); /* every object idle: all but the kept ones go */
	symbolizer_read_stats(symbolizer, &stats);
	assert_true(stats.idle <= 16);
	assert_int_equal(stats.objects, stats.idle);
	assert_int_equal(stats.objects + stats.dropped, mapped);
	symbolizer_free(symbolizer);
	dlclose(lib.handle);
}

/* The vDSO has no file: it is read from the process's memory. A child
 * process is the subject, since valgrind hides the vDSO from its own. */
static void vdso_functions_are_named(void **state)
{
	struct symbolization s;
	struct map_list maps = {0};
	const struct map_entry *vdso = NULL;
	char err[256], *argv[] = {"sleep", "10", NULL};
	pid_t child;
	extern char **environ;
	(void)state;

	assert_int_equal(posix_spawnp(&child, "sleep", NULL, NULL, argv, environ), 0);
	for (int i = 0; i < 100 && vdso == NULL; i++) {
		usleep(20000);
		assert_int_equal(map_list_read(child, &maps), 0);
		for (size_t m = 0; m < maps.count && vdso == NULL; m++)
			if (strcmp(maps.entries[m].path, "[vdso]") == 0 && strstr(maps.entries[0].path, "sleep") != NULL)
				vdso = &maps.entries[m];
	}
	assert_non_null(vdso);
	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = process_image_open(symbolizer, child, err, sizeof(err));
	assert_non_null(image);
	bool clock_gettime_named = false;
	for (uint64_t addr = vdso->start; addr < vdso->end && !clock_gettime_named; addr += 4) {
		assert_non_null(symbolize_user(image, addr, &s));
		clock_gettime_named = s.n_frames > 0 && strcmp(s.frames[0].function, "__vdso_clock_gettime") == 0;
	}
	assert_true(clock_gettime_named);
	process_image_free(image);
	symbolizer_free(symbolizer);
	map_list_free(&maps);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

static void unmapped_address_has_no_mapping(void **state)
{
	struct symbolization s;
	char err[256];
	(void)state;

	struct symbolizer *symbolizer = symbolizer_new();
	struct process_image *image = process_image_open(symbolizer, getpid(), err, sizeof(err));
	assert_null(symbolize_user(image, 0x10, &s));
	assert_int_equal(s.n_frames, 0);
	assert_null(process_image_open(symbolizer, 4194304, err, sizeof(err)));
	assert_non_null(strstr(err, "/proc/4194304/maps"));
	process_image_free(image);
	symbolizer_free(symbolizer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_debug_info_gives_inlined_frames_and_lines),
		cmocka_unit_test(debuglink_finds_the_separate_debug_file),
		cmocka_unit_test(with_servers_named_the_search_runs_in_the_background),
		cmocka_unit_test(stripped_object_falls_back_to_dynsym),
		cmocka_unit_test(signal_trampoline_is_named),
		cmocka_unit_test(plt_stubs_are_named_after_their_target),
		cmocka_unit_test(objects_are_shared_by_build_id),
		cmocka_unit_test(compressed_debug_file_is_kept_uncompressed),
		cmocka_unit_test(objects_no_image_maps_are_freed),
		cmocka_unit_test(vdso_functions_are_named),
		cmocka_unit_test(unmapped_address_has_no_mapping),
	};
	/* Only the test of the debug file cache uses one, in a directory of its own. */
	setenv("BPFPROF_CACHE_DIR", "off", 1);
	return cmocka_run_group_tests_name("symbolizer", tests, NULL, NULL);
}
