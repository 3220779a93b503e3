/*
 * profile_builder.h: from a stack table of raw addresses to profile
 * samples: symbolization, and the interning of mappings, locations and
 * functions that pprof expects.
 */
#ifndef PROFILE_BUILDER_H
#define PROFILE_BUILDER_H

#include "profile.h"
#include "stack_table.h"
#include "symbolizer.h"

/* Adds one sample per stack (values in the profile's sample-type order)
 * with a "thread" label. 0, or -1 when out of memory. */
int profile_add_stacks(struct profile *profile, const struct stack_table *stacks, struct process_image *image,
		       struct symbolizer *symbolizer);

#endif
