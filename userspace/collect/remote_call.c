/*
 * remote_call.c: calls into a live process through ptrace. It owns the
 * choice of the thread to borrow and the stop at a safe point
 * (remote_attach), the call's stack frame and the wait for its return
 * (remote_call, remote_push), and giving the thread back as it was
 * (remote_detach). x86-64 only.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#include "array.h"
#include "remote_call.h"

/* How long remote_attach keeps looking for a thread at a safe point. */
#define ATTACH_TRIES_MS 2000
/* The System V ABI lets a function use these bytes below its stack
 * pointer without moving it: the interrupted code may have data there. */
#define RED_ZONE 128
/* Bytes remote_push may place below a thread's stack pointer in all:
 * enough for paths and names, little enough for the smallest thread stack. */
#define PUSH_LIMIT (16 * 1024)

/* The kernel's codes for a system call cut short by a signal
 * (include/linux/errno.h): never seen by programs, but in rax at a stop. */
enum {
	ERESTARTSYS = 512,
	ERESTARTNOINTR = 513,
	ERESTARTNOHAND = 514,
	ERESTART_RESTARTBLOCK = 516,
};

#define EFLAGS_TF 0x100 /* trap flag: single-stepping */
#define EFLAGS_DF 0x400 /* direction flag: the ABI wants it clear at every call */

struct remote_thread {
	pid_t pid, tid;
	struct user_regs_struct regs; /* as it was stopped: given back after every call */
	void *fpu;		      /* its FPU/SSE/AVX registers, as regset fpu_note holds them */
	size_t fpu_len;
	int fpu_note; /* NT_X86_XSTATE, or NT_PRFPREG without XSAVE */
	uint64_t sigmask;
	bool sigmask_known;  /* false where sigmask is a system call's passing mask */
	uint64_t stack_free; /* the highest address free for a frame: below the red zone and the pushed bytes */
	bool gone;	     /* the thread exited: nothing left to give back */
};

enum attempt { STOPPED, UNSAFE, JOB_STOPPED, GONE, REFUSED };
enum outcome { RETURNED, CRASHED, ABANDONED, EXITED, LOST };

static int64_t now_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

static void pause_us(long us)
{
	struct timespec pause = {.tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000};

	nanosleep(&pause, NULL);
}

/* ptrace's refusals in words that say what to do about them. */
static const char *ptrace_refusal(int error)
{
	switch (error) {
	case EPERM:
		return "permission denied: another tracer (gdb, strace) may hold it, or the agent lacks "
		       "CAP_SYS_PTRACE (run as root) or kernel.yama.ptrace_scope forbids it";
	case ESRCH:
		return "no such process (it has exited)";
	default:
		return strerror(error);
	}
}

/* SEGV for SIGSEGV: messages print "SIG%s". */
static const char *signal_abbrev(int sig)
{
	const char *abbrev = sigabbrev_np(sig);

	return abbrev != NULL ? abbrev : "UNKNOWN";
}

/* The threads of pid, the main thread first (callers ask for it: it is
 * the one most programs park in an event loop); NULL when pid is gone. */
static pid_t *list_threads(pid_t pid, size_t *count)
{
	char path[64];
	pid_t *tids = NULL, *tid;
	size_t cap = 0;

	*count = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *tasks = opendir(path);
	if (tasks == NULL)
		return NULL;
	if ((tid = ARRAY_PUSH(tids, *count, cap)) != NULL)
		*tid = pid;
	for (struct dirent *entry; tids != NULL && (entry = readdir(tasks)) != NULL;) {
		pid_t other = (pid_t)atoi(entry->d_name);
		if (other > 0 && other != pid && (tid = ARRAY_PUSH(tids, *count, cap)) != NULL)
			*tid = other;
	}
	closedir(tasks);
	return tids;
}

/* The state letter of /proc/PID/task/TID/stat (R, S, D, T, t, Z, ...), or '?'. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64], stat[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	if ((f = fopen(path, "re")) == NULL)
		return '?';
	size_t len = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[len] = '\0';
	const char *after_name = strrchr(stat, ')'); /* the name may hold spaces and parentheses */
	return after_name != NULL && after_name[1] == ' ' ? after_name[2] : '?';
}

/* The signal sets /proc/PID/task/TID/status shows as bits (signal n at
 * bit n - 1): blocked, and caught by a handler. False when unreadable. */
static bool signal_sets(pid_t pid, pid_t tid, uint64_t *blocked, uint64_t *caught)
{
	char path[64], line[128];
	unsigned long long value;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "SigBlk: %llx", &value) == 1)
			*blocked = value, found++;
		else if (sscanf(line, "SigCgt: %llx", &value) == 1)
			*caught = value, found++;
	}
	fclose(f);
	return found == 2;
}

static bool is_allocator_syscall(long nr)
{
	return nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mremap || nr == SYS_brk || nr == SYS_madvise ||
	       nr == SYS_mprotect;
}

/* System calls that block with a mask of their own: while the thread sits
 * in one, the mask ptrace and /proc show is that one, and the thread's
 * own comes back only as it leaves. */
static bool is_passing_mask_syscall(long nr)
{
	return nr == SYS_ppoll || nr == SYS_pselect6 || nr == SYS_epoll_pwait || nr == SYS_rt_sigsuspend
#ifdef SYS_epoll_pwait2
	       || nr == SYS_epoll_pwait2
#endif
#ifdef SYS_io_pgetevents
	       || nr == SYS_io_pgetevents
#endif
		;
}

/* The system call the thread was stopped in or on its way out of, or -1. */
static long syscall_of(const struct user_regs_struct *regs)
{
	return (long)regs->orig_rax;
}

/* Stopped in a system call that a signal cut short: let go, it starts
 * again (or fails with EINTR, as after any signal). */
static bool blocked_in_syscall(const struct user_regs_struct *regs)
{
	long ret = (long)regs->rax;

	return syscall_of(regs) >= 0 && (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND ||
					 ret == -ERESTART_RESTARTBLOCK || ret == -EINTR);
}

/* Where a call cannot wait forever on a lock the thread itself holds. */
static bool at_safe_point(const struct user_regs_struct *regs, const struct remote_range *avoid, size_t n_avoid)
{
	/* In the allocator's system call, or just back from one: its lock is held. */
	if (is_allocator_syscall(syscall_of(regs)))
		return false;
	if (blocked_in_syscall(regs))
		return true;
	for (size_t i = 0; i < n_avoid; i++)
		if (regs->rip >= avoid[i].start && regs->rip < avoid[i].end)
			return false;
	return true;
}

/* The call returns into a fault, and the kernel forces a fault through a
 * blocked or ignored SIGSEGV by resetting SIGSEGV to its default action,
 * for the whole process: a handler the target set (a crash reporter, a
 * JVM's) would be lost. Where the target has one, a thread is borrowed
 * only if it is known to let SIGSEGV through. */
static bool returning_is_harmless(pid_t pid, pid_t tid, const struct user_regs_struct *regs)
{
	const uint64_t segv = 1ull << (SIGSEGV - 1);
	uint64_t blocked, caught;

	if (!signal_sets(pid, tid, &blocked, &caught) || !(caught & segv))
		return true;
	return !(blocked & segv) && !(blocked_in_syscall(regs) && is_passing_mask_syscall(syscall_of(regs)));
}

/* Waits for the stop PTRACE_INTERRUPT asked of tid, passing on any signal
 * that comes first (the interrupt stays pending meanwhile). Unbounded, but
 * only threads that are not in uninterruptible sleep are interrupted. */
static enum attempt wait_for_interrupt(pid_t tid)
{
	for (;;) {
		int status;
		if (waitpid(tid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return GONE;
		}
		if (!WIFSTOPPED(status))
			return GONE;
		if (status >> 16 == PTRACE_EVENT_STOP) /* ours is a SIGTRAP; a SIGSTOP or the like is job control */
			return WSTOPSIG(status) == SIGTRAP ? STOPPED : JOB_STOPPED;
		ptrace(PTRACE_CONT, tid, 0, WSTOPSIG(status));
	}
}

/* The FPU/SSE/AVX registers: the XSAVE area, whose size depends on the
 * CPU (AVX-512, AMX), read into a buffer grown until the kernel's copy
 * fits whole; or the legacy FXSAVE area where there is no XSAVE. */
static int save_fpu(struct remote_thread *thread)
{
	for (size_t len = 4096; len <= 1024 * 1024; len *= 2) {
		void *buf = malloc(len);
		struct iovec iov = {.iov_base = buf, .iov_len = len};
		if (buf == NULL || ptrace(PTRACE_GETREGSET, thread->tid, NT_X86_XSTATE, &iov) != 0) {
			free(buf);
			break;
		}
		if (iov.iov_len < len) {
			thread->fpu = buf, thread->fpu_len = iov.iov_len, thread->fpu_note = NT_X86_XSTATE;
			return 0;
		}
		free(buf);
	}
	struct iovec iov = {.iov_base = malloc(sizeof(struct user_fpregs_struct)),
			    .iov_len = sizeof(struct user_fpregs_struct)};
	if (iov.iov_base == NULL || ptrace(PTRACE_GETREGSET, thread->tid, NT_PRFPREG, &iov) != 0) {
		free(iov.iov_base);
		return -1;
	}
	thread->fpu = iov.iov_base, thread->fpu_len = iov.iov_len, thread->fpu_note = NT_PRFPREG;
	return 0;
}

/* The rest of what remote_detach gives back (thread->regs are read). */
static int save_state(struct remote_thread *thread)
{
	if (save_fpu(thread) != 0)
		return -1;
	/* A forced SIGSEGV unblocks itself in the mask; the mask is put back
	 * after each call, except the passing mask of a system call, which
	 * the kernel puts back itself. */
	thread->sigmask_known =
		ptrace(PTRACE_GETSIGMASK, thread->tid, sizeof(thread->sigmask), &thread->sigmask) == 0 &&
		!(blocked_in_syscall(&thread->regs) && is_passing_mask_syscall(syscall_of(&thread->regs)));
	thread->stack_free = thread->regs.rsp - RED_ZONE;
	return 0;
}

/* The thread as it was stopped: registers, and a mask the call changed. */
static int restore_state(struct remote_thread *thread)
{
	struct iovec fpu = {.iov_base = thread->fpu, .iov_len = thread->fpu_len};
	uint64_t mask = 0; /* valgrind does not know PTRACE_GETSIGMASK writes it */

	if (ptrace(PTRACE_SETREGS, thread->tid, 0, &thread->regs) != 0 ||
	    ptrace(PTRACE_SETREGSET, thread->tid, thread->fpu_note, &fpu) != 0)
		return -1;
	if (thread->sigmask_known && ptrace(PTRACE_GETSIGMASK, thread->tid, sizeof(mask), &mask) == 0 &&
	    mask != thread->sigmask)
		return (int)ptrace(PTRACE_SETSIGMASK, thread->tid, sizeof(thread->sigmask), &thread->sigmask);
	return 0;
}

/* Seizes tid and stops it: kept if the stop is a safe point, let go at once if not. */
static enum attempt try_thread(struct remote_thread *thread, pid_t tid, const struct remote_range *avoid,
			       size_t n_avoid, int *error)
{
	char state = thread_state(thread->pid, tid);

	/* Not waited for: a thread in uninterruptible sleep (D) or gone (Z, X). */
	if (state == 'D' || state == 'Z' || state == 'X')
		return UNSAFE;
	if (state == 'T')
		return JOB_STOPPED;
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) != 0) {
		*error = errno;
		return errno == ESRCH ? GONE : REFUSED;
	}
	/* Fails only for a thread already exiting, whose exit the wait reaps. */
	ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	enum attempt stop = wait_for_interrupt(tid);
	if (stop == GONE)
		return GONE;

	thread->tid = tid;
	if (stop == STOPPED && ptrace(PTRACE_GETREGS, tid, 0, &thread->regs) == 0 &&
	    at_safe_point(&thread->regs, avoid, n_avoid) && returning_is_harmless(thread->pid, tid, &thread->regs) &&
	    save_state(thread) == 0)
		return STOPPED;
	free(thread->fpu);
	thread->fpu = NULL;
	/* Detaching resumes it; one in a job-control stop stays stopped. */
	ptrace(PTRACE_DETACH, tid, 0, 0);
	return stop == STOPPED ? UNSAFE : stop;
}

struct remote_thread *remote_attach(pid_t pid, const struct remote_range *avoid, size_t n_avoid, char *err,
				    size_t err_len)
{
	struct remote_thread *thread = calloc(1, sizeof(*thread));
	int64_t deadline = now_us() + ATTACH_TRIES_MS * 1000;
	bool all_job_stopped;

	if (thread == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	thread->pid = pid;
	do {
		size_t n_tids;
		pid_t *tids = pid > 0 ? list_threads(pid, &n_tids) : NULL;
		if (tids == NULL) {
			snprintf(err, err_len, "no process with PID %d (it does not exist or has exited)", (int)pid);
			goto fail;
		}
		all_job_stopped = true;
		for (size_t i = 0; i < n_tids; i++) {
			int error = 0;
			enum attempt attempt = try_thread(thread, tids[i], avoid, n_avoid, &error);
			if (attempt == STOPPED) {
				free(tids);
				return thread;
			}
			if (attempt == REFUSED) {
				snprintf(err, err_len, "cannot attach to thread %d of PID %d with ptrace: %s",
					 (int)tids[i], (int)pid, ptrace_refusal(error));
				free(tids);
				goto fail;
			}
			all_job_stopped &= attempt == JOB_STOPPED;
		}
		free(tids);
		/* Give the threads a moment to leave the allocator. */
		pause_us(1000);
	} while (now_us() < deadline);
	if (all_job_stopped)
		snprintf(err, err_len, "PID %d is stopped (SIGSTOP, or a debugger); continue it and try again",
			 (int)pid);
	else
		snprintf(err, err_len, "no thread of PID %d stopped outside the allocator in %d s; try again", (int)pid,
			 ATTACH_TRIES_MS / 1000);
fail:
	free(thread);
	return NULL;
}

/* process_vm_writev, or a word at a time with PTRACE_POKEDATA where a
 * sandbox forbids that system call (not where memory is unwritable: a
 * poke would write through a guard page's protection). */
static int write_memory(const struct remote_thread *thread, uint64_t address, const void *bytes, size_t len)
{
	struct iovec local = {.iov_base = (void *)bytes, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)address, .iov_len = len};

	ssize_t written = process_vm_writev(thread->tid, &local, 1, &remote, 1, 0);
	if (written == (ssize_t)len)
		return 0;
	if (written >= 0) { /* stopped at an unmapped page */
		errno = EFAULT;
		return -1;
	}
	if (errno != ENOSYS && errno != EPERM)
		return -1;
	for (size_t done = 0; done < len; done += sizeof(long)) {
		size_t part = len - done < sizeof(long) ? len - done : sizeof(long);
		long word = 0;
		if (part < sizeof(long)) { /* the last word's other bytes stay as they are */
			errno = 0;
			word = ptrace(PTRACE_PEEKDATA, thread->tid, address + done, 0);
			if (errno != 0)
				return -1;
		}
		memcpy(&word, (const char *)bytes + done, part);
		if (ptrace(PTRACE_POKEDATA, thread->tid, address + done, word) != 0)
			return -1;
	}
	return 0;
}

uint64_t remote_push(struct remote_thread *thread, const void *bytes, size_t len)
{
	uint64_t lowest = thread->regs.rsp - RED_ZONE - PUSH_LIMIT;

	if (thread->gone || len > PUSH_LIMIT || thread->stack_free - len < lowest)
		return 0;
	/* 16-byte aligned, as malloc's memory is: the bytes may be read as any type. */
	uint64_t address = (thread->stack_free - len) & ~(uint64_t)15;
	if (address < lowest || write_memory(thread, address, bytes, len) != 0)
		return 0;
	thread->stack_free = address;
	return address;
}

/* A signal the called function brought on itself: a fault the kernel
 * raised, or abort()'s SIGABRT, sent to itself. Passed on, either would
 * kill the target. */
static bool raised_by_the_call(int sig, const siginfo_t *info, pid_t pid)
{
	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
		return info->si_code > 0;
	case SIGABRT:
		return info->si_code == SI_TKILL && info->si_pid == pid;
	default:
		return false;
	}
}

/* Follows the thread through the call until it stops at its return (pc
 * 0, with the frame popped), crashes, or outlives the deadline; the
 * target's own signals on the way are delivered, their handlers running on
 * top of the call. *at holds the registers of the last stop. waitpid has
 * no timeout, so it is polled: every few microseconds at first, since a
 * short call returns in that time, then every millisecond. */
static enum outcome wait_for_return(struct remote_thread *thread, uint64_t return_sp, int timeout_ms,
				    struct user_regs_struct *at, int *status)
{
	int64_t deadline = now_us() + (timeout_ms > 0 ? (int64_t)timeout_ms * 1000 : 0);
	bool interrupted = false;
	long poll_us = 10;

	for (;;) {
		pid_t got = waitpid(thread->tid, status, __WALL | (interrupted ? 0 : WNOHANG));
		if (got == 0) {
			if (now_us() < deadline) {
				pause_us(poll_us);
				poll_us = poll_us < 1000 ? poll_us * 2 : 1000;
				continue;
			}
			/* Stopped wherever it is: the next stop ends the call. */
			ptrace(PTRACE_INTERRUPT, thread->tid, 0, 0);
			interrupted = true;
			continue;
		}
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return LOST;
		}
		if (!WIFSTOPPED(*status)) {
			thread->gone = true;
			return EXITED;
		}
		int sig = WSTOPSIG(*status);
		if (*status >> 16 == PTRACE_EVENT_STOP) { /* our interrupt, or job control */
			if (interrupted)
				return ABANDONED;
			ptrace(PTRACE_CONT, thread->tid, 0, 0);
			continue;
		}
		/* Fails only for a thread killed meanwhile: the next wait reaps it. */
		if (ptrace(PTRACE_GETREGS, thread->tid, 0, at) != 0)
			continue;
		if (sig == SIGSEGV && at->rip == 0 && at->rsp == return_sp)
			return RETURNED;
		siginfo_t info;
		if (ptrace(PTRACE_GETSIGINFO, thread->tid, 0, &info) == 0 &&
		    raised_by_the_call(sig, &info, thread->pid))
			return CRASHED;
		ptrace(PTRACE_CONT, thread->tid, 0, sig);
	}
}

/* The registers for the call: the thread's own, with the function's
 * arguments, its frame and its entry. */
static struct user_regs_struct call_registers(const struct remote_thread *thread, uint64_t function,
					      const uint64_t *args, size_t n_args, uint64_t entry_sp)
{
	struct user_regs_struct regs = thread->regs;
	unsigned long long *arg_regs[] = {&regs.rdi, &regs.rsi, &regs.rdx, &regs.rcx, &regs.r8, &regs.r9};

	for (size_t i = 0; i < n_args; i++)
		*arg_regs[i] = args[i];
	regs.rip = function;
	regs.rsp = entry_sp;
	regs.rax = 0; /* a variadic function reads al as its count of vector arguments */
	/* Out of any system call: resuming a thread whose orig_rax names one
	 * and whose rax holds a restart code, the kernel moves rip back 2
	 * bytes to restart it, which here would land before the function. */
	regs.orig_rax = -1ull;
	regs.eflags &= ~(unsigned long long)(EFLAGS_DF | EFLAGS_TF);
	return regs;
}

/* Whether a thread of pid other than tid lives on, once those exiting
 * with it have had 100 ms to be gone. */
static bool process_runs_on(pid_t pid, pid_t tid)
{
	for (int tries = 0; tries < 100; tries++) {
		size_t n_tids;
		pid_t *tids = list_threads(pid, &n_tids);
		bool others = false;
		for (size_t i = 0; tids != NULL && i < n_tids && !others; i++) {
			char state = thread_state(pid, tids[i]);
			others = tids[i] != tid && state != 'Z' && state != 'X' && state != '?';
		}
		free(tids);
		if (!others)
			return false;
		pause_us(1000);
	}
	return true;
}

static void describe_exit(const struct remote_thread *thread, int status, uint64_t function, char *err, size_t err_len)
{
	/* A fatal signal ends every thread; an exit status may be the
	 * process's or the thread's alone (the function called pthread_exit). */
	if (WIFEXITED(status) && process_runs_on(thread->pid, thread->tid))
		snprintf(err, err_len, "thread %d of PID %d exited during the call to 0x%llx", (int)thread->tid,
			 (int)thread->pid, (unsigned long long)function);
	else if (WIFSIGNALED(status))
		snprintf(err, err_len, "PID %d was killed by SIG%s during the call to 0x%llx", (int)thread->pid,
			 signal_abbrev(WTERMSIG(status)), (unsigned long long)function);
	else
		snprintf(err, err_len, "PID %d exited (status %d) during the call to 0x%llx", (int)thread->pid,
			 WEXITSTATUS(status), (unsigned long long)function);
}

int remote_call(struct remote_thread *thread, uint64_t function, const uint64_t *args, size_t n_args, int timeout_ms,
		uint64_t *result, char *err, size_t err_len)
{
	if (thread->gone) {
		snprintf(err, err_len, "PID %d has exited", (int)thread->pid);
		return -1;
	}
	if (n_args > 6) {
		snprintf(err, err_len, "a remote call takes at most 6 arguments, not %zu", n_args);
		return -1;
	}
	/* The frame a call instruction would leave: a return address on top
	 * and (rsp + 8) % 16 == 0. The address is 0: returning faults at pc 0,
	 * where the wait recognizes it. */
	const uint64_t return_address = 0;
	uint64_t entry_sp = (thread->stack_free & ~(uint64_t)15) - sizeof(return_address);
	if (write_memory(thread, entry_sp, &return_address, sizeof(return_address)) != 0) {
		snprintf(err, err_len, "cannot write to the stack of thread %d of PID %d at 0x%llx: %s",
			 (int)thread->tid, (int)thread->pid, (unsigned long long)entry_sp, strerror(errno));
		return -1;
	}
	struct user_regs_struct regs = call_registers(thread, function, args, n_args, entry_sp);
	/* The data of the resume is the signal of the stop the thread is in
	 * (the previous call's return): 0 keeps it from the target. */
	if (ptrace(PTRACE_SETREGS, thread->tid, 0, &regs) != 0 || ptrace(PTRACE_CONT, thread->tid, 0, 0) != 0) {
		snprintf(err, err_len, "cannot start the call in thread %d of PID %d: %s", (int)thread->tid,
			 (int)thread->pid, ptrace_refusal(errno));
		return -1;
	}

	int status = 0;
	enum outcome outcome = wait_for_return(thread, entry_sp + sizeof(return_address), timeout_ms, &regs, &status);
	switch (outcome) {
	case RETURNED:
		*result = regs.rax;
		break;
	case CRASHED:
		snprintf(err, err_len,
			 "the call to 0x%llx crashed with SIG%s at pc 0x%llx; the signal was kept from PID %d",
			 (unsigned long long)function, signal_abbrev(WSTOPSIG(status)), regs.rip, (int)thread->pid);
		break;
	case ABANDONED:
		snprintf(err, err_len, "the call to 0x%llx did not return in %d ms and was abandoned",
			 (unsigned long long)function, timeout_ms);
		break;
	case EXITED:
		describe_exit(thread, status, function, err, err_len);
		return -1;
	case LOST:
		snprintf(err, err_len,
			 "lost thread %d of PID %d during the call: waitpid: %s (calls must come from the "
			 "agent thread that attached)",
			 (int)thread->tid, (int)thread->pid, strerror(errno));
		thread->gone = true;
		return -1;
	}
	if (restore_state(thread) != 0) {
		snprintf(err, err_len, "cannot give thread %d of PID %d its registers back after the call: %s",
			 (int)thread->tid, (int)thread->pid, ptrace_refusal(errno));
		return -1;
	}
	return outcome == RETURNED ? 0 : -1;
}

/* A thread that died while stopped (SIGKILL) stays a zombie traced by the
 * agent until reaped. */
static void reap(pid_t tid)
{
	for (int tries = 0; tries < 1000; tries++) {
		int status;
		pid_t got = waitpid(tid, &status, __WALL | WNOHANG);
		if (got != 0 && !(got < 0 && errno == EINTR))
			return;
		pause_us(1000);
	}
}

void remote_detach(struct remote_thread *thread)
{
	if (thread == NULL)
		return;
	if (!thread->gone) {
		restore_state(thread);
		/* Resumes it, with no signal: the stop's SIGSEGV is the call's. */
		if (ptrace(PTRACE_DETACH, thread->tid, 0, 0) != 0 && errno == ESRCH)
			reap(thread->tid);
	}
	free(thread->fpu);
	free(thread);
}
