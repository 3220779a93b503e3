/*
 * flamegraph_svg.h: flame stacks as a standalone, interactive SVG
 * flamegraph (click to zoom, Ctrl-F to search), viewable from file:// or
 * inline in a page with nothing fetched from the network.
 */
#ifndef FLAMEGRAPH_SVG_H
#define FLAMEGRAPH_SVG_H

#include <stdbool.h>
#include <stdio.h>

#include "flame.h"

struct flamegraph_options {
	const char *title;    /* e.g. "CPU profile of encrypt-server (pid 1234)"; NULL: "Flame Graph" */
	const char *subtitle; /* e.g. "30.0 s at 99 Hz, 2970 samples, 0 lost"; may be NULL */
	const char *unit;     /* what a value counts, e.g. "samples", for tooltips; NULL: "samples" */
	int width;	      /* image width in pixels; 0 means 1200 */
	bool icicle;	      /* true: root at the top, growing down; false: classic flame, root at the bottom */
};

/*
 * Writes a complete standalone SVG document: equal stacks merged, siblings
 * sorted by name, widths proportional to value. Stacks with a value of zero
 * or less are left out, so the percentages are of the sum of the rest.
 * options may be NULL for the defaults. 0 on success, -1 on write or
 * allocation failure.
 */
int flamegraph_svg_write(FILE *out, const struct flame_stacks *stacks, const struct flamegraph_options *options);

#endif
