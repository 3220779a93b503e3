/*
 * heap_collector.c: heap.bpf.c's skeleton, its uprobes and its ring buffer.
 * The allocator is found in the target's own mappings (its executable
 * first, so an allocator linked in wins over libc's); free's probe goes
 * where probe_site.c says the kernel can emulate the instruction.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_counters.h"
#include "heap.skel.h"
#include "heap_collector.h"
#include "heap_sampling.h"
#include "probe_site.h"

#define PROLOGUE_BYTES 32
#define LIVE_ALLOCATIONS_MAX (1U << 20) /* sampled allocations tracked until freed */
/* Every allocation is a 1 KiB record at rate 1: room for bursts of tens of
 * thousands between two reads; sampled, a few hundred a second at most. */
#define RING_BYTES_EVERY_ALLOCATION (64U << 20)
#define RING_BYTES_SAMPLED (8U << 20)

struct heap_collector {
	struct heap_bpf *skel;
	struct bpf_link *links[24]; /* an entry probe and a return probe per entry point, the exec watch */
	int n_links;
	struct ring_buffer *ring;
	heap_event_sink sink;
	void *sink_ctx;
	int delivered;
};

/* A function an object defines: its file offset, or -1. */
static long function_offset(Elf *elf, const char *name)
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

/* The entry points probed, with the program that reads each one's
 * arguments; the first four must exist for an object to count as the
 * allocator. */
static const struct entry_point {
	const char *name;
	size_t program; /* index in attach_allocator's programs[] */
	bool returns;   /* the address comes back at the return */
	bool required;
} entry_points[] = {
	{"malloc", 0, true, true},          {"calloc", 1, true, true},
	{"realloc", 2, true, true},         {"free", 3, false, true},
	{"reallocarray", 4, true, false},   {"aligned_alloc", 5, true, false},
	{"memalign", 5, true, false},       {"posix_memalign", 6, true, false},
	{"valloc", 0, true, false},         {"pvalloc", 0, true, false},
};
#define N_ENTRY_POINTS (sizeof(entry_points) / sizeof(entry_points[0]))

struct allocator {
	char path[300]; /* as the agent opens it: /proc/PID/root/... */
	const struct map_entry *map;
	long offsets[N_ENTRY_POINTS]; /* file offsets; -1 where the object lacks the function */
	uint8_t prologues[N_ENTRY_POINTS][PROLOGUE_BYTES];
};

/* Whether the object behind map defines the malloc family; fills a. */
static bool read_allocator(struct process_image *image, pid_t pid, const struct map_entry *map, struct allocator *a)
{
	int fd = process_image_open_object(image, map);
	bool found = false;

	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf != NULL) {
		found = true;
		for (size_t i = 0; i < N_ENTRY_POINTS && found; i++) {
			a->offsets[i] = function_offset(elf, entry_points[i].name);
			if (a->offsets[i] >= 0 &&
			    pread(fd, a->prologues[i], PROLOGUE_BYTES, a->offsets[i]) != PROLOGUE_BYTES)
				a->offsets[i] = -1;
			found = a->offsets[i] >= 0 || !entry_points[i].required;
		}
		elf_end(elf);
	}
	close(fd);
	a->map = map;
	snprintf(a->path, sizeof(a->path), "/proc/%d/root%s", (int)pid, map->path);
	return found;
}

/* The executable first, then the libraries in address order. */
static bool find_allocator(struct process_image *image, pid_t pid, struct allocator *a)
{
	const struct map_entry *main_map = process_image_main_mapping(image);

	if (main_map != NULL && read_allocator(image, pid, main_map, a))
		return true;
	for (size_t i = 0; i < process_image_count(image); i++) {
		const struct map_entry *map = process_image_mapping_at(image, i);
		if (map != main_map && map->path[0] == '/' && read_allocator(image, pid, map, a))
			return true;
	}
	return false;
}

static int attach(struct heap_collector *collector, struct bpf_program *program, pid_t pid, const char *path,
		  size_t offset, bool retprobe, char *err, size_t err_len)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);

	if (collector->n_links >= (int)(sizeof(collector->links) / sizeof(collector->links[0]))) {
		snprintf(err, err_len, "too many uprobes");
		return -1;
	}
	struct bpf_link *link = bpf_program__attach_uprobe_opts(program, pid, path, offset, &opts);
	if (link == NULL) {
		snprintf(err, err_len, "cannot attach a uprobe to %s+0x%zx: %s", path, offset, strerror(errno));
		return -1;
	}
	collector->links[collector->n_links++] = link;
	return 0;
}

static int attach_allocator(struct heap_collector *collector, pid_t pid, const struct allocator *a, char *err,
			    size_t err_len)
{
	struct bpf_program *programs[] = {
		collector->skel->progs.malloc_entry,       collector->skel->progs.calloc_entry,
		collector->skel->progs.realloc_entry,      collector->skel->progs.free_entry,
		collector->skel->progs.reallocarray_entry, collector->skel->progs.memalign_entry,
		collector->skel->progs.posix_memalign_entry,
	};

	for (size_t i = 0; i < N_ENTRY_POINTS; i++) {
		bool alias = false; /* glibc's aligned_alloc is memalign: probe the code once */
		for (size_t j = 0; j < i; j++)
			alias |= a->offsets[j] == a->offsets[i];
		if (a->offsets[i] < 0 || alias)
			continue;
		const struct entry_point *entry = &entry_points[i];
		/* A return probe takes over the return address at the entry,
		 * after the entry's own handlers ran: an entry probe any later
		 * would unwind from the kernel's trampoline. Only free, which
		 * has no return probe, moves to a cheaper site. */
		struct probe_site site = {0};
		if (!entry->returns)
			site = probe_site_find(a->prologues[i], PROLOGUE_BYTES, true);
		if (attach(collector, programs[entry->program], pid, a->path, (size_t)a->offsets[i] + site.offset,
			   false, err, err_len) != 0)
			return -1;
		if (entry->returns && attach(collector, collector->skel->progs.allocation_return, pid, a->path,
					     (size_t)a->offsets[i], true, err, err_len) != 0)
			return -1;
	}
	/* Exec replaces the heap and the code the stacks name: watch for it. */
	struct bpf_link *exec_link = bpf_program__attach(collector->skel->progs.target_exec);
	if (exec_link == NULL) {
		snprintf(err, err_len, "cannot watch the target for exec: %s", strerror(errno));
		return -1;
	}
	collector->links[collector->n_links++] = exec_link;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct heap_collector *collector = ctx;

	if (size < sizeof(struct heap_event_header))
		return 0;
	collector->delivered++;
	collector->sink(collector->sink_ctx, data, size);
	return 0;
}

struct heap_collector *heap_collector_start(pid_t pid, bool whole_set, const struct process_collector *set,
					    struct process_image *image,
					    const struct unwinder *unwinder,
					    uint64_t rate, heap_event_sink sink, void *sink_ctx, char *allocator,
					    size_t allocator_len, char *err, size_t err_len)
{
	struct heap_collector *collector = calloc(1, sizeof(*collector));
	struct allocator a;

	if (collector == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (!find_allocator(image, pid, &a)) {
		snprintf(err, err_len, "PID %d maps no object that defines malloc, calloc, realloc and free", (int)pid);
		free(collector);
		return NULL;
	}
	snprintf(allocator, allocator_len, "%s", a.map->path);
	collector->sink = sink;
	collector->sink_ctx = sink_ctx;
	collector->skel = heap_bpf__open();
	if (collector->skel == NULL) {
		snprintf(err, err_len, "cannot open the heap tracer's BPF object: %s", strerror(errno));
		free(collector);
		return NULL;
	}
	collector->skel->rodata->sample_rate = rate;
	collector->skel->rodata->whole_set = whole_set;
	collector->skel->rodata->unwind_mode = unwinder_mode(unwinder);
	heap_fill_draw_table((uint32_t *)collector->skel->rodata->draw_table);
	bpf_map__set_max_entries(collector->skel->maps.live, LIVE_ALLOCATIONS_MAX);
	bpf_map__set_max_entries(collector->skel->maps.events,
				 rate == 1 ? RING_BYTES_EVERY_ALLOCATION : RING_BYTES_SAMPLED);
	if (process_collector_share_set(set, collector->skel->obj, err, err_len) != 0)
		goto fail;
	if (unwinder_share_maps(unwinder, collector->skel->obj, err, err_len) != 0)
		goto fail;
	if (heap_bpf__load(collector->skel) != 0) {
		snprintf(err, err_len, "cannot load the heap tracer into the kernel: %s", strerror(errno));
		goto fail;
	}
	/* pid -1: the probes hit in every process that maps the file. */
	if (attach_allocator(collector, whole_set ? -1 : pid, &a, err, err_len) != 0)
		goto fail;
	collector->ring = ring_buffer__new(bpf_map__fd(collector->skel->maps.events), on_event, collector, NULL);
	if (collector->ring == NULL) {
		snprintf(err, err_len, "cannot read the heap tracer's ring buffer: %s", strerror(errno));
		goto fail;
	}
	return collector;
fail:
	heap_collector_stop(collector, NULL);
	return NULL;
}

int heap_collector_poll(struct heap_collector *collector, int timeout_ms)
{
	collector->delivered = 0;
	int rc = ring_buffer__poll(collector->ring, timeout_ms);
	if (rc < 0 && rc != -EINTR)
		return -1;
	return collector->delivered;
}

const char *const heap_counter_descriptions[HEAP_COUNTER_MAX] = {HEAP_COUNTERS(BPF_COUNTER_DESCRIPTION)};

void heap_collector_read_stats(const struct heap_collector *collector, struct heap_collector_stats *stats)
{
	uint64_t totals[HEAP_COUNTER_MAX];

	bpf_counters_sum(bpf_map__fd(collector->skel->maps.counters), totals, HEAP_COUNTER_MAX);
	*stats = (struct heap_collector_stats){
		.calls = totals[HEAP_COUNTER_CALLS],
		.sampled = totals[HEAP_COUNTER_SAMPLED],
		.lost_ringbuf_full = totals[HEAP_COUNTER_RINGBUF_FULL],
		.live_full = totals[HEAP_COUNTER_LIVE_FULL],
		.threads_full = totals[HEAP_COUNTER_THREADS_FULL],
	};
	memcpy(stats->counters, totals, sizeof(totals));
}

uint64_t heap_collector_exec_time(const struct heap_collector *collector)
{
	return collector->skel->bss->exec_time_ns;
}

void heap_collector_stop(struct heap_collector *collector, struct heap_collector_stats *stats)
{
	if (collector == NULL)
		return;
	for (int i = 0; i < collector->n_links; i++)
		bpf_link__destroy(collector->links[i]);
	if (collector->ring != NULL) {
		ring_buffer__consume(collector->ring);
		ring_buffer__free(collector->ring);
	}
	if (stats != NULL)
		heap_collector_read_stats(collector, stats);
	heap_bpf__destroy(collector->skel);
	free(collector);
}
