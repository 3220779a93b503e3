/*
 * request.h: what the encrypt server accepts, decided without any HTTP
 * library in sight so the rules are unit-tested on their own.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define PAYLOAD_MAX (1024 * 1024) /* largest body or ?size= accepted */

/* The tutorial encrypts one short fixed string. */
#define DEFAULT_PAYLOAD "Hello, World! This is a test message to encrypt."

enum route {
	ROUTE_NOT_FOUND,
	ROUTE_ENCRYPT,
	ROUTE_STATS,
	ROUTE_HEALTHZ,
	ROUTE_IMPL, /* GET: the implementation in use; POST ?name=: switch it live */
};

enum route route_for_path(const char *path);

/* The value of an Allow header for the route: the methods it accepts. */
const char *route_allowed_methods(enum route route);
bool route_accepts(enum route route, const char *method);

/*
 * Parses ?size=: a decimal byte count from 0 to PAYLOAD_MAX, nothing else.
 * Returns 0, or -1 with *why set to a sentence for the 400 response.
 */
int parse_payload_size(const char *text, size_t *size, const char **why);

/* Fills buf with the pattern GET /encrypt?size=N encrypts: the alphabet repeated. */
void fill_sized_payload(unsigned char *buf, size_t size);

#endif
