/*
 * flame.h: a profile seen as stacks of named frames, root first, each with
 * one value: the shape folded output and flamegraphs need. Built once from
 * the profile model so both encoders name frames the same way.
 */
#ifndef FLAME_H
#define FLAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

enum flame_frame_kind {
	FLAME_USER,    /* a user-space function */
	FLAME_KERNEL,  /* a kernel function */
	FLAME_INLINED, /* a function inlined into its caller (the frame below it) */
	FLAME_STATE,   /* not a function: the root a sample's "state" label makes (on-CPU, off-CPU) */
	FLAME_PROCESS, /* not a function: the root a sample's process makes, "comm (PID n)" */
};

struct flame_frame {
	const char *name; /* owned by the profile the stacks came from, or by the stacks (processes) */
	enum flame_frame_kind kind;
};

struct flame_stack {
	const struct flame_frame *frames; /* root first */
	size_t depth;
	int64_t value;
};

struct flame_stacks {
	struct flame_stack *stacks;
	size_t n_stacks;
	struct flame_frame *frames; /* storage the stacks point into */
	size_t n_frames;
	int64_t total; /* sum of the stacks' values */
	struct hashmap *process_names; /* pid -> its root frame's name, when stacks start with one */
};

/*
 * One stack per sample with a non-zero value of sample type value_index,
 * locations expanded into their inlined frames (outermost first). Frames
 * with no function are named "object+0xoffset" or "0xaddress". A sample
 * with a "state" label (the wall-clock profile's on-CPU and off-CPU)
 * starts with that state as a frame, as pprof's -tagroot=state draws it;
 * in a profile of several processes, each stack starts with its process
 * ("nginx (PID 813)"), as -tagroot=pid groups them. 0, or -1 when out of
 * memory.
 */
int flame_stacks_from_profile(const struct profile *profile, size_t value_index, struct flame_stacks *out);
void flame_stacks_free(struct flame_stacks *stacks);

/* Folded stacks, one "root;...;leaf value" line per distinct stack, merged
 * and sorted, kernel frames suffixed "_[k]" and inlined ones "_[i]" as
 * flamegraph.pl and its colour palettes expect. */
int folded_write(FILE *out, const struct flame_stacks *stacks);

#endif
