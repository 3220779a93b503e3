/*
 * http_server.h: the HTTP server of `bpfprof serve`: Go's /debug/pprof/NAME
 * endpoints, the UI and its JSON API, over a session it does not own.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap_tracer.h"
#include "session.h"

struct server;

/* What one agent takes on at once, so that clients cannot exhaust it. */
struct server_limits {
	unsigned max_windows;	  /* profile windows and snapshots recording (--max-windows) */
	unsigned max_connections; /* client connections, a thread each (--max-connections) */
	uint64_t snapshot_bytes;  /* the UI's ready snapshots' memory (--snapshot-memory) */
};

#define SERVE_MAX_WINDOWS_DEFAULT 16
#define SERVE_MAX_CONNECTIONS_DEFAULT 64
/* A connection that has not sent a whole request within this is cut
 * (slow-loris clients; idle keep-alive connections too). */
#define HEADER_TIMEOUT_SECONDS 10

/* Serves on listen_fd (a listening socket; the caller closes it after
 * server_free). heap may be NULL (heap tracing off). NULL with a
 * one-line reason. */
struct server *server_start(struct session *session, struct heap_tracer *heap, unsigned hz, bool frame_pointers_only,
			    const struct server_limits *limits, int listen_fd, char *err, size_t err_len);
/* Ends every window in progress (requests and the UI's snapshots answer
 * with what they have); the server keeps answering. */
void server_end_windows(struct server *server);
/* Ends the windows, waits for every connection and frees the server. */
void server_free(struct server *server);

#endif
