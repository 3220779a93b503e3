/*
 * fuzz_symbolizer.c: the symbolizer on a corrupted object. The input is a
 * whole ELF file (the seeds are real ones: full DWARF, stripped, with a
 * debuglink, a PIE with a PLT); it is loaded as the symbolizer loads what a
 * process maps, through a memfd, and addresses across its segments, its
 * symbols and its CFI are resolved twice, the second time from the cache.
 *
 * This file includes process_image.c and elf_object.c: it builds a
 * process image around the object by hand, since process_image_open takes
 * objects only from a live process's /proc/PID/map_files, where a fuzzed
 * file cannot be mapped at libFuzzer's pace, and it picks addresses from
 * the object's segments and CFI.
 */
#include "../../userspace/objects/elf_object.c"
#include "../../userspace/processes/process_image.c"

#include "expect.h"

#define MAX_ADDRESSES 256
#define MAPPED_AT     0x7f0000000000ULL /* where the fake process maps the object's first segment */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* Nothing may be fetched over the network, so every run is the same. */
	unsetenv("DEBUGINFOD_URLS");
	/* Nor read from or written to the cache: each input stands alone. */
	setenv("BPFPROF_CACHE_DIR", "off", 1);
	return 0;
}

static void check_frames(const struct symbolization *s)
{
	EXPECT(s->n_frames <= SYMBOL_MAX_FRAMES);
	for (size_t i = 0; i < s->n_frames; i++) {
		const struct symbol_frame *f = &s->frames[i];
		/* symbolizer.h: names always, "" for what is unknown. */
		EXPECT(f->function != NULL && f->system_name != NULL && f->file != NULL && f->decl_file != NULL);
		EXPECT(strlen(f->function) + strlen(f->system_name) + strlen(f->file) + strlen(f->decl_file) <
		       (1 << 20));
	}
}

static bool same_frames(const struct symbolization *a, const struct symbolization *b)
{
	if (a->n_frames != b->n_frames)
		return false;
	for (size_t i = 0; i < a->n_frames; i++) {
		const struct symbol_frame *x = &a->frames[i], *y = &b->frames[i];
		if (strcmp(x->function, y->function) != 0 || strcmp(x->system_name, y->system_name) != 0 ||
		    strcmp(x->file, y->file) != 0 || strcmp(x->decl_file, y->decl_file) != 0 || x->line != y->line ||
		    x->start_line != y->start_line)
			return false;
	}
	return true;
}

/* Link-time addresses worth resolving: each segment's ends and middle,
 * every symbol (where DWARF has something to say) and the CFI's function
 * starts. */
static size_t pick_addresses(struct elf_object *object, uint64_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < object->n_segments && n + 3 <= MAX_ADDRESSES; i++) {
		const struct load_segment *s = &object->segments[i];
		out[n++] = s->vaddr;
		out[n++] = s->vaddr + s->filesz / 2;
		out[n++] = s->vaddr + (s->filesz > 0 ? s->filesz - 1 : 0);
	}
	int n_symbols = dwfl_module_getsymtab(object->module);
	for (int i = 1; i < n_symbols && n < MAX_ADDRESSES * 3 / 4; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		if (dwfl_module_getsym_info(object->module, i, &sym, &value, NULL, NULL, NULL) != NULL &&
		    GELF_ST_TYPE(sym.st_info) == STT_FUNC)
			out[n++] = value + sym.st_size / 2;
	}
	if (!object->fde_starts_read)
		read_fde_starts(object);
	for (size_t i = 0; i < object->n_fde_starts && n < MAX_ADDRESSES; i++)
		out[n++] = object->fde_starts[i] + 1;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-object", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	/* A new symbolizer each time: its cache is by build ID, which a
	 * mutated file keeps, and a cached object is never read again. */
	struct symbolizer *symbolizer = symbolizer_new();
	EXPECT(symbolizer != NULL);
	struct cached_object *cached = symbolizer_open_object(symbolizer, fd, "/fuzz/object.so");
	if (cached == NULL) {
		symbolizer_free(symbolizer);
		return 0;
	}
	struct elf_object *object = cached_object_names(cached);

	/* A process that maps every segment once, at a page-aligned bias, as
	 * the loader would; the image holds them in address order. */
	struct image_mapping mappings[64];
	size_t n_mappings = 0;
	uint64_t bias = MAPPED_AT - (object->segments[0].vaddr & ~0xfffULL);
	for (size_t i = 0; i < object->n_segments && n_mappings < 64; i++) {
		const struct load_segment *s = &object->segments[i];
		uint64_t start = (s->vaddr & ~0xfffULL) + bias, end = s->vaddr + s->filesz + bias;
		if (end <= start || (n_mappings > 0 && start < mappings[n_mappings - 1].map.end))
			continue;
		struct image_mapping *m = &mappings[n_mappings++];
		*m = (struct image_mapping){.object = cached};
		m->map = (struct map_entry){
			.start = start, .end = end, .offset = s->offset & ~0xfffULL, .executable = true};
		snprintf(m->map.path, sizeof(m->map.path), "%s", object->path);
	}
	struct process_image image = {
		.symbolizer = symbolizer,
		.pid = getpid(),
		.mappings = mappings,
		.n_mappings = n_mappings,
		.cap_mappings = 64,
	};
	snprintf(image.exe, sizeof(image.exe), "%s", object->path);

	struct object_info info;
	for (size_t i = 0; i < n_mappings; i++) {
		process_image_object_info(&image, &mappings[i].map, &info);
		EXPECT(info.identity == cached && strlen(info.build_id) < sizeof(object->build_id));
		uint64_t found_bias;
		process_image_load_bias(&image, &mappings[i].map, &found_bias);
	}
	EXPECT(n_mappings == 0 || process_image_main_mapping(&image) == &mappings[0].map);

	uint64_t addresses[MAX_ADDRESSES];
	size_t n = pick_addresses(object, addresses);
	for (size_t i = 0; i < n; i++) {
		struct symbolization first, again;
		uint64_t addr = addresses[i] + bias;
		const struct map_entry *map = symbolize_user(&image, addr, &first);
		check_frames(&first);
		EXPECT(map == process_image_mapping(&image, addr));
		symbolize_user(&image, addr, &again);
		EXPECT(same_frames(&first, &again));
	}
	symbolizer_free(symbolizer);
	return 0;
}
