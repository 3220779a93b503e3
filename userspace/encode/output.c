/* output.c: one entry point from the profile model to each encoder. */
#include <stdlib.h>

#include "flame.h"
#include "folded.h"
#include "output.h"
#include "pprof.h"

int profile_write(FILE *out, const struct profile *profile, enum output_format format, size_t value_index,
		  const struct flamegraph_options *svg)
{
	int rc = -1;

	if (format == FORMAT_PPROF) {
		struct pprof_buffer buf;
		if (pprof_encode(profile, &buf) != 0)
			return -1;
		rc = fwrite(buf.data, 1, buf.len, out) == buf.len ? 0 : -1;
		free(buf.data);
		return rc;
	}
	struct flame_stacks stacks;
	if (flame_stacks_from_profile(profile, value_index, &stacks) != 0)
		return -1;
	if (format == FORMAT_FOLDED)
		rc = folded_write(out, &stacks);
	else if (format == FORMAT_SVG)
		rc = flamegraph_svg_write(out, &stacks, svg);
	flame_stacks_free(&stacks);
	return rc;
}
