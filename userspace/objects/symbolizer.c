/*
 * symbolizer.c: the object cache. Each object file is opened once, into
 * its own Dwfl at link-time addresses, and kept by build ID while any
 * process image maps it, then a while on an idle list for a dlopen that
 * brings it back. The cache also owns the hooks around libdwfl's search
 * for debug files: the uncompressed copies kept on disk (debug_copy.h),
 * and, with DEBUGINFOD_URLS, the background fetcher whose finds replace
 * an object's module when a profile is named. Naming inside an object is
 * elf_object.c's; the kernel's symbols are read here on first need.
 */
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debug_copy.h"
#include "debuginfo_fetcher.h"
#include "hashmap.h"
#include "kallsyms.h"
#include "symbolizer.h"
#include "table_cache.h"

/* Where an object's debug info stands, when servers are asked for it. */
enum debuginfo_state {
	DEBUGINFO_LOCAL,   /* found at attach, or never asked for */
	DEBUGINFO_PENDING, /* being looked for in the background */
	DEBUGINFO_FETCHED, /* found in the background and in use */
	DEBUGINFO_MISSING, /* found nowhere */
};

/* The cache's part of an object: how long it lives and where its debug
 * files came from; what names its addresses is names'. */
struct cached_object {
	struct elf_object *names;
	struct symbolizer *symbolizer;
	uint64_t serial;      /* never reused, unlike the object's address */
	enum debuginfo_state debuginfo;
	bool debug_copy_used; /* its debug file is the cache's uncompressed copy */
	size_t mappings;      /* how many process images' mappings hold it */
	struct cached_object *idle_older, *idle_newer; /* the symbolizer's idle list, while no mapping holds it */
	bool idle, dropping;
};

struct symbolizer {
	struct hashmap *objects; /* build ID (or file identity) -> struct cached_object * */
	struct debuginfo_fetcher *fetcher; /* NULL when no debuginfod server is named */
	uint64_t serials;
	/* Objects no process maps any more, oldest first: kept a while for a
	 * dlopen that brings one back, then freed. */
	struct cached_object *idle_oldest, *idle_newest;
	size_t n_idle;
	uint64_t dropped;
	struct kallsyms kernel;
	int kernel_state; /* 0 not loaded yet, 1 loaded, -1 unavailable */
	struct table_cache *cache; /* for debug_copy.h; NULL when off or unusable (the unwinder says why) */
	uint64_t debug_copies_read, debug_copies_written, debug_copy_failures;
};

#define DEBUGINFOD_TIMEOUT_DEFAULT "5" /* seconds */
#define IDLE_OBJECTS_KEPT 16 /* objects no process maps, kept for a dlopen that brings one back */

static char *debuginfo_path;

/* Before libdwfl looks anywhere else: the uncompressed copy the cache
 * keeps of the object's debug file (userdata: the struct cached_object,
 * or NULL for the fetcher's modules, which look only on servers). */
static int find_debug_copy(Dwfl_Module *module, void *userdata, char **debug_file)
{
	struct cached_object *object = userdata;
	char build_id[129];

	if (object == NULL || object->symbolizer->cache == NULL)
		return -1;
	elf_module_build_id(module, build_id, sizeof(build_id));
	int fd = debug_copy_open(object->symbolizer->cache, build_id, debug_file); /* libdwfl frees the name */
	if (fd < 0)
		return -1;
	object->debug_copy_used = true;
	object->symbolizer->debug_copies_read++;
	return fd;
}

static int find_debuginfo_anywhere(Dwfl_Module *module, void **userdata, const char *name, Dwarf_Addr base,
				   const char *file, const char *debuglink, GElf_Word crc, char **debug_file)
{
	int fd = find_debug_copy(module, *userdata, debug_file);

	return fd >= 0 ? fd
		       : dwfl_standard_find_debuginfo(module, userdata, name, base, file, debuglink, crc, debug_file);
}

static int find_debuginfo_locally(Dwfl_Module *module, void **userdata, const char *name, Dwarf_Addr base,
				  const char *file, const char *debuglink, GElf_Word crc, char **debug_file)
{
	int fd = find_debug_copy(module, *userdata, debug_file);

	return fd >= 0 ? fd
		       : dwfl_build_id_find_debuginfo(module, userdata, name, base, file, debuglink, crc, debug_file);
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	/* the cache's copy; build-id dirs and .gnu_debuglink, then the
	 * debuginfod servers of DEBUGINFOD_URLS, when set (libdwfl's own
	 * client) */
	.find_debuginfo = find_debuginfo_anywhere,
	.debuginfo_path = &debuginfo_path,
};
/* With servers named, the attach looks only where no network is: the
 * rest of the search runs on the fetcher's thread. */
static const Dwfl_Callbacks local_dwfl_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo_locally,
	.debuginfo_path = &debuginfo_path,
};

struct symbolizer *symbolizer_new(void)
{
	struct symbolizer *symbolizer = calloc(1, sizeof(*symbolizer));

	if (symbolizer == NULL)
		return NULL;
	/* A server that answers nothing would keep an object's names pending
	 * for the client's default of 90 s per try: one whose download has
	 * not started after DEBUGINFOD_TIMEOUT_DEFAULT seconds counts as a
	 * miss instead (the object keeps its symbol table), unless the user
	 * chose a timeout. */
	bool servers_named = debuginfo_fetcher_wanted();
	if (servers_named) {
		setenv("DEBUGINFOD_TIMEOUT", DEBUGINFOD_TIMEOUT_DEFAULT, 0);
		symbolizer->fetcher = debuginfo_fetcher_new();
	}
	const char *cache_dir = table_cache_default_dir();
	char unused[160];
	if (cache_dir != NULL && cache_dir[0] != '\0')
		symbolizer->cache = table_cache_open(cache_dir, table_cache_own_build_id(), unused, sizeof(unused));
	symbolizer->objects = hashmap_new();
	if (symbolizer->objects == NULL ||
	    (servers_named && symbolizer->fetcher == NULL)) {
		symbolizer_free(symbolizer);
		return NULL;
	}
	return symbolizer;
}

static void cached_object_free(struct cached_object *object)
{
	elf_object_free(object->names);
	free(object);
}

void symbolizer_free(struct symbolizer *symbolizer)
{
	if (symbolizer == NULL)
		return;
	debuginfo_fetcher_free(symbolizer->fetcher); /* before the objects it may name */
	if (symbolizer->objects != NULL) {
		size_t cursor = 0;
		struct hashmap_entry *entry;
		while ((entry = hashmap_next(symbolizer->objects, &cursor)) != NULL)
			if (entry->value != 0) /* 0: an object that failed to load */
				cached_object_free((struct cached_object *)(uintptr_t)entry->value);
		hashmap_free(symbolizer->objects);
	}
	kallsyms_free(&symbolizer->kernel);
	table_cache_close(symbolizer->cache);
	free(symbolizer);
}

/* The object's identity: its build ID, or for an object without one, the
 * file's identity as the kernel sees it. */
static size_t object_key(Dwfl_Module *module, int fd, const char *path, char *key, size_t key_len)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(module, &bits, &vaddr);
	struct stat st;

	if (n > 0 && (size_t)n + 3 <= key_len) {
		memcpy(key, "id:", 3);
		memcpy(key + 3, bits, (size_t)n);
		return (size_t)n + 3;
	}
	if (fstat(fd, &st) != 0)
		memset(&st, 0, sizeof(st));
	int len = snprintf(key, key_len, "file:%s:%ju:%ju:%jd:%jd", path, (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
			   (intmax_t)st.st_size, (intmax_t)st.st_mtime);
	return len > 0 && (size_t)len < key_len ? (size_t)len : key_len - 1;
}

/* A separate debug file with compressed sections is copied to the cache
 * uncompressed (debug_copy.h), once: the next attach opens the copy. */
static void keep_debug_copy(void *ctx, struct elf_object *names)
{
	struct cached_object *object = ctx;
	const char *main_file = NULL, *debug_file = NULL;
	struct symbolizer *symbolizer = object->symbolizer;
	const char *build_id = elf_object_build_id(names);
	Dwfl_Module *module = elf_object_module(names);

	if (symbolizer->cache == NULL || object->debug_copy_used || build_id[0] == '\0')
		return;
	dwfl_module_info(module, NULL, NULL, NULL, NULL, NULL, &main_file, &debug_file);
	if (debug_file == NULL || (main_file != NULL && strcmp(main_file, debug_file) == 0))
		return;
	Dwarf_Addr bias;
	Dwarf *dwarf = dwfl_module_getdwarf(module, &bias);
	int kept = debug_copy_store(symbolizer->cache, build_id, debug_file,
				    dwarf != NULL ? dwarf_getelf(dwarf) : NULL);
	symbolizer->debug_copies_written += kept > 0;
	symbolizer->debug_copy_failures += kept < 0;
}

/* An object the attach found no debug info for goes to the fetcher, which
 * can only look it up by build ID on a server. fd stays the Dwfl's. */
static void ask_for_debuginfo(struct symbolizer *symbolizer, struct cached_object *object, int fd)
{
	if (symbolizer->fetcher == NULL || elf_object_build_id(object->names)[0] == '\0' ||
	    elf_object_has_dwarf(object->names))
		return;
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (copy >= 0 && debuginfo_fetcher_ask(symbolizer->fetcher, object, elf_object_path(object->names), copy) == 0)
		object->debuginfo = DEBUGINFO_PENDING;
}

void symbolizer_take_debuginfo(struct symbolizer *symbolizer)
{
	struct debuginfo_found found;

	while (symbolizer->fetcher != NULL && debuginfo_fetcher_take(symbolizer->fetcher, &found)) {
		struct cached_object *object = found.owner;
		/* Names come from the found debug info from now on. */
		if (found.dwfl != NULL && elf_object_replace_module(object->names, found.dwfl, found.module) == 0)
			object->debuginfo = DEBUGINFO_FETCHED;
		else
			object->debuginfo = DEBUGINFO_MISSING;
	}
}

bool symbolizer_await_debuginfo(struct symbolizer *symbolizer, uint64_t timeout_ns, uint64_t stall_ns,
				size_t *pending)
{
	*pending = symbolizer->fetcher != NULL ? debuginfo_fetcher_pending(symbolizer->fetcher) : 0;
	return *pending == 0 || debuginfo_fetcher_await(symbolizer->fetcher, timeout_ns) ||
	       debuginfo_fetcher_stalled(symbolizer->fetcher, stall_ns);
}

#define DEBUGINFO_NAMED 4 /* objects named per state in the comment; "..." for more */

/* The index-th object's file name into text at used, ", "-separated, for
 * the first DEBUGINFO_NAMED only. Returns the new used. */
static size_t list_object(char *text, size_t len, size_t used, size_t index, const char *path)
{
	const char *base = strrchr(path, '/');

	if (index < DEBUGINFO_NAMED)
		return used + (size_t)snprintf(text + used, used < len ? len - used : 0, "%s%s", index > 0 ? ", " : "",
					       base != NULL ? base + 1 : path);
	return used;
}

bool symbolizer_describe_debuginfo(const struct symbolizer *symbolizer, char *text, size_t len)
{
	static const char *const said[] = {
		[DEBUGINFO_FETCHED] = "found",
		[DEBUGINFO_PENDING] = "still pending, named from their symbol tables meanwhile",
		[DEBUGINFO_MISSING] = "found nowhere",
	};
	static const enum debuginfo_state order[] = {DEBUGINFO_FETCHED, DEBUGINFO_PENDING, DEBUGINFO_MISSING};
	size_t used = 0;

	if (symbolizer->fetcher == NULL)
		return false;
	used += (size_t)snprintf(text, len, "debug info from DEBUGINFOD_URLS, looked for in the background:");
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		size_t cursor = 0, count = 0, names_used = 0;
		struct hashmap_entry *entry;
		char names[512] = "";
		while ((entry = hashmap_next(symbolizer->objects, &cursor)) != NULL) {
			const struct cached_object *object = (const struct cached_object *)(uintptr_t)entry->value;
			if (object != NULL && object->debuginfo == order[k])
				names_used = list_object(names, sizeof(names), names_used, count++,
							 elf_object_path(object->names));
		}
		used += (size_t)snprintf(text + used, used < len ? len - used : 0, "%s %zu object%s %s%s%s%s",
					 k > 0 ? ";" : "", count, count == 1 ? "" : "s", said[order[k]],
					 count > 0 ? " (" : "", names, count > 0 ? (count > DEBUGINFO_NAMED ? ", ...)" : ")") : "");
	}
	return true;
}

struct cached_object *symbolizer_open_object(struct symbolizer *symbolizer, int fd, const char *path)
{
	Dwfl *dwfl = dwfl_begin(symbolizer->fetcher != NULL ? &local_dwfl_callbacks : &dwfl_callbacks);
	Dwfl_Module *module;

	if (dwfl == NULL) {
		close(fd);
		return NULL;
	}
	/* Reported at its link-time addresses (bias 0): one Dwfl per object
	 * lets every process that maps it share the work. */
	module = dwfl_report_elf(dwfl, path, path, fd, 0, true);
	dwfl_report_end(dwfl, NULL, NULL);
	if (module == NULL) {
		close(fd);
		dwfl_end(dwfl);
		return NULL;
	}

	char key[PATH_MAX + 128];
	size_t key_len = object_key(module, fd, path, key, sizeof(key));
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(symbolizer->objects, key, key_len, &added);
	if (entry == NULL || !added) {
		dwfl_end(dwfl);
		return entry != NULL ? (struct cached_object *)(uintptr_t)entry->value : NULL;
	}

	struct cached_object *object = calloc(1, sizeof(*object));
	if (object == NULL) {
		dwfl_end(dwfl);
		entry->value = 0;
		return NULL;
	}
	object->symbolizer = symbolizer;
	object->serial = ++symbolizer->serials;
	void **userdata;
	dwfl_module_info(module, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = object; /* for find_debug_copy, which reading the object's symbols may call */
	object->names = elf_object_new(dwfl, module, path, keep_debug_copy, object);
	if (object->names == NULL) {
		free(object);
		entry->value = 0;
		return NULL;
	}
	entry->value = (uintptr_t)object;
	ask_for_debuginfo(symbolizer, object, fd);
	return object;
}

static void idle_unlink(struct symbolizer *symbolizer, struct cached_object *object)
{
	if (object->idle_older != NULL)
		object->idle_older->idle_newer = object->idle_newer;
	else
		symbolizer->idle_oldest = object->idle_newer;
	if (object->idle_newer != NULL)
		object->idle_newer->idle_older = object->idle_older;
	else
		symbolizer->idle_newest = object->idle_older;
	object->idle_older = object->idle_newer = NULL;
	object->idle = false;
	symbolizer->n_idle--;
}

static bool not_dropping(const struct hashmap_entry *entry, void *ctx)
{
	const struct cached_object *object = (const struct cached_object *)(uintptr_t)entry->value;

	(void)ctx;
	return object == NULL || !object->dropping;
}

/* Frees the idle objects beyond the ones kept, oldest first; one whose
 * debug info is still being fetched waits for the answer (the fetcher
 * holds it). */
static void drop_idle_objects(struct symbolizer *symbolizer)
{
	size_t dropping = 0;

	for (struct cached_object *object = symbolizer->idle_oldest;
	     object != NULL && symbolizer->n_idle - dropping > IDLE_OBJECTS_KEPT; object = object->idle_newer)
		if (object->debuginfo != DEBUGINFO_PENDING) {
			object->dropping = true;
			dropping++;
		}
	bool filtered = dropping > 0 && hashmap_filter(symbolizer->objects, not_dropping, NULL) == 0;
	for (struct cached_object *object = symbolizer->idle_oldest, *next; object != NULL; object = next) {
		next = object->idle_newer;
		if (!object->dropping)
			continue;
		object->dropping = false;
		if (!filtered)
			continue; /* out of memory: kept until the next try */
		idle_unlink(symbolizer, object);
		cached_object_free(object);
		symbolizer->dropped++;
	}
}

void symbolizer_hold(struct symbolizer *symbolizer, struct cached_object *object)
{
	if (object != NULL && object->mappings++ == 0 && object->idle)
		idle_unlink(symbolizer, object);
}

/* The last mapping of an object gone, the object joins the idle list. */
void symbolizer_release(struct symbolizer *symbolizer, struct cached_object *object)
{
	if (object == NULL || --object->mappings > 0)
		return;
	object->idle = true;
	object->idle_older = symbolizer->idle_newest;
	if (symbolizer->idle_newest != NULL)
		symbolizer->idle_newest->idle_newer = object;
	else
		symbolizer->idle_oldest = object;
	symbolizer->idle_newest = object;
	symbolizer->n_idle++;
	if (symbolizer->n_idle > IDLE_OBJECTS_KEPT)
		drop_idle_objects(symbolizer);
}

int symbolize_kernel(struct symbolizer *symbolizer, uint64_t addr, struct symbolization *out)
{
	out->n_frames = 0;
	if (symbolizer->kernel_state == 0) {
		FILE *kallsyms = fopen("/proc/kallsyms", "re");
		symbolizer->kernel_state = kallsyms != NULL && kallsyms_load(&symbolizer->kernel, kallsyms) == 0 ? 1 : -1;
		if (kallsyms != NULL)
			fclose(kallsyms);
	}
	if (symbolizer->kernel_state < 0)
		return -1;
	const struct ksym *sym = kallsyms_find(&symbolizer->kernel, addr);
	if (sym != NULL) {
		out->frames[0] = (struct symbol_frame){
			.function = sym->name,
			.system_name = sym->name,
			.file = "",
			.decl_file = "",
		};
		out->n_frames = 1;
	}
	return 0;
}

struct elf_object *cached_object_names(const struct cached_object *object)
{
	return object->names;
}

uint64_t cached_object_serial(const struct cached_object *object)
{
	return object->serial;
}

void symbolizer_read_stats(const struct symbolizer *symbolizer, struct symbolizer_stats *stats)
{
	size_t cursor = 0;
	struct hashmap_entry *entry;

	*stats = (struct symbolizer_stats){
		.idle = symbolizer->n_idle,
		.dropped = symbolizer->dropped,
		.debug_copies_read = symbolizer->debug_copies_read,
		.debug_copies_written = symbolizer->debug_copies_written,
		.debug_copy_failures = symbolizer->debug_copy_failures,
	};
	while ((entry = hashmap_next(symbolizer->objects, &cursor)) != NULL)
		stats->objects += entry->value != 0;
}
