/*
 * debuginfo_fetcher.h: debug info looked for away from the attach.
 *
 * When DEBUGINFOD_URLS names servers, an object with no debug info on this
 * machine is handed to a thread of its own, which runs libdwfl's standard
 * search for it (build-ID directories, .gnu_debuglink, then the servers,
 * through libdwfl's own debuginfod client and its cache). A server that is
 * slow or silent then delays nothing but that object's names: sampling and
 * profiles go on with its symbol table meanwhile. What the thread finds
 * waits until its owner takes it, under the owner's own lock.
 */
#ifndef DEBUGINFO_FETCHER_H
#define DEBUGINFO_FETCHER_H

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct debuginfo_fetcher;

/* One finished request: a Dwfl holding the object with its debug info
 * (the taker's to keep or dwfl_end), or dwfl NULL when none was found. */
struct debuginfo_found {
	void *owner; /* as given to debuginfo_fetcher_ask */
	Dwfl *dwfl;
	Dwfl_Module *module;
};

/* Whether debug info should be fetched in the background at all: servers
 * are named in DEBUGINFOD_URLS. Without them libdwfl's local search is
 * instant and stays where it was. */
bool debuginfo_fetcher_wanted(void);
struct debuginfo_fetcher *debuginfo_fetcher_new(void);
/* Stops the thread and frees what nobody took. A download in flight is
 * cut short, which the client remembers as a miss of that object for
 * cache_miss_s (600 s unless the cache says otherwise), as it does a 404. */
void debuginfo_fetcher_free(struct debuginfo_fetcher *fetcher);

/* Queues the object open on fd (taken) and named path; owner tells the
 * result apart. 0, or -1 (fd closed) when out of memory. */
int debuginfo_fetcher_ask(struct debuginfo_fetcher *fetcher, void *owner, const char *path, int fd);
/* Takes one finished request; false when none is waiting. */
bool debuginfo_fetcher_take(struct debuginfo_fetcher *fetcher, struct debuginfo_found *out);
/* Requests not finished yet. Safe from any thread. */
size_t debuginfo_fetcher_pending(struct debuginfo_fetcher *fetcher);
/* Whether the request in flight has received nothing for stall_ns (a
 * silent server). Safe from any thread. */
bool debuginfo_fetcher_stalled(struct debuginfo_fetcher *fetcher, uint64_t stall_ns);
/* Waits until every request has finished or timeout_ns passed; true when
 * none is left. Safe from any thread. */
bool debuginfo_fetcher_await(struct debuginfo_fetcher *fetcher, uint64_t timeout_ns);

#endif
