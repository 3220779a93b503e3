/* trace_window.c: the timeline collector's window, and what the trace draws of the traced set. */
#include <stdlib.h>
#include <string.h>

#include "thread_stacks.h"
#include "timeline_collector.h"
#include "trace_json.h"
#include "trace_window.h"

struct trace_window {
	struct timeline_collector *timeline;
	struct trace_process *processes;
	size_t n_processes;
	struct trace_thread *threads;
	size_t n_threads;
};

static void free_window(struct trace_window *window)
{
	free(window->processes);
	free(window->threads);
	free(window);
}

/* The processes as they are now, each a group of tracks, and every thread
 * of them with its state as /proc gives it. */
static int list_processes(struct trace_window *window, struct traced_set *set)
{
	struct thread_stacks listed = {0};
	size_t n = 0;

	traced_set_lock(set);
	pid_t *pids = traced_set_live_pids(set, &n);
	window->processes = calloc(n + 1, sizeof(*window->processes));
	for (size_t i = 0; pids != NULL && window->processes != NULL && i < n; i++) {
		const struct traced_process *process = traced_set_process(set, pids[i]);
		window->processes[i] = (struct trace_process){.pid = pids[i], .comm = process->handle.comm};
		threads_list(pids[i], &listed);
	}
	traced_set_unlock(set);
	free(pids);
	window->threads = calloc(listed.count + 1, sizeof(*window->threads));
	for (size_t i = 0; window->threads != NULL && i < listed.count; i++) {
		const struct thread_stack *t = &listed.threads[i];
		window->threads[i] = (struct trace_thread){.pid = t->pid, .tid = t->tid, .state = t->state};
		_Static_assert(sizeof(window->threads[i].name) == sizeof(t->name), "a thread's name fits its track");
		memcpy(window->threads[i].name, t->name, sizeof(t->name));
	}
	window->n_threads = window->threads != NULL ? listed.count : 0;
	window->n_processes = window->processes != NULL ? n : 0;
	thread_stacks_free(&listed);
	return window->processes != NULL && window->threads != NULL ? 0 : -1;
}

struct trace_window *trace_window_open(struct traced_set *set, char *err, size_t err_len)
{
	if (!traced_set_alive(set)) {
		traced_set_gone_reason(set, err, err_len);
		return NULL;
	}
	struct trace_window *window = calloc(1, sizeof(*window));
	if (window == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	window->timeline = timeline_collector_start(set->tracker, err, err_len);
	if (window->timeline == NULL) {
		free(window);
		return NULL;
	}
	if (list_processes(window, set) != 0) {
		struct timeline_events dropped;
		timeline_collector_stop(window->timeline, &dropped);
		free(dropped.events);
		free_window(window);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	return window;
}

void trace_window_drain(void *window, int timeout_ms)
{
	timeline_collector_poll(((struct trace_window *)window)->timeline, timeout_ms);
}

int trace_window_close(struct trace_window *window, uint64_t start_ns, uint64_t end_ns, bool set_exited, FILE *out,
		       struct trace_figures *figures)
{
	struct timeline_events gathered;
	int rc = 0;

	timeline_collector_stop(window->timeline, &gathered);
	*figures = (struct trace_figures){.threads = window->n_threads, .seen = gathered.seen, .lost = gathered.lost};
	for (size_t i = 0; i < gathered.count; i++)
		figures->events += gathered.events[i].time_ns >= start_ns && gathered.events[i].time_ns <= end_ns;
	if (out != NULL) {
		struct trace_info info = {
			.processes = window->processes,
			.n_processes = window->n_processes,
			.threads = window->threads,
			.n_threads = window->n_threads,
			.start_ns = start_ns,
			.end_ns = end_ns,
			.events_seen = gathered.seen,
			.events_lost = gathered.lost,
			.set_exited = set_exited,
		};
		rc = trace_write_json(out, gathered.events, gathered.count, &info);
	}
	free(gathered.events);
	free_window(window);
	return rc;
}
