/*
 * debuginfo_fetcher.c: the thread that looks for debug info the attach did
 * not wait for, one object at a time, and the results it leaves for the
 * symbolizer to take.
 */
#include <elfutils/debuginfod.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "debuginfo_fetcher.h"

struct fetch_request {
	void *owner;
	char *path;
	int fd;
};

struct debuginfo_fetcher {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a request queued or finished, or stopping */
	pthread_t thread;
	bool started, stopping;
	struct fetch_request *queue; /* oldest first */
	size_t n_queue, cap_queue, next;
	bool busy; /* the thread works on a request taken off the queue */
	uint64_t last_progress_ns; /* when the request in flight began or last received bytes */
	long received;             /* its bytes so far */
	struct debuginfo_found *found;
	size_t n_found, cap_found;
};

static char *no_debuginfo_path;
static const Dwfl_Callbacks standard_search = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &no_debuginfo_path,
};

bool debuginfo_fetcher_wanted(void)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	return urls != NULL && urls[strspn(urls, " ")] != '\0';
}

struct debuginfo_fetcher *debuginfo_fetcher_new(void)
{
	struct debuginfo_fetcher *fetcher = calloc(1, sizeof(*fetcher));
	pthread_condattr_t attr;

	if (fetcher == NULL)
		return NULL;
	pthread_mutex_init(&fetcher->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&fetcher->changed, &attr);
	pthread_condattr_destroy(&attr);
	return fetcher;
}

/* The client's progress callback, about once a second: notes bytes as
 * they arrive (done counts bytes once a server sends the file, total then
 * being its size or -1; before that, total is 0), and is the one way to
 * end a download early. */
static int note_progress(debuginfod_client *client, long done, long total)
{
	struct debuginfo_fetcher *fetcher = debuginfod_get_user_data(client);

	pthread_mutex_lock(&fetcher->lock);
	if (total != 0 && done > fetcher->received) {
		fetcher->received = done;
		fetcher->last_progress_ns = monotonic_ns();
	}
	bool stopping = fetcher->stopping;
	pthread_mutex_unlock(&fetcher->lock);
	return stopping ? 1 : 0;
}

/* libdwfl's whole search for one object, which may wait on the servers
 * for as long as DEBUGINFOD_TIMEOUT allows per try. */
static struct debuginfo_found search(struct debuginfo_fetcher *fetcher, struct fetch_request *request)
{
	struct debuginfo_found found = {.owner = request->owner};
	Dwfl *dwfl = dwfl_begin(&standard_search);

	if (dwfl == NULL) {
		close(request->fd);
		return found;
	}
	debuginfod_client *client = dwfl_get_debuginfod_client(dwfl);
	if (client != NULL) {
		debuginfod_set_user_data(client, fetcher);
		debuginfod_set_progressfn(client, note_progress);
	}
	Dwfl_Module *module = dwfl_report_elf(dwfl, request->path, request->path, request->fd, 0, true);
	dwfl_report_end(dwfl, NULL, NULL);
	Dwarf_Addr bias;
	if (module != NULL && dwfl_module_getdwarf(module, &bias) != NULL) {
		found.dwfl = dwfl;
		found.module = module;
	} else {
		dwfl_end(dwfl); /* it closes the descriptor, even when reporting failed */
	}
	return found;
}

static void *fetch_loop(void *arg)
{
	struct debuginfo_fetcher *fetcher = arg;

	pthread_mutex_lock(&fetcher->lock);
	for (;;) {
		while (!fetcher->stopping && fetcher->next == fetcher->n_queue)
			pthread_cond_wait(&fetcher->changed, &fetcher->lock);
		if (fetcher->stopping)
			break;
		struct fetch_request request = fetcher->queue[fetcher->next++];
		fetcher->busy = true;
		fetcher->received = 0;
		fetcher->last_progress_ns = monotonic_ns();
		pthread_mutex_unlock(&fetcher->lock);

		struct debuginfo_found found = search(fetcher, &request);
		free(request.path);

		pthread_mutex_lock(&fetcher->lock);
		fetcher->busy = false;
		struct debuginfo_found *slot = ARRAY_PUSH(fetcher->found, fetcher->n_found, fetcher->cap_found);
		if (slot != NULL)
			*slot = found;
		else if (found.dwfl != NULL)
			dwfl_end(found.dwfl); /* out of memory: the object keeps its symbol table */
		pthread_cond_broadcast(&fetcher->changed);
	}
	pthread_mutex_unlock(&fetcher->lock);
	return NULL;
}

int debuginfo_fetcher_ask(struct debuginfo_fetcher *fetcher, void *owner, const char *path, int fd)
{
	char *copy = strdup(path);
	int rc = -1;

	pthread_mutex_lock(&fetcher->lock);
	struct fetch_request *request = copy != NULL ? ARRAY_PUSH(fetcher->queue, fetcher->n_queue, fetcher->cap_queue)
						     : NULL;
	if (request != NULL) {
		*request = (struct fetch_request){.owner = owner, .path = copy, .fd = fd};
		if (!fetcher->started && pthread_create(&fetcher->thread, NULL, fetch_loop, fetcher) == 0)
			fetcher->started = true;
		if (fetcher->started) {
			pthread_cond_broadcast(&fetcher->changed);
			rc = 0;
		} else {
			fetcher->n_queue--;
		}
	}
	pthread_mutex_unlock(&fetcher->lock);
	if (rc != 0) {
		free(copy);
		close(fd);
	}
	return rc;
}

bool debuginfo_fetcher_take(struct debuginfo_fetcher *fetcher, struct debuginfo_found *out)
{
	bool taken = false;

	pthread_mutex_lock(&fetcher->lock);
	if (fetcher->n_found > 0) {
		*out = fetcher->found[--fetcher->n_found];
		taken = true;
	}
	pthread_mutex_unlock(&fetcher->lock);
	return taken;
}

/* With the lock held. */
static size_t unfinished(const struct debuginfo_fetcher *fetcher)
{
	return fetcher->n_queue - fetcher->next + (fetcher->busy ? 1 : 0);
}

size_t debuginfo_fetcher_pending(struct debuginfo_fetcher *fetcher)
{
	pthread_mutex_lock(&fetcher->lock);
	size_t n = unfinished(fetcher);
	pthread_mutex_unlock(&fetcher->lock);
	return n;
}

bool debuginfo_fetcher_stalled(struct debuginfo_fetcher *fetcher, uint64_t stall_ns)
{
	pthread_mutex_lock(&fetcher->lock);
	bool stalled = fetcher->busy && monotonic_ns() - fetcher->last_progress_ns > stall_ns;
	pthread_mutex_unlock(&fetcher->lock);
	return stalled;
}

bool debuginfo_fetcher_await(struct debuginfo_fetcher *fetcher, uint64_t timeout_ns)
{
	struct timespec until = monotonic_after_ms((int)(timeout_ns / 1000000));

	pthread_mutex_lock(&fetcher->lock);
	while (unfinished(fetcher) > 0 && !fetcher->stopping &&
	       pthread_cond_timedwait(&fetcher->changed, &fetcher->lock, &until) == 0)
		;
	bool done = unfinished(fetcher) == 0;
	pthread_mutex_unlock(&fetcher->lock);
	return done;
}

void debuginfo_fetcher_free(struct debuginfo_fetcher *fetcher)
{
	if (fetcher == NULL)
		return;
	pthread_mutex_lock(&fetcher->lock);
	fetcher->stopping = true;
	pthread_cond_broadcast(&fetcher->changed);
	pthread_mutex_unlock(&fetcher->lock);
	if (fetcher->started)
		pthread_join(fetcher->thread, NULL);
	for (size_t i = fetcher->next; i < fetcher->n_queue; i++) {
		free(fetcher->queue[i].path);
		close(fetcher->queue[i].fd);
	}
	for (size_t i = 0; i < fetcher->n_found; i++)
		if (fetcher->found[i].dwfl != NULL)
			dwfl_end(fetcher->found[i].dwfl);
	free(fetcher->queue);
	free(fetcher->found);
	pthread_cond_destroy(&fetcher->changed);
	pthread_mutex_destroy(&fetcher->lock);
	free(fetcher);
}
