/*
 * offcpu_collector.h: the thin glue around offcpu.bpf.c: load it for the
 * traced set and one kind of wait, attach the tracepoints that kind needs, and
 * at the end read the kernel's totals into a stack table. Profiles are
 * built in offcpu_profile.c.
 */
#ifndef OFFCPU_COLLECTOR_H
#define OFFCPU_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "offcpu.h"
#include "process_collector.h"
#include "program_load.h"
#include "stack_table.h"
#include "unwinder.h"

struct offcpu_collector_stats {
	uint64_t waits;         /* waits that ended while attached, of any length */
	uint64_t counted;       /* of which at least the minimum */
	uint64_t lost;          /* waits not counted: a stack or total had no room, or a walk was busy */
	uint64_t stack_errors;  /* user stacks that could not be read (the wait counted, its stack empty) */
	uint64_t unread;        /* totals the agent could not take into its table (out of memory) */
	uint64_t seen;          /* whether the programs ran at all (for any task) */
	uint64_t user_stack_ends[UNWIND_END_MAX]; /* counted waits, by why their user stack ended */
	uint64_t counters[OFFCPU_COUNTER_MAX];    /* the program's own, as offcpu.h lists them */
};

extern const char *const offcpu_counter_descriptions[OFFCPU_COUNTER_MAX];

struct offcpu_collector;

/* Loads offcpu.bpf.c for the processes of set and attaches it for waits of kind of at
 * least min_wait_ns (block waits include preemptions when
 * include_preempted). NULL with a one-line reason in err. */
struct offcpu_collector *offcpu_collector_start(const struct process_collector *set, enum offcpu_kind kind,
						uint64_t min_wait_ns,
						bool include_preempted, const struct unwinder *unwinder, char *err,
						size_t err_len);
/* What loading the programs cost, and the walk they do. */
const struct program_load *offcpu_collector_program_load(const struct offcpu_collector *collector);
/* Loads the programs of kind alone (no set, no attach) in mode, to
 * measure them; 0 with load filled, or -1 with err. */
int offcpu_collector_measure(enum offcpu_kind kind, enum unwind_mode mode, struct program_load *load, char *err,
			     size_t err_len);
/* Detaches, adds every stack's (count, nanoseconds) to stacks (two values
 * a stack; NULL: the agent is out of memory, all counted unread) and
 * frees. stats may be NULL. */
void offcpu_collector_stop(struct offcpu_collector *collector, struct stack_table *stacks,
			   struct offcpu_collector_stats *stats);

#endif
