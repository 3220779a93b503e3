/* output_format.c: the formats' names and the file extensions that imply them. */
#include <string.h>

#include "output_format.h"

static const char *const format_names[] = {
	[FORMAT_UNKNOWN] = "unknown",
	[FORMAT_PPROF] = "pprof",
	[FORMAT_FOLDED] = "folded",
	[FORMAT_SVG] = "svg",
	[FORMAT_TRACE_JSON] = "json",
};

enum output_format parse_format(const char *name)
{
	for (int f = FORMAT_PPROF; f <= FORMAT_TRACE_JSON; f++)
		if (strcmp(name, format_names[f]) == 0)
			return (enum output_format)f;
	return FORMAT_UNKNOWN;
}

const char *format_name(enum output_format format)
{
	return format_names[format];
}

static int ends_with(const char *s, const char *suffix)
{
	size_t len = strlen(s), suffix_len = strlen(suffix);

	return len > suffix_len && strcmp(s + len - suffix_len, suffix) == 0;
}

enum output_format format_for_path(const char *path)
{
	if (ends_with(path, ".pb.gz") || ends_with(path, ".pb") || ends_with(path, ".pprof"))
		return FORMAT_PPROF;
	if (ends_with(path, ".folded") || ends_with(path, ".collapsed"))
		return FORMAT_FOLDED;
	if (ends_with(path, ".svg"))
		return FORMAT_SVG;
	if (ends_with(path, ".json"))
		return FORMAT_TRACE_JSON;
	return FORMAT_UNKNOWN;
}
