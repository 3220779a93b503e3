/*
 * heap_collector.c: heap.bpf.c's skeleton, its uprobes and its ring buffer.
 * The allocator is found in the target's own mappings (its executable
 * first, so an allocator linked in wins over libc's); free's probe goes
 * where probe_site.c says the kernel can emulate the instruction. A set's
 * processes may use different allocator files (a container's own libc, a
 * program built with another malloc): each file found gets its probes once.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array.h"
#include "bpf_counters.h"
#include "elf_function.h"
#include "heap.skel.h"
#include "heap_collector.h"
#include "heap_injector.h"
#include "link_teardown.h"
#include "heap_sampling.h"
#include "probe_site.h"

#define PROLOGUE_BYTES 32
#define LIVE_ALLOCATIONS_MAX (1U << 20) /* sampled allocations tracked until freed */
/* Every allocation is a 1 KiB record at rate 1: room for bursts of tens of
 * thousands between two reads; sampled, a few hundred a second at most. */
#define RING_BYTES_EVERY_ALLOCATION (64U << 20)
#define RING_BYTES_SAMPLED (8U << 20)

/* An object looked at as a possible allocator, by file identity: the same
 * file is the same uprobe target under any path or mount namespace. */
struct examined_object {
	dev_t dev;
	ino_t ino;
	bool allocator;
};

struct heap_collector {
	struct heap_bpf *skel;
	pid_t probe_pid; /* -1 for a set: the probes are the file's, in every process mapping it */
	struct bpf_link **links;
	size_t n_links, cap_links;
	struct examined_object *examined;
	size_t n_examined, cap_examined;
	struct ring_buffer *ring;
	heap_event_sink sink;
	void *sink_ctx;
	int delivered;
	struct heap_injection *injection; /* --heap-inject: the sampler running in the target */
	struct program_load load;
};

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
	long offsets[N_ENTRY_POINTS]; /* file offsets; -1 where the object lacks the function */
	uint8_t prologues[N_ENTRY_POINTS][PROLOGUE_BYTES];
};

/* Whether the object open on fd defines the malloc family; fills a. */
static bool read_allocator(int fd, pid_t pid, const struct map_entry *map, struct allocator *a)
{
	bool found = false;

	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf != NULL) {
		found = true;
		for (size_t i = 0; i < N_ENTRY_POINTS && found; i++) {
			a->offsets[i] = elf_function_offset(elf, entry_points[i].name);
			if (a->offsets[i] >= 0 &&
			    pread(fd, a->prologues[i], PROLOGUE_BYTES, a->offsets[i]) != PROLOGUE_BYTES)
				a->offsets[i] = -1;
			found = a->offsets[i] >= 0 || !entry_points[i].required;
		}
		elf_end(elf);
	}
	snprintf(a->path, sizeof(a->path), "/proc/%d/root%s", (int)pid, map->path);
	return found;
}

static struct examined_object *examined(struct heap_collector *collector, const struct stat *st)
{
	for (size_t i = 0; i < collector->n_examined; i++)
		if (collector->examined[i].dev == st->st_dev && collector->examined[i].ino == st->st_ino)
			return &collector->examined[i];
	return NULL;
}

static int attach(struct heap_collector *collector, struct bpf_program *program, pid_t pid, const char *path,
		  size_t offset, bool retprobe, char *err, size_t err_len)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);

	struct bpf_link **slot = ARRAY_PUSH(collector->links, collector->n_links, collector->cap_links);
	if (slot == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	*slot = bpf_program__attach_uprobe_opts(program, pid, path, offset, &opts);
	if (*slot == NULL) {
		collector->n_links--;
		snprintf(err, err_len, "cannot attach a uprobe to %s+0x%zx: %s", path, offset, strerror(errno));
		return -1;
	}
	return 0;
}

static int attach_allocator(struct heap_collector *collector, const struct allocator *a, char *err, size_t err_len)
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
		if (attach(collector, programs[entry->program], collector->probe_pid, a->path,
			   (size_t)a->offsets[i] + site.offset, false, err, err_len) != 0)
			return -1;
		if (entry->returns && attach(collector, collector->skel->progs.allocation_return, collector->probe_pid,
					     a->path, (size_t)a->offsets[i], true, err, err_len) != 0)
			return -1;
	}
	return 0;
}

/* The object behind map, by its file's identity: an allocator gets its
 * probes now unless it has them. */
static enum heap_cover cover_object(struct heap_collector *collector, struct process_image *image, pid_t pid,
				    const struct map_entry *map, char *allocator, size_t allocator_len, char *err,
				    size_t err_len)
{
	int fd = process_image_open_object(image, map);
	struct stat st;
	struct allocator a;

	if (fd < 0)
		return HEAP_NO_ALLOCATOR;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return HEAP_NO_ALLOCATOR;
	}
	struct examined_object *seen = examined(collector, &st);
	if (seen != NULL) {
		close(fd);
		return seen->allocator ? HEAP_COVERED_BEFORE : HEAP_NO_ALLOCATOR;
	}
	bool is_allocator = read_allocator(fd, pid, map, &a);
	close(fd);
	/* Remembered before attaching: a file whose probes failed is not tried
	 * again for every newcomer. */
	seen = ARRAY_PUSH(collector->examined, collector->n_examined, collector->cap_examined);
	if (seen == NULL) {
		snprintf(err, err_len, "out of memory");
		return HEAP_COVER_FAILED;
	}
	*seen = (struct examined_object){.dev = st.st_dev, .ino = st.st_ino, .allocator = is_allocator};
	if (!is_allocator)
		return HEAP_NO_ALLOCATOR;
	snprintf(allocator, allocator_len, "%s", map->path);
	return attach_allocator(collector, &a, err, err_len) == 0 ? HEAP_COVERED_NOW : HEAP_COVER_FAILED;
}

enum heap_cover heap_collector_cover(struct heap_collector *collector, pid_t pid, struct process_image *image,
				     char *allocator, size_t allocator_len, char *err, size_t err_len)
{
	const struct map_entry *main_map = process_image_main_mapping(image);
	enum heap_cover cover = HEAP_NO_ALLOCATOR;

	/* The executable first (an allocator linked in wins over libc's), then
	 * the libraries in address order. */
	if (main_map != NULL)
		cover = cover_object(collector, image, pid, main_map, allocator, allocator_len, err, err_len);
	for (size_t i = 0; i < process_image_count(image) && cover == HEAP_NO_ALLOCATOR; i++) {
		const struct map_entry *map = process_image_mapping_at(image, i);
		if (map != main_map && map->path[0] == '/')
			cover = cover_object(collector, image, pid, map, allocator, allocator_len, err, err_len);
	}
	return cover;
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

/* The in-process sampler instead of the allocator's uprobes: loaded, its
 * note probed, then started, so that no note comes before the probe. */
static int inject_sampler(struct heap_collector *collector, pid_t pid, bool whole_set, uint64_t rate, char *allocator,
			  size_t allocator_len, char *err, size_t err_len)
{
	if (whole_set) {
		snprintf(err, err_len, "--heap-inject traces one process: leave out --children and --cgroup");
		return -1;
	}
	collector->injection = calloc(1, sizeof(*collector->injection));
	if (collector->injection == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	struct heap_injection *injection = collector->injection;
	uint8_t prologue[PROLOGUE_BYTES] = {0};
	int fd = heap_injector_load(pid, injection, err, err_len) == 0 ? open(injection->library, O_RDONLY | O_CLOEXEC)
								       : -1;
	if (fd < 0 || pread(fd, prologue, sizeof(prologue), (off_t)injection->note_offset) != (ssize_t)sizeof(prologue)) {
		if (fd >= 0) {
			close(fd);
			snprintf(err, err_len, "cannot read %s", injection->library);
		}
		free(collector->injection);
		collector->injection = NULL;
		return -1;
	}
	close(fd);
	struct probe_site site = probe_site_find(prologue, sizeof(prologue), false);
	if (attach(collector, collector->skel->progs.sampler_note, pid, injection->probe_path,
		   injection->note_offset + site.offset, false, err, err_len) != 0 ||
	    heap_injector_start(injection, rate, err, err_len) < 0) {
		free(collector->injection);
		collector->injection = NULL;
		return -1;
	}
	snprintf(allocator, allocator_len, "%s", injection->library);
	return 0;
}

/* What opening the object needs beyond the collector. */
struct heap_open {
	struct heap_collector *collector;
	const struct process_collector *set; /* NULL: measuring the programs alone */
	const struct unwinder *unwinder;
	uint64_t rate;
	bool whole_set;
};

static struct bpf_object_skeleton *open_object(void *ctx, enum unwind_mode mode, char *err, size_t err_len)
{
	struct heap_open *open = ctx;
	struct heap_collector *collector = open->collector;

	collector->skel = heap_bpf__open();
	if (collector->skel == NULL) {
		snprintf(err, err_len, "cannot open the heap tracer's BPF object: %s", strerror(errno));
		return NULL;
	}
	collector->skel->rodata->sample_rate = open->rate;
	collector->skel->rodata->whole_set = open->whole_set;
	collector->skel->rodata->unwind_mode = mode;
	collector->skel->rodata->refuse_walk_for_test = program_load_refuse_walk_for_test();
	heap_fill_draw_table((uint32_t *)collector->skel->rodata->draw_table);
	bpf_map__set_max_entries(collector->skel->maps.live, LIVE_ALLOCATIONS_MAX);
	bpf_map__set_max_entries(collector->skel->maps.events,
				 open->rate == 1 ? RING_BYTES_EVERY_ALLOCATION : RING_BYTES_SAMPLED);
	if (process_collector_share_maps(open->set, open->unwinder, collector->skel->obj, err, err_len) != 0)
		return NULL;
	return collector->skel->skeleton;
}

static void close_object(void *ctx)
{
	struct heap_collector *collector = ((struct heap_open *)ctx)->collector;
	heap_bpf__destroy(collector->skel);
	collector->skel = NULL;
}

static const struct program_load_steps load_steps = {
	"heap.bpf.c", "the heap tracer", open_object, close_object,
};

int heap_collector_measure(enum unwind_mode mode, struct program_load *load, char *err, size_t err_len)
{
	struct heap_collector collector = {0};
	struct heap_open open = {&collector, NULL, NULL, HEAP_RATE_DEFAULT, false};
	int rc = program_load(&load_steps, &open, mode, load, err, err_len);

	heap_bpf__destroy(collector.skel);
	return rc;
}

const struct program_load *heap_collector_program_load(const struct heap_collector *collector)
{
	return &collector->load;
}

struct heap_collector *heap_collector_start(pid_t pid, bool whole_set, const struct process_collector *set,
					    struct process_image *image, const struct unwinder *unwinder, uint64_t rate,
					    bool inject, heap_event_sink sink, void *sink_ctx, char *allocator, size_t allocator_len,
					    char *err, size_t err_len)
{
	struct heap_collector *collector = calloc(1, sizeof(*collector));

	if (collector == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	collector->probe_pid = whole_set ? -1 : pid;
	collector->sink = sink;
	collector->sink_ctx = sink_ctx;
	struct heap_open open = {collector, set, unwinder, rate, whole_set};
	if (program_load(&load_steps, &open, unwinder_mode(unwinder), &collector->load, err, err_len) != 0)
		goto fail;
	if (inject) {
		if (inject_sampler(collector, pid, whole_set, rate, allocator, allocator_len, err, err_len) != 0)
			goto fail;
	} else {
		switch (heap_collector_cover(collector, pid, image, allocator, allocator_len, err, err_len)) {
		case HEAP_COVERED_NOW:
			break;
		case HEAP_COVER_FAILED:
			goto fail;
		default:
			snprintf(err, err_len, "PID %d maps no object that defines malloc, calloc, realloc and free",
				 (int)pid);
			goto fail;
		}
	}
	/* Exec replaces the heap and the code the stacks name: watch for it. */
	struct bpf_link **exec_link = ARRAY_PUSH(collector->links, collector->n_links, collector->cap_links);
	if (exec_link == NULL || (*exec_link = bpf_program__attach(collector->skel->progs.process_exec)) == NULL) {
		if (exec_link != NULL)
			collector->n_links--;
		snprintf(err, err_len, "cannot watch the target for exec: %s", strerror(errno));
		goto fail;
	}
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
	/* The slots go back before the probe goes: no note is left unread.
	 * A target that exited or exec'd has nothing to put back. */
	if (collector->injection != NULL) {
		char err[256];
		heap_injector_stop(collector->injection, err, sizeof(err));
		free(collector->injection);
	}
	links_destroy_all(collector->links, collector->n_links);
	free(collector->links);
	free(collector->examined);
	if (collector->ring != NULL) {
		ring_buffer__consume(collector->ring);
		ring_buffer__free(collector->ring);
	}
	if (stats != NULL)
		heap_collector_read_stats(collector, stats);
	heap_bpf__destroy(collector->skel);
	free(collector);
}
