/*
 * serve.c: `bpfprof serve`: stays attached to a target and answers Go's
 * net/http/pprof endpoints over HTTP (libmicrohttpd, a thread per
 * connection, since a CPU profile request waits out its window).
 *
 * Behaviour follows Go's handlers where a client can tell: headers, status
 * codes, `seconds` and `debug` parameters, error bodies with X-Go-Pprof so
 * `go tool pprof` prints them. Profiles not built yet answer 404 and say so.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cli.h"
#include "clock.h"
#include "heap_collector.h"
#include "heap_tracer.h"
#include "http_reply.h"
#include "kernel_probe.h"
#include "listen.h"
#include "thread_stacks.h"
#include "timeline_collector.h"
#include "trace_json.h"
#include "wall_profile.h"
#include "threads_view.h"
#include "offcpu_profile.h"
#include "output.h"
#include "serve.h"
#include "session.h"
#include "top.h"
#include "ui_api.h"

#define DEFAULT_SECONDS 30
#define BODY_MAX (64 * 1024)
/* Closes idle keep-alive connections (a thread each); a request waiting
 * out its profile window is not idle and is never cut. */
#define IDLE_TIMEOUT_SECONDS 120

static const char serve_usage[] =
	"usage: bpfprof serve --pid PID [--listen 127.0.0.1:6060] [--hz 99] [--unwind auto|fp|dwarf]\n"
	"                     [--heap] [--heap-rate 524288]\n"
	"\n"
	"Attaches to a running process and serves Go-compatible /debug/pprof endpoints,\n"
	"so `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=30` works\n"
	"as it does against a Go program. CPU sampling runs only while a profile is requested;\n"
	"heap tracing (--heap) runs from the start, since in-use memory is counted from attach.\n"
	"Stops on SIGINT or SIGTERM.\n"
	"\n"
	"  -p, --pid PID        the process to profile\n"
	"  -l, --listen ADDR    HOST:PORT to serve on (default 127.0.0.1:6060; port 0 picks one).\n"
	"                       Profiles expose the target's code layout, paths and command line:\n"
	"                       keep it on loopback unless the network is trusted.\n"
	"  -F, --hz N           CPU samples per second per CPU, 1 to 10000 (default 99)\n"
	"  -u, --unwind M       user stacks by auto (.eh_frame tables, frame pointers where an\n"
	"                       object has none; the default), dwarf (tables only) or fp\n"
	"  -m, --heap           trace allocations for /debug/pprof/heap, allocs and leaks (off by\n"
	"                       default: every malloc and free of the target then costs a uprobe hit)\n"
	"  -r, --heap-rate N    sample an allocation every N bytes on average (default 524288,\n"
	"                       as Go's MemProfileRate; 1 records every one); implies --heap\n"
	"  -h, --help           this text\n";

enum endpoint_state { BUILT, NEEDS_HEAP, NOT_BUILT };

/* The profiles Go serves, and our leak view. */
static const struct pprof_endpoint {
	const char *name;
	const char *description;
	enum endpoint_state state;
} pprof_endpoints[] = {
	{"profile", "CPU profile: on-CPU stacks of every thread, sampled for ?seconds=N (default 30).", BUILT},
	{"cmdline", "The target's command line, arguments separated by NUL bytes.", BUILT},
	{"symbol", "Function names of addresses ('+'-separated, by GET or POST), as pprof asks for them.", BUILT},
	{"allocs", "Sampled allocations since attach (alloc_space first); ?seconds=N for the last N seconds.",
	 NEEDS_HEAP},
	{"heap", "Sampled allocations still in use, made since attach (inuse_space first); ?seconds=N for a delta.",
	 NEEDS_HEAP},
	{"leaks", "Allocations in use for more than ?older_than=N seconds (default 10), by stack, as bcc's memleak "
		  "(bpfprof's own).",
	 NEEDS_HEAP},
	{"block", "Time threads spent asleep off-CPU, by the stack where they blocked, over ?seconds=N (default 30).",
	 BUILT},
	{"mutex", "Time threads waited on contended locks (futex waits), by the waiter's stack, over ?seconds=N "
		  "(default 30).",
	 BUILT},
	{"wall", "On-CPU and off-CPU time of every thread in one profile (label state=on-CPU|off-CPU) over "
		 "?seconds=N (default 30): where the whole wall-clock time goes (bpfprof's own).",
	 BUILT},
	{"goroutine", "Every thread's current user stack, counted by stack (Go's goroutine profile: a thread for a "
		      "goroutine); debug=1 groups them as text, debug=2 lists each with its state.",
	 BUILT},
	{"threads", "The same as goroutine, under its C name.", BUILT},
	{"threadcreate", "Stacks that created threads.", NOT_BUILT},
	{"trace", "Each thread's time on CPU, asleep and runnable, with wake-ups, over ?seconds=N (default 1), as "
		  "Chrome trace-event JSON for Perfetto or chrome://tracing (not Go's runtime trace format).",
	 BUILT},
};

struct server {
	struct session session;
	bool stopping; /* windows waiting out their time end now (read atomically) */
	struct heap_tracer *heap; /* NULL without --heap */
	bool frame_pointers_only; /* --unwind fp: the table-driven unwinder's features are not needed */
	struct ui_context ui;     /* also holds when we attached, for / */
};

static bool endpoint_available(const struct server *server, const struct pprof_endpoint *endpoint)
{
	return endpoint->state == BUILT || (endpoint->state == NEEDS_HEAP && server->heap != NULL);
}

/* A profile as Go sends it: gzipped protobuf as an attachment, or with
 * debug set a text table of its first value. Frees the profile. */
static enum MHD_Result send_profile(struct MHD_Connection *conn, struct profile *profile, bool text,
				    const char *filename)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *stream = open_memstream(&buf, &len);
	int rc = -1;

	if (stream != NULL && text) {
		struct top_table table;
		size_t value = profile_default_value(profile);
		rc = top_table_build(profile, value, &table);
		if (rc == 0)
			rc = top_table_write_text(stream, profile, &table, value, 100);
		top_table_free(&table);
	} else if (stream != NULL) {
		rc = profile_write(stream, profile, FORMAT_PPROF, 0, NULL);
	}
	profile_free(profile);
	if (stream == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return text ? http_send_stream(conn, stream, &buf, &len, rc, "text/plain; charset=utf-8", NULL)
		    : http_send_stream(conn, stream, &buf, &len, rc, "application/octet-stream", filename);
}

/* Go's ?seconds= and ?debug=: 0 when seconds was given, 1 when not (the
 * caller's default stays), -1 after answering 400. */
static int read_seconds_and_debug(struct MHD_Connection *conn, long *seconds, long *debug, enum MHD_Result *refused)
{
	int has_seconds = http_query_number(conn, "seconds", seconds);

	if (has_seconds < 0 || (has_seconds == 0 && *seconds <= 0)) {
		*refused = http_error(conn, MHD_HTTP_BAD_REQUEST,
				      "invalid value for \"seconds\" - must be a positive integer");
		return -1;
	}
	if (*seconds > PROFILE_SECONDS_MAX) {
		*refused = http_error(conn, MHD_HTTP_BAD_REQUEST, "seconds=%ld is more than this agent's limit of %d",
				      *seconds, PROFILE_SECONDS_MAX);
		return -1;
	}
	if (http_query_number(conn, "debug", debug) < 0) {
		*refused = http_error(conn, MHD_HTTP_BAD_REQUEST, "invalid value for \"debug\" - must be an integer");
		return -1;
	}
	return has_seconds;
}

static enum MHD_Result serve_cpu_profile(struct server *server, struct MHD_Connection *conn)
{
	long seconds = DEFAULT_SECONDS, debug = 0;
	enum MHD_Result refused;
	char err[512];

	if (read_seconds_and_debug(conn, &seconds, &debug, &refused) < 0)
		return refused;
	struct cpu_window *window = cpu_window_open(server->session.cpu, (uint64_t)seconds * 1000000000ULL, err,
						    sizeof(err));
	if (window == NULL)
		return http_error(conn, cpu_sampler_target_alive(server->session.cpu) ? MHD_HTTP_INTERNAL_SERVER_ERROR
										 : MHD_HTTP_GONE,
				  "cannot take a CPU profile: %s", err);
	struct cpu_window_result result;
	cpu_window_close(window, &result);
	struct profile *profile = cpu_sampler_profile(server->session.cpu, &result);
	stack_table_free(result.stacks);
	if (profile == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory while building the profile");
	return send_profile(conn, profile, debug != 0, "profile");
}

/* Waits out a window of seconds (draining the timeline meanwhile, when
 * there is one); ends early when the agent stops. True when the target
 * exited first. */
static bool wait_out_window(struct server *server, long seconds, struct timeline_collector *timeline)
{
	uint64_t deadline = monotonic_ns() + (uint64_t)seconds * 1000000000ULL;

	while (monotonic_ns() < deadline && !__atomic_load_n(&server->stopping, __ATOMIC_RELAXED)) {
		if (!target_alive(&server->session.image.target))
			return true;
		if (timeline != NULL) {
			timeline_collector_poll(timeline, 100);
		} else {
			struct timespec pause = {.tv_nsec = 100 * 1000000L};
			nanosleep(&pause, NULL);
		}
	}
	return false;
}

/* trace: the scheduler's timeline of every thread over ?seconds=N
 * (default 1, as Go's), as Chrome trace-event JSON. */
static enum MHD_Result serve_trace(struct server *server, struct MHD_Connection *conn)
{
	long seconds = 1, debug = 0;
	enum MHD_Result refused;
	char err[512];

	if (read_seconds_and_debug(conn, &seconds, &debug, &refused) < 0)
		return refused;
	if (!target_alive(&server->session.image.target))
		return http_error(conn, MHD_HTTP_GONE, "PID %d (%s) has exited", (int)server->session.image.target.pid,
				  server->session.image.target.comm);
	struct timeline_collector *timeline = timeline_collector_start(server->session.image.target.pid, err, sizeof(err));
	if (timeline == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot take a trace: %s", err);
	struct thread_stacks threads;
	if (threads_list(server->session.image.target.pid, &threads) != 0)
		threads = (struct thread_stacks){0};
	struct trace_info info = {
		.pid = server->session.image.target.pid,
		.comm = server->session.image.target.comm,
		.threads = &threads,
		.start_ns = monotonic_ns(),
	};
	wait_out_window(server, seconds, timeline);
	info.end_ns = monotonic_ns();
	struct timeline_events gathered;
	timeline_collector_stop(timeline, &gathered);
	info.events_seen = gathered.seen;
	info.events_lost = gathered.lost;

	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int rc = out != NULL ? trace_write_json(out, gathered.events, gathered.count, &info) : -1;
	free(gathered.events);
	thread_stacks_free(&threads);
	if (out == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return http_send_stream(conn, out, &buf, &len, rc, "application/json", "trace.json");
}

/* wall: a CPU window and a block window together, ?seconds=N (default 30). */
static enum MHD_Result serve_wall_profile(struct server *server, struct MHD_Connection *conn)
{
	long seconds = DEFAULT_SECONDS, debug = 0;
	enum MHD_Result refused;
	char err[512];

	if (read_seconds_and_debug(conn, &seconds, &debug, &refused) < 0)
		return refused;
	struct wall_window *window = wall_window_open(&server->session, err, sizeof(err));
	if (window == NULL)
		return http_error(conn, target_alive(&server->session.image.target) ? MHD_HTTP_INTERNAL_SERVER_ERROR
									       : MHD_HTTP_GONE,
				  "cannot take a wall-clock profile: %s", err);
	bool exited = wait_out_window(server, seconds, NULL);
	struct profile *profile = wall_window_close(window, exited);
	if (profile == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory while building the profile");
	return send_profile(conn, profile, debug != 0, "wall");
}

/* block and mutex: a window of ?seconds=N (default 30) with Go's debug;
 * ?min_wait_us=N sets the shortest wait counted (default 1). */
static enum MHD_Result serve_offcpu_profile(struct server *server, struct MHD_Connection *conn, const char *name)
{
	enum offcpu_kind kind = strcmp(name, "mutex") == 0 ? OFFCPU_FUTEX : OFFCPU_BLOCK;
	long seconds = DEFAULT_SECONDS, debug = 0, min_wait_us = (long)(OFFCPU_MIN_WAIT_DEFAULT_NS / 1000);
	enum MHD_Result refused;
	char err[512];

	if (read_seconds_and_debug(conn, &seconds, &debug, &refused) < 0)
		return refused;
	if (http_query_number(conn, "min_wait_us", &min_wait_us) < 0 || min_wait_us < 0)
		return http_error(conn, MHD_HTTP_BAD_REQUEST,
				  "invalid value for \"min_wait_us\" - must be a whole number of microseconds");
	struct offcpu_window *window =
		offcpu_window_open(&server->session.image, kind, (uint64_t)min_wait_us * 1000, err, sizeof(err));
	if (window == NULL)
		return http_error(conn, target_alive(&server->session.image.target) ? MHD_HTTP_INTERNAL_SERVER_ERROR
									       : MHD_HTTP_GONE,
				  "cannot take a %s profile: %s", name, err);
	bool exited = wait_out_window(server, seconds, NULL);
	struct profile *profile = offcpu_window_close(window, exited);
	if (profile == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory while building the profile");
	return send_profile(conn, profile, debug != 0, name);
}

/* goroutine and threads: every thread now. Taking the stacks stops each
 * thread for the time of its walk (ptrace), as eu-stack does. */
static enum MHD_Result serve_threads(struct server *server, struct MHD_Connection *conn, const char *name)
{
	long debug = 0;
	char err[512];
	struct thread_stacks threads;

	if (http_query_number(conn, "debug", &debug) < 0)
		return http_error(conn, MHD_HTTP_BAD_REQUEST, "invalid value for \"debug\" - must be an integer");
	if (!target_alive(&server->session.image.target))
		return http_error(conn, MHD_HTTP_GONE, "PID %d (%s) has exited: it has no threads left",
				  (int)server->session.image.target.pid, server->session.image.target.comm);
	if (thread_stacks_take(server->session.image.target.pid, &threads, err, sizeof(err)) != 0)
		return http_error(conn, target_alive(&server->session.image.target) ? MHD_HTTP_INTERNAL_SERVER_ERROR
									       : MHD_HTTP_GONE,
				  "%s", err);
	if (debug != 0) {
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		if (out == NULL) {
			thread_stacks_free(&threads);
			return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		}
		threads_write_text(out, &server->session.image, &threads, debug);
		thread_stacks_free(&threads);
		return http_send_stream(conn, out, &buf, &len, 0, "text/plain; charset=utf-8", NULL);
	}
	struct profile *profile = threads_profile(&server->session.image, &threads);
	thread_stacks_free(&threads);
	if (profile == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory while building the profile");
	return send_profile(conn, profile, false, name);
}

/* heap, allocs and leaks, with Go's parameters: seconds (a delta), debug,
 * gc (accepted; a C heap has no collector to run); older_than for leaks. */
static enum MHD_Result serve_heap_profile(struct server *server, struct MHD_Connection *conn, const char *name)
{
	enum heap_view view = strcmp(name, "leaks") == 0    ? HEAP_VIEW_LEAKS
			      : strcmp(name, "allocs") == 0 ? HEAP_VIEW_ALLOCS
							    : HEAP_VIEW_HEAP;
	long seconds = 0, debug = 0, older_than = (long)(LEAK_AGE_DEFAULT_NS / 1000000000ULL);
	enum MHD_Result refused;

	int has_seconds = read_seconds_and_debug(conn, &seconds, &debug, &refused);
	if (has_seconds < 0)
		return refused;
	if (has_seconds == 0 && debug != 0)
		return http_error(conn, MHD_HTTP_BAD_REQUEST, "seconds and debug params are incompatible");
	if (view == HEAP_VIEW_LEAKS && has_seconds == 0)
		return http_error(conn, MHD_HTTP_BAD_REQUEST, "the leaks profile has no delta: ask with ?older_than=N");
	int has_age = http_query_number(conn, "older_than", &older_than);
	if (has_age < 0 || older_than < 0)
		return http_error(conn, MHD_HTTP_BAD_REQUEST,
				  "invalid value for \"older_than\" - must be a whole number of seconds");

	struct heap_mark *mark = NULL;
	if (has_seconds == 0) {
		mark = heap_tracer_mark(server->heap);
		if (mark == NULL)
			return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		heap_tracer_wait_until(server->heap, monotonic_ns() + (uint64_t)seconds * 1000000000ULL);
	}
	struct profile *profile =
		heap_tracer_profile(server->heap, view, mark, (uint64_t)older_than * 1000000000ULL);
	heap_mark_free(mark);
	if (profile == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory while building the profile");
	char filename[32];
	snprintf(filename, sizeof(filename), "%s%s", name, mark != NULL ? "-delta" : "");
	return send_profile(conn, profile, debug != 0, filename);
}

static enum MHD_Result serve_index(struct server *server, struct MHD_Connection *conn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *page = open_memstream(&buf, &len);

	if (page == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>/debug/pprof/</title></head><body>\n"
	      "<h1>/debug/pprof/</h1>\n<p>Profiles of this process, in the format of Go's net/http/pprof. "
	      "Read them with <code>go tool pprof http://HOST:PORT/debug/pprof/NAME</code>.</p>\n"
	      "<table>\n<tr><th>Profile</th><th>Description</th></tr>\n",
	      page);
	for (size_t i = 0; i < sizeof(pprof_endpoints) / sizeof(pprof_endpoints[0]); i++)
		if (endpoint_available(server, &pprof_endpoints[i]))
			fprintf(page, "<tr><td><a href=\"%s?debug=1\">%s</a></td><td>%s</td></tr>\n",
				pprof_endpoints[i].name, pprof_endpoints[i].name, pprof_endpoints[i].description);
	fputs("<tr><td><a href=\"goroutine?debug=2\">full thread stack dump</a></td><td>Every thread with its state "
	      "and stack, one block each.</td></tr>\n</table>\n",
	      page);
	if (server->heap == NULL)
		fputs("<p>Heap tracing is off (start with <code>--heap</code>): heap, allocs and leaks answer 404.</p>\n",
		      page);
	else
		fputs("<p>Heap profiles count allocations made since bpfprof attached; earlier ones are invisible to "
		      "it.</p>\n",
		      page);
	fputs("<p>Not built yet (they answer 404): ", page);
	for (size_t i = 0, shown = 0; i < sizeof(pprof_endpoints) / sizeof(pprof_endpoints[0]); i++)
		if (pprof_endpoints[i].state == NOT_BUILT)
			fprintf(page, "%s%s", shown++ ? ", " : "", pprof_endpoints[i].name);
	fputs(".</p>\n</body></html>\n", page);
	return http_send_stream(conn, page, &buf, &len, 0, "text/html; charset=utf-8", NULL);
}

static void html_escape(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static enum MHD_Result serve_home(struct server *server, struct MHD_Connection *conn)
{
	const struct target *target = &server->session.image.target;
	bool alive = cpu_sampler_target_alive(server->session.cpu);
	char *buf = NULL, attached[64];
	size_t len = 0;
	time_t attached_at = (time_t)(server->ui.attached_wall_ns / 1000000000LL);
	FILE *page = open_memstream(&buf, &len);

	if (page == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	strftime(attached, sizeof(attached), "%Y-%m-%d %H:%M:%S UTC", gmtime(&attached_at));
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>bpfprof: ", page);
	html_escape(page, target->comm);
	fprintf(page, "</title></head><body>\n<h1>bpfprof %s: PID %d (", BPFPROF_VERSION, (int)target->pid);
	html_escape(page, target->comm);
	fputs(")</h1>\n<table>\n<tr><th>command</th><td><code>", page);
	html_escape(page, target->cmdline);
	fputs("</code></td></tr>\n", page);
	if (alive)
		fprintf(page, "<tr><th>threads</th><td>%d</td></tr>\n<tr><th>uptime</th><td>%ld s</td></tr>\n",
			target_thread_count(target), target_uptime_seconds(target));
	else
		fputs("<tr><th>state</th><td><strong>exited</strong>: no new profiles can be taken</td></tr>\n",
		      page);
	fprintf(page, "<tr><th>attached</th><td>%s</td></tr>\n</table>\n", attached);
	fputs("<ul>\n<li><a href=\"/ui/\">the flamegraph UI</a>: record CPU profiles, explore, compare</li>\n"
	      "<li><a href=\"/debug/pprof/\">/debug/pprof/</a>: Go-compatible profile endpoints</li>\n"
	      "<li><a href=\"/debug/pprof/profile?seconds=10&amp;debug=1\">a 10 s CPU profile as text</a></li>\n"
	      "</ul>\n</body></html>\n",
	      page);
	return http_send_stream(conn, page, &buf, &len, 0, "text/html; charset=utf-8", NULL);
}

static const struct pprof_endpoint *find_endpoint(const char *name)
{
	for (size_t i = 0; i < sizeof(pprof_endpoints) / sizeof(pprof_endpoints[0]); i++)
		if (strcmp(pprof_endpoints[i].name, name) == 0)
			return &pprof_endpoints[i];
	return NULL;
}

/* A request's body, kept up to a limit (only /debug/pprof/symbol reads it). */
struct request_body {
	char data[BODY_MAX + 1];
	size_t len;
	bool truncated;
};

static void request_completed(void *cls, struct MHD_Connection *conn, void **request_cls,
			      enum MHD_RequestTerminationCode code)
{
	(void)cls, (void)conn, (void)code;
	free(*request_cls);
	*request_cls = NULL;
}

/* Appends each GET argument's name (the addresses of a GET symbol lookup)
 * to the body, space-separated. */
static enum MHD_Result collect_argument(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct request_body *body = cls;
	int n = snprintf(body->data + body->len, sizeof(body->data) - body->len, "%s ", key);
	(void)kind, (void)value;

	if (n < 0 || (size_t)n >= sizeof(body->data) - body->len)
		return MHD_NO;
	body->len += (size_t)n;
	return MHD_YES;
}

/* Go's symbol endpoint: "num_symbols: 1" (we resolve any address), then
 * "0xADDR name" for each address asked for, separated by '+'. */
static enum MHD_Result serve_symbols(struct server *server, struct MHD_Connection *conn, const char *method,
				     struct request_body *body)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (out == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	if (strcmp(method, "POST") != 0) {
		body->len = 0;
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_argument, body);
	}
	body->data[body->len] = '\0';
	fputs("num_symbols: 1\n", out);
	char *save = NULL;
	for (char *word = strtok_r(body->data, "+ \r\n", &save); word != NULL; word = strtok_r(NULL, "+ \r\n", &save)) {
		uint64_t addr = strtoull(word, NULL, 0);
		char name[512];
		if (addr != 0 && target_image_function_name(&server->session.image, addr, name, sizeof(name)))
			fprintf(out, "%#llx %s\n", (unsigned long long)addr, name);
	}
	return http_send_stream(conn, out, &buf, &len, 0, "text/plain; charset=utf-8", NULL);
}

/* The profile kind behind an endpoint (kernel_features.h), NULL for those
 * that need no BPF (cmdline, symbol). */
static const char *endpoint_kind(const char *name)
{
	static const char *const kinds[][2] = {
		{"profile", "cpu"},     {"heap", "heap"},   {"allocs", "heap"},  {"leaks", "leaks"},
		{"block", "block"},     {"mutex", "mutex"}, {"wall", "wall"},    {"trace", "trace"},
		{"goroutine", "threads"}, {"threads", "threads"},
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i][0], name) == 0)
			return kinds[i][1];
	return NULL;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				      const char *version, const char *upload_data, size_t *upload_data_size,
				      void **request_cls)
{
	struct server *server = cls;
	struct request_body *body = *request_cls;
	(void)version;

	/* Go's handlers read parameters from the query string; a body is
	 * kept (up to a limit) for the symbol lookup and otherwise ignored. */
	if (body == NULL) {
		*request_cls = body = calloc(1, sizeof(*body));
		return body != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size > 0) {
		size_t room = BODY_MAX - body->len, take = *upload_data_size < room ? *upload_data_size : room;
		memcpy(body->data + body->len, upload_data, take);
		body->len += take;
		body->truncated |= take < *upload_data_size;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "POST") != 0)
		return http_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	enum MHD_Result result;
	if (ui_api_handle(&server->ui, conn, url, method, &result))
		return result;
	if (strcmp(url, "/") == 0)
		return serve_home(server, conn);
	if (strcmp(url, "/debug/pprof") == 0)
		return http_send(conn, MHD_HTTP_MOVED_PERMANENTLY, "text/html; charset=utf-8", (void *)"", 0,
				     MHD_RESPMEM_PERSISTENT, NULL, "/debug/pprof/");
	if (strcmp(url, "/debug/pprof/") == 0)
		return serve_index(server, conn);
	if (strncmp(url, "/debug/pprof/", 13) != 0)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "404 page not found");

	const char *name = url + 13;
	const struct pprof_endpoint *endpoint = find_endpoint(name);
	if (endpoint == NULL)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "Unknown profile");
	if (endpoint->state == NOT_BUILT)
		return http_error(conn, MHD_HTTP_NOT_FOUND,
				  "profile \"%s\" is not available: bpfprof does not build it yet", name);
	if (endpoint->state == NEEDS_HEAP && server->heap == NULL)
		return http_error(conn, MHD_HTTP_NOT_FOUND,
				  "profile \"%s\" needs heap tracing, which is off: start bpfprof serve with --heap", name);
	char missing[512];
	const char *kind = endpoint_kind(name);
	if (kind != NULL && kernel_check(kind, server->frame_pointers_only, missing, sizeof(missing)) != 0)
		return http_error(conn, MHD_HTTP_NOT_IMPLEMENTED, "%s", missing);
	if (endpoint->state == NEEDS_HEAP)
		return serve_heap_profile(server, conn, name);
	if (strcmp(name, "symbol") == 0) {
		if (body->truncated)
			return http_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "symbol lookup larger than %d bytes",
					  BODY_MAX);
		return serve_symbols(server, conn, method, body);
	}
	if (strcmp(name, "cmdline") == 0)
		return http_send(conn, MHD_HTTP_OK, "text/plain; charset=utf-8", server->session.image.target.argv,
				     server->session.image.target.argv_len, MHD_RESPMEM_PERSISTENT, NULL, NULL);
	if (strcmp(name, "block") == 0 || strcmp(name, "mutex") == 0)
		return serve_offcpu_profile(server, conn, name);
	if (strcmp(name, "goroutine") == 0 || strcmp(name, "threads") == 0)
		return serve_threads(server, conn, name);
	if (strcmp(name, "trace") == 0)
		return serve_trace(server, conn);
	if (strcmp(name, "wall") == 0)
		return serve_wall_profile(server, conn);
	return serve_cpu_profile(server, conn);
}

struct serve_options {
	pid_t pid;
	struct listen_address listen_at;
	unsigned hz;
	enum unwind_mode unwind;
	uint64_t heap_rate; /* 0: heap tracing off */
};

static int parse_serve_options(int argc, char **argv, struct serve_options *opts)
{
	static const struct option long_options[] = {
		{"pid", required_argument, NULL, 'p'}, {"listen", required_argument, NULL, 'l'},
		{"hz", required_argument, NULL, 'F'},  {"unwind", required_argument, NULL, 'u'},
		{"heap", no_argument, NULL, 'm'},      {"heap-rate", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
	};
	char err[256];
	bool have_pid = false;
	int opt;

	*opts = (struct serve_options){.hz = 99, .unwind = UNWIND_MODE_AUTO};
	listen_address_parse("127.0.0.1:6060", &opts->listen_at, err, sizeof(err));
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":p:l:F:u:mr:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (target_parse_pid(optarg, &opts->pid, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			have_pid = true;
			break;
		case 'l':
			if (listen_address_parse(optarg, &opts->listen_at, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			break;
		case 'F':
			if (parse_hz(optarg, HZ_MAX, &opts->hz, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			break;
		case 'u':
			if (parse_unwind_mode(optarg, &opts->unwind, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			break;
		case 'm':
			if (opts->heap_rate == 0)
				opts->heap_rate = HEAP_RATE_DEFAULT;
			break;
		case 'r':
			if (parse_heap_rate(optarg, &opts->heap_rate, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			break;
		case 'h':
			fputs(serve_usage, stdout);
			exit(0);
		default:
			return cli_bad_option(opt, "serve", argv);
		}
	}
	int rc = cli_check_operands("serve", argc, argv, have_pid);
	if (rc != 0)
		return rc;
	return 0;
}

/* Undoes what serve_main set up, in reverse. */
static void server_close(struct server *server, int fd)
{
	if (fd >= 0)
		close(fd);
	snapshot_store_free(server->ui.snapshots);
	heap_tracer_free(server->heap);
	session_close(&server->session);
}

int serve_main(int argc, char **argv)
{
	struct serve_options opts;
	struct server server = {0};
	char err[512];
	int rc = parse_serve_options(argc, argv, &opts);

	if (rc != 0)
		return rc;
	pid_t pid = opts.pid;
	server.frame_pointers_only = opts.unwind == UNWIND_MODE_FP;
	if (kernel_check("cpu", server.frame_pointers_only, err, sizeof(err)) != 0 ||
	    (opts.heap_rate != 0 && kernel_check("heap", server.frame_pointers_only, err, sizeof(err)) != 0))
		return cli_fail(1, "%s", err);
	if (session_open(&server.session, pid, cpu_event_find("cpu-clock"), opts.hz, opts.unwind, err, sizeof(err)) !=
	    0)
		return cli_fail(1, "%s", err);

	int port;
	bool loopback;
	int fd = listen_address_open(&opts.listen_at, &port, &loopback, err, sizeof(err));
	if (fd < 0) {
		server_close(&server, -1);
		return cli_fail(1, "%s", err);
	}
	if (opts.heap_rate != 0) {
		server.heap = heap_tracer_start(&server.session.image, opts.heap_rate, err, sizeof(err));
		if (server.heap == NULL) {
			server_close(&server, fd);
			return cli_fail(1, "%s", err);
		}
	}
	server.ui = (struct ui_context){
		.session = &server.session,
		.heap = server.heap,
		.snapshots = snapshot_store_new(&server.session, server.heap),
		.attached_wall_ns = wall_ns(),
		.hz = opts.hz,
	};
	if (server.ui.snapshots == NULL) {
		server_close(&server, fd);
		return cli_fail(1, "out of memory");
	}

	/* Stop signals go to sigwait() below, never to a connection thread. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *daemon =
		MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				 handle_request, &server, MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
				 MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT,
				 (unsigned int)IDLE_TIMEOUT_SECONDS, MHD_OPTION_END);
	if (daemon == NULL) {
		server_close(&server, fd);
		return cli_fail(1, "libmicrohttpd could not start on port %d", port);
	}
	const char *host = opts.listen_at.host[0] != '\0' ? opts.listen_at.host : "0.0.0.0";
	bool ipv6 = strchr(host, ':') != NULL;
	fprintf(stderr, "bpfprof: serving PID %d (%s) on http://%s%s%s:%d/debug/pprof/\n", (int)pid,
		server.session.image.target.comm, ipv6 ? "[" : "", host, ipv6 ? "]" : "", port);
	if (server.heap != NULL)
		fprintf(stderr, "bpfprof: tracing allocations, one sample every %llu bytes on average\n",
			(unsigned long long)opts.heap_rate);
	if (!loopback)
		fprintf(stderr, "bpfprof: warning: listening beyond this machine; profiles expose the target's "
				"code layout, file paths and command line to anyone who can connect\n");

	int signo;
	sigwait(&stop_signals, &signo);
	fprintf(stderr, "bpfprof: %s received, detaching\n", strsignal(signo));
	/* Requests waiting out a window or a delta return what they have. */
	__atomic_store_n(&server.stopping, true, __ATOMIC_RELAXED);
	cpu_sampler_end_windows(server.session.cpu);
	if (server.heap != NULL)
		heap_tracer_finish(server.heap);
	MHD_stop_daemon(daemon);
	server_close(&server, fd);
	return 0;
}
