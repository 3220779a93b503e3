/*
 * snapshots.h: the profiles `serve` keeps for its UI. A snapshot records in
 * the background (the page shows its progress), then holds its profile for
 * viewing, downloading and diffing until the agent stops. Kinds: a CPU
 * window, the heap in use now, the allocations of a window, the leak view,
 * block, mutex and wall-clock windows.
 */
#ifndef SNAPSHOTS_H
#define SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu_sampler.h"
#include "heap_tracer.h"
#include "session.h"
#include "profile.h"

#define SNAPSHOTS_MAX 64

enum snapshot_state {
	SNAPSHOT_RECORDING,
	SNAPSHOT_READY,
	SNAPSHOT_FAILED,
};

enum snapshot_kind {
	SNAPSHOT_CPU,    /* seconds: the window */
	SNAPSHOT_HEAP,   /* in use now; seconds unused */
	SNAPSHOT_ALLOCS, /* seconds: the window */
	SNAPSHOT_LEAKS,  /* seconds: how old a live allocation must be */
	SNAPSHOT_BLOCK,  /* seconds: the window */
	SNAPSHOT_MUTEX,  /* seconds: the window */
	SNAPSHOT_WALL,   /* seconds: the window */
	SNAPSHOT_KINDS,
};

/* "cpu", "heap", "allocs", "leaks", "block", "mutex", "wall"; SNAPSHOT_KINDS
 * when name is none. */
enum snapshot_kind snapshot_kind_named(const char *name);

struct snapshot_store;

/* heap may be NULL (heap tracing off): heap kinds are then refused. */
struct snapshot_store *snapshot_store_new(struct session *session, struct heap_tracer *heap);
/* Ends CPU recordings in progress (keeping what they got) and frees
 * everything; heap tracing must have been finished first. */
void snapshot_store_free(struct snapshot_store *store);

/* Starts a snapshot; its id, or -1 with a reason (and *gone set when the
 * target has exited, for a kind that needs it running). */
int snapshot_start(struct snapshot_store *store, enum snapshot_kind kind, unsigned seconds, bool *gone, char *err,
		   size_t err_len);

/* JSON for one snapshot (with its sample types once ready) or all; false
 * when there is no such id. */
bool snapshot_write_json(struct snapshot_store *store, int id, FILE *out);
void snapshots_write_json(struct snapshot_store *store, FILE *out);

/* The profile of a ready snapshot, or NULL: *found says whether the id
 * exists and *state what it is doing. Profiles are never freed before the
 * store, so the pointer stays valid. */
const struct profile *snapshot_profile(struct snapshot_store *store, int id, bool *found,
				       enum snapshot_state *state);

/* The kind of snapshot id, by name ("cpu", "heap", ...), for file names. */
const char *snapshot_kind_name(struct snapshot_store *store, int id);

#endif
