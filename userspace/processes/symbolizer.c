/*
 * symbolizer.c: elfutils' libdwfl turned into a cached address resolver.
 * Each object is reported to its own Dwfl at its link-time addresses, and a
 * process address is translated to that space through the object's PT_LOAD
 * segments; results are cached per object and address.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "cfi_check.h"
#include "debug_copy.h"
#include "debuginfo_fetcher.h"
#include "demangle.h"
#include "hashmap.h"
#include "kallsyms.h"
#include "symbolizer.h"
#include "table_cache.h"

struct load_segment {
	uint64_t offset, filesz, vaddr;
};

struct cached_result {
	uint32_t first_frame, n_frames;
};

/* A range of PLT stubs: entry i (after header bytes) jumps through the
 * slot of relocation i of .rela.plt, so it is named after that symbol. */
struct plt_range {
	uint64_t start, end, header;
};

/* The addresses one compilation unit covers. */
struct cu_range {
	uint64_t low, high;
	Dwarf_Off die; /* the unit's DIE */
};

/* Where an object's debug info stands, when servers are asked for it. */
enum debuginfo_state {
	DEBUGINFO_LOCAL,   /* found at attach, or never asked for */
	DEBUGINFO_PENDING, /* being looked for in the background */
	DEBUGINFO_FETCHED, /* found in the background and in use */
	DEBUGINFO_MISSING, /* found nowhere */
};

struct elf_object {
	struct symbolizer *symbolizer;
	const char *path;
	struct plt_range plt[2]; /* .plt and .plt.sec */
	const char **plt_names;  /* "symbol@plt" per .rela.plt entry */
	size_t n_plt_names;
	uint64_t *fde_starts; /* sorted link-time starts of the CFI's functions, read on first need */
	size_t n_fde_starts;
	bool fde_starts_read;
	bool cfi_checked, cfi_usable; /* cfi_check.h's verdict on the CFI, read on first need */
	struct cu_range *cu_ranges; /* sorted; for DWARF without .debug_aranges (Go's), read on first need */
	size_t n_cu_ranges;
	bool cu_ranges_read;
	char build_id[129];
	enum debuginfo_state debuginfo;
	Dwfl *dwfl;
	Dwfl_Module *module;
	struct load_segment *segments;
	size_t n_segments, cap_segments;
	bool has_symbols;
	enum { DWARF_UNKNOWN, DWARF_PRESENT, DWARF_ABSENT } dwarf; /* see object_has_dwarf() */
	bool debug_copy_used; /* its debug file is the cache's uncompressed copy */
	struct hashmap *cache; /* link-time address -> index into results */
	struct cached_result *results;
	size_t n_results, cap_results;
	struct symbol_frame *frames;
	size_t n_frames, cap_frames;
	struct hashmap *strings; /* the names and paths handed out for it: they go with it */
	uint64_t serial;         /* never reused, unlike the object's address */
	size_t mappings;         /* how many process images' mappings hold it */
	struct elf_object *idle_older, *idle_newer; /* the symbolizer's idle list, while no mapping holds it */
	bool idle, dropping;
};

struct symbolizer {
	struct hashmap *objects; /* build ID (or file identity) -> struct elf_object * */
	struct debuginfo_fetcher *fetcher; /* NULL when no debuginfod server is named */
	uint64_t serials;
	/* Objects no process maps any more, oldest first: kept a while for a
	 * dlopen that brings one back, then freed. */
	struct elf_object *idle_oldest, *idle_newest;
	size_t n_idle;
	uint64_t dropped;
	struct kallsyms kernel;
	int kernel_state; /* 0 not loaded yet, 1 loaded, -1 unavailable */
	struct table_cache *cache; /* for debug_copy.h; NULL when off or unusable (the unwinder says why) */
	uint64_t debug_copies_read, debug_copies_written, debug_copy_failures;
};

struct image_mapping {
	struct map_entry map; /* first, so a map_entry pointer leads back here */
	struct elf_object *object; /* NULL when the object could not be opened */
};

struct process_image {
	struct symbolizer *symbolizer;
	pid_t pid;
	char exe[PATH_MAX]; /* the executable's path as the process sees it */
	struct image_mapping *mappings; /* sorted by address */
	size_t n_mappings, cap_mappings;
};

#define DEBUGINFOD_TIMEOUT_DEFAULT "5" /* seconds */
#define IDLE_OBJECTS_KEPT 16 /* objects no process maps, kept for a dlopen that brings one back */
#define CACHED_ADDRESSES_MAX (64 * 1024) /* resolved addresses one object remembers */

static char *debuginfo_path;

/* The object's GNU build ID in hex into hex ("" when it has none). */
static void module_build_id(Dwfl_Module *module, char *hex, size_t size)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(module, &bits, &vaddr);

	hex[0] = '\0';
	for (int i = 0; i < n && (size_t)i * 2 + 2 < size; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
}

/* Before libdwfl looks anywhere else: the uncompressed copy the cache
 * keeps of the object's debug file (userdata: the struct elf_object, or
 * NULL for the fetcher's modules, which look only on servers). */
static int find_debug_copy(Dwfl_Module *module, void *userdata, char **debug_file)
{
	struct elf_object *object = userdata;
	char build_id[129];

	if (object == NULL || object->symbolizer->cache == NULL)
		return -1;
	module_build_id(module, build_id, sizeof(build_id));
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

/* Names live with the object that gave them, and go with it. */
static const char *intern(struct elf_object *object, const char *s)
{
	if (s == NULL)
		return "";
	struct hashmap_entry *entry = hashmap_upsert(object->strings, s, strlen(s) + 1, NULL);
	return entry != NULL ? entry->key : "";
}

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

static void elf_object_free(struct elf_object *object)
{
	free(object->plt_names);
	free(object->fde_starts);
	free(object->cu_ranges);
	dwfl_end(object->dwfl);
	hashmap_free(object->cache);
	free(object->segments);
	free(object->results);
	free(object->frames);
	hashmap_free(object->strings);
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
				elf_object_free((struct elf_object *)(uintptr_t)entry->value);
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

static int read_load_segments(struct elf_object *object)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(object->module, &bias);
	size_t n_phdrs;

	if (elf == NULL || elf_getphdrnum(elf, &n_phdrs) != 0)
		return -1;
	for (size_t i = 0; i < n_phdrs; i++) {
		GElf_Phdr phdr;
		if (gelf_getphdr(elf, (int)i, &phdr) == NULL || phdr.p_type != PT_LOAD)
			continue;
		struct load_segment *segment = ARRAY_PUSH(object->segments, object->n_segments, object->cap_segments);
		if (segment == NULL)
			return -1;
		*segment = (struct load_segment){.offset = phdr.p_offset, .filesz = phdr.p_filesz, .vaddr = phdr.p_vaddr};
	}
	return object->n_segments > 0 ? 0 : -1;
}

/* Names the PLT stubs from .rela.plt, as perf does ("printf@plt"): no
 * symbol table covers them. */
static void read_plt(struct elf_object *object)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(object->module, &bias);
	size_t shstrndx;
	Elf_Scn *rela = NULL;

	if (elf == NULL || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		const char *name = gelf_getshdr(scn, &shdr) != NULL ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
		if (name == NULL)
			continue;
		if (strcmp(name, ".rela.plt") == 0)
			rela = scn;
		else if (strcmp(name, ".plt") == 0) /* begins with the 16-byte resolver stub */
			object->plt[0] = (struct plt_range){shdr.sh_addr, shdr.sh_addr + shdr.sh_size, 16};
		else if (strcmp(name, ".plt.sec") == 0)
			object->plt[1] = (struct plt_range){shdr.sh_addr, shdr.sh_addr + shdr.sh_size, 0};
	}
	GElf_Shdr rela_shdr;
	if (rela == NULL || gelf_getshdr(rela, &rela_shdr) == NULL || rela_shdr.sh_entsize == 0)
		return;
	Elf_Data *data = elf_getdata(rela, NULL);
	Elf_Scn *symtab = elf_getscn(elf, rela_shdr.sh_link);
	GElf_Shdr symtab_shdr;
	Elf_Data *syms = symtab != NULL ? elf_getdata(symtab, NULL) : NULL;
	if (data == NULL || syms == NULL || gelf_getshdr(symtab, &symtab_shdr) == NULL)
		return;
	size_t n = rela_shdr.sh_size / rela_shdr.sh_entsize;
	object->plt_names = calloc(n, sizeof(*object->plt_names));
	if (object->plt_names == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *name = NULL;
		if (gelf_getrela(data, (int)i, &r) != NULL && gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym) != NULL)
			name = elf_strptr(elf, symtab_shdr.sh_link, sym.st_name);
		char plt_name[256];
		snprintf(plt_name, sizeof(plt_name), "%s@plt", name != NULL && name[0] != '\0' ? name : "unknown");
		object->plt_names[i] = intern(object, plt_name);
	}
	object->n_plt_names = n;
}

/* "symbol@plt" for an address in a PLT stub, or NULL. */
static const char *plt_name(const struct elf_object *object, uint64_t vaddr)
{
	for (size_t i = 0; i < 2; i++) {
		const struct plt_range *r = &object->plt[i];
		if (vaddr >= r->start + r->header && vaddr < r->end) {
			size_t entry = (vaddr - r->start - r->header) / 16;
			return entry < object->n_plt_names ? object->plt_names[entry] : NULL;
		}
	}
	return NULL;
}

static void describe_object(struct elf_object *object)
{
	module_build_id(object->module, object->build_id, sizeof(object->build_id));
	object->has_symbols = dwfl_module_getsymtab(object->module) > 0;
	object->dwarf = DWARF_UNKNOWN;
}

/* A separate debug file with compressed sections is copied to the cache
 * uncompressed (debug_copy.h), once: the next attach opens the copy. */
static void keep_debug_copy(struct elf_object *object)
{
	const char *main_file = NULL, *debug_file = NULL;
	struct symbolizer *symbolizer = object->symbolizer;

	if (symbolizer->cache == NULL || object->debug_copy_used || object->build_id[0] == '\0')
		return;
	dwfl_module_info(object->module, NULL, NULL, NULL, NULL, NULL, &main_file, &debug_file);
	if (debug_file == NULL || (main_file != NULL && strcmp(main_file, debug_file) == 0))
		return;
	Dwarf_Addr bias;
	Dwarf *dwarf = dwfl_module_getdwarf(object->module, &bias);
	int kept = debug_copy_store(symbolizer->cache, object->build_id, debug_file,
				    dwarf != NULL ? dwarf_getelf(dwarf) : NULL);
	symbolizer->debug_copies_written += kept > 0;
	symbolizer->debug_copy_failures += kept < 0;
}

/* Whether the object has DWARF, found out the first time it is asked:
 * that opens the debug file and inflates its compressed sections, most of
 * an attach's user time once its unwind tables come from the cache, and
 * needed only to name lines. */
static bool object_has_dwarf(struct elf_object *object)
{
	Dwarf_Addr bias;

	if (object->dwarf == DWARF_UNKNOWN) {
		object->dwarf = dwfl_module_getdwarf(object->module, &bias) != NULL ? DWARF_PRESENT : DWARF_ABSENT;
		if (object->dwarf == DWARF_PRESENT)
			keep_debug_copy(object);
	}
	return object->dwarf == DWARF_PRESENT;
}

/* An object the attach found no debug info for goes to the fetcher, which
 * can only look it up by build ID on a server. fd stays the Dwfl's. */
static void ask_for_debuginfo(struct symbolizer *symbolizer, struct elf_object *object, int fd)
{
	if (symbolizer->fetcher == NULL || object->build_id[0] == '\0' || object_has_dwarf(object))
		return;
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (copy >= 0 && debuginfo_fetcher_ask(symbolizer->fetcher, object, object->path, copy) == 0)
		object->debuginfo = DEBUGINFO_PENDING;
}

/* Empties the object's cache of resolved addresses; -1 when out of memory
 * (the cache is then kept). */
static int forget_resolved(struct elf_object *object)
{
	struct hashmap *cache = hashmap_new();

	if (cache == NULL)
		return -1;
	hashmap_free(object->cache);
	object->cache = cache;
	object->n_results = object->n_frames = 0;
	return 0;
}

/* The background search found the object's debug info: names come from
 * there from now on, and what was resolved without it is forgotten. */
static void adopt_debuginfo(struct elf_object *object, const struct debuginfo_found *found)
{
	if (forget_resolved(object) != 0) {
		dwfl_end(found->dwfl); /* out of memory: the symbol table stays */
		object->debuginfo = DEBUGINFO_MISSING;
		return;
	}
	dwfl_end(object->dwfl);
	object->dwfl = found->dwfl;
	object->module = found->module;
	free(object->fde_starts);
	object->fde_starts = NULL;
	object->n_fde_starts = 0;
	object->fde_starts_read = false;
	object->cfi_checked = false;
	free(object->cu_ranges);
	object->cu_ranges = NULL;
	object->n_cu_ranges = 0;
	object->cu_ranges_read = false;
	describe_object(object);
	object->debuginfo = DEBUGINFO_FETCHED;
}

void symbolizer_take_debuginfo(struct symbolizer *symbolizer)
{
	struct debuginfo_found found;

	while (symbolizer->fetcher != NULL && debuginfo_fetcher_take(symbolizer->fetcher, &found)) {
		struct elf_object *object = found.owner;
		if (found.dwfl != NULL)
			adopt_debuginfo(object, &found);
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
			const struct elf_object *object = (const struct elf_object *)(uintptr_t)entry->value;
			if (object != NULL && object->debuginfo == order[k])
				names_used = list_object(names, sizeof(names), names_used, count++, object->path);
		}
		used += (size_t)snprintf(text + used, used < len ? len - used : 0, "%s %zu object%s %s%s%s%s",
					 k > 0 ? ";" : "", count, count == 1 ? "" : "s", said[order[k]],
					 count > 0 ? " (" : "", names, count > 0 ? (count > DEBUGINFO_NAMED ? ", ...)" : ")") : "");
	}
	return true;
}

/* Takes ownership of fd. Returns the cached object for the same build ID
 * when there is one. */
static struct elf_object *object_from_fd(struct symbolizer *symbolizer, int fd, const char *path)
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
		return entry != NULL ? (struct elf_object *)(uintptr_t)entry->value : NULL;
	}

	struct elf_object *object = calloc(1, sizeof(*object));
	if (object == NULL || (object->cache = hashmap_new()) == NULL || (object->strings = hashmap_new()) == NULL) {
		if (object != NULL)
			hashmap_free(object->cache);
		free(object);
		dwfl_end(dwfl);
		entry->value = 0;
		return NULL;
	}
	object->symbolizer = symbolizer;
	object->path = intern(object, path);
	object->serial = ++symbolizer->serials;
	object->dwfl = dwfl;
	object->module = module;
	void **userdata;
	dwfl_module_info(module, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = object; /* for find_debug_copy */
	if (read_load_segments(object) != 0) {
		elf_object_free(object);
		entry->value = 0;
		return NULL;
	}
	describe_object(object);
	read_plt(object);
	entry->value = (uintptr_t)object;
	ask_for_debuginfo(symbolizer, object, fd);
	return object;
}

/* The vDSO is an ELF image the kernel maps into every process, with no
 * file behind it: copy the target's own from its memory into a memfd. */
static int open_vdso_copy(pid_t pid, const struct map_entry *map)
{
	char path[64];
	size_t size = map->end - map->start;
	unsigned char *image = size <= (1 << 20) ? malloc(size) : NULL;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int mem = image != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	int fd = mem >= 0 ? memfd_create("vdso", MFD_CLOEXEC) : -1;
	bool copied = fd >= 0 && pread(mem, image, size, (off_t)map->start) == (ssize_t)size &&
		      write(fd, image, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0;
	if (mem >= 0)
		close(mem);
	free(image);
	if (!copied && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A new descriptor for the file behind a mapping, or -1. map_files names
 * the very file mapped, even when it was deleted or replaced on disk
 * since; root/ sees the path as the process does. */
static int open_mapped_file(pid_t pid, const struct map_entry *map)
{
	char path[PATH_MAX];

	if (strcmp(map->path, "[vdso]") == 0)
		return open_vdso_copy(pid, map);
	if (map->path[0] != '/')
		return -1; /* other kernel-provided code ([vsyscall]) */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, map->start, map->end);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, map->path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	return fd;
}

static void idle_unlink(struct symbolizer *symbolizer, struct elf_object *object)
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
	const struct elf_object *object = (const struct elf_object *)(uintptr_t)entry->value;

	(void)ctx;
	return object == NULL || !object->dropping;
}

/* Frees the idle objects beyond the ones kept, oldest first; one whose
 * debug info is still being fetched waits for the answer (the fetcher
 * holds it). */
static void drop_idle_objects(struct symbolizer *symbolizer)
{
	size_t dropping = 0;

	for (struct elf_object *object = symbolizer->idle_oldest;
	     object != NULL && symbolizer->n_idle - dropping > IDLE_OBJECTS_KEPT; object = object->idle_newer)
		if (object->debuginfo != DEBUGINFO_PENDING) {
			object->dropping = true;
			dropping++;
		}
	bool filtered = dropping > 0 && hashmap_filter(symbolizer->objects, not_dropping, NULL) == 0;
	for (struct elf_object *object = symbolizer->idle_oldest, *next; object != NULL; object = next) {
		next = object->idle_newer;
		if (!object->dropping)
			continue;
		object->dropping = false;
		if (!filtered)
			continue; /* out of memory: kept until the next try */
		idle_unlink(symbolizer, object);
		elf_object_free(object);
		symbolizer->dropped++;
	}
}

static void object_hold(struct symbolizer *symbolizer, struct elf_object *object)
{
	if (object != NULL && object->mappings++ == 0 && object->idle)
		idle_unlink(symbolizer, object);
}

/* The last mapping of an object gone (dlclose, exec, a process image
 * freed), the object joins the idle list. */
static void object_release(struct symbolizer *symbolizer, struct elf_object *object)
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

static struct elf_object *open_mapped_object(struct symbolizer *symbolizer, pid_t pid, const struct map_entry *map)
{
	int fd = open_mapped_file(pid, map);

	return fd >= 0 ? object_from_fd(symbolizer, fd, map->path) : NULL;
}

static const struct image_mapping *find_image_mapping(const struct process_image *image, uint64_t addr)
{
	size_t low = 0, high = image->n_mappings;

	while (low < high) {
		size_t mid = low + (high - low) / 2;
		const struct image_mapping *m = &image->mappings[mid];
		if (addr < m->map.start)
			high = mid;
		else if (addr >= m->map.end)
			low = mid + 1;
		else
			return m;
	}
	return NULL;
}

static bool same_mapping(const struct map_entry *a, const struct map_entry *b)
{
	return a->start == b->start && a->end == b->end && a->offset == b->offset && a->inode == b->inode &&
	       strcmp(a->path, b->path) == 0;
}

/* Replaces the image's mappings with the current maps, reusing objects of
 * mappings that did not change. */
static int load_mappings(struct process_image *image)
{
	struct map_list maps = {0};
	struct image_mapping *fresh = NULL;

	if (map_list_read(image->pid, &maps) != 0)
		return -1;
	if (maps.count > 0 && (fresh = calloc(maps.count, sizeof(*fresh))) == NULL) {
		map_list_free(&maps);
		return -1;
	}
	for (size_t i = 0; i < maps.count; i++) {
		const struct image_mapping *old = find_image_mapping(image, maps.entries[i].start);
		fresh[i].map = maps.entries[i];
		fresh[i].object = old != NULL && same_mapping(&old->map, &maps.entries[i])
					  ? old->object
					  : open_mapped_object(image->symbolizer, image->pid, &maps.entries[i]);
		object_hold(image->symbolizer, fresh[i].object);
	}
	/* Only now: an object still mapped is never idle in between. */
	for (size_t i = 0; i < image->n_mappings; i++)
		object_release(image->symbolizer, image->mappings[i].object);
	free(image->mappings);
	image->mappings = fresh;
	image->n_mappings = image->cap_mappings = maps.count;
	map_list_free(&maps);
	return 0;
}

static void read_exe_path(pid_t pid, char *exe, size_t len)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(link, exe, len - 1);
	exe[n > 0 ? n : 0] = '\0';
	strip_deleted_suffix(exe);
}

struct process_image *process_image_open(struct symbolizer *symbolizer, pid_t pid, char *err, size_t err_len)
{
	struct process_image *image = calloc(1, sizeof(*image));

	if (image == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	image->symbolizer = symbolizer;
	image->pid = pid;
	read_exe_path(pid, image->exe, sizeof(image->exe));
	if (load_mappings(image) != 0) {
		snprintf(err, err_len, "cannot read /proc/%d/maps: %s", (int)pid, strerror(errno));
		free(image);
		return NULL;
	}
	return image;
}

struct process_image *process_image_fork(const struct process_image *parent, pid_t pid)
{
	struct process_image *image = malloc(sizeof(*image));

	if (image == NULL)
		return NULL;
	*image = *parent;
	image->pid = pid;
	image->mappings = malloc((parent->n_mappings > 0 ? parent->n_mappings : 1) * sizeof(*image->mappings));
	if (image->mappings == NULL) {
		free(image);
		return NULL;
	}
	/* The objects are the symbolizer's, shared by every image. */
	memcpy(image->mappings, parent->mappings, parent->n_mappings * sizeof(*image->mappings));
	image->cap_mappings = parent->n_mappings;
	for (size_t i = 0; i < image->n_mappings; i++)
		object_hold(image->symbolizer, image->mappings[i].object);
	return image;
}

int process_image_refresh(struct process_image *image)
{
	return load_mappings(image);
}

void process_image_free(struct process_image *image)
{
	if (image == NULL)
		return;
	for (size_t i = 0; i < image->n_mappings; i++)
		object_release(image->symbolizer, image->mappings[i].object);
	free(image->mappings);
	free(image);
}

const struct map_entry *process_image_main_mapping(const struct process_image *image)
{
	for (size_t i = 0; i < image->n_mappings; i++)
		if (strcmp(image->mappings[i].map.path, image->exe) == 0)
			return &image->mappings[i].map;
	return image->n_mappings > 0 ? &image->mappings[0].map : NULL;
}

size_t process_image_count(const struct process_image *image)
{
	return image->n_mappings;
}

const struct map_entry *process_image_mapping_at(const struct process_image *image, size_t index)
{
	return index < image->n_mappings ? &image->mappings[index].map : NULL;
}

const struct map_entry *process_image_mapping(const struct process_image *image, uint64_t addr)
{
	const struct image_mapping *m = find_image_mapping(image, addr);

	return m != NULL ? &m->map : NULL;
}

void process_image_object_info(const struct process_image *image, const struct map_entry *mapping,
			       struct object_info *info)
{
	const struct elf_object *object = ((const struct image_mapping *)mapping)->object;
	(void)image;

	*info = (struct object_info){
		.path = mapping->path,
		.build_id = object != NULL ? object->build_id : "",
		.has_symbols = object != NULL && object->has_symbols,
		.identity = object,
		.serial = object != NULL ? object->serial : 0,
	};
}

bool process_image_object_has_dwarf(const struct process_image *image, const struct map_entry *mapping)
{
	struct elf_object *object = ((const struct image_mapping *)mapping)->object;
	(void)image;

	return object != NULL && object_has_dwarf(object);
}

/* The address in the object's link-time space, through the PT_LOAD that
 * maps the same file offset. */
static bool link_time_address(const struct elf_object *object, const struct map_entry *map, uint64_t addr,
			      uint64_t *vaddr)
{
	uint64_t file_offset = addr - map->start + map->offset;

	for (size_t i = 0; i < object->n_segments; i++) {
		const struct load_segment *s = &object->segments[i];
		if (file_offset >= s->offset && file_offset < s->offset + s->filesz) {
			*vaddr = file_offset - s->offset + s->vaddr;
			return true;
		}
	}
	return false;
}

static const char *attr_string(Dwarf_Die *die, int name)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

/* Source paths may be relative to the compilation directory; pprof's
 * `list` wants them absolute. */
static const char *absolute_path(struct elf_object *object, const char *comp_dir, const char *file)
{
	char joined[PATH_MAX];

	if (file == NULL || file[0] == '/' || comp_dir == NULL || comp_dir[0] == '\0')
		return intern(object, file);
	snprintf(joined, sizeof(joined), "%s/%s", comp_dir, file);
	return intern(object, joined);
}

/* Fills a frame's function names from a subprogram or inlined-subroutine
 * DIE, following abstract origins and specifications. */
static bool name_function(struct elf_object *object, Dwarf_Die *die, const char *comp_dir,
			  struct symbol_frame *frame)
{
	const char *linkage = attr_string(die, DW_AT_linkage_name);
	const char *name = attr_string(die, DW_AT_name);

	if (linkage == NULL)
		linkage = attr_string(die, DW_AT_MIPS_linkage_name);
	if (name == NULL && linkage == NULL)
		return false;
	char *demangled = linkage != NULL ? demangle(linkage) : NULL;
	frame->system_name = intern(object, linkage != NULL ? linkage : name);
	frame->function = intern(object, demangled != NULL ? demangled : name != NULL ? name : linkage);
	free(demangled);

	int decl_line = 0;
	frame->decl_file = absolute_path(object, comp_dir, dwarf_decl_file(die));
	dwarf_decl_line(die, &decl_line);
	frame->start_line = decl_line;
	return true;
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inlined)
{
	Dwarf_Attribute attr;
	Dwarf_Word index;
	Dwarf_Files *files;
	size_t n_files;

	if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &index) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &n_files) != 0 || index >= n_files)
		return NULL;
	return dwarf_filesrc(files, index, NULL, NULL);
}

static bool is_function(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

static int by_low(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->low < y->low ? -1 : x->low > y->low;
}

/* Every unit's ranges, from the units themselves: libdw finds a unit by
 * .debug_aranges, which Go's linker does not write. */
static void read_cu_ranges(struct elf_object *object)
{
	Dwarf_Addr bias;
	Dwarf *dwarf = dwfl_module_getdwarf(object->module, &bias);
	Dwarf_Off offset = 0, next;
	size_t header, cap = 0;

	object->cu_ranges_read = true;
	while (dwarf != NULL && dwarf_nextcu(dwarf, offset, &next, &header, NULL, NULL, NULL) == 0) {
		Dwarf_Die unit;
		Dwarf_Addr base, low, high;
		if (dwarf_offdie(dwarf, offset + header, &unit) != NULL)
			for (ptrdiff_t at = 0; (at = dwarf_ranges(&unit, at, &base, &low, &high)) > 0;) {
				struct cu_range *range = ARRAY_PUSH(object->cu_ranges, object->n_cu_ranges, cap);
				if (range == NULL)
					break;
				*range = (struct cu_range){.low = low, .high = high, .die = offset + header};
			}
		offset = next;
	}
	if (object->n_cu_ranges > 0)
		qsort(object->cu_ranges, object->n_cu_ranges, sizeof(*object->cu_ranges), by_low);
}

/* The compilation unit holding vaddr, into storage; NULL when none does. */
static Dwarf_Die *unit_at(struct elf_object *object, uint64_t vaddr, Dwarf_Die *storage, Dwarf_Addr *bias)
{
	Dwarf_Die *unit = dwfl_module_addrdie(object->module, vaddr, bias);

	if (unit != NULL || !object_has_dwarf(object))
		return unit;
	if (!object->cu_ranges_read)
		read_cu_ranges(object);
	Dwarf *dwarf = dwfl_module_getdwarf(object->module, bias);
	size_t low = 0, high = object->n_cu_ranges;
	while (low < high) { /* the last range starting at or below vaddr */
		size_t mid = low + (high - low) / 2;
		if (object->cu_ranges[mid].low <= vaddr - *bias)
			low = mid + 1;
		else
			high = mid;
	}
	/* Ranges of different units do not overlap: the one below is the only candidate. */
	if (low == 0 || vaddr - *bias >= object->cu_ranges[low - 1].high || dwarf == NULL)
		return NULL;
	return dwarf_offdie(dwarf, object->cu_ranges[low - 1].die, storage);
}

#define SCOPE_MAX_DEPTH 64

/* The scopes holding pc, innermost first, found by descending from the
 * unit through the DIEs whose ranges hold it: for units dwarf_getscopes
 * finds nothing in (Go's, whose inlined subroutines it does not follow).
 * A malloc'd array and its length (0: none). */
static int descend_to(Dwarf_Die *unit, uint64_t pc, Dwarf_Die **chain)
{
	Dwarf_Die path[SCOPE_MAX_DEPTH], parent = *unit, child;
	int depth = 0;

	*chain = NULL;
	while (depth < SCOPE_MAX_DEPTH && dwarf_child(&parent, &child) == 0) {
		bool found = false;
		do {
			int tag = dwarf_tag(&child);
			if ((tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
			     tag == DW_TAG_lexical_block) &&
			    dwarf_haspc(&child, pc) > 0) {
				path[depth++] = parent = child;
				found = true;
			}
		} while (!found && dwarf_siblingof(&child, &child) == 0);
		if (!found)
			break;
	}
	if (depth == 0 || (*chain = malloc((size_t)depth * sizeof(**chain))) == NULL)
		return 0;
	for (int i = 0; i < depth; i++)
		(*chain)[i] = path[depth - 1 - i];
	return depth;
}

/* The chain of functions at vaddr, innermost first: each inlined call
 * gets a frame whose line is where its callee was called. */
static size_t resolve_inlined_frames(struct elf_object *object, uint64_t vaddr,
				     const char *file, int line, struct symbol_frame *out, size_t max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die storage;
	Dwarf_Die *cu = unit_at(object, vaddr, &storage, &bias);
	Dwarf_Die *scopes = NULL, *chain = NULL;
	size_t n = 0;

	if (cu == NULL)
		return 0;
	const char *comp_dir = attr_string(cu, DW_AT_comp_dir);
	int n_scopes = dwarf_getscopes(cu, vaddr - bias, &scopes);
	int innermost = 0;
	while (innermost < n_scopes && !is_function(&scopes[innermost]))
		innermost++;
	/* dwarf_getscopes continues an inlined subroutine with its abstract
	 * definition's scopes; the concrete callers come from the DIE's own
	 * containing scopes. */
	int n_chain = innermost < n_scopes ? dwarf_getscopes_die(&scopes[innermost], &chain)
					   : descend_to(cu, vaddr - bias, &chain);
	for (int i = 0; i < n_chain && n < max; i++) {
		if (!is_function(&chain[i]))
			continue;
		struct symbol_frame *frame = &out[n];
		if (!name_function(object, &chain[i], comp_dir, frame))
			continue;
		frame->file = absolute_path(object, comp_dir, file);
		frame->line = line;
		n++;
		if (dwarf_tag(&chain[i]) == DW_TAG_subprogram)
			break;
		Dwarf_Attribute attr;
		Dwarf_Word call_line = 0;
		dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &attr), &call_line);
		file = call_file(cu, &chain[i]);
		line = (int)call_line;
	}
	free(chain);
	free(scopes);
	return n;
}

/* Reads the function starts of .eh_frame_hdr's search table, in the
 * encoding every linker writes (pc-relative pointer, 4-byte count,
 * table of 4-byte offsets from the section). */
static void read_fde_starts(struct elf_object *object)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(object->module, &bias);
	size_t shstrndx;

	object->fde_starts_read = true;
	if (elf == NULL || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
		GElf_Shdr shdr;
		const char *name = gelf_getshdr(scn, &shdr) != NULL ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
		if (name == NULL || strcmp(name, ".eh_frame_hdr") != 0)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		const unsigned char *hdr = data != NULL ? data->d_buf : NULL;
		uint32_t count;
		if (hdr == NULL || data->d_size < 12 || hdr[0] != 1 || hdr[1] != (DW_EH_PE_pcrel | DW_EH_PE_sdata4) ||
		    hdr[2] != DW_EH_PE_udata4 || hdr[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
			return;
		memcpy(&count, hdr + 8, sizeof(count));
		if ((data->d_size - 12) / 8 < count || (object->fde_starts = calloc(count, sizeof(uint64_t))) == NULL)
			return;
		for (uint32_t i = 0; i < count; i++) {
			int32_t start;
			memcpy(&start, hdr + 12 + (size_t)i * 8, sizeof(start));
			object->fde_starts[i] = shdr.sh_addr + (uint64_t)(int64_t)start;
		}
		object->n_fde_starts = count;
		return;
	}
}

/* For code no symbol names (static functions of a stripped object,
 * hand-written assembly): "object+0xSTART" after the start of the function
 * its CFI describes, so its addresses add up to one function, or the
 * signal trampoline, which glibc does not export. false when no CFI
 * covers vaddr. */
static bool name_by_cfi(struct elf_object *object, uint64_t vaddr,
			struct symbol_frame *out)
{
	Dwarf_Addr bias, from, to;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(object->module, &bias);
	Dwarf_Frame *frame;
	bool signal_frame;

	if (!object->cfi_checked) {
		GElf_Addr elf_bias;
		Elf *elf = dwfl_module_getelf(object->module, &elf_bias);
		uint64_t reg;
		object->cfi_usable = elf != NULL && cfi_plausible(elf, &reg);
		object->cfi_checked = true;
	}
	if (cfi == NULL || !object->cfi_usable || dwarf_cfi_addrframe(cfi, vaddr, &frame) != 0)
		return false;
	dwarf_frame_info(frame, &from, &to, &signal_frame);
	free(frame);
	if (!object->fde_starts_read)
		read_fde_starts(object);
	size_t low = 0, high = object->n_fde_starts;
	while (high - low > 1) { /* the last function starting at or below vaddr */
		size_t mid = low + (high - low) / 2;
		if (object->fde_starts[mid] <= vaddr)
			low = mid;
		else
			high = mid;
	}
	char name[PATH_MAX + 32];
	const char *base = strrchr(object->path, '/');
	if (signal_frame)
		snprintf(name, sizeof(name), "[signal trampoline]");
	else if (object->n_fde_starts > 0 && object->fde_starts[low] <= vaddr)
		snprintf(name, sizeof(name), "%s+0x%" PRIx64, base != NULL ? base + 1 : object->path,
			 object->fde_starts[low]);
	else
		return false;
	*out = (struct symbol_frame){
		.function = intern(object, name),
		.system_name = intern(object, name),
		.file = "",
		.decl_file = "",
	};
	return true;
}

static size_t resolve_uncached(struct elf_object *object, uint64_t vaddr,
			       struct symbol_frame *out, size_t max)
{
	bool dwarf = object_has_dwarf(object);
	Dwfl_Line *line_record = dwarf ? dwfl_module_getsrc(object->module, vaddr) : NULL;
	const char *file = NULL;
	int line = 0;

	if (line_record != NULL) {
		file = dwfl_lineinfo(line_record, NULL, &line, NULL, NULL, NULL);
		file = absolute_path(object, dwfl_line_comp_dir(line_record), file);
	} else if (dwarf) {
		/* The unit by its own ranges, where libdw's lookup needs aranges. */
		Dwarf_Die storage, *unit;
		Dwarf_Addr bias = 0;
		Dwarf_Line *source = (unit = unit_at(object, vaddr, &storage, &bias)) != NULL
					     ? dwarf_getsrc_die(unit, vaddr - bias)
					     : NULL;
		if (source != NULL && dwarf_lineno(source, &line) == 0)
			file = absolute_path(object, attr_string(unit, DW_AT_comp_dir), dwarf_linesrc(source, NULL, NULL));
	}
	size_t n = resolve_inlined_frames(object, vaddr, file, line, out, max);
	if (n > 0)
		return n;

	const char *stub = plt_name(object, vaddr);
	if (stub != NULL) {
		out[0] = (struct symbol_frame){.function = stub, .system_name = stub, .file = "", .decl_file = ""};
		return 1;
	}
	/* No DWARF for this address: the symbol table (.symtab, or .dynsym
	 * in a stripped object) still names the function. */
	GElf_Off offset;
	GElf_Sym sym;
	const char *symbol = dwfl_module_addrinfo(object->module, vaddr, &offset, &sym, NULL, NULL, NULL);
	if (symbol == NULL)
		return name_by_cfi(object, vaddr, &out[0]) ? 1 : 0;
	char *demangled = demangle(symbol);
	out[0] = (struct symbol_frame){
		.function = intern(object, demangled != NULL ? demangled : symbol),
		.system_name = intern(object, symbol),
		.file = intern(object, file),
		.line = line,
		.decl_file = "",
	};
	free(demangled);
	return 1;
}

static void resolve_in_object(struct elf_object *object, uint64_t vaddr,
			      struct symbolization *out)
{
	struct hashmap_entry *entry = hashmap_find(object->cache, &vaddr, sizeof(vaddr));

	if (entry != NULL) {
		const struct cached_result *cached = &object->results[entry->value];
		out->n_frames = cached->n_frames;
		if (cached->n_frames > 0)
			memcpy(out->frames, object->frames + cached->first_frame,
			       cached->n_frames * sizeof(out->frames[0]));
		return;
	}
	out->n_frames = resolve_uncached(object, vaddr, out->frames, SYMBOL_MAX_FRAMES);
	/* A long-lived agent on a big program meets ever new addresses: the
	 * cache starts over rather than grow without end (its names stay). */
	if (object->n_results >= CACHED_ADDRESSES_MAX)
		forget_resolved(object);
	if (array_reserve((void **)&object->frames, &object->cap_frames, object->n_frames + out->n_frames,
			  sizeof(*object->frames)) != 0 ||
	    (entry = hashmap_upsert(object->cache, &vaddr, sizeof(vaddr), NULL)) == NULL)
		return;
	struct cached_result *cached = ARRAY_PUSH(object->results, object->n_results, object->cap_results);
	if (cached == NULL)
		return;
	cached->first_frame = (uint32_t)object->n_frames;
	cached->n_frames = (uint32_t)out->n_frames;
	if (out->n_frames > 0) /* frames may still be NULL when nothing resolved yet */
		memcpy(object->frames + object->n_frames, out->frames, out->n_frames * sizeof(out->frames[0]));
	object->n_frames += out->n_frames;
	entry->value = object->n_results - 1;
}

const struct map_entry *symbolize_user(struct process_image *image, uint64_t addr, struct symbolization *out)
{
	const struct image_mapping *m = find_image_mapping(image, addr);
	uint64_t vaddr;

	out->n_frames = 0;
	if (m == NULL)
		return NULL;
	if (m->object != NULL && link_time_address(m->object, &m->map, addr, &vaddr))
		resolve_in_object(m->object, vaddr, out);
	return &m->map;
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

int process_image_open_object(const struct process_image *image, const struct map_entry *mapping)
{
	return open_mapped_file(image->pid, mapping);
}

bool process_image_load_bias(const struct process_image *image, const struct map_entry *mapping, uint64_t *bias)
{
	const struct elf_object *object = ((const struct image_mapping *)mapping)->object;
	uint64_t length = mapping->end - mapping->start;
	(void)image;

	if (object == NULL)
		return false;
	/* The PT_LOAD whose file bytes the mapping shows; the mapping may
	 * begin up to a page before the segment's first byte. */
	for (size_t i = 0; i < object->n_segments; i++) {
		const struct load_segment *s = &object->segments[i];
		if (s->offset < mapping->offset + length && mapping->offset < s->offset + s->filesz) {
			*bias = mapping->start - mapping->offset + s->offset - s->vaddr;
			return true;
		}
	}
	return false;
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
