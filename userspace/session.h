/*
 * session.h: what `record` and `serve` both hold while attached to a
 * target: the validated process, its symbolizer and process image, and the
 * CPU sampler over it.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <sys/types.h>

#include "cpu_sampler.h"
#include "symbolizer.h"
#include "target.h"
#include "unwinder.h"

struct session {
	struct target target;
	struct symbolizer *symbolizer;
	struct process_image *image;
	struct unwinder *unwinder;
	struct cpu_sampler *cpu;
};

/* Validates pid and our privileges, snapshots the target's mappings, loads
 * their unwind tables and prepares sampling (nothing is attached until a
 * window opens). 0, or -1 with a one-line reason; nothing to close then. */
int session_open(struct session *session, pid_t pid, const struct cpu_event *event, unsigned hz,
		 enum unwind_mode unwind, char *err, size_t err_len);
void session_close(struct session *session);

#endif
