/* output.h: a profile written in any of the agent's formats. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdio.h>

#include "output_format.h"
#include "flamegraph_svg.h"
#include "profile.h"

/* Writes profile to out as pprof, folded stacks or an SVG flamegraph (of the
 * profile's sample type value_index, using svg for titles). 0, or -1. */
int profile_write(FILE *out, const struct profile *profile, enum output_format format, size_t value_index,
		  const struct flamegraph_options *svg);

#endif
