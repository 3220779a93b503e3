/* server.h: the encrypt server's HTTP front door, on libmicrohttpd. */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>

#include "encrypt.h"

struct server_config {
	const char *bind_address; /* IPv4 dotted quad */
	int port;		  /* 0 picks a free port */
	unsigned threads;	  /* size of the worker pool */
	const struct encryptor *impl;
	struct encrypt_key key;
};

struct server;

/* NULL on failure, with a one-line reason in err. */
struct server *server_start(const struct server_config *config, char *err, size_t err_len);
int server_port(const struct server *server);
unsigned long long server_requests(const struct server *server);
void server_stop(struct server *server);

#endif
