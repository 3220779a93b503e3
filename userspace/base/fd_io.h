/*
 * fd_io.h: whole buffers through a file descriptor, past the short counts
 * and interrupted calls that read(2) and write(2) may return.
 */
#ifndef FD_IO_H
#define FD_IO_H

#include <stddef.h>

/* 0 once all size bytes are read, or -1 (errno set; EIO at end of file). */
int fd_read_full(int fd, void *buffer, size_t size);
/* 0 once all size bytes are written, or -1 with errno set. */
int fd_write_full(int fd, const void *buffer, size_t size);

#endif
