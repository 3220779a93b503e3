/*
 * thread_stacks.h: what every thread of a process is doing now: its name,
 * its scheduler state, the kernel function it waits in, and its user
 * stack, as eu-stack takes them: libdwfl attaches to each thread with
 * ptrace, stopping it for the time its stack is walked with the objects'
 * CFI, and lets it go. The threads view (Go's goroutine profile) is built
 * from these.
 */
#ifndef THREAD_STACKS_H
#define THREAD_STACKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define THREAD_STACK_MAX_FRAMES 256

struct thread_stack {
	pid_t pid; /* the process */
	pid_t tid;
	char name[16];
	char state;         /* as /proc/PID/task/TID/stat says: R, S, D, T, ... */
	char wchan[64];     /* the kernel function it sleeps in; "" when running or unknown */
	uint64_t pcs[THREAD_STACK_MAX_FRAMES]; /* leaf first: where it stands, then return addresses */
	size_t n_pcs;
	char error[128];    /* why the stack could not be walked (n_pcs is 0), or "" */
};

struct thread_stacks {
	struct thread_stack *threads;
	size_t count, cap;
};

/* Walks every thread of pid, adding them to out (zeroed to start, so
 * that several processes' threads can be gathered). 0, or -1 with a one-line reason (the process
 * is gone, or ptrace is refused: another tracer, or no permission). */
int thread_stacks_take(pid_t pid, struct thread_stacks *out, char *err, size_t err_len);
/* Adds every thread of pid to out with what /proc says (name, state,
 * wait channel) and no stack, without stopping any. 0, or -1 when it is gone. */
int threads_list(pid_t pid, struct thread_stacks *out);
void thread_stacks_free(struct thread_stacks *stacks);

/* The state letter as a word ("running", "sleeping", "disk sleep", ...). */
const char *thread_state_name(char state);

#endif
