/*
 * process_image.h: one process's executable mappings, each with the
 * object it maps held open in the symbolizer's cache (symbolizer.h).
 * Once taken, an image names addresses even after the process has
 * exited; a forked child's is a copy, nothing read again.
 *
 * Every user address is named through symbolize_user: the mapping holding
 * it, then what names that mapping's code. Today that is always the
 * mapped object's file; a source of names that belongs to the process
 * rather than to a file (a JIT's perf map, an interpreter's code
 * objects) would be consulted there, by the mapping, and would keep its
 * state in the image, as the mappings are.
 */
#ifndef PROCESS_IMAGE_H
#define PROCESS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_maps.h"
#include "symbolizer.h"

struct object_info {
	const char *path;     /* as the target names it */
	const char *build_id; /* hex, "" when none */
	bool has_symbols;     /* .symtab, .dynsym or a debug file gave names */
	const void *identity; /* the same for every mapping of the same object (by build ID, else file);
				 NULL when the object could not be read; valid while the lock is held */
	uint64_t serial;      /* the object's number, never given to another: 0 when it could not be read */
};

struct process_image;

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

/* Resolves a user address of the process. Returns the mapping or NULL. */
const struct map_entry *symbolize_user(struct process_image *image, uint64_t addr, struct symbolization *out);

#endif
