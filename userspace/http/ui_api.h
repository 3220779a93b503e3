/*
 * ui_api.h: the flamegraph UI of `serve`: its page and assets, compiled
 * into the binary, and the JSON API the page uses (target facts, snapshots
 * recorded in the background, flame trees, top tables, diffs).
 */
#ifndef UI_API_H
#define UI_API_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "session.h"
#include "snapshots.h"

struct ui_context {
	struct session *session;
	struct heap_tracer *heap; /* NULL: heap tracing off */
	struct snapshot_store *snapshots;
	int64_t attached_wall_ns;
	unsigned hz;
};

/* Answers url when it is under /ui/ or /api/: true, with *result set. */
bool ui_api_handle(struct ui_context *ctx, struct MHD_Connection *conn, const char *url, const char *method,
		   enum MHD_Result *result);

#endif
