/*
 * target_image.h: the target as the agent reads it: the process, its
 * address space with the symbolizer over it, and the unwind tables loaded
 * into the kernel for its objects, behind one lock (libdwfl is not
 * thread-safe). It also owns the one rule for code mapped after attach
 * (dlopen): a stack that runs into code the image does not hold asks for a
 * fresh look, taken at most once a second by a draining thread, and always
 * before such a stack is symbolized. The CPU sampler, the heap tracer and
 * every window use it; it uses none of them.
 */
#ifndef TARGET_IMAGE_H
#define TARGET_IMAGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbolizer.h"
#include "target.h"
#include "unwinder.h"

struct profile;
struct stack_table;

struct target_image {
	struct target target;
	struct symbolizer *symbolizer;
	struct process_image *maps; /* under lock */
	struct unwinder *unwinder;
	pthread_mutex_t lock;
	bool new_code_seen;       /* a stack ran into unknown code (atomic) */
	uint64_t last_refresh_ns; /* under lock */
	bool refreshed_while_locked; /* under lock: target_image_cover's */
};

/* Validates pid and our privileges, reads the target's mappings and loads
 * their unwind tables. 0, or -1 with a one-line reason (nothing to close). */
int target_image_open(struct target_image *image, pid_t pid, enum unwind_mode unwind, char *err, size_t err_len);
void target_image_close(struct target_image *image);

/* On a collector's thread, for each stack it receives: asks for a fresh
 * look when the stack reaches unknown code. Never waits for the lock (a
 * profile being symbolized must not stall sampling): then it checks nothing. */
void target_image_note_stack(struct target_image *image, const uint64_t *addrs, size_t n);
/* On a draining thread's tick: takes the fresh look a stack asked for, at
 * most once a second, unless the target is gone or the image is busy (a
 * profile being named: the next tick looks). */
void target_image_refresh_if_asked(struct target_image *image);

/* Names stacks into profile (profile_add_stacks), taking in new code first
 * when a stack needs it. 0, or -1 when out of memory. */
int target_image_add_stacks(struct target_image *image, struct profile *profile, const struct stack_table *stacks);
/* The function holding a user address (the outermost where calls were
 * inlined, as Go's symbol endpoint names it); false when nothing names it. */
bool target_image_function_name(struct target_image *image, uint64_t addr, char *name, size_t len);

/* The two comments every profile starts with: "bpfprof VERSION: WHAT of PID
 * N (comm)" and the target's command line. */
void target_describe(struct profile *profile, const struct target *target, const char *what);

/* For a caller that symbolizes frame by frame (symbolize_user on maps):
 * between lock and unlock, cover takes in new code when addrs need it (one
 * look per hold). */
void target_image_lock(struct target_image *image);
void target_image_cover(struct target_image *image, const uint64_t *addrs, size_t n);
void target_image_unlock(struct target_image *image);

#endif
