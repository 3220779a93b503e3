/*
 * symbolizer.h: addresses to functions, source lines and inlined frames.
 *
 * A symbolizer lives as long as the agent and caches every object it has
 * opened by build ID, so a second profile of the same program (or of
 * another process mapping the same libraries) costs nothing to symbolize.
 * A process image is one process's executable mappings with their objects
 * held open: once taken, it symbolizes even after the process has exited.
 */
#ifndef SYMBOLIZER_H
#define SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_maps.h"

/* One frame of a resolved address; strings live as long as the symbolizer. */
struct symbol_frame {
	const char *function;    /* demangled */
	const char *system_name; /* as in the symbol table or DWARF linkage name */
	const char *file;        /* source file of `line`, "" when unknown */
	int line;                /* 0 when unknown */
	const char *decl_file;   /* where the function is defined, "" when unknown */
	int start_line;          /* its first line, 0 when unknown */
};

#define SYMBOL_MAX_FRAMES 32 /* one address: the function and what is inlined into it */

struct symbolization {
	struct symbol_frame frames[SYMBOL_MAX_FRAMES]; /* innermost (callee) first */
	size_t n_frames; /* 0: nothing known but the address */
};

struct object_info {
	const char *path;     /* as the target names it */
	const char *build_id; /* hex, "" when none */
	bool has_symbols;     /* .symtab, .dynsym or a debug file gave names */
	const void *identity; /* the same for every mapping of the same object (by build ID, else file);
				 NULL when the object could not be read; valid while the lock is held */
	uint64_t serial;      /* the object's number, never given to another: 0 when it could not be read */
};

/* What the symbolizer holds. An object no process maps any more (a
 * library dlclose'd, a program exec'd away) is kept a while for a dlopen
 * that brings it back, then freed: a long-lived agent on a target that
 * loads and unloads code holds only what it maps and a few more. */
struct symbolizer_stats {
	size_t objects; /* read and held, idle ones included */
	size_t idle;    /* held, though no process maps them */
	uint64_t dropped; /* freed after their last mapping went */
	/* Separate debug files: opened from the cache's uncompressed copy,
	 * copied into it, copies that failed (debug_copy.h). */
	uint64_t debug_copies_read, debug_copies_written, debug_copy_failures;
};

struct symbolizer;
struct process_image;

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *symbolizer);

/* Snapshots /proc/PID/maps and opens every executable object through
 * /proc/PID/map_files (or /proc/PID/root), so containers, chroots and
 * deleted or replaced files resolve to what the process really runs.
 * NULL with a one-line reason in err. */
struct process_image *process_image_open(struct symbolizer *symbolizer, pid_t pid, char *err, size_t err_len);
/* The image of a child just forked by the process of parent: the same
 * mappings and objects, nothing read again. NULL when out of memory. */
struct process_image *process_image_fork(const struct process_image *parent, pid_t pid);
/* Re-reads the maps of a still running process (for code mapped after the
 * snapshot, e.g. by dlopen). 0, or -1 when the process is gone. */
int process_image_refresh(struct process_image *image);
void process_image_free(struct process_image *image);

/* The first mapping of the process's executable (pprof's mapping[0]), or
 * NULL when none of its mappings is executable. */
const struct map_entry *process_image_main_mapping(const struct process_image *image);
/* The executable mappings in address order: how many, and the index-th. */
size_t process_image_count(const struct process_image *image);
const struct map_entry *process_image_mapping_at(const struct process_image *image, size_t index);
/* The mapping holding addr, or NULL when none does. */
const struct map_entry *process_image_mapping(const struct process_image *image, uint64_t addr);
/* Facts about the object behind a mapping from process_image_mapping(). */
void process_image_object_info(const struct process_image *image, const struct map_entry *mapping,
			       struct object_info *info);
/* Whether file names and line numbers are available for the object: the
 * first call opens its DWARF (inflating compressed debug sections), which
 * an attach leaves until names are wanted. */
bool process_image_object_has_dwarf(const struct process_image *image, const struct map_entry *mapping);

/* A new read-only descriptor for the object behind a mapping (the
 * caller's to close; a copy of the target's memory for the vDSO), or -1. */
int process_image_open_object(const struct process_image *image, const struct map_entry *mapping);
/* The mapping's load bias (runtime address minus the object's link-time
 * address); false when the object could not be read. */
bool process_image_load_bias(const struct process_image *image, const struct map_entry *mapping, uint64_t *bias);

void symbolizer_read_stats(const struct symbolizer *symbolizer, struct symbolizer_stats *stats);

/* Debug info found in the background (DEBUGINFOD_URLS) replaces the
 * symbol tables its objects were named from; call it before naming, under
 * the lock that guards the symbolizer. */
void symbolizer_take_debuginfo(struct symbolizer *symbolizer);
/* Waits up to timeout_ns for the background searches; pending says how
 * many were unfinished when it was called. True when there is no point in
 * waiting longer: none is left, or the one in flight has received nothing
 * for stall_ns. Safe without the symbolizer's lock. */
bool symbolizer_await_debuginfo(struct symbolizer *symbolizer, uint64_t timeout_ns, uint64_t stall_ns,
				size_t *pending);
/* One line on the background searches (found, pending, missing, with
 * names) for a profile's comments; false when no server is named. */
bool symbolizer_describe_debuginfo(const struct symbolizer *symbolizer, char *text, size_t len);

/* Resolves a user address of the process. Returns the mapping or NULL. */
const struct map_entry *symbolize_user(struct process_image *image, uint64_t addr, struct symbolization *out);
/* Resolves a kernel address; 0, or -1 when kernel symbols are unavailable. */
int symbolize_kernel(struct symbolizer *symbolizer, uint64_t addr, struct symbolization *out);

#endif
