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
#include "traced_set.h"
#include "thread_stacks.h"

/* Every thread of every live process of the set, each stopped for its
 * walk. A process that exits meanwhile is left out; -1 with a one-line
 * reason when none could be walked. */
int threads_take(struct traced_set *set, struct thread_stacks *threads, char *err, size_t err_len);
/* NULL when out of memory. */
struct profile *threads_profile(struct traced_set *set, const struct thread_stacks *threads);
/* debug 1: threads grouped by stack and name; 2 (or more): each thread. */
void threads_write_text(FILE *out, struct traced_set *set, const struct thread_stacks *threads, long debug);

#endif
