/*
 * output_format.h: the formats the agent writes (pprof, folded stacks, an
 * SVG flamegraph, the trace's JSON), by name and by file extension. Pure,
 * unit-tested alone.
 */
#ifndef OUTPUT_FORMAT_H
#define OUTPUT_FORMAT_H

enum output_format {
	FORMAT_UNKNOWN,
	FORMAT_PPROF,
	FORMAT_FOLDED,
	FORMAT_SVG,
	FORMAT_TRACE_JSON, /* the trace's document: Chrome trace-event JSON */
};

/* "pprof", "folded", "svg" or "json". */
enum output_format parse_format(const char *name);
/* The format a file name implies by its extension: .pb.gz/.pb/.pprof,
 * .folded/.collapsed, .svg, .json; FORMAT_UNKNOWN otherwise. */
enum output_format format_for_path(const char *path);
const char *format_name(enum output_format format);

#endif
