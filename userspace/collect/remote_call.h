/*
 * remote_call.h: calling a function inside another, running process, as
 * gdb's "call" does: one thread of it is seized with ptrace and stopped
 * where a call cannot deadlock, lent to the call, and given back with
 * every register as it was; the process's other threads run on
 * throughout. The agent loads its sampler library into a target this way
 * (dlopen, then the library's start and stop functions).
 *
 * ptrace answers only the thread that attached: every call on a
 * remote_thread must come from the agent thread that made it, and no other
 * agent thread may reap children with waitpid(-1, ...) meanwhile.
 */
#ifndef REMOTE_CALL_H
#define REMOTE_CALL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One thread of the target, seized and stopped at a safe point. */
struct remote_thread;

/* Code (a pc range, end excluded) where a thread that is not blocked in a
 * system call must not be borrowed, because it may hold a lock the called
 * function takes: the allocator's functions, the dynamic loader's text. A
 * blocked thread is judged by its system call instead (its pc lies in a
 * libc wrapper), so the ranges may be narrow. */
struct remote_range {
	uint64_t start, end;
};

/* Seizes one thread of pid (the main thread first, then the others) and
 * keeps it stopped where a call is safe: blocked in a system call other
 * than the allocator's own (mmap, munmap, mremap, brk, madvise, mprotect),
 * or running outside every avoid range. Threads that are not safe are let
 * go at once and tried again for about 2 s. The thread, or NULL with a
 * one-line reason (no such process, ptrace refused, no safe thread). */
struct remote_thread *remote_attach(pid_t pid, const struct remote_range *avoid, size_t n_avoid, char *err,
				    size_t err_len);

/* Calls function(args[0], ..., args[n_args - 1]) (n_args <= 6, integer or
 * pointer arguments of the System V ABI) in the thread and waits at most
 * timeout_ms for it to return: 0 with its rax in *result, or -1 with a
 * one-line reason: the function crashed (its signal is kept from the
 * target), it did not return in time (it is abandoned where it was, with
 * whatever it had done or locked), or the target exited. Signals the
 * target receives meanwhile are delivered, their handlers running on top
 * of the call. Whatever the outcome, the thread is left stopped with its
 * own registers back, ready for another call or remote_detach. */
int remote_call(struct remote_thread *thread, uint64_t function, const uint64_t *args, size_t n_args, int timeout_ms,
		uint64_t *result, char *err, size_t err_len);

/* Copies len bytes into the target's stack, below the thread's red zone
 * and whatever was pushed before, for a later call to read (a path for
 * dlopen): 16 KiB in all at most, as the smallest thread stacks are not
 * much larger. Their address in the target (16-byte aligned), or 0 when
 * they cannot be written. They stay valid until remote_detach. */
uint64_t remote_push(struct remote_thread *thread, const void *bytes, size_t len);

/* Gives back every register (general, and FPU/SSE/AVX) and the signal
 * mask as they were when the thread was stopped, and lets it go on where
 * it was: a system call it was blocked in starts again as if nothing had
 * happened. Frees the thread; NULL is ignored. */
void remote_detach(struct remote_thread *thread);

#endif
