/* request.c: routing, method and parameter rules of the encrypt server. */
#include <string.h>

#include "request.h"

enum route route_for_path(const char *path)
{
	if (strcmp(path, "/encrypt") == 0)
		return ROUTE_ENCRYPT;
	if (strcmp(path, "/stats") == 0)
		return ROUTE_STATS;
	if (strcmp(path, "/healthz") == 0)
		return ROUTE_HEALTHZ;
	if (strcmp(path, "/impl") == 0)
		return ROUTE_IMPL;
	return ROUTE_NOT_FOUND;
}

const char *route_allowed_methods(enum route route)
{
	switch (route) {
	case ROUTE_ENCRYPT:
	case ROUTE_IMPL:
		return "GET, HEAD, POST";
	case ROUTE_STATS:
	case ROUTE_HEALTHZ:
		return "GET, HEAD";
	case ROUTE_NOT_FOUND:
		break;
	}
	return "";
}

bool route_accepts(enum route route, const char *method)
{
	bool reads = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	switch (route) {
	case ROUTE_ENCRYPT:
	case ROUTE_IMPL:
		return reads || strcmp(method, "POST") == 0;
	case ROUTE_STATS:
	case ROUTE_HEALTHZ:
		return reads;
	case ROUTE_NOT_FOUND:
		break;
	}
	return false;
}

int parse_payload_size(const char *text, size_t *size, const char **why)
{
	static const char reason[] = "size must be a whole number of bytes from 0 to 1048576";
	size_t value = 0;

	if (*text == '\0') {
		*why = reason;
		return -1;
	}
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*why = reason;
			return -1;
		}
		value = value * 10 + (size_t)(*p - '0');
		if (value > PAYLOAD_MAX) {
			*why = reason;
			return -1;
		}
	}
	*size = value;
	return 0;
}

void fill_sized_payload(unsigned char *buf, size_t size)
{
	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char)('a' + i % 26);
}
