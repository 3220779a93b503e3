/* http_reply.c: building and queueing the agent's HTTP responses. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "http_reply.h"
#include "text_escape.h"

enum MHD_Result http_send(struct MHD_Connection *conn, unsigned status, const char *content_type, void *body,
			  size_t len, enum MHD_ResponseMemoryMode mode, const char *attachment, const char *location)
{
	struct MHD_Response *response = MHD_create_response_from_buffer(len, body, mode);

	if (response == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (attachment != NULL) {
		char disposition[128];
		snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", attachment);
		MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
	}
	if (location != NULL)
		MHD_add_response_header(response, MHD_HTTP_HEADER_LOCATION, location);
	if (status >= 400)
		MHD_add_response_header(response, "X-Go-Pprof", "1");
	enum MHD_Result result = MHD_queue_response(conn, status, response);
	MHD_destroy_response(response);
	return result;
}

enum MHD_Result http_error(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	int len = vsnprintf(message, sizeof(message) - 1, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(message) - 1)
		len = (int)strlen(message);
	message[len++] = '\n';
	return http_send(conn, status, "text/plain; charset=utf-8", message, (size_t)len, MHD_RESPMEM_MUST_COPY, NULL,
			 NULL);
}

enum MHD_Result http_json_error(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
{
	char message[512], *buf = NULL;
	size_t len = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	FILE *body = open_memstream(&buf, &len);
	if (body == NULL)
		return MHD_NO;
	fputs("{\"error\":", body);
	json_write_string(body, message);
	fputs("}\n", body);
	if (fclose(body) != 0) {
		free(buf);
		return MHD_NO;
	}
	return http_send(conn, status, "application/json", buf, len, MHD_RESPMEM_MUST_FREE, NULL, NULL);
}

enum MHD_Result http_send_stream(struct MHD_Connection *conn, FILE *stream, char **buf, size_t *len, int rc,
				 const char *content_type, const char *attachment)
{
	if (fclose(stream) != 0 || rc != 0) {
		free(*buf);
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "could not encode the response");
	}
	return http_send(conn, MHD_HTTP_OK, content_type, *buf, *len, MHD_RESPMEM_MUST_FREE, attachment, NULL);
}

int http_parse_number(const char *text, long *value)
{
	char *end;

	if (text == NULL)
		return 1;
	errno = 0;
	*value = strtol(text, &end, 10);
	return *text != '\0' && *end == '\0' && errno == 0 ? 0 : -1;
}

int http_query_number(struct MHD_Connection *conn, const char *name, long *value)
{
	return http_parse_number(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name), value);
}
