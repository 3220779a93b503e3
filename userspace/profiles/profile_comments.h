/*
 * profile_comments.h: a profile of the traced set (traced_set.h): its
 * stacks named through the set's process images, and the comments saying
 * what the set was and gave.
 */
#ifndef PROFILE_COMMENTS_H
#define PROFILE_COMMENTS_H

#include "traced_set.h"

struct profile;
struct stack_table;

/* Names stacks into profile (profile_add_stacks), taking in new code first
 * when a stack needs it, and says in a comment what each process gave. 0,
 * or -1 when out of memory. */
int traced_set_add_stacks(struct traced_set *set, struct profile *profile, const struct stack_table *stacks);

/* The comments every profile starts with: "bpfprof VERSION: WHAT of PID
 * N (comm)" (or of the set), the main command line, and how the set
 * changed. */
void profile_comments_add_set(struct profile *profile, struct traced_set *set, const char *what);

#endif
