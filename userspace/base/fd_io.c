/*
 * fd_io.c: whole-buffer reads and writes (fd_io.h), one loop for both.
 */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "fd_io.h"

static int transfer(int fd, char *at, size_t size, bool writing)
{
	while (size > 0) {
		ssize_t n = writing ? write(fd, at, size) : read(fd, at, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO; /* the file ended early, or a write made no progress */
			return -1;
		}
		at += n;
		size -= (size_t)n;
	}
	return 0;
}

int fd_read_full(int fd, void *buffer, size_t size)
{
	return transfer(fd, buffer, size, false);
}

int fd_write_full(int fd, const void *buffer, size_t size)
{
	return transfer(fd, (char *)buffer, size, true);
}
