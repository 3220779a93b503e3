/*
 * heap_collector.h: the thin glue around heap.bpf.c: find the allocator
 * the target really uses, place its uprobes (on emulatable instructions,
 * probe_site.c), and hand every record to a sink. Aggregation happens in
 * heap_profile.c.
 */
#ifndef HEAP_COLLECTOR_H
#define HEAP_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "heap.h"
#include "process_collector.h"
#include "program_load.h"
#include "process_image.h"
#include "unwinder.h"

#define HEAP_RATE_DEFAULT (512 * 1024) /* bytes between samples on average, as Go's MemProfileRate */

typedef void (*heap_event_sink)(void *ctx, const struct heap_event_header *event, size_t size);

struct heap_collector_stats {
	uint64_t calls, sampled, lost_ringbuf_full, live_full, threads_full;
	uint64_t counters[HEAP_COUNTER_MAX]; /* the program's own, as heap.h lists them */
};

extern const char *const heap_counter_descriptions[HEAP_COUNTER_MAX];

struct heap_collector;

/* Loads heap.bpf.c for the processes of set and attaches it to the
 * allocator pid (whose image is given) maps: the first of its executable
 * and libraries to define malloc. For one process the probes are that
 * process's; for a whole_set they are the file's, in every process mapping
 * it (forked workers, later ones too), the set filtering in the kernel, and
 * an exec is a record rather than the end. With inject (one process
 * only), the sampling runs in the target instead (heap_injector.h) and
 * only its notes reach the kernel. allocator names that object; NULL with
 * a one-line reason in err. */
struct heap_collector *heap_collector_start(pid_t pid, bool whole_set, const struct process_collector *set,
					    struct process_image *image,
					    const struct unwinder *unwinder,
					    uint64_t rate, bool inject, heap_event_sink sink, void *sink_ctx, char *allocator,
					    size_t allocator_len, char *err, size_t err_len);
/* What loading the programs cost, and the walk they do. */
const struct program_load *heap_collector_program_load(const struct heap_collector *collector);
/* Loads the programs alone (no set, no probes) in mode, to measure them;
 * 0 with load filled, or -1 with err. */
int heap_collector_measure(enum unwind_mode mode, struct program_load *load, char *err, size_t err_len);
enum heap_cover {
	HEAP_COVERED_NOW,    /* its allocator's file got its probes; allocator names it */
	HEAP_COVERED_BEFORE, /* its allocator's file had them already */
	HEAP_NO_ALLOCATOR,   /* nothing it maps defines the malloc family (yet: ld.so maps libraries after exec) */
	HEAP_COVER_FAILED,   /* the probes could not be placed: err says why */
};

/* For a whole_set: makes sure the allocator another process of the set
 * uses (found in its image as heap_collector_start finds the first's) has
 * probes. On the thread that polls. */
enum heap_cover heap_collector_cover(struct heap_collector *collector, pid_t pid, struct process_image *image,
				     char *allocator, size_t allocator_len, char *err, size_t err_len);
/* Delivers pending records, waiting up to timeout_ms; how many, or -1. */
int heap_collector_poll(struct heap_collector *collector, int timeout_ms);
/* The kernel side's counts so far. */
void heap_collector_read_stats(const struct heap_collector *collector, struct heap_collector_stats *stats);
/* When the target called exec (monotonic ns), or 0 while it has not. */
uint64_t heap_collector_exec_time(const struct heap_collector *collector);
/* Detaches, delivers what is still buffered, reads the final counts
 * (when stats is not NULL) and frees. */
void heap_collector_stop(struct heap_collector *collector, struct heap_collector_stats *stats);

#endif
