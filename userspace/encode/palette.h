/*
 * palette.h: the one set of frame colours, shared by the SVG flamegraph and
 * (through the flame JSON) the UI, so a frame looks the same in both. The
 * hue family says what a frame is (its kind in the model, inlined, or one
 * of the roots encoders add); the name picks the shade within the family,
 * so a function keeps its colour across views, runs and machines.
 */
#ifndef PALETTE_H
#define PALETTE_H

#include <stdbool.h>

#include "flame.h"

struct rgb {
	unsigned char r, g, b;
};

/* The frame's colour; off_cpu: it lies under the wall clock's off-CPU
 * root, whose frames are all drawn as waiting, whatever they are. */
struct rgb palette_colour(const struct flame_frame *frame, bool off_cpu);

/* The name of the state whose frames palette_colour draws as waiting. */
#define PALETTE_OFF_CPU "off-CPU"

#endif
