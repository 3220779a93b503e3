/*
 * pprof.h: the pprof encoder: a profile (profile.h) as the gzipped
 * profile.proto message that `go tool pprof` and other pprof viewers read.
 */
#ifndef PPROF_H
#define PPROF_H

#include <stddef.h>

struct profile;

/* Serialized, gzipped profile.proto. */
struct pprof_buffer {
	unsigned char *data;
	size_t len;
};

/* 0 on success, -1 on failure (allocation, zlib; errno ENOMEM). The caller frees buf->data with free(). */
int pprof_encode(const struct profile *profile, struct pprof_buffer *buf);
/* Writes pprof_encode's bytes to a file path; 0 or -1 with errno set. */
int pprof_write_file(const struct profile *profile, const char *path);

#endif
