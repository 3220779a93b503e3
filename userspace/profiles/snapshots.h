/*
 * snapshots.h: the profiles `serve` keeps for its UI. A snapshot records in
 * the background (the page shows its progress), then holds its profile for
 * viewing, downloading and diffing until the agent stops. Its kinds are the
 * profile sources the UI records (profile_sources.h).
 */
#ifndef SNAPSHOTS_H
#define SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"
#include "profile_sources.h"
#include "window.h"

#define SNAPSHOTS_MAX 64

enum snapshot_state {
	SNAPSHOT_RECORDING,
	SNAPSHOT_READY,
	SNAPSHOT_FAILED,
};

struct snapshot_store;

/* ctx->heap may be NULL (heap tracing off): heap kinds are then refused.
 * Recordings end early when agent fires. */
struct snapshot_store *snapshot_store_new(const struct profile_context *ctx, const struct cancel_token *agent);
/* Ends recordings in progress (keeping what they got) and frees everything. */
void snapshot_store_free(struct snapshot_store *store);

/* Starts a snapshot of source (one the UI records): seconds is its window,
 * or for a kind of UI_SECONDS_AGE the least age shown. Its id, or -1 with a
 * reason (and *gone set when the target has exited, for a kind that needs
 * it running). */
int snapshot_start(struct snapshot_store *store, const struct profile_source *source, unsigned seconds, bool *gone,
		   char *err, size_t err_len);

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
