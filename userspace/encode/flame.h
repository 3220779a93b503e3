/*
 * flame.h: a profile seen as stacks of named frames, root first, each with
 * one value: the shape folded output and flamegraphs need. Built once from
 * the profile model so both encoders name frames the same way.
 */
#ifndef FLAME_H
#define FLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* What a frame of a flame stack stands for: a function, or a root an
 * encoder adds to group samples. */
enum flame_frame_role {
	FLAME_FUNCTION, /* a function at a location of the profile */
	FLAME_STATE,	/* the root a sample's "state" label makes (on-CPU, off-CPU) */
	FLAME_PROCESS,	/* the root a sample's process makes, "comm (PID n)" */
	FLAME_ROOT,	/* a tree's root, all samples, which no stack holds */
};

struct flame_frame {
	const char *name; /* owned by the profile the stacks came from, or by the stacks (processes) */
	enum flame_frame_role role;
	enum frame_kind kind; /* a function's: its location's kind in the model */
	bool inlined;	      /* a function's: inlined into its caller, the frame below it */
};

/* Orders frames by name, then role, inlining and kind: the order siblings
 * are written in. 0 when they are the same frame. */
int flame_frame_compare(const struct flame_frame *a, const struct flame_frame *b);

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

#endif
