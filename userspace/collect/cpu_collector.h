/*
 * cpu_collector.h: the thin glue around cpu.bpf.c: load it for the traced set,
 * attach it to a sampling event on every CPU, and hand each sample to a
 * sink. Aggregation and symbolization happen elsewhere.
 */
#ifndef CPU_COLLECTOR_H
#define CPU_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "cpu.h"
#include "process_collector.h"
#include "program_load.h"
#include "stack_table.h"
#include "unwinder.h"

struct cpu_event {
	const char *name;        /* as given to --event */
	const char *sample_type; /* pprof's second sample type: "cpu", "cycles", ... */
	const char *unit;        /* its unit */
	uint32_t type;           /* perf_event_attr.type */
	uint64_t config;         /* perf_event_attr.config */
	bool fixed_period;       /* a clock: every sample is worth exactly 1e9/hz ns */
};

/* The event called name, or NULL. */
const struct cpu_event *cpu_event_find(const char *name);
/* The i-th event --event accepts (the first is the default), or NULL past
 * the last. */
const struct cpu_event *cpu_event_at(size_t i);
/* "cpu-clock, cycles or instructions": the names --event accepts, for
 * messages. */
const char *cpu_event_names(void);

/* Receives `count` samples of one stack at once, their periods summed in
 * sample->period. */
typedef void (*cpu_sample_sink)(void *ctx, const struct cpu_sample *sample, uint64_t count);

struct cpu_collector_stats {
	uint64_t samples;           /* target samples the kernel saw */
	uint64_t received;          /* samples that reached user space */
	uint64_t lost_ringbuf_full; /* dropped: the ring buffer had no room */
	uint64_t user_stack_errors; /* user stack unreadable (sample kept, stack empty) */
	uint64_t kernel_stack_errors;
	uint64_t sent_whole, sent_by_reference; /* how the samples came: with their stacks, or by reference */
	uint64_t sent_user_held;                /* sent whole without user frames the agent held */
	uint64_t totalled, totals_read;         /* or totalled in the kernel, read as so many totals */
	uint64_t bytes;                         /* what they moved from the kernel, ring headers included */
	uint64_t unknown_references;            /* lost: a reference to a stack the agent does not hold */
	uint64_t counters[CPU_COUNTER_MAX]; /* the program's own, as cpu.h lists them */
};

extern const char *const cpu_counter_descriptions[CPU_COUNTER_MAX];

/* What happened between two readings: each counter's difference. */
void cpu_collector_stats_between(const struct cpu_collector_stats *before, const struct cpu_collector_stats *after,
				 struct cpu_collector_stats *between);

/* What a sample moved from the kernel on average, however it came; 0
 * with no sample. */
double cpu_collector_bytes_per_sample(const struct cpu_collector_stats *stats);

struct cpu_collector;

/* Loads and attaches for the processes of set, walking user stacks the
 * unwinder's way through its tables; NULL with a one-line reason in err. */
struct cpu_collector *cpu_collector_start(const struct process_collector *set, const struct cpu_event *event, unsigned hz,
					  const struct unwinder *unwinder, cpu_sample_sink sink, void *sink_ctx,
					  char *err, size_t err_len);
/* What loading the programs cost, and the walk they do. */
const struct program_load *cpu_collector_program_load(const struct cpu_collector *collector);
/* Loads the programs alone (no set, no attach) in mode, to measure them;
 * 0 with load filled, or -1 with err. */
int cpu_collector_measure(enum unwind_mode mode, struct program_load *load, char *err, size_t err_len);
/* Delivers pending samples to the sink, waiting up to timeout_ms for the
 * first (or draining the totals when the kernel's map is half full).
 * Returns how many deliveries, or -1 on error. */
int cpu_collector_poll(struct cpu_collector *collector, int timeout_ms);
/* Delivers every sample taken so far: the ring buffer and the kernel's
 * totals. at_swap (optional) gets the stats of what this call delivers:
 * the samples totalled in the map it swaps out and those that reached the
 * ring, none of those totalled in the fresh map. Returns deliveries or -1. */
int cpu_collector_drain(struct cpu_collector *collector, struct cpu_collector_stats *at_swap);
void cpu_collector_read_stats(const struct cpu_collector *collector, struct cpu_collector_stats *stats);
/* Detaches from every CPU, delivers what is still buffered or totalled, and frees. */
void cpu_collector_stop(struct cpu_collector *collector, struct cpu_collector_stats *final_stats);

/* The stack of a sample as the stack table keys it (stacks that could
 * not be read are empty). */
void cpu_sample_stack_key(const struct cpu_sample *sample, struct stack_key *key);

#endif
