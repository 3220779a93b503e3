/*
 * flame_tree.h: flame stacks merged into a tree, written as the JSON the
 * UI draws: one profile's values, or two profiles side by side for a
 * differential flamegraph.
 */
#ifndef FLAME_TREE_H
#define FLAME_TREE_H

#include <stdio.h>

#include "flame.h"

/* {"unit":..,"total":..,"root":{"name","kind","value","self","children":[..]}} */
int flame_tree_write_json(FILE *out, const struct flame_stacks *stacks, const char *unit);

/* {"unit":..,"base_total":..,"target_total":..,"root":{"name","kind","base","target","children":[..]}} */
int flame_diff_write_json(FILE *out, const struct flame_stacks *base, const struct flame_stacks *target,
			  const char *unit);

#endif
