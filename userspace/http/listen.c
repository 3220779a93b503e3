/* listen.c: parsing and binding the agent's HTTP address. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

int listen_address_parse(const char *text, struct listen_address *addr, char *err, size_t err_len)
{
	const char *colon = strrchr(text, ':');
	const char *host = text;
	size_t host_len = colon != NULL ? (size_t)(colon - text) : 0;

	if (colon == NULL)
		goto bad;
	if (host_len >= 2 && text[0] == '[' && text[host_len - 1] == ']') {
		host++;
		host_len -= 2;
	} else if (memchr(text, ':', host_len) != NULL) {
		goto bad; /* an IPv6 address needs its brackets */
	}
	if (host_len >= sizeof(addr->host))
		goto bad;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
		goto bad;
	memcpy(addr->host, host, host_len);
	addr->host[host_len] = '\0';
	addr->port = (int)port;
	return 0;
bad:
	snprintf(err, err_len, "--listen takes HOST:PORT, like 127.0.0.1:6060 or [::1]:6060, not '%s'", text);
	return -1;
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

int listen_address_open(const struct listen_address *addr, int *bound_port, bool *loopback, char *err,
			size_t err_len)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *found;
	char port[16];
	int one = 1;

	snprintf(port, sizeof(port), "%d", addr->port);
	int rc = getaddrinfo(addr->host[0] != '\0' ? addr->host : NULL, port, &hints, &found);
	if (rc != 0) {
		snprintf(err, err_len, "cannot listen on %s:%d: %s", addr->host, addr->port, gai_strerror(rc));
		return -1;
	}
	int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		snprintf(err, err_len, "cannot listen on %s:%d: %s%s", addr->host, addr->port, strerror(errno),
			 errno == EADDRINUSE ? " (is another agent or server using that port?)" : "");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(found);
		return -1;
	}
	*loopback = is_loopback(found->ai_addr);
	freeaddrinfo(found);

	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	getsockname(fd, (struct sockaddr *)&bound, &len);
	*bound_port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
							 : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}
