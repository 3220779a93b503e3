/*
 * http_server.c: the HTTP server of `bpfprof serve`: Go's net/http/pprof
 * endpoints over libmicrohttpd (a thread per connection, since a profile
 * request waits out its window), a route per profile kind of the table
 * (profile_kinds.h), and the UI's (ui_api.c).
 *
 * Behaviour follows Go's handlers where a client can tell: headers, status
 * codes, `seconds` and `debug` parameters, error bodies with X-Go-Pprof so
 * `go tool pprof` prints them. Profiles not built yet answer 404 and say so.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "heap_tracer.h"
#include "http_reply.h"
#include "offcpu_profile.h"
#include "output.h"
#include "profile_kinds.h"
#include "http_server.h"
#include "session.h"
#include "top.h"
#include "ui_api.h"
#include "text_escape.h"
#include "version.h"

#define BODY_MAX (64 * 1024)
/* Connections beyond --max-connections still get their 503 (with the
 * reason) up to this many more; past those libmicrohttpd closes them. */
#define CONNECTIONS_OVER_LIMIT 16

/* Go's endpoints that are not profile kinds (those are profile_kinds.h's). */
static const struct other_endpoint {
	const char *name;
	const char *description;
	bool built;
} other_endpoints[] = {
	{"cmdline", "The target's command line, arguments separated by NUL bytes.", true},
	{"symbol", "Function names of addresses ('+'-separated, by GET or POST), as pprof asks for them.", true},
	{"threadcreate", "Stacks that created threads.", false},
};

/* A client's connection, from accept to close. A request waiting out its
 * window is not idle and is never cut; one whose headers have not all come
 * within HEADER_TIMEOUT_SECONDS is. */
struct client_connection {
	int fd;
	uint64_t waiting_since_ns; /* under connections_lock: for a request's headers; 0 while answering */
	struct client_connection *next;
};

struct server {
	struct session *session;
	struct MHD_Daemon *daemon;
	struct cancel_token stopping; /* fired at SIGINT/SIGTERM: every window ends */
	struct server_limits limits;
	struct window_slots slots;
	pthread_mutex_t connections_lock;
	struct client_connection *connections;
	unsigned n_connections; /* under connections_lock */
	pthread_t reaper;
	bool reaper_running;
	struct heap_tracer *heap;     /* NULL without --heap */
	bool frame_pointers_only;     /* --unwind fp: the table-driven unwinder's features are not needed */
	struct profile_context ctx;
	struct ui_context ui; /* also holds when we attached, for / */
};

static bool kind_available(const struct server *server, const struct profile_kind *kind)
{
	return !kind->needs_heap || server->heap != NULL;
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

/* Whether the client of conn closed its connection while its window ran:
 * a request waiting out its seconds has sent everything, so anything
 * readable now is the end of the stream. */
static bool client_gone(void *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (info == NULL)
		return false;
	struct pollfd pfd = {.fd = info->connect_fd, .events = POLLIN | POLLRDHUP};
	if (poll(&pfd, 1, 0) <= 0)
		return false;
	if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return true;
	char byte;
	return recv(info->connect_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* A window's document (the trace's JSON) as an attachment, NAME.EXT;
 * nothing when its client went away. */
static enum MHD_Result send_document(struct MHD_Connection *conn, struct kind_window *window,
				     const struct window_clock *clock, struct window_figures *figures, bool client_gone,
				     const struct profile_kind *kind)
{
	char *buf = NULL, filename[32];
	size_t len = 0;
	FILE *out = client_gone ? NULL : open_memstream(&buf, &len);
	int rc = kind_window_close_document(window, clock, figures, out);

	if (client_gone)
		return MHD_NO;
	if (out == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	snprintf(filename, sizeof(filename), "%s.%s", kind->endpoint, format_name(kind->document_format));
	return http_send_stream(conn, out, &buf, &len, rc, kind->document_type, filename);
}

/* Why a window or a view could not be taken: the traced set is gone (410,
 * as Go answers for what no longer exists), or something else failed (500). */
static unsigned int refusal_status(const struct server *server)
{
	return traced_set_alive(&server->session->set) ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_GONE;
}

/* A kind's own text form (the threads' dump): ?debug=N answered as text. */
static enum MHD_Result serve_text(struct server *server, struct MHD_Connection *conn, const struct profile_kind *kind,
				  long debug)
{
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (out == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	if (kind->write_text(&server->ctx, out, debug, err, sizeof(err)) != 0) {
		fclose(out);
		free(buf);
		return http_error(conn, refusal_status(server),
				  "%s", err);
	}
	return http_send_stream(conn, out, &buf, &len, 0, "text/plain; charset=utf-8", NULL);
}

/* What a request's query asks of a window of kind, with Go's rules:
 * seconds (a window, or for heap and allocs a delta), debug, gc (accepted;
 * a C heap has no collector to run); older_than for the leak view,
 * min_wait_us for block and mutex. 0, or -1 after answering 400. */
static int read_request(struct MHD_Connection *conn, const struct profile_kind *kind, struct window_request *request,
			long *seconds, long *debug, enum MHD_Result *refused)
{
	int has_seconds = read_seconds_and_debug(conn, seconds, debug, refused);

	*request = (struct window_request){.min_wait_ns = OFFCPU_MIN_WAIT_DEFAULT_NS};
	if (has_seconds < 0)
		return -1;
	if (kind->span == SPAN_WINDOW)
		request->duration_ns = (uint64_t)*seconds * 1000000000ULL;
	if (kind->span == SPAN_NOW && has_seconds == 0) {
		if (*debug != 0) {
			*refused = http_error(conn, MHD_HTTP_BAD_REQUEST, "seconds and debug params are incompatible");
			return -1;
		}
		request->duration_ns = (uint64_t)*seconds * 1000000000ULL;
		request->delta = true;
	}
	if (kind->span == SPAN_AGE) {
		long older_than = (long)(LEAK_AGE_DEFAULT_NS / 1000000000ULL);
		if (has_seconds == 0) {
			*refused = http_error(conn, MHD_HTTP_BAD_REQUEST,
					      "the %s profile has no delta: ask with ?older_than=N", kind->name);
			return -1;
		}
		if (http_query_number(conn, "older_than", &older_than) < 0 || older_than < 0) {
			*refused = http_error(conn, MHD_HTTP_BAD_REQUEST,
					      "invalid value for \"older_than\" - must be a whole number of seconds");
			return -1;
		}
		request->older_than_ns = (uint64_t)older_than * 1000000000ULL;
	}
	long min_wait_us = (long)(OFFCPU_MIN_WAIT_DEFAULT_NS / 1000);
	if (kind->takes_min_wait) {
		if (http_query_number(conn, "min_wait_us", &min_wait_us) < 0 || min_wait_us < 0) {
			*refused = http_error(conn, MHD_HTTP_BAD_REQUEST,
					      "invalid value for \"min_wait_us\" - must be a whole number of microseconds");
			return -1;
		}
		request->min_wait_ns = (uint64_t)min_wait_us * 1000;
	}
	return 0;
}

/* "CPU profile" stays, "Block profile" reads "block profile" mid-sentence. */
static void lower_title(const char *title, char *out, size_t len)
{
	snprintf(out, len, "%s", title);
	if (isupper((unsigned char)out[0]) && !isupper((unsigned char)out[1]))
		out[0] = (char)tolower((unsigned char)out[0]);
}

/* Every profile kind's endpoint: a window as the query asks, waited out
 * (ending early when the agent stops, the traced set exits or the client goes
 * away), then its profile as Go sends it. */
static enum MHD_Result serve_kind(struct server *server, struct MHD_Connection *conn, const struct profile_kind *kind,
				  const char *name)
{
	long seconds = kind->default_seconds, debug = 0;
	struct window_request request;
	enum MHD_Result refused;
	char err[512], what[64];

	if (read_request(conn, kind, &request, &seconds, &debug, &refused) < 0)
		return refused;
	if (kind->document_type != NULL && debug != 0) {
		lower_title(kind->title, what, sizeof(what));
		return http_error(conn, MHD_HTTP_BAD_REQUEST, "the %s has no text form: ask without debug", what);
	}
	if (debug != 0 && kind->write_text != NULL)
		return serve_text(server, conn, kind, debug);
	struct window_figures figures;
	struct kind_window *window = kind_window_open(kind, &server->ctx, &request, &figures, err, sizeof(err));
	if (window == NULL) {
		lower_title(kind->title, what, sizeof(what));
		return http_error(conn, figures.busy ? MHD_HTTP_SERVICE_UNAVAILABLE : refusal_status(server),
				  "cannot take a %s: %s", what, err);
	}
	struct window_clock clock;
	kind_window_start_clock(window, &clock, &server->stopping);
	clock.client_gone = client_gone;
	clock.client = conn;
	enum window_end end = window_wait(&clock);
	if (end == WINDOW_CLIENT_GONE)
		fprintf(stderr, "bpfprof: the client of /debug/pprof/%s went away after %.1f s; its window ended\n", name,
			window_elapsed_seconds(&clock));
	if (kind->document_type != NULL)
		return send_document(conn, window, &clock, &figures, end == WINDOW_CLIENT_GONE, kind);
	struct profile *profile = kind_window_close(window, &clock, &figures);
	if (end == WINDOW_CLIENT_GONE) {
		profile_free(profile);
		return MHD_NO;
	}
	if (profile == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory while building the profile");
	char filename[32];
	snprintf(filename, sizeof(filename), "%s%s", name, request.delta ? "-delta" : "");
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
	for (size_t i = 0; i < profile_kinds_count; i++) {
		const struct profile_kind *kind = &profile_kinds[i];
		if (!kind_available(server, kind))
			continue;
		fprintf(page, "<tr><td><a href=\"%s?debug=1\">%s</a></td><td>%s</td></tr>\n", kind->endpoint,
			kind->endpoint, kind->description);
		if (kind->alias != NULL)
			fprintf(page,
				"<tr><td><a href=\"%s?debug=1\">%s</a></td><td>The same as %s, under its C "
				"name.</td></tr>\n",
				kind->alias, kind->alias, kind->endpoint);
	}
	for (size_t i = 0; i < sizeof(other_endpoints) / sizeof(other_endpoints[0]); i++)
		if (other_endpoints[i].built)
			fprintf(page, "<tr><td><a href=\"%s?debug=1\">%s</a></td><td>%s</td></tr>\n", other_endpoints[i].name,
				other_endpoints[i].name, other_endpoints[i].description);
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
	for (size_t i = 0, shown = 0; i < sizeof(other_endpoints) / sizeof(other_endpoints[0]); i++)
		if (!other_endpoints[i].built)
			fprintf(page, "%s%s", shown++ ? ", " : "", other_endpoints[i].name);
	fputs(".</p>\n</body></html>\n", page);
	return http_send_stream(conn, page, &buf, &len, 0, "text/html; charset=utf-8", NULL);
}

static enum MHD_Result serve_home(struct server *server, struct MHD_Connection *conn)
{
	struct traced_set *set = &server->session->set;
	const struct process_handle *main = traced_set_main(set);
	bool alive = cpu_sampler_set_alive(server->session->cpu);
	char *buf = NULL, attached[64], name[4096];
	size_t len = 0;
	time_t attached_at = (time_t)(server->ui.attached_wall_ns / 1000000000LL);
	FILE *page = open_memstream(&buf, &len);

	if (page == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	strftime(attached, sizeof(attached), "%Y-%m-%d %H:%M:%S UTC", gmtime(&attached_at));
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>bpfprof: ", page);
	markup_write_text(page, main->comm, SIZE_MAX);
	fprintf(page, "</title></head><body>\n<h1>bpfprof %s: ", BPFPROF_VERSION);
	traced_set_name(set, name, sizeof(name));
	markup_write_text(page, name, SIZE_MAX);
	fputs("</h1>\n<table>\n<tr><th>command</th><td><code>", page);
	markup_write_text(page, main->cmdline, SIZE_MAX);
	fputs("</code></td></tr>\n", page);
	if (alive)
		fprintf(page, "<tr><th>threads</th><td>%d</td></tr>\n<tr><th>uptime</th><td>%ld s</td></tr>\n",
			process_handle_thread_count(main), process_handle_uptime_seconds(main));
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

/* A request's body, kept up to a limit (only /debug/pprof/symbol reads it). */
struct request_body {
	char data[BODY_MAX + 1];
	size_t len;
	bool truncated;
};

static struct client_connection *client_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info != NULL ? info->socket_context : NULL;
}

/* The connection's next request (keep-alive) has its headers to send. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **request_cls,
			      enum MHD_RequestTerminationCode code)
{
	struct server *server = cls;
	struct client_connection *client = client_of(conn);
	(void)code;

	free(*request_cls);
	*request_cls = NULL;
	if (client == NULL)
		return;
	pthread_mutex_lock(&server->connections_lock);
	client->waiting_since_ns = monotonic_ns();
	pthread_mutex_unlock(&server->connections_lock);
}

static void connection_changed(void *cls, struct MHD_Connection *conn, void **socket_context,
			       enum MHD_ConnectionNotificationCode change)
{
	struct server *server = cls;
	struct client_connection *client = *socket_context;

	pthread_mutex_lock(&server->connections_lock);
	if (change == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		client = calloc(1, sizeof(*client));
		if (client != NULL && info != NULL) {
			*client = (struct client_connection){
				.fd = info->connect_fd, .waiting_since_ns = monotonic_ns(), .next = server->connections};
			server->connections = client;
			server->n_connections++;
		} else {
			free(client);
			client = NULL;
		}
		*socket_context = client;
	} else if (client != NULL) { /* closed: libmicrohttpd closes the socket after this */
		for (struct client_connection **link = &server->connections; *link != NULL; link = &(*link)->next)
			if (*link == client) {
				*link = client->next;
				break;
			}
		server->n_connections--;
		free(client);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&server->connections_lock);
}

/* Once a second: cuts the connections whose request has not come whole
 * within HEADER_TIMEOUT_SECONDS (the connection's thread sees its socket
 * shut and closes it). */
static void *reap_slow_clients(void *arg)
{
	struct server *server = arg;

	while (!cancel_token_fired(&server->stopping)) {
		sleep(1);
		uint64_t now = monotonic_ns();
		pthread_mutex_lock(&server->connections_lock);
		for (struct client_connection *client = server->connections; client != NULL; client = client->next)
			if (client->waiting_since_ns != 0 &&
			    now - client->waiting_since_ns > HEADER_TIMEOUT_SECONDS * 1000000000ULL) {
				shutdown(client->fd, SHUT_RDWR);
				client->waiting_since_ns = 0;
			}
		pthread_mutex_unlock(&server->connections_lock);
	}
	return NULL;
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
		if (addr != 0 && traced_set_function_name(&server->session->set, addr, name, sizeof(name)))
			fprintf(out, "%#llx %s\n", (unsigned long long)addr, name);
	}
	return http_send_stream(conn, out, &buf, &len, 0, "text/plain; charset=utf-8", NULL);
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
		struct client_connection *client = client_of(conn);
		if (client != NULL) {
			pthread_mutex_lock(&server->connections_lock);
			client->waiting_since_ns = 0; /* its headers are in */
			pthread_mutex_unlock(&server->connections_lock);
		}
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
	pthread_mutex_lock(&server->connections_lock);
	unsigned connections = server->n_connections;
	pthread_mutex_unlock(&server->connections_lock);
	if (connections > server->limits.max_connections)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "%u connections are open, more than this agent serves at once (--max-connections %u); "
				  "try again when one closes",
				  connections, server->limits.max_connections);
	bool deleting = strcmp(method, "DELETE") == 0; /* the UI's snapshots only */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "POST") != 0 &&
	    !(deleting && strncmp(url, "/api/", 5) == 0))
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
	const struct profile_kind *kind = profile_kind_at(name);
	if (kind != NULL) {
		if (!kind_available(server, kind))
			return http_error(conn, MHD_HTTP_NOT_FOUND,
					  "profile \"%s\" needs heap tracing, which is off: start bpfprof serve with --heap",
					  name);
		char missing[512];
		if (profile_kind_kernel_check(kind, server->frame_pointers_only, missing, sizeof(missing)) != 0)
			return http_error(conn, MHD_HTTP_NOT_IMPLEMENTED, "%s", missing);
		return serve_kind(server, conn, kind, name);
	}
	if (strcmp(name, "symbol") == 0) {
		if (body->truncated)
			return http_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "symbol lookup larger than %d bytes",
					  BODY_MAX);
		return serve_symbols(server, conn, method, body);
	}
	if (strcmp(name, "cmdline") == 0)
		return http_send(conn, MHD_HTTP_OK, "text/plain; charset=utf-8",
				 traced_set_main(&server->session->set)->argv,
				 traced_set_main(&server->session->set)->argv_len, MHD_RESPMEM_PERSISTENT, NULL, NULL);
	for (size_t i = 0; i < sizeof(other_endpoints) / sizeof(other_endpoints[0]); i++)
		if (strcmp(other_endpoints[i].name, name) == 0)
			return http_error(conn, MHD_HTTP_NOT_FOUND,
					  "profile \"%s\" is not available: bpfprof does not build it yet", name);
	return http_error(conn, MHD_HTTP_NOT_FOUND, "Unknown profile");
}

struct server *server_start(struct session *session, struct heap_tracer *heap, unsigned hz, bool frame_pointers_only,
			    const struct server_limits *limits, int listen_fd, char *err, size_t err_len)
{
	struct server *server = calloc(1, sizeof(*server));

	if (server == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	server->session = session;
	server->heap = heap;
	server->frame_pointers_only = frame_pointers_only;
	server->limits = *limits;
	server->slots.max = limits->max_windows;
	pthread_mutex_init(&server->connections_lock, NULL);
	server->ctx = (struct profile_context){
		.session = session,
		.heap = heap,
		.hz = hz,
		.slots = &server->slots,
	};
	server->ui = (struct ui_context){
		.session = session,
		.heap = heap,
		.snapshots = snapshot_store_new(&server->ctx, &server->stopping, limits->snapshot_bytes),
		.attached_wall_ns = wall_ns(),
		.hz = hz,
	};
	if (server->ui.snapshots == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	signal(SIGPIPE, SIG_IGN);
	server->daemon =
		MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				 handle_request, server, MHD_OPTION_NOTIFY_COMPLETED, request_completed, server,
				 MHD_OPTION_NOTIFY_CONNECTION, connection_changed, server, MHD_OPTION_LISTEN_SOCKET,
				 listen_fd, MHD_OPTION_CONNECTION_LIMIT,
				 (unsigned int)(limits->max_connections + CONNECTIONS_OVER_LIMIT), MHD_OPTION_END);
	if (server->daemon == NULL) {
		snprintf(err, err_len, "libmicrohttpd could not start");
		goto fail;
	}
	if (pthread_create(&server->reaper, NULL, reap_slow_clients, server) != 0) {
		snprintf(err, err_len, "cannot start the connection reaper thread");
		MHD_stop_daemon(server->daemon);
		goto fail;
	}
	server->reaper_running = true;
	return server;
fail:
	snapshot_store_free(server->ui.snapshots);
	pthread_mutex_destroy(&server->connections_lock);
	free(server);
	return NULL;
}

void server_end_windows(struct server *server)
{
	cancel_token_fire(&server->stopping);
}

void server_free(struct server *server)
{
	cancel_token_fire(&server->stopping);
	if (server->reaper_running)
		pthread_join(server->reaper, NULL);
	MHD_stop_daemon(server->daemon);
	snapshot_store_free(server->ui.snapshots);
	pthread_mutex_destroy(&server->connections_lock);
	free(server);
}
