/*
 * profile_builder.h: from a stack table of raw addresses to profile
 * samples: symbolization, and the interning of mappings, locations and
 * functions that pprof expects.
 */
#ifndef PROFILE_BUILDER_H
#define PROFILE_BUILDER_H

#include "profile.h"
#include "stack_table.h"
#include "process_image.h"

/* The process a stack ran in, as the builder names its user frames. */
struct stack_process {
	struct process_image *maps; /* NULL: nothing could be read of it */
	const char *comm;           /* its name, for the "comm" label */
};

/* Finds the process of a stack key's pid; false when there is none. */
typedef bool (*stack_process_lookup)(void *ctx, uint32_t pid, struct stack_process *process);

/* Adds one sample per stack (values in the profile's sample-type order)
 * with the labels "thread" and, for stacks that say their process, "pid"
 * and "comm". Processes mapping an object at the same place share its
 * mapping and locations, so forked workers cost one symbolization. main:
 * the image whose executable is pprof's mapping[0] (NULL: none). 0, or -1
 * when out of memory. */
int profile_add_stacks(struct profile *profile, const struct stack_table *stacks, stack_process_lookup lookup,
		       void *lookup_ctx, struct process_image *main, struct symbolizer *symbolizer);

#endif
