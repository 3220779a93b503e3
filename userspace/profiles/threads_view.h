/*
 * threads_view.h: Go's goroutine profile for a C process, thread by
 * thread (thread_stacks.c takes the stacks): a pprof profile counting
 * threads by stack (goroutine/count, as Go's), and the text forms Go's
 * endpoint gives with debug=1 (grouped by stack) and debug=2 (one block a
 * thread, with its state).
 */
#ifndef THREADS_VIEW_H
#define THREADS_VIEW_H

#include <stdio.h>

#include "profile.h"
#include "target_image.h"
#include "thread_stacks.h"

/* NULL when out of memory. */
struct profile *threads_profile(struct target_image *image, const struct thread_stacks *threads);
/* debug 1: threads grouped by stack and name; 2 (or more): each thread. */
void threads_write_text(FILE *out, struct target_image *image, const struct thread_stacks *threads, long debug);

#endif
