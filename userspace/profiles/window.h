/*
 * window.h: the one lifecycle of every profile window. A window lasts its
 * duration and ends early through one cancellation token, which fires on
 * Ctrl-C, the agent stopping, the snapshot store closing, the traced set's exit
 * or the HTTP client going away; window_wait is the one wait every caller
 * (record, the /debug/pprof routes, the UI's snapshots) goes through.
 *
 * Tokens form a tree: a window's token hangs off its owner's (a request's
 * off the agent's, a snapshot's off the store's, which hangs off the
 * agent's), so firing one ends every window below it.
 */
#ifndef WINDOW_H
#define WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#define WINDOW_TICK_MS 100 /* how often a waiting window looks at the traced set and the client */

enum window_end {
	WINDOW_RUNNING,
	WINDOW_DEADLINE,    /* its duration is over */
	WINDOW_CANCELLED,   /* its token, or one above it, fired */
	WINDOW_SET_EXITED,  /* the traced set is gone (or stopped being traceable) */
	WINDOW_CLIENT_GONE, /* the HTTP client closed its connection */
};

struct cancel_token {
	const struct cancel_token *parent; /* NULL at the root */
	bool fired;			   /* atomic */
};

/* Fires token (and so every token below it). Async-signal-safe. */
void cancel_token_fire(struct cancel_token *token);
/* Whether token or one of its ancestors has fired. */
bool cancel_token_fired(const struct cancel_token *token);

struct window_clock {
	uint64_t started_ns, deadline_ns; /* monotonic */
	struct cancel_token token;	  /* this window's own; fire it to end the window */
	/* Polled each tick, each may be NULL: the traced set is gone; the client
	 * went away; the source itself ended (heap tracing stopped at an exec). */
	bool (*set_gone)(void *set);
	void *set;
	bool (*client_gone)(void *client);
	void *client;
	bool (*source_ended)(void *source);
	void *source;
	/* Called instead of sleeping, to drain a ring buffer for up to
	 * timeout_ms; NULL sleeps. */
	void (*drain)(void *ctx, int timeout_ms);
	void *drain_ctx;
	enum window_end end;
	uint64_t ended_ns; /* when end was set */
};

/* Starts a window of duration_ns now, ending early when parent fires (NULL:
 * only its own token) or a callback the caller sets says so. */
void window_clock_start(struct window_clock *clock, uint64_t duration_ns, const struct cancel_token *parent);
/* Waits until the window ends and says why (also kept in clock->end). */
enum window_end window_wait(struct window_clock *clock);
/* Why the window would end now, without waiting: WINDOW_RUNNING if not. */
enum window_end window_check(struct window_clock *clock);
/* Seconds from the window's start to its end (to now while it runs). */
double window_elapsed_seconds(const struct window_clock *clock);
/* "its duration is over", "it was cancelled", ... for messages. */
const char *window_end_reason(enum window_end end);

/* How many windows may be open at once (serve's --max-windows): each holds
 * BPF programs, maps and a thread, so an agent that many clients ask at
 * once refuses the excess rather than loading the kernel without bound. */
struct window_slots {
	unsigned max; /* 0: no limit */
	unsigned used; /* atomic */
};

/* Takes a slot: false when all max are in use. */
bool window_slots_take(struct window_slots *slots);
void window_slots_give_back(struct window_slots *slots);

#endif
