/*
 * folded.h: flame stacks as folded text, the input of flamegraph.pl and
 * of most flamegraph tools.
 */
#ifndef FOLDED_H
#define FOLDED_H

#include <stdio.h>

#include "flame.h"

/* One "root;...;leaf value" line per distinct stack, merged and sorted,
 * inlined frames suffixed "_[i]", kernel ones "_[k]" and JIT ones "_[j]",
 * as flamegraph.pl's colour palettes expect. 0, or -1 on a write or
 * allocation failure. */
int folded_write(FILE *out, const struct flame_stacks *stacks);

#endif
