/*
 * profile.h: the one profile model. Collectors (CPU, heap, off-CPU, thread
 * stacks) fill it through the symbolizing builder; every encoder
 * (pprof, folded, SVG, the UI's JSON) reads it. It mirrors profile.proto's
 * shape with plain C arrays and indices, so encoding is a walk, not a search.
 *
 * All memory belongs to the profile: strings are interned into it and freed
 * with it by profile_free().
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROFILE_MAX_VALUES 4

struct value_type {
	const char *type; /* "samples", "cpu", "alloc_space", ... */
	const char *unit; /* "count", "nanoseconds", "bytes", ... */
};

struct profile_function {
	const char *name;        /* demangled */
	const char *system_name; /* as in the symbol table */
	const char *filename;    /* "" when unknown */
	int64_t start_line;      /* 0 when unknown */
};

/* One source position of a location; a location with inlined calls has
 * several, the innermost (callee) first, as profile.proto orders them. */
struct profile_line {
	uint32_t function; /* index into profile.functions */
	int64_t line;      /* 0 when unknown */
};

struct profile_mapping {
	uint64_t start, limit, offset;
	const char *filename;
	const char *build_id; /* hex, "" when the object has none */
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
	bool is_kernel;
};

/*
 * What ran at a location: which unwinder found it and whose names it has.
 * Nothing produces FRAME_INTERPRETED or FRAME_JIT yet: they are the room
 * for an interpreter's frames (a Python function of a code object) and a
 * JIT runtime's (code named by its perf map), so every encoder and the UI
 * already carry them. Whether a function was inlined is not a kind but a
 * property of a line within its location (all lines but the last).
 */
enum frame_kind {
	FRAME_NATIVE,	   /* machine code of an object file in user space */
	FRAME_KERNEL,	   /* the kernel's code */
	FRAME_INTERPRETED, /* a function an interpreter runs */
	FRAME_JIT,	   /* code a runtime compiled while running */
};

struct profile_location {
	uint64_t address;  /* for a caller frame, the return address minus one */
	int32_t mapping;   /* index into profile.mappings, -1 for none */
	enum frame_kind kind;
	uint32_t first_line, n_lines; /* a run in profile.lines */
};

struct profile_label {
	const char *key;
	const char *str; /* NULL for a numeric label */
	int64_t num;
	const char *num_unit; /* NULL when none */
};

struct profile_sample {
	uint32_t first_location, n_locations; /* a run in profile.sample_locations, leaf first */
	int64_t values[PROFILE_MAX_VALUES];
	uint32_t first_label, n_labels; /* a run in profile.labels */
};

struct profile {
	struct value_type sample_types[PROFILE_MAX_VALUES];
	size_t n_sample_types;
	const char *default_sample_type; /* NULL: viewers pick the last type */
	struct value_type period_type;
	int64_t period;
	int64_t time_nanos, duration_nanos;

	struct profile_mapping *mappings;
	size_t n_mappings, cap_mappings;
	struct profile_function *functions;
	size_t n_functions, cap_functions;
	struct profile_line *lines;
	size_t n_lines, cap_lines;
	struct profile_location *locations;
	size_t n_locations, cap_locations;
	uint32_t *sample_locations;
	size_t n_sample_locations, cap_sample_locations;
	struct profile_label *labels;
	size_t n_labels, cap_labels;
	struct profile_sample *samples;
	size_t n_samples, cap_samples;
	const char **comments;
	size_t n_comments, cap_comments;

	struct hashmap *strings;   /* interned strings */
	struct hashmap *function_ids; /* (name, system name, file, line) -> index */
};

struct profile *profile_new(void);
void profile_free(struct profile *profile);
/* The heap memory the profile holds, as a store with a budget counts it. */
size_t profile_memory_bytes(const struct profile *profile);

/* A copy of s that lives as long as the profile; equal strings share one copy. */
const char *profile_string(struct profile *profile, const char *s);

void profile_add_sample_type(struct profile *profile, const char *type, const char *unit);
/* The index of the sample type named type, or -1. */
long profile_sample_type_index(const struct profile *profile, const char *type);
/* The value viewers show first: the default sample type's, else the last. */
size_t profile_default_value(const struct profile *profile);
void profile_add_comment(struct profile *profile, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Indices of new (or, for functions, existing equal) entries; -1 on allocation failure. */
int32_t profile_add_mapping(struct profile *profile, const struct profile_mapping *mapping);
int32_t profile_intern_function(struct profile *profile, const char *name, const char *system_name,
				const char *filename, int64_t start_line);
/* lines: innermost first */
int32_t profile_add_location(struct profile *profile, uint64_t address, int32_t mapping, enum frame_kind kind,
			     const struct profile_line *lines, size_t n_lines);
/* "native", "kernel", "interpreted" or "jit": the kind's name in the UI's JSON. */
const char *frame_kind_name(enum frame_kind kind);
/* locations: leaf first; values: one per sample type */
int profile_add_sample(struct profile *profile, const uint32_t *locations, size_t n_locations,
		       const int64_t *values, const struct profile_label *labels, size_t n_labels);

#endif
