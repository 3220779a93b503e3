/*
 * snapshots.h: the profiles `serve` keeps for its UI. A snapshot records in
 * the background (the page shows its progress), then holds its profile for
 * viewing, downloading and diffing until it is deleted, or evicted, oldest
 * ready first, when the ready profiles' memory passes the store's budget:
 * an agent can serve for weeks. Its kinds are the profile sources the UI
 * records (profile_kinds.h).
 */
#ifndef SNAPSHOTS_H
#define SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"
#include "profile_kinds.h"
#include "window.h"

#define SNAPSHOT_BUDGET_DEFAULT (256ULL << 20) /* bytes of ready profiles kept */

enum snapshot_state {
	SNAPSHOT_RECORDING,
	SNAPSHOT_READY,
	SNAPSHOT_FAILED,
};

struct snapshot_store;

/* ctx->heap may be NULL (heap tracing off): heap kinds are then refused.
 * Recordings end early when agent fires. budget_bytes bounds the ready
 * profiles' memory (the newest is kept even when it alone is larger). */
struct snapshot_store *snapshot_store_new(const struct profile_context *ctx, const struct cancel_token *agent,
					  uint64_t budget_bytes);
/* Ends recordings in progress (keeping what they got) and frees everything. */
void snapshot_store_free(struct snapshot_store *store);

/* Starts a snapshot of kind (one the UI records): seconds is its window,
 * or for a kind of UI_SECONDS_AGE the least age shown. Its id, or -1 with a
 * reason (and *gone set when the traced set has exited, for a kind that needs
 * it running). */
int snapshot_start(struct snapshot_store *store, const struct profile_kind *kind, unsigned seconds, bool *gone,
		   char *err, size_t err_len);

/* Deletes snapshot id, ending its recording if it is still recording;
 * views reading it finish first. false when there is no such id. */
bool snapshot_delete(struct snapshot_store *store, int id);

/* JSON for one snapshot (with its sample types once ready) or all, with
 * the store's memory, budget and evictions; false when there is no such id. */
bool snapshot_write_json(struct snapshot_store *store, int id, FILE *out);
void snapshots_write_json(struct snapshot_store *store, FILE *out);

/* The profile of a ready snapshot, held (not freed, even if deleted) until
 * snapshot_release; or NULL: *found says whether the id exists and *state
 * what it is doing. */
const struct profile *snapshot_hold(struct snapshot_store *store, int id, bool *found, enum snapshot_state *state);
void snapshot_release(struct snapshot_store *store, int id);

/* The kind of snapshot id, by name ("cpu", "heap", ...), for file names. */
const char *snapshot_kind_name(struct snapshot_store *store, int id);

#endif
