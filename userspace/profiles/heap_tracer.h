/*
 * heap_tracer.h: heap tracing kept running over the traced set. A thread
 * drains the heap collector into a heap profile until told to stop or until
 * the set exits or its one process calls exec; meanwhile any thread may
 * take profiles of it (Go's heap and allocs, and a leak view), whole or
 * as the change since a mark, and they stay available after tracing has
 * ended.
 */
#ifndef HEAP_TRACER_H
#define HEAP_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "traced_set.h"

#define LEAK_AGE_DEFAULT_NS 10000000000ULL /* the leak view's age when none is asked for */

enum heap_view {
	HEAP_VIEW_HEAP,   /* Go's heap: the four values, inuse_space shown first */
	HEAP_VIEW_ALLOCS, /* Go's allocs: the same values, alloc_space shown first */
	HEAP_VIEW_LEAKS,  /* allocations still live that are older than an age */
};

struct heap_tracer;
struct heap_mark;

/* Attaches to the set's processes, one sample every rate bytes on
 * average. NULL with a one-line reason in err. */
struct heap_tracer *heap_tracer_start(struct traced_set *set, uint64_t rate, bool inject, char *err, size_t err_len);
/* Ends tracing and waits until the last records are in (keeping
 * everything traced for profiles). */
void heap_tracer_finish(struct heap_tracer *tracer);
/* Detaches and frees. */
void heap_tracer_free(struct heap_tracer *tracer);

/* Whether tracing has ended (finished, or the traced set exited or called
 * exec): it ends the windows over it (window.h). */
bool heap_tracer_ended(struct heap_tracer *tracer);
/* When the traced set ended tracing: "exited" or "called exec", with how long
 * after attach; NULL while tracing runs or after heap_tracer_finish(). */
const char *heap_tracer_end_reason(struct heap_tracer *tracer, double *after_seconds);

uint64_t heap_tracer_rate(const struct heap_tracer *tracer);

/* What a later profile's delta is taken against: the values of now. NULL
 * when out of memory. */
struct heap_mark *heap_tracer_mark(struct heap_tracer *tracer);
void heap_mark_free(struct heap_mark *mark);

/* A symbolized profile with Go's heap conventions and comments on the
 * target, the rate, the losses and how tracing ended. since: NULL for
 * everything since attach, else what changed after that mark (a delta, as
 * Go's ?seconds=N). For HEAP_VIEW_LEAKS, min_age_ns is how old a live
 * allocation must be (since is ignored). NULL when out of memory. */
struct profile *heap_tracer_profile(struct heap_tracer *tracer, enum heap_view view, const struct heap_mark *since,
				    uint64_t min_age_ns);

/* Counts for a progress line: sampled allocation calls and records lost. */
void heap_tracer_counts(struct heap_tracer *tracer, uint64_t *calls, uint64_t *sampled, uint64_t *lost);

#endif
