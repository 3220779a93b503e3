/*
 * profile_builder.c: symbolizes each distinct address once and shares the
 * resulting location between every stack that contains it. A user
 * location is an address within a mapping, and a mapping is an object at
 * a place (start, end, offset, object): two processes share both when they
 * map the same object at the same place, as forked workers do.
 */
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "profile_builder.h"

#define KERNEL_MAPPING_START 0xffff800000000000ULL

struct builder {
	struct profile *profile;
	struct symbolizer *symbolizer;
	stack_process_lookup lookup;
	void *lookup_ctx;
	struct hashmap *mappings;  /* struct mapping_key -> profile mapping index */
	struct hashmap *locations; /* struct location_key -> profile location index */
	int32_t kernel_mapping;    /* -1 until a kernel frame needs it */
	/* The process of the stack being added. */
	uint32_t pid;
	struct stack_process process;
	bool have_process;
};

struct mapping_key {
	uint64_t start, end, offset;
	const void *object; /* object_info.identity; the path's copy when unreadable */
};

/* A kernel location by address; a user one by its mapping too (an
 * address outside any mapping is named the same in every process). */
struct location_key {
	uint64_t address;
	int64_t mapping; /* -2: kernel, -1: no mapping */
};

static int32_t user_mapping(struct builder *b, struct process_image *image, const struct map_entry *map)
{
	struct object_info info;
	process_image_object_info(image, map, &info);
	bool has_dwarf = process_image_object_has_dwarf(image, map);
	struct mapping_key key = {.start = map->start, .end = map->end, .offset = map->offset};
	key.object = info.identity != NULL ? info.identity : profile_string(b->profile, map->path);
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(b->mappings, &key, sizeof(key), &added);

	if (entry == NULL)
		return -1;
	if (!added)
		return (int32_t)entry->value;
	struct profile_mapping mapping = {
		.start = map->start,
		.limit = map->end,
		.offset = map->offset,
		.filename = info.path,
		.build_id = info.build_id,
		/* Every location of ours is symbolized already: these flags
		 * keep pprof from asking a symbol server. */
		.has_functions = true,
		.has_filenames = has_dwarf,
		.has_line_numbers = has_dwarf,
		.has_inline_frames = has_dwarf,
	};
	int32_t index = profile_add_mapping(b->profile, &mapping);
	entry->value = (uint64_t)index;
	return index;
}

static int32_t kernel_mapping(struct builder *b)
{
	if (b->kernel_mapping < 0) {
		struct profile_mapping mapping = {
			.start = KERNEL_MAPPING_START,
			.limit = UINT64_MAX,
			.filename = "[kernel.kallsyms]",
			.has_functions = true,
			.is_kernel = true,
		};
		b->kernel_mapping = profile_add_mapping(b->profile, &mapping);
	}
	return b->kernel_mapping;
}

/* A name for an address nothing could symbolize: "object+0xoffset", as
 * perf and pprof print such frames. */
static void fallback_name(const struct map_entry *map, uint64_t address, bool is_kernel, char *name, size_t len)
{
	if (map != NULL) {
		char path[sizeof(map->path)];
		snprintf(path, sizeof(path), "%s", map->path);
		snprintf(name, len, "%s+0x%" PRIx64, path[0] != '\0' ? basename(path) : "[anon]",
			 address - map->start + map->offset);
	} else {
		snprintf(name, len, "%s0x%" PRIx64, is_kernel ? "[kernel] " : "", address);
	}
}

static int32_t location_for(struct builder *b, uint64_t address, bool is_kernel)
{
	struct process_image *image = is_kernel ? NULL : b->process.maps;
	const struct map_entry *map = image != NULL ? process_image_mapping(image, address) : NULL;
	int32_t mapping = is_kernel ? kernel_mapping(b) : map != NULL ? user_mapping(b, image, map) : -1;
	if (mapping == -1 && map != NULL)
		return -1;
	struct location_key key = {.address = address, .mapping = is_kernel ? -2 : mapping};
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(b->locations, &key, sizeof(key), &added);

	if (entry == NULL)
		return -1;
	if (!added)
		return (int32_t)entry->value;

	struct symbolization symbols = {.n_frames = 0};
	if (is_kernel)
		symbolize_kernel(b->symbolizer, address, &symbols);
	else if (map != NULL)
		symbolize_user(image, address, &symbols);

	struct profile_line lines[SYMBOL_MAX_FRAMES];
	size_t n_lines = 0;
	for (size_t i = 0; i < symbols.n_frames; i++) {
		const struct symbol_frame *frame = &symbols.frames[i];
		const char *file = frame->decl_file[0] != '\0' ? frame->decl_file : frame->file;
		int32_t function = profile_intern_function(b->profile, frame->function, frame->system_name, file,
							   frame->start_line);
		if (function < 0)
			return -1;
		lines[n_lines++] = (struct profile_line){.function = (uint32_t)function, .line = frame->line};
	}
	if (n_lines == 0) {
		char name[320];
		fallback_name(map, address, is_kernel, name, sizeof(name));
		int32_t function = profile_intern_function(b->profile, name, name, "", 0);
		if (function < 0)
			return -1;
		lines[n_lines++] = (struct profile_line){.function = (uint32_t)function};
	}

	int32_t location = profile_add_location(b->profile, address, mapping, is_kernel ? FRAME_KERNEL : FRAME_NATIVE,
						lines, n_lines);
	/* Nothing above inserts into b->locations, so entry is still valid. */
	entry->value = (uint64_t)location;
	return location;
}

/* A caller's frame holds a return address: minus one it points into the
 * call instruction, so lines name the call site. The first frame of each
 * stack is where execution stood: the kernel's where the sample hit, the
 * user's where the thread was interrupted (exact) or the instruction after
 * its system call (still in the same function), so neither is adjusted. */
static int add_stack(struct builder *b, const struct stack_key *key, const int64_t *values, uint32_t **ids,
		     size_t *cap)
{
	size_t depth = key->n_kernel + key->n_user, n = 0;

	if (!b->have_process || key->pid != b->pid) {
		b->pid = key->pid;
		b->have_process = true;
		if (!b->lookup(b->lookup_ctx, key->pid, &b->process))
			b->process = (struct stack_process){.maps = NULL};
	}
	if (array_reserve((void **)ids, cap, depth, sizeof(**ids)) != 0)
		return -1;
	for (uint32_t i = 0; i < key->n_kernel; i++) {
		int32_t id = location_for(b, key->kernel[i] - (i > 0), true);
		if (id < 0)
			return -1;
		(*ids)[n++] = (uint32_t)id;
	}
	for (uint32_t i = 0; i < key->n_user; i++) {
		/* A return address outside executable memory ends the stack:
		 * it is what a frame-pointer walk reads through code built
		 * without frame pointers, not a caller. */
		if (i > 0 && (b->process.maps == NULL || process_image_mapping(b->process.maps, key->user[i]) == NULL))
			break;
		int32_t id = location_for(b, key->user[i] - (i > 0), false);
		if (id < 0)
			return -1;
		(*ids)[n++] = (uint32_t)id;
	}
	static const char *const states[] = {[STACK_ON_CPU] = "on-CPU", [STACK_OFF_CPU] = "off-CPU"};
	struct profile_label labels[4];
	size_t n_labels = 0;
	if (key->pid != 0) {
		labels[n_labels++] = (struct profile_label){.key = "pid", .num = key->pid};
		if (b->process.comm != NULL && b->process.comm[0] != '\0')
			labels[n_labels++] = (struct profile_label){.key = "comm", .str = b->process.comm};
	}
	if (key->thread[0] != '\0')
		labels[n_labels++] = (struct profile_label){.key = "thread", .str = key->thread};
	if (key->state != STACK_STATE_NONE)
		labels[n_labels++] = (struct profile_label){.key = "state", .str = states[key->state]};
	return profile_add_sample(b->profile, *ids, n, values, labels, n_labels);
}

int profile_add_stacks(struct profile *profile, const struct stack_table *stacks, stack_process_lookup lookup,
		       void *lookup_ctx, struct process_image *main, struct symbolizer *symbolizer)
{
	struct builder b = {
		.profile = profile,
		.symbolizer = symbolizer,
		.lookup = lookup,
		.lookup_ctx = lookup_ctx,
		.mappings = hashmap_new(),
		.locations = hashmap_new(),
		.kernel_mapping = -1,
	};
	uint32_t *ids = NULL;
	size_t cap = 0, cursor = 0;
	int rc = b.mappings != NULL && b.locations != NULL ? 0 : -1;

	/* pprof takes mapping[0] for the main binary. */
	const struct map_entry *main_map = main != NULL ? process_image_main_mapping(main) : NULL;
	if (rc == 0 && main_map != NULL && user_mapping(&b, main, main_map) < 0)
		rc = -1;

	struct stack_key key;
	const int64_t *values;
	while (rc == 0 && stack_table_next(stacks, &cursor, &key, &values))
		rc = add_stack(&b, &key, values, &ids, &cap);
	free(ids);
	hashmap_free(b.mappings);
	hashmap_free(b.locations);
	return rc;
}
