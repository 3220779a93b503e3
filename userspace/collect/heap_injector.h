/*
 * heap_injector.h: the in-process heap sampler's life in a target
 * (--heap-inject, sampler/heap_sampler.c): its library loaded into the
 * running process with dlopen, called through ptrace (remote_call.c), then
 * started and stopped by calls to the functions it exports. The uprobe on
 * its note function is the heap collector's.
 */
#ifndef HEAP_INJECTOR_H
#define HEAP_INJECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "remote_call.h"

#define HEAP_INJECTOR_AVOID_MAX 16
#define HEAP_SAMPLER_LIBRARY	"libbpfprof-heap-sampler.so"

struct heap_injection {
	pid_t pid;
	char library[4096];			/* the sampler's path, the same file for the agent and the target */
	char probe_path[4200];			/* the library through /proc/PID/root: what the uprobe attaches to */
	size_t note_offset;			/* bpfprof_heap_sampled's file offset */
	uint64_t start_function, stop_function; /* their addresses in the target */
	/* Code a thread must not be stopped in for a call: the allocator's,
	 * the dynamic loader's and the sampler's own (their locks). */
	struct remote_range avoid[HEAP_INJECTOR_AVOID_MAX];
	size_t n_avoid;
};

/* Loads the sampler into pid (dlopen; a second load finds it loaded) and
 * fills injection. 0, or -1 with a one-line reason. */
int heap_injector_load(pid_t pid, struct heap_injection *injection, char *err, size_t err_len);
/* Starts sampling every rate bytes on average: how many GOT slots now lead
 * to the sampler (more than 0), or -1 with a one-line reason. */
int heap_injector_start(struct heap_injection *injection, uint64_t rate, char *err, size_t err_len);
/* Puts every slot back; the library stays loaded, inert. 0, or -1. */
int heap_injector_stop(struct heap_injection *injection, char *err, size_t err_len);

#endif
