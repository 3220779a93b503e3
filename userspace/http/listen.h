/* listen.h: the --listen HOST:PORT address of `bpfprof serve`. */
#ifndef LISTEN_H
#define LISTEN_H

#include <stdbool.h>
#include <stddef.h>

struct listen_address {
	char host[256]; /* a name or address; "[::1]" brackets removed */
	int port;       /* 0: any free port */
};

/* "127.0.0.1:6060", "localhost:6060", "[::1]:6060", ":6060" (all addresses).
 * 0, or -1 with a one-line reason. */
int listen_address_parse(const char *text, struct listen_address *addr, char *err, size_t err_len);

/* Binds and listens; returns the socket, or -1 with a reason. *bound_port is
 * the port actually bound and *loopback whether only this machine can connect. */
int listen_address_open(const struct listen_address *addr, int *bound_port, bool *loopback, char *err,
			size_t err_len);

#endif
