/*
 * session.h: what `record` and `serve` both hold while attached to a
 * target: the validated process, its symbolizer and process image, and the
 * CPU sampler over it. Whatever reads or refreshes the image or the
 * symbolizer holds `symbols` (libdwfl is not thread-safe).
 */
#ifndef SESSION_H
#define SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
	pthread_mutex_t symbols;
};

/* Validates pid and our privileges, snapshots the target's mappings, loads
 * their unwind tables and prepares sampling (nothing is attached until a
 * window opens). 0, or -1 with a one-line reason; nothing to close then. */
int session_open(struct session *session, pid_t pid, const struct cpu_event *event, unsigned hz,
		 enum unwind_mode unwind, char *err, size_t err_len);
void session_close(struct session *session);

/* Whether every address of a stack lies in code the image knows; false
 * asks for session_refresh_image(). Called with `symbols` held. */
bool session_image_covers(const struct session *session, const uint64_t *addrs, size_t n);
/* Takes in code mapped since the image was read (dlopen): the image looks
 * again and unwind tables load for new objects. With `symbols` held. */
void session_refresh_image(struct session *session);

struct stack_table;
struct profile;
/* Names stacks into profile (profile_add_stacks) under `symbols`, taking in
 * new code first when a stack needs it. 0, or -1 when out of memory. */
int session_add_stacks(struct session *session, struct profile *profile, const struct stack_table *stacks);

#endif
