/*
 * server.c: HTTP handling for the encrypt server. Owns the listening socket
 * (so a busy port is reported with its real reason), the libmicrohttpd
 * thread pool, request bodies and the /stats counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "request.h"
#include "server.h"

struct server {
	struct server_config config;
	/* The implementation in use: POST /impl swaps it while requests run,
	 * so one profiler session sees before and after. */
	_Atomic(const struct encryptor *) impl;
	struct MHD_Daemon *daemon;
	int listen_fd;
	int port;
	time_t started;
	atomic_ullong requests;
	atomic_ullong encrypted;
};

static const char body_too_large[] = "request body larger than 1048576 bytes\n";

/* Per-request state, from the first callback to the completion notice. */
struct request_state {
	enum route route;
	unsigned char *body;
	size_t body_len, body_cap;
	bool body_too_large;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *content_type, char *body,
			     size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *response = MHD_create_response_from_buffer(len, body, mode);

	if (response == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	enum MHD_Result result = MHD_queue_response(conn, status, response);
	MHD_destroy_response(response);
	return result;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return reply(conn, status, "text/plain; charset=utf-8", (char *)text, strlen(text), MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result reply_method_not_allowed(struct MHD_Connection *conn, enum route route)
{
	static const char text[] = "method not allowed\n";
	struct MHD_Response *response =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);

	if (response == NULL)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, route_allowed_methods(route));
	enum MHD_Result result = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, response);
	MHD_destroy_response(response);
	return result;
}

static bool declared_body_too_large(struct MHD_Connection *conn)
{
	const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return length != NULL && strtoull(length, NULL, 10) > PAYLOAD_MAX;
}

static void append_body(struct request_state *state, const char *data, size_t len)
{
	if (state->body_too_large || state->body_len + len > PAYLOAD_MAX) {
		state->body_too_large = true;
		return;
	}
	if (state->body_len + len > state->body_cap) {
		size_t cap = state->body_cap ? state->body_cap : 4096;
		while (cap < state->body_len + len)
			cap *= 2;
		unsigned char *grown = realloc(state->body, cap);
		if (grown == NULL) {
			state->body_too_large = true;
			return;
		}
		state->body = grown;
		state->body_cap = cap;
	}
	memcpy(state->body + state->body_len, data, len);
	state->body_len += len;
}

static enum MHD_Result handle_encrypt(struct server *server, struct MHD_Connection *conn, const char *method,
				      struct request_state *state)
{
	const unsigned char *plaintext = (const unsigned char *)DEFAULT_PAYLOAD;
	size_t len = strlen(DEFAULT_PAYLOAD);
	unsigned char *sized = NULL;

	if (strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
		if (state->body_too_large)
			return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, body_too_large);
		plaintext = state->body ? state->body : (const unsigned char *)"";
		len = state->body_len;
	} else {
		const char *size_text = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "size");
		if (size_text != NULL) {
			const char *why;
			char message[128];
			if (parse_payload_size(size_text, &len, &why) != 0) {
				snprintf(message, sizeof(message), "bad size: %s\n", why);
				return reply_text(conn, MHD_HTTP_BAD_REQUEST, message);
			}
			sized = malloc(len + 1);
			if (sized == NULL)
				return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
			fill_sized_payload(sized, len);
			plaintext = sized;
		}
	}

	size_t hex_len;
	const struct encryptor *impl = atomic_load_explicit(&server->impl, memory_order_acquire);
	char *hex = impl->encrypt(&server->config.key, plaintext, len, &hex_len);
	free(sized);
	if (hex == NULL)
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "encryption failed\n");
	atomic_fetch_add_explicit(&server->encrypted, 1, memory_order_relaxed);
	hex[hex_len] = '\n'; /* the terminator's byte carries the newline */
	return reply(conn, MHD_HTTP_OK, "text/plain; charset=utf-8", hex, hex_len + 1, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result handle_stats(struct server *server, struct MHD_Connection *conn)
{
	char json[256];

	snprintf(json, sizeof(json),
		 "{\"impl\":\"%s\",\"requests\":%llu,\"encrypted\":%llu,\"threads\":%u,\"key_bits\":%zu,"
		 "\"uptime_seconds\":%lld}\n",
		 atomic_load_explicit(&server->impl, memory_order_acquire)->name, server_requests(server),
		 (unsigned long long)atomic_load_explicit(&server->encrypted, memory_order_relaxed),
		 server->config.threads, server->config.key.len * 8, (long long)(time(NULL) - server->started));
	return reply(conn, MHD_HTTP_OK, "application/json", json, strlen(json), MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result handle_impl(struct server *server, struct MHD_Connection *conn, const char *method)
{
	char text[64];

	if (strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
		const char *name = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "name");
		const struct encryptor *impl = name != NULL ? encryptor_find(name) : NULL;
		if (impl == NULL)
			return reply_text(conn, MHD_HTTP_BAD_REQUEST, "bad name: name must be naive or fast\n");
		atomic_store_explicit(&server->impl, impl, memory_order_release);
	}
	snprintf(text, sizeof(text), "%s\n", atomic_load_explicit(&server->impl, memory_order_acquire)->name);
	return reply_text(conn, MHD_HTTP_OK, text);
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				      const char *version, const char *upload_data, size_t *upload_data_size,
				      void **request_cls)
{
	struct server *server = cls;
	struct request_state *state = *request_cls;
	(void)version;

	if (state == NULL) {
		enum route route = route_for_path(url);
		atomic_fetch_add_explicit(&server->requests, 1, memory_order_relaxed);
		if (route == ROUTE_NOT_FOUND)
			return reply_text(conn, MHD_HTTP_NOT_FOUND, "404 page not found\n");
		if (!route_accepts(route, method))
			return reply_method_not_allowed(conn, route);
		if (strcmp(method, MHD_HTTP_METHOD_POST) == 0 && declared_body_too_large(conn))
			return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, body_too_large);
		state = calloc(1, sizeof(*state));
		if (state == NULL)
			return MHD_NO;
		state->route = route;
		*request_cls = state;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		append_body(state, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	switch (state->route) {
	case ROUTE_ENCRYPT:
		return handle_encrypt(server, conn, method, state);
	case ROUTE_STATS:
		return handle_stats(server, conn);
	case ROUTE_HEALTHZ:
		return reply_text(conn, MHD_HTTP_OK, "ok\n");
	case ROUTE_IMPL:
		return handle_impl(server, conn, method);
	case ROUTE_NOT_FOUND:
		break;
	}
	return MHD_NO;
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **request_cls,
			      enum MHD_RequestTerminationCode code)
{
	struct request_state *state = *request_cls;
	(void)cls, (void)conn, (void)code;

	if (state != NULL) {
		free(state->body);
		free(state);
		*request_cls = NULL;
	}
}

static int open_listener(const char *address, int port, int *bound_port, char *err, size_t err_len)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t addr_len = sizeof(addr);
	int one = 1;

	if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
		snprintf(err, err_len, "--bind %s is not an IPv4 address", address);
		return -1;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, err_len, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 1024) != 0) {
		snprintf(err, err_len, "cannot listen on %s:%d: %s%s", address, port, strerror(errno),
			 errno == EADDRINUSE ? " (is another server running on that port?)" : "");
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&addr, &addr_len);
	*bound_port = ntohs(addr.sin_port);
	return fd;
}

struct server *server_start(const struct server_config *config, char *err, size_t err_len)
{
	struct server *server = calloc(1, sizeof(*server));

	if (server == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	server->config = *config;
	server->impl = config->impl;
	server->started = time(NULL);
	server->listen_fd = open_listener(config->bind_address, config->port, &server->port, err, err_len);
	if (server->listen_fd < 0) {
		free(server);
		return NULL;
	}
	server->daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, handle_request, server,
					  MHD_OPTION_LISTEN_SOCKET, server->listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
					  (unsigned int)config->threads, MHD_OPTION_NOTIFY_COMPLETED, request_completed,
					  server, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_END);
	if (server->daemon == NULL) {
		snprintf(err, err_len, "libmicrohttpd could not start on port %d", server->port);
		close(server->listen_fd);
		free(server);
		return NULL;
	}
	return server;
}

int server_port(const struct server *server)
{
	return server->port;
}

unsigned long long server_requests(const struct server *server)
{
	return atomic_load_explicit(&server->requests, memory_order_relaxed);
}

void server_stop(struct server *server)
{
	MHD_stop_daemon(server->daemon);
	close(server->listen_fd);
	free(server);
}
