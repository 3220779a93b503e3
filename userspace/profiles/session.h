/*
 * session.h: what `record` and `serve` both hold while attached to a
 * traced set: the set (traced_set.h) and the CPU sampler over it.
 */
#ifndef SESSION_H
#define SESSION_H

#include <sys/types.h>

#include "cpu_sampler.h"
#include "traced_set.h"

struct session {
	struct traced_set set;
	struct cpu_sampler *cpu;
};

/* Validates the processes spec names and our privileges, reads the set's processes and prepares
 * sampling (nothing is attached until a window opens). 0, or -1 with a
 * one-line reason; nothing to close then. */
int session_open(struct session *session, const struct traced_set_spec *spec, const struct cpu_event *event,
		 unsigned hz, enum unwind_mode unwind, char *err, size_t err_len);
void session_close(struct session *session);

#endif
