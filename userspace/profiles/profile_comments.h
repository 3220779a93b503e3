/*
 * profile_comments.h: a profile of the traced set (target_image.h): its
 * stacks named through the set's process images, and the comments saying
 * what the set was and gave.
 */
#ifndef PROFILE_COMMENTS_H
#define PROFILE_COMMENTS_H

#include "target_image.h"

struct profile;
struct stack_table;

/* Names stacks into profile (profile_add_stacks), taking in new code first
 * when a stack needs it, and says in a comment what each process gave. 0,
 * or -1 when out of memory. */
int target_image_add_stacks(struct target_image *image, struct profile *profile, const struct stack_table *stacks);

/* The comments every profile starts with: "bpfprof VERSION: WHAT of PID
 * N (comm)" (or of the set), the main command line, and how the set
 * changed. */
void target_describe(struct profile *profile, struct target_image *image, const char *what);

#endif
