/*
 * unwinder.c: unwind tables from build to BPF map. Every object's rows go
 * once into one array map, where the object owns a contiguous range while
 * any process entry lists it; a process's entry lists its mappings with
 * the range and load bias of each. An object no entry lists any more (a
 * library dlclose'd, a program exec'd away) gives its range back, and a
 * few such tables stay built in memory for a dlopen that brings one back.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array.h"
#include "unwind_mode.h"
#include "clock.h"
#include "hashmap.h"
#include "go_runtime.h"
#include "range_pool.h"
#include "table_cache.h"
#include "unwind_table.h"
#include "unwinder.h"

/* Room left for code mapped after attach: as many rows again as the
 * target maps at first, and at least this many (libcrypto has ~86k). */
#define SPARE_ROWS_MIN (128 * 1024)
#define SPARE_PAGES_MIN (16 * 1024) /* page-index entries: one per 4 KiB of code */
#define IDLE_TABLES_KEPT 16 /* built tables no process lists, kept for a dlopen that brings one back */

/* An object's table and where its rows are in the map. */
struct object_table {
	struct unwind_table table;
	uint64_t serial;     /* the symbolizer's number for the object; 0: unreadable code */
	uint32_t users;      /* mappings in process entries that list it */
	uint64_t idle_since; /* the unwinder's load count when users fell to 0 */
	uint32_t first_row;
	uint32_t first_page; /* valid when has_pages */
	bool has_pages;      /* its page index is in the map too */
	bool built;  /* table holds rows (false: no CFI, unreadable) */
	bool loaded; /* rows are in the map */
	bool is_go;  /* a Go executable: go holds its runtime's layout */
	struct go_runtime go;
};

/* The tables a slot's entry lists, one per mapping. */
struct slot_tables {
	struct object_table **tables;
	size_t count;
};

struct unwinder {
	enum unwind_mode mode;
	struct hashmap *objects; /* object serial -> struct object_table * */
	int rows_fd, pages_fd, slots_fd, processes_fd, row_cache_fd;
	pid_t *slot_owner; /* 0: a free slot */
	struct slot_tables *slot_tables;
	uint32_t n_slots;  /* processes unwound at once */
	/* Ranges given up are retired until the next load: a walker may be
	 * reading an entry that still names them. */
	struct range_pool rows, pages;
	uint64_t loads;
	uint64_t tables_dropped;
	uint64_t build_ns;
	struct unwind_process *process; /* scratch for one process's entry (16 KiB) */
	size_t objects_without;         /* in the last process loaded */
	struct table_cache *cache;      /* NULL: off, cache_off says why */
	char cache_off[160];
	uint64_t tables_from_cache, tables_cached, cache_failures;
};

const char *unwind_end_name(enum unwind_end end)
{
	static const char *const names[UNWIND_END_MAX] = {
		[UNWIND_END_ROOT] = "reached the thread's root",
		[UNWIND_END_NO_RULE] = "no unwind rule",
		[UNWIND_END_UNKNOWN_PC] = "pc outside known code",
		[UNWIND_END_DEPTH] = "depth limit",
		[UNWIND_END_READ_FAULT] = "stack unreadable",
		[UNWIND_END_BAD_FRAME] = "bad frame",
		[UNWIND_END_FP] = "frame-pointer walk",
	};
	return (size_t)end < UNWIND_END_MAX ? names[end] : "?";
}

/* The processes' maps do not depend on the tables' sizes: they exist from
 * the start, so that programs loaded before any table (the process
 * tracker) share them. */
static int create_process_maps(struct unwinder *unwinder)
{
	/* Room for a forked child's borrowed entry beside every owner's. */
	unwinder->slots_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "unwind_slots", sizeof(uint32_t),
					    sizeof(struct unwind_slot), 2 * unwinder->n_slots, NULL);
	unwinder->processes_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "unwind_process", sizeof(uint32_t),
						sizeof(struct unwind_process), unwinder->n_slots, NULL);
	int n_cpus = libbpf_num_possible_cpus();
	if (n_cpus <= 0)
		return -1;
	unwinder->row_cache_fd =
		bpf_map_create(BPF_MAP_TYPE_ARRAY, "unwind_row_cach", sizeof(uint32_t),
			       sizeof(struct unwind_cached_row), (uint32_t)n_cpus * UNWIND_ROW_CACHE, NULL);
	return unwinder->slots_fd >= 0 && unwinder->processes_fd >= 0 && unwinder->row_cache_fd >= 0 ? 0 : -1;
}

static void open_table_cache(struct unwinder *unwinder)
{
	const char *dir = table_cache_default_dir();

	if (unwinder->mode == UNWIND_MODE_FP)
		return;
	if (dir == NULL)
		snprintf(unwinder->cache_off, sizeof(unwinder->cache_off), "BPFPROF_CACHE_DIR=off");
	else if (dir[0] == '\0')
		snprintf(unwinder->cache_off, sizeof(unwinder->cache_off), "no HOME, XDG_CACHE_HOME or BPFPROF_CACHE_DIR");
	else
		unwinder->cache = table_cache_open(dir, table_cache_own_build_id(), unwinder->cache_off,
						   sizeof(unwinder->cache_off));
}

struct unwinder *unwinder_new(enum unwind_mode mode, uint32_t max_processes)
{
	struct unwinder *unwinder = calloc(1, sizeof(*unwinder));

	if (unwinder == NULL)
		return NULL;
	unwinder->mode = mode;
	unwinder->n_slots = max_processes > 0 ? max_processes : 1;
	unwinder->slot_owner = calloc(unwinder->n_slots, sizeof(*unwinder->slot_owner));
	unwinder->slot_tables = calloc(unwinder->n_slots, sizeof(*unwinder->slot_tables));
	unwinder->rows_fd = unwinder->pages_fd = unwinder->slots_fd = unwinder->processes_fd = unwinder->row_cache_fd =
		-1;
	unwinder->objects = hashmap_new();
	unwinder->process = calloc(1, sizeof(*unwinder->process));
	open_table_cache(unwinder);
	if (unwinder->objects == NULL || unwinder->process == NULL || unwinder->slot_owner == NULL ||
	    unwinder->slot_tables == NULL ||
	    (mode != UNWIND_MODE_FP && create_process_maps(unwinder) != 0)) {
		int saved = errno;
		unwinder_free(unwinder);
		errno = saved;
		return NULL;
	}
	return unwinder;
}

void unwinder_free(struct unwinder *unwinder)
{
	if (unwinder == NULL)
		return;
	if (unwinder->objects != NULL) {
		size_t cursor = 0;
		struct hashmap_entry *entry;
		while ((entry = hashmap_next(unwinder->objects, &cursor)) != NULL) {
			struct object_table *object = (struct object_table *)(uintptr_t)entry->value;
			if (object != NULL)
				unwind_table_free(&object->table);
			free(object);
		}
		hashmap_free(unwinder->objects);
	}
	if (unwinder->rows_fd >= 0)
		close(unwinder->rows_fd);
	if (unwinder->pages_fd >= 0)
		close(unwinder->pages_fd);
	if (unwinder->slots_fd >= 0)
		close(unwinder->slots_fd);
	if (unwinder->processes_fd >= 0)
		close(unwinder->processes_fd);
	if (unwinder->row_cache_fd >= 0)
		close(unwinder->row_cache_fd);
	for (uint32_t slot = 0; unwinder->slot_tables != NULL && slot < unwinder->n_slots; slot++)
		free(unwinder->slot_tables[slot].tables);
	free(unwinder->slot_tables);
	range_pool_free(&unwinder->rows);
	range_pool_free(&unwinder->pages);
	table_cache_close(unwinder->cache);
	free(unwinder->process);
	free(unwinder->slot_owner);
	free(unwinder);
}

enum unwind_mode unwinder_mode(const struct unwinder *unwinder)
{
	return unwinder->mode;
}

/* The table of the object open on fd: from the cache when it holds one
 * for the build ID, else compiled and kept there. */
static bool build_table(struct unwinder *unwinder, int fd, const char *build_id, struct unwind_table *table)
{
	char err[200];

	if (table_cache_load(unwinder->cache, build_id, table)) {
		unwinder->tables_from_cache++;
		return true;
	}
	if (unwind_table_build(fd, table, err, sizeof(err)) != 0)
		return false;
	if (unwinder->cache != NULL && build_id[0] != '\0') {
		if (table_cache_store(unwinder->cache, build_id, table) == 0)
			unwinder->tables_cached++;
		else
			unwinder->cache_failures++;
	}
	return true;
}

/* The table of the object behind a mapping, built the first time any
 * process maps it (objects are told apart as the symbolizer tells them);
 * NULL when out of memory. */
static struct object_table *object_table_for(struct unwinder *unwinder, struct process_image *image,
					     const struct map_entry *map)
{
	struct object_info info;

	process_image_object_info(image, map, &info);
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(unwinder->objects, &info.serial, sizeof(info.serial), &added);
	if (entry == NULL)
		return NULL;
	if (!added)
		return (struct object_table *)(uintptr_t)entry->value;
	struct object_table *object = calloc(1, sizeof(*object));
	if (object == NULL)
		return NULL;
	entry->value = (uintptr_t)object;
	object->serial = info.serial;
	if (info.serial == 0) /* an object nothing could read (anonymous code, [vsyscall]) */
		return object;

	int fd = process_image_open_object(image, map);
	uint64_t started = monotonic_ns();
	object->built = fd >= 0 && build_table(unwinder, fd, info.build_id, &object->table) && object->table.n_rows > 0;
	object->is_go = fd >= 0 && go_runtime_read(fd, &object->go) == 0;
	unwinder->build_ns += monotonic_ns() - started;
	if (fd >= 0)
		close(fd);
	return object;
}

/* What is needed now, plus as much again (at least spare) for later code. */
static uint32_t capacity_for(uint64_t needed, uint64_t spare)
{
	uint64_t capacity = needed + (needed > spare ? needed : spare);

	return capacity < UINT32_MAX / 2 ? (uint32_t)capacity : UINT32_MAX / 2;
}

static int create_maps(struct unwinder *unwinder, uint64_t rows_needed, uint64_t pages_needed, char *err,
		       size_t err_len)
{
	range_pool_init(&unwinder->rows, capacity_for(rows_needed, SPARE_ROWS_MIN));
	range_pool_init(&unwinder->pages, capacity_for(pages_needed, SPARE_PAGES_MIN));
	unwinder->rows_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "unwind_rows", sizeof(uint32_t),
					   sizeof(struct unwind_entry), unwinder->rows.capacity, NULL);
	unwinder->pages_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "unwind_pages", sizeof(uint32_t), sizeof(uint32_t),
					    unwinder->pages.capacity, NULL);
	if (unwinder->rows_fd < 0 || unwinder->pages_fd < 0) {
		snprintf(err, err_len, "cannot create the unwind table maps (%u rows): %s", unwinder->rows.capacity,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes n values into an array map at a range taken from pool; false
 * when they do not fit. */
static bool write_to_map(int fd, struct range_pool *pool, const void *values, size_t n, uint32_t *first)
{
	if (n > UINT32_MAX || !range_pool_take(pool, (uint32_t)n, first))
		return false;
	uint32_t *keys = malloc((n > 0 ? n : 1) * sizeof(*keys));
	uint32_t count = (uint32_t)n;
	for (size_t i = 0; keys != NULL && i < n; i++)
		keys[i] = *first + (uint32_t)i;
	bool written = keys != NULL && (n == 0 || (bpf_map_update_batch(fd, keys, values, &count, NULL) == 0 &&
						   count == n));
	free(keys);
	if (!written)
		range_pool_give(pool, (struct range){*first, (uint32_t)n});
	return written;
}

/* Copies an object's rows (and its page index, where there is room) into
 * the maps; false when the rows do not fit: the object is then walked by
 * frame pointers. */
static bool load_rows(struct unwinder *unwinder, struct object_table *object)
{
	if (!write_to_map(unwinder->rows_fd, &unwinder->rows, object->table.rows, object->table.n_rows,
			  &object->first_row))
		return false;
	object->loaded = true;
	object->has_pages = write_to_map(unwinder->pages_fd, &unwinder->pages, object->table.pages,
					 object->table.n_pages, &object->first_page);
	return true;
}

/* No entry lists the object any more: its ranges go back (a load later)
 * and its table waits among the idle ones. */
static void unload_rows(struct unwinder *unwinder, struct object_table *object)
{
	if (object->loaded)
		range_pool_retire(&unwinder->rows, (struct range){object->first_row, (uint32_t)object->table.n_rows});
	if (object->loaded && object->has_pages)
		range_pool_retire(&unwinder->pages,
				  (struct range){object->first_page, (uint32_t)object->table.n_pages});
	object->loaded = object->has_pages = false;
	object->idle_since = unwinder->loads;
}

static bool is_idle(const struct object_table *object)
{
	return object->users == 0 && object->serial != 0;
}

static bool other_than(const struct hashmap_entry *entry, void *table)
{
	return (void *)(uintptr_t)entry->value != table;
}

/* Frees idle tables beyond the ones kept, those idle longest first. */
static void drop_idle_tables(struct unwinder *unwinder)
{
	for (;;) {
		size_t cursor = 0, n_idle = 0;
		struct hashmap_entry *entry;
		struct object_table *oldest = NULL;
		while ((entry = hashmap_next(unwinder->objects, &cursor)) != NULL) {
			struct object_table *object = (struct object_table *)(uintptr_t)entry->value;
			if (object == NULL || !is_idle(object))
				continue;
			n_idle++;
			if (oldest == NULL || object->idle_since < oldest->idle_since)
				oldest = object;
		}
		if (n_idle <= IDLE_TABLES_KEPT || hashmap_filter(unwinder->objects, other_than, oldest) != 0)
			return;
		unwind_table_free(&oldest->table);
		free(oldest);
		unwinder->tables_dropped++;
	}
}

/* A slot's entry now lists tables: those it listed before and lists no
 * more may fall idle. */
static void relist_slot(struct unwinder *unwinder, uint32_t slot, struct object_table **tables, size_t n)
{
	struct slot_tables *listed = &unwinder->slot_tables[slot];
	bool fell_idle = false;

	for (size_t i = 0; i < n; i++)
		tables[i]->users++;
	for (size_t i = 0; i < listed->count; i++)
		if (--listed->tables[i]->users == 0 && listed->tables[i]->serial != 0) {
			unload_rows(unwinder, listed->tables[i]);
			fell_idle = true;
		}
	free(listed->tables);
	*listed = (struct slot_tables){.tables = tables, .count = n};
	if (fell_idle)
		drop_idle_tables(unwinder);
}

/* A runtime address of a Go function, where the mapping holding it is. */
static bool go_address(const struct map_entry *map, uint64_t bias, const struct go_range *range, __u64 *start,
		       __u64 *end)
{
	*start = range->start + bias;
	*end = range->end + bias;
	return range->end != 0 && *start >= map->start && *end <= map->end;
}

/* For a Go program: where its runtime switches stacks, in this process's
 * addresses (unwind.h). */
static void describe_go_runtime(struct unwind_process *process, struct process_image *image,
				struct object_table **tables, size_t n_maps)
{
	for (size_t i = 0; i < n_maps; i++) {
		const struct map_entry *map = process_image_mapping_at(image, i);
		const struct go_runtime *go = &tables[i]->go;
		struct unwind_go *out = &process->go;
		uint64_t bias;
		if (!tables[i]->is_go || !process_image_load_bias(image, map, &bias) ||
		    !go_address(map, bias, &go->systemstack, &out->switch_start[UNWIND_GO_SYSTEMSTACK],
				&out->switch_end[UNWIND_GO_SYSTEMSTACK]))
			continue;
		go_address(map, bias, &go->morestack, &out->switch_start[UNWIND_GO_MORESTACK],
			   &out->switch_end[UNWIND_GO_MORESTACK]);
		go_address(map, bias, &go->mcall, &out->switch_start[UNWIND_GO_MCALL],
			   &out->switch_end[UNWIND_GO_MCALL]);
		go_address(map, bias, &go->nanotime, &out->switch_start[UNWIND_GO_NANOTIME],
			   &out->switch_end[UNWIND_GO_NANOTIME]);
		go_address(map, bias, &go->walltime, &out->switch_start[UNWIND_GO_WALLTIME],
			   &out->switch_end[UNWIND_GO_WALLTIME]);
		go_address(map, bias, &go->sigreturn, &out->switch_start[UNWIND_GO_SIGRETURN],
			   &out->switch_end[UNWIND_GO_SIGRETURN]);
		out->m_vdso_sp = go->m_vdso_sp;
		out->m_vdso_pc = go->m_vdso_pc;
		go_address(map, bias, &go->goexit, &out->root_start[UNWIND_GO_ROOT_GOEXIT],
			   &out->root_end[UNWIND_GO_ROOT_GOEXIT]);
		go_address(map, bias, &go->mstart, &out->root_start[UNWIND_GO_ROOT_MSTART],
			   &out->root_end[UNWIND_GO_ROOT_MSTART]);
		go_address(map, bias, &go->rt0_go, &out->root_start[UNWIND_GO_ROOT_RT0],
			   &out->root_end[UNWIND_GO_ROOT_RT0]);
		out->g_tls = go->g_tls;
		out->g_m = go->g_m;
		out->g_sched = go->g_sched;
		out->m_curg = go->m_curg;
		out->gobuf_sp = go->gobuf_sp;
		out->gobuf_pc = go->gobuf_pc;
		out->gobuf_bp = go->gobuf_bp;
		return;
	}
}

int unwinder_load_process(struct unwinder *unwinder, struct process_image *image, pid_t pid, char *err,
			  size_t err_len)
{
	if (unwinder->mode == UNWIND_MODE_FP)
		return 0;
	unwinder->loads++;
	range_pool_reuse_retired(&unwinder->rows);
	range_pool_reuse_retired(&unwinder->pages);
	size_t n_maps = process_image_count(image);
	struct object_table **tables = calloc(n_maps > 0 ? n_maps : 1, sizeof(*tables));
	uint64_t rows_needed = 0, pages_needed = 0;
	int rc = -1;

	if (tables == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n_maps; i++) {
		tables[i] = object_table_for(unwinder, image, process_image_mapping_at(image, i));
		if (tables[i] == NULL) {
			snprintf(err, err_len, "out of memory");
			goto out;
		}
		if (tables[i]->built && !tables[i]->loaded) {
			rows_needed += tables[i]->table.n_rows;
			pages_needed += tables[i]->table.n_pages;
		}
	}
	if (unwinder->rows_fd < 0 && create_maps(unwinder, rows_needed, pages_needed, err, err_len) != 0)
		goto out;

	uint32_t slot = 0;
	uint32_t free_slot = unwinder->n_slots;
	while (slot < unwinder->n_slots && unwinder->slot_owner[slot] != pid) {
		if (unwinder->slot_owner[slot] == 0 && free_slot == unwinder->n_slots)
			free_slot = slot;
		slot++;
	}
	if (slot == unwinder->n_slots)
		slot = free_slot;
	if (slot == unwinder->n_slots) {
		snprintf(err, err_len, "cannot unwind more than %u processes at once", unwinder->n_slots);
		goto out;
	}
	struct unwind_process *process = unwinder->process;
	memset(process, 0, sizeof(*process));
	describe_go_runtime(process, image, tables, n_maps);
	process->tgid = (uint32_t)pid;
	unwinder->objects_without = 0;
	for (size_t i = 0; i < n_maps && process->n_mappings < UNWIND_MAX_MAPPINGS; i++) {
		const struct map_entry *map = process_image_mapping_at(image, i);
		struct object_table *object = tables[i];
		uint64_t bias = 0;
		if (object->built && !object->loaded)
			load_rows(unwinder, object);
		bool usable = object->loaded && process_image_load_bias(image, map, &bias);
		/* Anonymous code (JIT) and [vsyscall] have no file to have CFI. */
		if (!usable && (map->path[0] == '/' || strcmp(map->path, "[vdso]") == 0))
			unwinder->objects_without++;
		process->mappings[process->n_mappings++] = (struct unwind_mapping){
			.start = map->start,
			.end = map->end,
			.bias = bias,
			.first_row = usable ? object->first_row : 0,
			.n_rows = usable ? (uint32_t)object->table.n_rows : 0,
			.first_page = usable && object->has_pages ? object->first_page : 0,
			.n_pages = usable && object->has_pages ? (uint32_t)object->table.n_pages : 0,
			.page_base = object->table.page_base,
			.object = usable ? (uint32_t)object->serial : 0,
		};
	}
	uint32_t key = (uint32_t)pid;
	struct unwind_slot entry = {.slot = slot, .owner = (uint32_t)pid};
	if (bpf_map_update_elem(unwinder->processes_fd, &slot, process, BPF_ANY) != 0 ||
	    bpf_map_update_elem(unwinder->slots_fd, &key, &entry, BPF_ANY) != 0) {
		snprintf(err, err_len, "cannot load the mappings of PID %d into the unwinder: %s", (int)pid,
			 strerror(errno));
		goto out;
	}
	unwinder->slot_owner[slot] = pid;
	relist_slot(unwinder, slot, tables, process->n_mappings);
	return 0;
out:
	free(tables);
	return rc;
}

void unwinder_forget_process(struct unwinder *unwinder, pid_t pid)
{
	uint32_t key = (uint32_t)pid;

	/* Its entry goes even when it only borrowed a slot. */
	if (unwinder->slots_fd >= 0)
		bpf_map_delete_elem(unwinder->slots_fd, &key);
	for (uint32_t slot = 0; slot < unwinder->n_slots; slot++)
		if (unwinder->slot_owner[slot] == pid) {
			unwinder->slot_owner[slot] = 0;
			relist_slot(unwinder, slot, NULL, 0);
		}
}

int unwinder_share_maps(const struct unwinder *unwinder, struct bpf_object *object, char *err, size_t err_len)
{
	const struct {
		const char *name;
		int fd;
	} maps[] = {
		{"unwind_rows", unwinder->rows_fd},	      {"unwind_pages", unwinder->pages_fd},
		{"unwind_slots", unwinder->slots_fd},	      {"unwind_processes", unwinder->processes_fd},
		{"unwind_row_cache", unwinder->row_cache_fd},
	};

	if (unwinder->mode == UNWIND_MODE_FP)
		return 0;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(object, maps[i].name);
		if (map == NULL)
			continue; /* not one this program reads (the process tracker reads only the slots) */
		if (bpf_map__reuse_fd(map, maps[i].fd) != 0) {
			snprintf(err, err_len, "cannot hand the unwind tables to a BPF program: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

void unwinder_read_stats(const struct unwinder *unwinder, struct unwinder_stats *stats)
{
	size_t cursor = 0;
	struct hashmap_entry *entry;

	*stats = (struct unwinder_stats){
		.objects_without = unwinder->objects_without,
		.rows = unwinder->rows.in_use,
		.tables_dropped = unwinder->tables_dropped,
		.build_ns = unwinder->build_ns,
		.tables_from_cache = unwinder->tables_from_cache,
		.tables_cached = unwinder->tables_cached,
		.cache_failures = unwinder->cache_failures,
		.cache_off = unwinder->cache != NULL ? "" : unwinder->cache_off,
	};
	while ((entry = hashmap_next(unwinder->objects, &cursor)) != NULL) {
		const struct object_table *object = (const struct object_table *)(uintptr_t)entry->value;
		stats->objects += object != NULL && object->loaded;
	}
}

/* How user stacks were walked and why each ended, so a reader can tell a
 * short stack from a truncated one. */
void unwinder_describe(const struct unwinder *unwinder, enum unwind_mode mode, struct profile *profile,
		       const uint64_t ends_by_reason[UNWIND_END_MAX])
{
	struct unwinder_stats stats;
	char ends[512];
	size_t used = 0;

	if (mode == UNWIND_MODE_FP) {
		profile_add_comment(profile, "user stacks: frame pointers%s",
				    unwinder_mode(unwinder) == UNWIND_MODE_FP ? " (--unwind fp)" : "");
		return;
	}
	unwinder_read_stats(unwinder, &stats);
	char dropped[96] = "";
	if (stats.tables_dropped > 0)
		snprintf(dropped, sizeof(dropped), "; %" PRIu64 " tables freed after their objects were unmapped",
			 stats.tables_dropped);
	char cache[224];
	if (stats.cache_off[0] != '\0')
		snprintf(cache, sizeof(cache), "; table cache off: %s", stats.cache_off);
	else
		snprintf(cache, sizeof(cache),
			 "; %" PRIu64 " read from the table cache, %" PRIu64 " added to it%s", stats.tables_from_cache,
			 stats.tables_cached, stats.cache_failures > 0 ? ", some not (a write failed)" : "");
	profile_add_comment(profile,
			    "user stacks: --unwind %s, .eh_frame tables of %zu objects (%zu rows, %zu KiB in the kernel, "
			    "built in %.0f ms%s)%s; %zu objects without tables%s",
			    unwind_mode_name(mode), stats.objects, stats.rows,
			    stats.rows * sizeof(struct unwind_entry) / 1024, (double)stats.build_ns / 1e6, cache,
			    mode == UNWIND_MODE_AUTO ? ", frame pointers elsewhere" : "", stats.objects_without, dropped);
	for (int end = 0; end < UNWIND_END_MAX; end++)
		if (ends_by_reason[end] > 0 && used < sizeof(ends))
			used += (size_t)snprintf(ends + used, sizeof(ends) - used, "%s%llu %s", used > 0 ? ", " : "",
						 (unsigned long long)ends_by_reason[end], unwind_end_name(end));
	if (used > 0)
		profile_add_comment(profile, "user stacks ended: %s", ends);
}
