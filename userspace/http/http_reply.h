/*
 * http_reply.h: responses of the agent's HTTP server, with the headers Go's
 * pprof handlers send on every one (nosniff; X-Go-Pprof on errors, so
 * `go tool pprof` prints our message).
 */
#ifndef HTTP_REPLY_H
#define HTTP_REPLY_H

#include <stddef.h>
#include <stdio.h>

#include <microhttpd.h>

/* attachment: a file name for Content-Disposition, or NULL; location: a
 * Location header, or NULL. */
enum MHD_Result http_send(struct MHD_Connection *conn, unsigned status, const char *content_type, void *body,
			  size_t len, enum MHD_ResponseMemoryMode mode, const char *attachment, const char *location);
/* A text/plain error: the message and a newline. */
enum MHD_Result http_error(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A JSON error: {"error": message}. */
enum MHD_Result http_json_error(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Closes a memstream and sends what it holds (its buffer is final only once
 * closed), or a 500 when rc or writing failed. */
enum MHD_Result http_send_stream(struct MHD_Connection *conn, FILE *stream, char **buf, size_t *len, int rc,
				 const char *content_type, const char *attachment);

#define PROFILE_SECONDS_MAX 3600 /* the longest window serve records for one request */

/* ?name= as a whole number: 0 and *value, 1 when absent, -1 when malformed. */
int http_query_number(struct MHD_Connection *conn, const char *name, long *value);
/* The same rule on a query value already looked up (NULL: absent), apart
 * from the connection so that it can be tested alone. */
int http_parse_number(const char *text, long *value);

#endif
