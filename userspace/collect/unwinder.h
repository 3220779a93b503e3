/*
 * unwinder.h: the user-space half of the table-driven unwinder. It compiles
 * the unwind table of every object a target maps (once per object, cached
 * by build ID, so processes mapping the same libc share the work), loads
 * them into the BPF maps the walker in bpf/user_stack.bpf.h reads, and
 * keeps a process's list of mappings current as it maps code.
 */
#ifndef UNWINDER_H
#define UNWINDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "profile.h"
#include "process_image.h"
#include "unwind.h"

struct unwinder_stats {
	size_t objects;          /* objects whose rows are in the map */
	size_t objects_without;  /* executable objects walked by frame pointers: no CFI, unreadable, or no room */
	size_t rows;             /* in the kernel's map now */
	uint64_t tables_dropped; /* freed, with their rows, after no process mapped their object */
	uint64_t build_ns;       /* time spent compiling tables, or reading them from the cache */
	uint64_t tables_from_cache; /* read from the on-disk table cache (table_cache.h) */
	uint64_t tables_cached;     /* compiled and added to it */
	uint64_t cache_failures;    /* compiled and not added: a write that failed */
	const char *cache_off;      /* why there is no cache; "" when there is one */
};

struct unwinder;

/* Why a stack ended, in words, for comments and messages. */
const char *unwind_end_name(enum unwind_end end);

/* max_processes: how many processes it unwinds at once (each costs the
 * kernel a struct unwind_process, 24 KiB). NULL with errno when its maps
 * cannot be created. */
struct unwinder *unwinder_new(enum unwind_mode mode, uint32_t max_processes);
void unwinder_free(struct unwinder *unwinder);
enum unwind_mode unwinder_mode(const struct unwinder *unwinder);

/* Loads the tables of every object image maps (building those not seen
 * before) and the process's mappings; creates the maps on first use, sized
 * for what the target maps now with room for later code. Called again
 * after process_image_refresh() to follow dlopen. Nothing to do in
 * frame-pointer mode. 0, or -1 with a one-line reason. */
int unwinder_load_process(struct unwinder *unwinder, struct process_image *image, pid_t pid, char *err,
			  size_t err_len);

/* Frees an exited process's slot (its objects' tables stay for others). */
void unwinder_forget_process(struct unwinder *unwinder, pid_t pid);

struct bpf_object;
/* Before a BPF object that includes user_stack.bpf.h (or unwind_slots.bpf.h)
 * is loaded: makes each of the unwinder's maps it declares the unwinder's
 * own, so its walker finds every table already loaded (the caller sets
 * the object's unwind_mode). 0, or -1 with a reason. */
int unwinder_share_maps(const struct unwinder *unwinder, struct bpf_object *object, char *err, size_t err_len);

void unwinder_read_stats(const struct unwinder *unwinder, struct unwinder_stats *stats);

/* Adds to a profile's comments how its user stacks were walked (mode: the
 * walk the programs do, which is the unwinder's unless the kernel refused
 * it) and why they ended (counts by enum unwind_end), so a reader can tell
 * a short stack from a truncated one. */
void unwinder_describe(const struct unwinder *unwinder, enum unwind_mode mode, struct profile *profile,
		       const uint64_t ends_by_reason[UNWIND_END_MAX]);

#endif
