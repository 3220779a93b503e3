/*
 * flame_tree.h: flame stacks merged into one tree of frames, the single
 * structure every flamegraph output is written from: folded stacks, the
 * SVG, and the JSON the UI draws (one profile's values, or two profiles
 * side by side for a differential flamegraph).
 */
#ifndef FLAME_TREE_H
#define FLAME_TREE_H

#include <stdint.h>
#include <stdio.h>

#include "flame.h"

struct flame_node {
	struct flame_frame frame;	  /* the root's: "all", FLAME_ROOT */
	int64_t value[2];		  /* per side: samples here and in everything called from here */
	int64_t self[2];		  /* per side: samples here alone */
	uint32_t parent, depth;		  /* the root is its own parent, at depth 0 */
	uint32_t first_child, n_children; /* a run in flame_tree.children, in flame_frame_compare order */
	bool off_cpu;			  /* under the wall clock's off-CPU root */
};

struct flame_tree {
	struct flame_node *nodes; /* nodes[0] is the root; a parent comes before its children */
	size_t n_nodes, cap_nodes;
	uint32_t *children;
	uint32_t max_depth;
	struct hashmap *index; /* (parent, frame) -> node, while building */
};

/*
 * Merges the stacks of a (side 0) and, when not NULL, b (side 1) into
 * tree; stacks with a value of zero or less are left out. Either may be
 * NULL for no stacks. 0, or -1 when out of memory; free the tree either way.
 */
int flame_tree_build(struct flame_tree *tree, const struct flame_stacks *a, const struct flame_stacks *b);
void flame_tree_free(struct flame_tree *tree);

/* {"unit":..,"total":..,"root":{"name","kind","colour","value","self","children":[..]}};
 * "kind" is root, process, state or a frame kind's name, and an inlined
 * function's node adds "inlined":true. */
int flame_tree_write_json(FILE *out, const struct flame_stacks *stacks, const char *unit);

/* {"unit":..,"base_total":..,"target_total":..,"root":{"name","kind","colour","base","target","children":[..]}} */
int flame_diff_write_json(FILE *out, const struct flame_stacks *base, const struct flame_stacks *target,
			  const char *unit);

#endif
