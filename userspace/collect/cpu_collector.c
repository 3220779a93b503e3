/*
 * cpu_collector.c: perf events on every CPU, the cpu.bpf.c skeleton, and
 * its ring buffer and its totals. Filtering to the traced set happens in the
 * kernel. The stacks the kernel sent whole are kept here by their hash, so
 * that a total or a reference reaches the sink as the whole samples it
 * stands for.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_counters.h"
#include "cpu.skel.h"
#include "cpu_collector.h"
#include "hashmap.h"
#include "ring_reader.h"

#define RING_RECORD_HEADER 8 /* bytes the ring buffer adds to every record */

static const struct cpu_event cpu_events[] = {
	{"cpu-clock", "cpu", "nanoseconds", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, true},
	{"cycles", "cycles", "count", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, false},
	{"instructions", "instructions", "count", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, false},
};

struct cpu_collector {
	struct cpu_bpf *skel;
	struct bpf_link **links;
	int n_links;
	struct ring_buffer *ring;
	cpu_sample_sink sink;
	void *sink_ctx;
	struct hashmap *stacks; /* stack hash -> struct cpu_sample * (malloc'd) */
	struct hashmap *user_stacks; /* user part hash -> struct held_user * (malloc'd) */
	struct cpu_sample whole; /* the whole sample being delivered */
	struct bpf_map *current_totals, *spare_totals; /* cpu.bpf.c's totals_a and totals_b */
	uint32_t n_totals; /* room in each totals map (one at least, even unused) */
	bool use_totals;
	struct cpu_total_key *drained_keys; /* n_totals of each, for one drain */
	struct cpu_total *drained_totals;
	uint64_t totals_made_at_drain; /* the program's count of totals begun, as of the last swap */
	uint64_t received, bytes, unknown_references, totals_read;
	int delivered; /* during one poll */
	struct program_load load;
};

const struct cpu_event *cpu_event_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cpu_events) / sizeof(cpu_events[0]); i++)
		if (strcmp(cpu_events[i].name, name) == 0)
			return &cpu_events[i];
	return NULL;
}

const struct cpu_event *cpu_event_at(size_t i)
{
	return i < sizeof(cpu_events) / sizeof(cpu_events[0]) ? &cpu_events[i] : NULL;
}

const char *cpu_event_names(void)
{
	static char names[128];
	size_t n = sizeof(cpu_events) / sizeof(cpu_events[0]), used = 0;

	/* Only flag parsing asks, on the main thread, before any other starts. */
	for (size_t i = 0; i < n && used < sizeof(names); i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
					 i == 0	      ? ""
					 : i + 1 == n ? " or "
						      : ", ",
					 cpu_events[i].name);
	return names;
}

/* A kernel-mode sample's user frames, held for later samples that come
 * with their kernel frames alone (CPU_WIRE_USER_HELD). */
struct held_user {
	uint32_t depth;
	__u64 frames[];
};

/* Keeps a whole sample's stack under the hash later references name. */
static void keep_stack(struct cpu_collector *collector, const struct cpu_sample *sample)
{
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(collector->stacks, &sample->stack, sizeof(sample->stack), &added);
	struct cpu_sample *copy = entry != NULL && added ? malloc(sizeof(*copy)) : NULL;

	if (copy != NULL)
		*copy = *sample;
	if (entry != NULL && added)
		entry->value = (uintptr_t)copy; /* NULL when out of memory: its references are lost, counted */
}

static void keep_user_frames(struct cpu_collector *collector, const struct cpu_sample *sample)
{
	bool added;
	struct hashmap_entry *entry =
		hashmap_upsert(collector->user_stacks, &sample->user_part, sizeof(sample->user_part), &added);
	uint32_t depth = (uint32_t)sample->user_depth;
	struct held_user *held = entry != NULL && added ? malloc(sizeof(*held) + depth * sizeof(__u64)) : NULL;

	if (held != NULL) {
		held->depth = depth;
		memcpy(held->frames, sample->user_stack, depth * sizeof(__u64));
	}
	if (entry != NULL && added)
		entry->value = (uintptr_t)held; /* NULL when out of memory: counted when a sample names it */
}

/* The user frames a sample came without, from the ones held under its
 * user_part; false when they are not held (out of memory), counted. */
static bool take_held_user_frames(struct cpu_collector *collector, struct cpu_sample *sample)
{
	struct hashmap_entry *entry = hashmap_find(collector->user_stacks, &sample->user_part, sizeof(sample->user_part));
	const struct held_user *held = entry != NULL ? (const struct held_user *)(uintptr_t)entry->value : NULL;

	if (held == NULL || sample->user_depth <= 0 || held->depth != (uint32_t)sample->user_depth) {
		collector->unknown_references++;
		return false;
	}
	memcpy(sample->user_stack, held->frames, held->depth * sizeof(__u64));
	return true;
}

/* A whole sample's wire form (cpu.h) into the arrays of out; false when
 * the record is not one, or names user frames the agent does not hold. */
static bool read_whole(struct cpu_collector *collector, const void *data, size_t size, struct cpu_sample *out)
{
	if (size < CPU_SAMPLE_HEAD_BYTES)
		return false;
	memcpy(out, data, CPU_SAMPLE_HEAD_BYTES);
	size_t user = out->user_depth > 0 ? (size_t)out->user_depth : 0;
	size_t kernel = out->kernel_depth > 0 ? (size_t)out->kernel_depth : 0;
	bool user_held = (out->wire & CPU_WIRE_USER_HELD) != 0;
	size_t user_sent = user_held ? 0 : user;
	size_t kernel_frame = (out->wire & CPU_WIRE_KERNEL_NARROW) != 0 ? sizeof(__u32) : sizeof(__u64);
	if (user > UNWIND_MAX_FRAMES || kernel > MAX_STACK_DEPTH ||
	    size != CPU_SAMPLE_HEAD_BYTES + user_sent * sizeof(__u64) + kernel * kernel_frame)
		return false;
	const unsigned char *frames = (const unsigned char *)data + CPU_SAMPLE_HEAD_BYTES;
	if (user_held && !take_held_user_frames(collector, out))
		return false;
	memcpy(out->user_stack, frames, user_sent * sizeof(__u64));
	frames += user_sent * sizeof(__u64);
	for (size_t i = 0; i < kernel; i++) {
		if (kernel_frame == sizeof(__u32)) {
			__u32 low;
			memcpy(&low, frames + i * sizeof(low), sizeof(low));
			out->kernel_stack[i] = KERNEL_FRAME_HIGH | low;
		} else {
			memcpy(&out->kernel_stack[i], frames + i * sizeof(__u64), sizeof(__u64));
		}
	}
	if (!user_held && out->user_part != 0 && user > 0)
		keep_user_frames(collector, out);
	out->wire = 0; /* held with whole frames */
	return true;
}

/* Delivers `samples` samples of the held stack under hash, their periods
 * summing to period, whose innermost frame is leaf. */
static void deliver_held(struct cpu_collector *collector, uint64_t hash, uint64_t leaf, uint32_t tid, uint64_t period,
			 uint64_t samples)
{
	struct hashmap_entry *entry = hashmap_find(collector->stacks, &hash, sizeof(hash));
	struct cpu_sample *sample = entry != NULL ? (struct cpu_sample *)(uintptr_t)entry->value : NULL;

	if (sample == NULL) {
		collector->unknown_references += samples;
		return;
	}
	sample->tid = tid;
	sample->period = period;
	/* The held stack's innermost frame is the first tick's. */
	if (sample->kernel_depth > 0)
		sample->kernel_stack[0] = leaf;
	else if (sample->user_depth > 0)
		sample->user_stack[0] = leaf;
	collector->received += samples;
	collector->delivered++;
	collector->sink(collector->sink_ctx, sample, samples);
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct cpu_collector *collector = ctx;
	struct cpu_sample *sample = &collector->whole;

	collector->bytes += size + RING_RECORD_HEADER;
	if (size == sizeof(struct cpu_sample_ref)) {
		const struct cpu_sample_ref *ref = data;
		deliver_held(collector, ref->stack, ref->leaf, ref->tid, ref->period, 1);
		return 0;
	}
	if (!read_whole(collector, data, size, sample))
		return 0;
	if (sample->stack != 0)
		keep_stack(collector, sample);
	collector->received++;
	collector->delivered++;
	collector->sink(collector->sink_ctx, sample, 1);
	return 0;
}

/* Ring buffer bytes for half a second of samples from every CPU at hz:
 * user space drains it several times a second. */
static uint32_t ring_size_for(unsigned hz, int n_cpus)
{
	uint64_t want = (uint64_t)hz * (uint64_t)n_cpus * (CPU_SAMPLE_MAX_BYTES + RING_RECORD_HEADER) / 2;
	uint32_t size = 1U << 22; /* 4 MiB at least */

	while (size < want && size < (1U << 28))
		size <<= 1;
	return size;
}

static int open_sampling_event(const struct cpu_event *event, unsigned hz, int cpu)
{
	struct perf_event_attr attr = {
		.type = event->type,
		.size = sizeof(attr),
		.config = event->config,
	};

	if (event->fixed_period) {
		/* A clock event counts nanoseconds: a fixed period makes every
		 * sample worth exactly 1e9/hz ns. */
		attr.sample_period = 1000000000ULL / hz;
	} else {
		attr.freq = 1;
		attr.sample_freq = hz;
	}
	return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Room for the kernel's totals: CPU_TOTALS, or $BPFPROF_CPU_TOTALS (0:
 * none, every sample of a held stack goes by reference). */
static int totals_wanted(uint32_t *n_totals, char *err, size_t err_len)
{
	const char *text = getenv("BPFPROF_CPU_TOTALS");
	char *end;

	*n_totals = CPU_TOTALS;
	if (text == NULL)
		return 0;
	errno = 0;
	unsigned long n = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || n > CPU_TOTALS_MAX) {
		snprintf(err, err_len, "BPFPROF_CPU_TOTALS: expected a number of totals from 0 to %u, not '%s'",
			 CPU_TOTALS_MAX, text);
		return -1;
	}
	*n_totals = (uint32_t)n;
	return 0;
}

/* Frees a map whose values are malloc'd pointers, and them. */
static void free_held(struct hashmap *held)
{
	size_t cursor = 0;
	struct hashmap_entry *entry;

	while (held != NULL && (entry = hashmap_next(held, &cursor)) != NULL)
		free((void *)(uintptr_t)entry->value);
	hashmap_free(held);
}

static void collector_free(struct cpu_collector *collector)
{
	free_held(collector->stacks);
	free_held(collector->user_stacks);
	free(collector->drained_keys);
	free(collector->drained_totals);
	ring_buffer__free(collector->ring);
	for (int i = 0; i < collector->n_links; i++)
		bpf_link__destroy(collector->links[i]);
	free(collector->links);
	cpu_bpf__destroy(collector->skel);
	free(collector);
}

static int attach_every_cpu(struct cpu_collector *collector, const struct cpu_event *event, unsigned hz,
			    int n_cpus, char *err, size_t err_len)
{
	collector->links = calloc((size_t)n_cpus, sizeof(*collector->links));
	if (collector->links == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	for (int cpu = 0; cpu < n_cpus; cpu++) {
		int fd = open_sampling_event(event, hz, cpu);
		if (fd < 0 && errno == ENODEV)
			continue; /* an offline CPU */
		if (fd < 0) {
			if (event->type == PERF_TYPE_HARDWARE && (errno == ENOENT || errno == EOPNOTSUPP))
				snprintf(err, err_len, "--event %s: this machine has no hardware counter for it (%s); "
					 "use --event cpu-clock", event->name, strerror(errno));
			else
				snprintf(err, err_len, "cannot open a %s event on CPU %d: %s", event->name, cpu,
					 strerror(errno));
			return -1;
		}
		struct bpf_link *link = bpf_program__attach_perf_event(collector->skel->progs.sample_cpu, fd);
		if (link == NULL) {
			snprintf(err, err_len, "cannot attach the sampler to CPU %d: %s", cpu, strerror(errno));
			close(fd);
			return -1;
		}
		collector->links[collector->n_links++] = link;
	}
	return 0;
}

/* What opening the object needs beyond the collector: a measure of the
 * programs alone has no set, unwinder or event. */
struct cpu_open {
	struct cpu_collector *collector;
	const struct process_collector *set;
	const struct unwinder *unwinder;
	uint32_t ring_size;
};

static struct bpf_object_skeleton *open_object(void *ctx, enum unwind_mode mode, char *err, size_t err_len)
{
	struct cpu_open *open = ctx;
	struct cpu_collector *collector = open->collector;

	collector->skel = cpu_bpf__open();
	if (collector->skel == NULL) {
		snprintf(err, err_len, "cannot open the CPU sampler's BPF object: %s", strerror(errno));
		return NULL;
	}
	collector->current_totals = collector->skel->maps.totals_a;
	collector->spare_totals = collector->skel->maps.totals_b;
	collector->skel->rodata->use_totals = collector->use_totals;
	/* A map of hash maps takes inner maps of any size: its template's
	 * (CPU_TOTALS) need not change. */
	bpf_map__set_max_entries(collector->skel->maps.totals_a, collector->n_totals);
	bpf_map__set_max_entries(collector->skel->maps.totals_b, collector->n_totals);
	collector->skel->rodata->ringbuf_wakeup_bytes = open->ring_size / 4;
	bpf_map__set_max_entries(collector->skel->maps.samples, open->ring_size);
	collector->skel->rodata->unwind_mode = mode;
	collector->skel->rodata->refuse_walk_for_test = program_load_refuse_walk_for_test();
	if (process_collector_share_maps(open->set, open->unwinder, collector->skel->obj, err, err_len) != 0)
		return NULL;
	return collector->skel->skeleton;
}

static void close_object(void *ctx)
{
	struct cpu_collector *collector = ((struct cpu_open *)ctx)->collector;
	cpu_bpf__destroy(collector->skel);
	collector->skel = NULL;
}

static const struct program_load_steps load_steps = {
	"cpu.bpf.c", "the CPU sampler", open_object, close_object,
};

struct cpu_collector *cpu_collector_start(const struct process_collector *set, const struct cpu_event *event, unsigned hz,
					  const struct unwinder *unwinder, cpu_sample_sink sink, void *sink_ctx,
					  char *err, size_t err_len)
{
	struct cpu_collector *collector = calloc(1, sizeof(*collector));
	int n_cpus = libbpf_num_possible_cpus();

	if (collector == NULL || n_cpus <= 0) {
		snprintf(err, err_len, "out of memory");
		free(collector);
		return NULL;
	}
	collector->sink = sink;
	collector->sink_ctx = sink_ctx;
	collector->stacks = hashmap_new();
	collector->user_stacks = hashmap_new();
	if (totals_wanted(&collector->n_totals, err, err_len) != 0) {
		collector_free(collector);
		return NULL;
	}
	collector->use_totals = collector->n_totals > 0;
	if (!collector->use_totals)
		collector->n_totals = 1;
	collector->drained_keys = calloc(collector->n_totals, sizeof(*collector->drained_keys));
	collector->drained_totals = calloc(collector->n_totals, sizeof(*collector->drained_totals));
	if (collector->stacks == NULL || collector->user_stacks == NULL || collector->drained_keys == NULL ||
	    collector->drained_totals == NULL) {
		snprintf(err, err_len, "out of memory");
		collector_free(collector);
		return NULL;
	}
	struct cpu_open open = {collector, set, unwinder, ring_size_for(hz, n_cpus)};
	if (program_load(&load_steps, &open, unwinder_mode(unwinder), &collector->load, err, err_len) != 0) {
		collector_free(collector);
		return NULL;
	}
	if (attach_every_cpu(collector, event, hz, n_cpus, err, err_len) != 0) {
		collector_free(collector);
		return NULL;
	}
	collector->ring = ring_buffer__new(bpf_map__fd(collector->skel->maps.samples), on_sample, collector, NULL);
	if (collector->ring == NULL) {
		snprintf(err, err_len, "cannot read the sampler's ring buffer: %s", strerror(errno));
		collector_free(collector);
		return NULL;
	}
	return collector;
}

int cpu_collector_measure(enum unwind_mode mode, struct program_load *load, char *err, size_t err_len)
{
	struct cpu_collector collector = {.n_totals = CPU_TOTALS, .use_totals = true};
	struct cpu_open open = {&collector, NULL, NULL, ring_size_for(99, 1)};
	int rc = program_load(&load_steps, &open, mode, load, err, err_len);

	cpu_bpf__destroy(collector.skel);
	return rc;
}

const struct program_load *cpu_collector_program_load(const struct cpu_collector *collector)
{
	return &collector->load;
}

const char *const cpu_counter_descriptions[CPU_COUNTER_MAX] = {CPU_COUNTERS(BPF_COUNTER_DESCRIPTION)};

/* The named figures, from the program's counters. */
static void name_counters(struct cpu_collector_stats *stats)
{
	stats->samples = stats->counters[CPU_COUNTER_SAMPLES];
	stats->lost_ringbuf_full = stats->counters[CPU_COUNTER_RINGBUF_FULL];
	stats->user_stack_errors = stats->counters[CPU_COUNTER_USER_STACK_ERR];
	stats->kernel_stack_errors = stats->counters[CPU_COUNTER_KERNEL_STACK_ERR];
	stats->sent_whole = stats->counters[CPU_COUNTER_SENT_WHOLE];
	stats->sent_by_reference = stats->counters[CPU_COUNTER_SENT_BY_REFERENCE];
	stats->sent_user_held = stats->counters[CPU_COUNTER_USER_HELD];
	stats->totalled = stats->counters[CPU_COUNTER_TOTALLED];
}

/* The figures the agent keeps itself, with the program's counters as
 * read at some moment. */
static void fill_stats(const struct cpu_collector *collector, const uint64_t counters[CPU_COUNTER_MAX],
		       struct cpu_collector_stats *stats)
{
	*stats = (struct cpu_collector_stats){
		.received = collector->received,
		.bytes = collector->bytes,
		.unknown_references = collector->unknown_references,
		.totals_read = collector->totals_read,
	};
	memcpy(stats->counters, counters, sizeof(stats->counters));
	name_counters(stats);
}

void cpu_collector_read_stats(const struct cpu_collector *collector, struct cpu_collector_stats *stats)
{
	uint64_t counters[CPU_COUNTER_MAX];

	bpf_counters_sum(bpf_map__fd(collector->skel->maps.counters), counters, CPU_COUNTER_MAX);
	fill_stats(collector, counters, stats);
}

void cpu_collector_stats_between(const struct cpu_collector_stats *before, const struct cpu_collector_stats *after,
				 struct cpu_collector_stats *between)
{
	*between = (struct cpu_collector_stats){
		.received = after->received - before->received,
		.bytes = after->bytes - before->bytes,
		.unknown_references = after->unknown_references - before->unknown_references,
		.totals_read = after->totals_read - before->totals_read,
	};
	for (int i = 0; i < CPU_COUNTER_MAX; i++)
		between->counters[i] = after->counters[i] - before->counters[i];
	name_counters(between);
}

/* Reads and empties a totals map no program adds to any more. */
static int read_totals(struct cpu_collector *collector, int fd)
{
	__u32 batch, count;
	void *from = NULL;

	for (;;) {
		count = collector->n_totals;
		int rc = bpf_map_lookup_and_delete_batch(fd, from, &batch, collector->drained_keys,
							 collector->drained_totals, &count, NULL);
		int error = rc != 0 ? errno : 0;
		for (__u32 i = 0; i < count && i < collector->n_totals; i++) {
			const struct cpu_total_key *key = &collector->drained_keys[i];
			const struct cpu_total *total = &collector->drained_totals[i];
			deliver_held(collector, key->stack, key->leaf, 0, total->period, total->samples);
		}
		collector->totals_read += count;
		collector->bytes += (uint64_t)count * (sizeof(struct cpu_total_key) + sizeof(struct cpu_total));
		if (error == ENOENT)
			return 0; /* the map is empty now */
		if (error != 0)
			return -1; /* what is left is read with that map's next drain */
		from = &batch;
	}
}

int cpu_collector_drain(struct cpu_collector *collector, struct cpu_collector_stats *at_swap)
{
	int spare_fd = bpf_map__fd(collector->spare_totals);
	__u32 zero = 0;

	collector->delivered = 0;
	int counters_fd = bpf_map__fd(collector->skel->maps.counters);
	uint64_t before[CPU_COUNTER_MAX], counters[CPU_COUNTER_MAX];
	bpf_counters_sum(counters_fd, before, CPU_COUNTER_MAX);
	collector->totals_made_at_drain = before[CPU_COUNTER_TOTALS_MADE];
	/* Returns once no program can still be adding to the map it replaces. */
	if (bpf_map_update_elem(bpf_map__fd(collector->skel->maps.totals), &zero, &spare_fd, BPF_ANY) != 0)
		return -1;
	struct bpf_map *drained = collector->current_totals;
	collector->current_totals = collector->spare_totals;
	collector->spare_totals = drained;
	/* The swap's wait lasts milliseconds. Samples taken meanwhile went to
	 * the ring, read below, or into the new map, read with the next
	 * drain: the counters as of this drain leave the latter out. */
	bpf_counters_sum(counters_fd, counters, CPU_COUNTER_MAX);
	uint64_t into_new_map = counters[CPU_COUNTER_TOTALLED] - before[CPU_COUNTER_TOTALLED];
	counters[CPU_COUNTER_SAMPLES] -= into_new_map;
	counters[CPU_COUNTER_TOTALLED] = before[CPU_COUNTER_TOTALLED];
	counters[CPU_COUNTER_TOTALS_MADE] = before[CPU_COUNTER_TOTALS_MADE];
	/* Every total's stack came whole before it, through the ring. */
	int rc = ring_buffer__consume(collector->ring) < 0 || read_totals(collector, bpf_map__fd(drained)) != 0 ? -1 : 0;
	if (at_swap != NULL)
		fill_stats(collector, counters, at_swap);
	return rc == 0 ? collector->delivered : -1;
}

/* Whether the current totals map is half full: a pair seen twice before
 * a drain crosses once, so totals wait for windows to end unless room
 * runs short. */
static bool totals_half_full(const struct cpu_collector *collector)
{
	uint64_t counters[CPU_COUNTER_MAX];

	if (!collector->use_totals)
		return false;
	bpf_counters_sum(bpf_map__fd(collector->skel->maps.counters), counters, CPU_COUNTER_MAX);
	return counters[CPU_COUNTER_TOTALS_MADE] - collector->totals_made_at_drain >= collector->n_totals / 2;
}

int cpu_collector_poll(struct cpu_collector *collector, int timeout_ms)
{
	if (totals_half_full(collector))
		return cpu_collector_drain(collector, NULL);
	collector->delivered = 0;
	if (ring_read(collector->ring, timeout_ms) < 0)
		return -1;
	return collector->delivered;
}

double cpu_collector_bytes_per_sample(const struct cpu_collector_stats *stats)
{
	uint64_t samples = stats->sent_whole + stats->sent_by_reference + stats->totalled;

	return samples > 0 ? (double)stats->bytes / (double)samples : 0.0;
}

void cpu_collector_stop(struct cpu_collector *collector, struct cpu_collector_stats *final_stats)
{
	for (int i = 0; i < collector->n_links; i++)
		bpf_link__destroy(collector->links[i]);
	collector->n_links = 0;
	cpu_collector_drain(collector, NULL);
	if (final_stats != NULL)
		cpu_collector_read_stats(collector, final_stats);
	collector_free(collector);
}

void cpu_sample_stack_key(const struct cpu_sample *sample, struct stack_key *key)
{
	/* __u64 and uint64_t are the same width but distinct C types. */
	*key = (struct stack_key){
		.user = (const uint64_t *)sample->user_stack,
		.n_user = sample->user_depth > 0 ? (uint32_t)sample->user_depth : 0,
		.kernel = (const uint64_t *)sample->kernel_stack,
		.n_kernel = sample->kernel_depth > 0 ? (uint32_t)sample->kernel_depth : 0,
	};
	memcpy(key->thread, sample->comm, sizeof(key->thread));
	key->pid = sample->pid;
}
