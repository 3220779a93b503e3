/*
 * symbolizer.h: the object cache every process image names through, and
 * the kernel's symbols.
 *
 * A symbolizer lives as long as the agent and keeps every object it has
 * opened by build ID (else by file identity), so a second profile of the
 * same program, or of another process mapping the same libraries, costs
 * nothing to name. Per-executable state lives here and in elf_object.h;
 * which process maps what is processes/process_image.h's.
 */
#ifndef SYMBOLIZER_H
#define SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_object.h"
#include "symbol_frame.h"

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
/* One object of the cache: its names (elf_object.h) and its lifetime. */
struct cached_object;

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *symbolizer);

/* The object in the file open at fd (as the process names it: path),
 * the cached one when an object of the same build ID was read before.
 * Takes fd. NULL when the file is no readable ELF object. Not held: a
 * mapping holds it with symbolizer_hold. */
struct cached_object *symbolizer_open_object(struct symbolizer *symbolizer, int fd, const char *path);
/* A mapping of the object appeared; and went (dlclose, exec, a process
 * image freed): an object no mapping holds is kept a while, then freed.
 * Both take NULL. */
void symbolizer_hold(struct symbolizer *symbolizer, struct cached_object *object);
void symbolizer_release(struct symbolizer *symbolizer, struct cached_object *object);
/* What names the object's addresses. */
struct elf_object *cached_object_names(const struct cached_object *object);
/* The object's number, never given to another (unlike its address). */
uint64_t cached_object_serial(const struct cached_object *object);

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

/* Resolves a kernel address; 0, or -1 when kernel symbols are unavailable. */
int symbolize_kernel(struct symbolizer *symbolizer, uint64_t addr, struct symbolization *out);

#endif
