/*
 * test_remote_call.c: calls into a forked child through ptrace (no exec,
 * so the child's functions and globals sit where the parent's do):
 * arguments, results and the stack's alignment, bytes pushed to its
 * stack, side effects, its registers across a call (SSE and MXCSR), a
 * read() cut short and restarted, a crash and a hang survived, a signal
 * delivered during a call, the target exiting in one, other threads
 * running on, its SIGSEGV mask and handler left alone, the avoided
 * ranges, and the refusals (no such process, another tracer). Each child
 * is killed and reaped by the test's teardown, whatever fails.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include <cmocka.h>

#include "remote_call.h"

/* Calls that must return get plenty: this VM is noisy, and valgrind slow. */
#define CALL_TIMEOUT_MS 20000

struct child {
	pid_t pid;
	int to_child; /* the write end of the pipe the child reads */
	struct remote_thread *thread;
};

/* ---- What the child runs, and the functions called in it ---- */

static volatile uint64_t side_effect;
static volatile int stop_summing;
static volatile uint64_t rounds, mismatches;
static double expected_sum;
static volatile uint64_t ticks;
static volatile int stop_ticking;
static volatile uint64_t spinning;
static volatile sig_atomic_t usr1_seen;
static int *volatile null_pointer;

static uint64_t add_six(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
	return a + (b << 8) + (c << 16) + (d << 24) + (e << 32) + (f << 40); /* each argument in its own byte */
}

/* rsp % 16 as a function's first instruction finds it: 8 after a call. */
__attribute__((naked)) static uint64_t entry_stack_alignment(void)
{
	__asm__("mov %rsp, %rax\n\tand $15, %rax\n\tret");
}

static uint64_t set_side_effect(uint64_t value)
{
	side_effect = value;
	return value + 1;
}

/* Sanitizers would report the load and end the child before the fault. */
__attribute__((noinline, no_sanitize("address", "undefined"))) static uint64_t null_dereference(void)
{
	return (uint64_t)*null_pointer;
}

/* A signal arriving during a call: the target's handler must run. */
static uint64_t raise_usr1(void)
{
	raise(SIGUSR1);
	return (uint64_t)usr1_seen;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen = 1;
}

static uint64_t (*volatile null_function)(void);

/* Faults at pc 0 as a return does, but deeper in the stack (a call, not
 * a jump: "+ 1" keeps the compiler from making it a tail call). */
__attribute__((noinline)) static uint64_t call_null_function(void)
{
	return null_function() + 1;
}

__attribute__((noinline)) static void spin_forever(void)
{
	for (;;)
		__asm__ volatile("");
}

/* Breaks the caller's vector state: every xmm register all ones (NaN as
 * doubles) and MXCSR rounding toward zero, which the ABI says a function
 * keeps. Only remote_detach's restore can mend it. */
static uint64_t clobber_vector_state(void)
{
	const unsigned int round_toward_zero = 0x7f80;

	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
			 "movdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm2\n\tmovdqa %%xmm0, %%xmm3\n\t"
			 "movdqa %%xmm0, %%xmm4\n\tmovdqa %%xmm0, %%xmm5\n\tmovdqa %%xmm0, %%xmm6\n\t"
			 "movdqa %%xmm0, %%xmm7\n\tmovdqa %%xmm0, %%xmm8\n\tmovdqa %%xmm0, %%xmm9\n\t"
			 "movdqa %%xmm0, %%xmm10\n\tmovdqa %%xmm0, %%xmm11\n\tmovdqa %%xmm0, %%xmm12\n\t"
			 "movdqa %%xmm0, %%xmm13\n\tmovdqa %%xmm0, %%xmm14\n\tmovdqa %%xmm0, %%xmm15\n\t"
			 "ldmxcsr %0"
			 :
			 : "m"(round_toward_zero)
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
			   "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return 1;
}

/* Eight sums kept in vector registers through the loop, each rounding
 * at every step: a register or the rounding mode changed under them
 * changes the result. */
static double harmonic_sums(void)
{
	double sums[8] = {0};

	for (int i = 1; i <= 4000; i++)
		for (int k = 0; k < 8; k++)
			sums[k] += 1.0 / (i * 8 + k);
	double total = 0;
	for (int k = 0; k < 8; k++)
		total += sums[k] * (k + 1);
	return total;
}

/* 1 once another thread of the target has run while this one is in the call. */
static uint64_t other_thread_ticks(void)
{
	uint64_t start = ticks;

	for (uint64_t spins = 0; spins < (1ull << 33); spins++)
		if (ticks != start)
			return 1;
	return 0;
}

static void *tick_until_stopped(void *unused)
{
	while (!stop_ticking)
		__atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
	return unused;
}

/* 0 only if the read gets the parent's "hello" whole: a read that failed
 * with EINTR, or returned early, is a system call not restarted. */
static int read_hello(int from_parent)
{
	char buf[16];
	ssize_t n = read(from_parent, buf, sizeof(buf));

	return n == 5 && memcmp(buf, "hello", 5) == 0 ? 0 : n < 0 ? 2 : 1;
}

static void read_hello_then_exit(int from_parent)
{
	_exit(read_hello(from_parent));
}

static void spin_until_side_effect(int from_parent)
{
	(void)from_parent;
	while (side_effect == 0)
		;
	_exit(side_effect == 42 ? 0 : 1);
}

static void sum_until_stopped(int from_parent)
{
	(void)from_parent;
	while (!stop_summing) {
		if (harmonic_sums() != expected_sum)
			mismatches++;
		rounds++;
	}
	_exit(mismatches == 0 ? 0 : 1);
}

static void tick_and_read_hello(int from_parent)
{
	pthread_t ticker;

	if (pthread_create(&ticker, NULL, tick_until_stopped, NULL) != 0)
		_exit(3);
	int status = read_hello(from_parent);
	stop_ticking = 1; /* joined, not left running: valgrind's leak check in the child looks */
	pthread_join(ticker, NULL);
	_exit(status);
}

static void block_sigsegv(void)
{
	sigset_t segv;

	sigemptyset(&segv);
	sigaddset(&segv, SIGSEGV);
	sigprocmask(SIG_BLOCK, &segv, NULL);
}

/* SIGSEGV at its default action, set with the system call itself (a
 * sanitizer's signal() keeps its own handler), and blocked: exits 0 if
 * it is still blocked after the calls. */
static void block_default_sigsegv_then_read_hello(int from_parent)
{
	const struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} default_action = {.handler = SIG_DFL};
	sigset_t now;

	if (syscall(SYS_rt_sigaction, SIGSEGV, &default_action, NULL, sizeof(uint64_t)) != 0)
		_exit(3);
	block_sigsegv();
	int status = read_hello(from_parent);
	sigprocmask(SIG_BLOCK, NULL, &now);
	_exit(status != 0 ? status : sigismember(&now, SIGSEGV) ? 0 : 4);
}

static void on_sigsegv(int sig)
{
	(void)sig;
	_exit(5);
}

static void handle_and_block_sigsegv_then_read_hello(int from_parent)
{
	signal(SIGSEGV, on_sigsegv);
	block_sigsegv();
	_exit(read_hello(from_parent));
}

static void handle_usr1_then_read_hello(int from_parent)
{
	signal(SIGUSR1, on_usr1);
	_exit(read_hello(from_parent));
}

static void spin_in_own_text(int from_parent)
{
	(void)from_parent;
	spinning = 1;
	for (;;)
		__asm__ volatile("");
}

/* ---- The parent's side ---- */

static int setup(void **state)
{
	struct child *child = calloc(1, sizeof(*child));

	if (child == NULL)
		return -1;
	child->to_child = -1;
	*state = child;
	return 0;
}

static int teardown(void **state)
{
	struct child *child = *state;

	remote_detach(child->thread);
	if (child->pid > 0) {
		kill(child->pid, SIGKILL);
		waitpid(child->pid, NULL, __WALL);
	}
	if (child->to_child >= 0)
		close(child->to_child);
	free(child);
	return 0;
}

static void start_child(struct child *child, void (*body)(int from_parent))
{
	int fds[2];

	if (child->to_child >= 0) /* a test's second child */
		close(child->to_child);
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[1]);
		body(fds[0]);
		_exit(0);
	}
	close(fds[0]);
	child->pid = pid;
	child->to_child = fds[1];
}

static uint64_t child_u64(const struct child *child, const volatile void *address)
{
	uint64_t value = 0;
	struct iovec local = {.iov_base = &value, .iov_len = sizeof(value)};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)address, .iov_len = sizeof(value)};

	assert_int_equal(process_vm_readv(child->pid, &local, 1, &remote, 1, 0), sizeof(value));
	return value;
}

static void set_child_int(const struct child *child, volatile int *address, int value)
{
	struct iovec local = {.iov_base = &value, .iov_len = sizeof(value)};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)address, .iov_len = sizeof(value)};

	assert_int_equal(process_vm_writev(child->pid, &local, 1, &remote, 1, 0), sizeof(value));
}

static void sleep_ms(long ms)
{
	struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};

	nanosleep(&pause, NULL);
}

/* Waits (20 s at most) until the child's main thread sits in read(). */
static void wait_blocked_in_read(const struct child *child)
{
	char path[64], line[256];
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)child->pid);
	for (int tries = 0; tries < 20000; tries++) {
		FILE *f = fopen(path, "re");
		bool in_read = f != NULL && fgets(line, sizeof(line), f) != NULL && sscanf(line, "%ld", &nr) == 1 &&
			       nr == SYS_read;
		if (f != NULL)
			fclose(f);
		if (in_read)
			return;
		sleep_ms(1);
	}
	fail_msg("child %d never blocked in read()", (int)child->pid);
}

/* The child's wait status, waiting 20 s at most for its exit. */
static int child_exit_status(struct child *child)
{
	int status;

	for (int tries = 0; tries < 20000; tries++) {
		if (waitpid(child->pid, &status, WNOHANG) == child->pid) {
			child->pid = 0;
			return status;
		}
		sleep_ms(1);
	}
	fail_msg("child %d did not exit", (int)child->pid);
	return -1;
}

static void assert_exits_zero(struct child *child)
{
	int status = child_exit_status(child);

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Lets a child in read_hello_then_exit go, and checks its read was whole. */
static void say_hello_and_check_exit(struct child *child)
{
	assert_int_equal(write(child->to_child, "hello", 5), 5);
	assert_exits_zero(child);
}

static void attach(struct child *child)
{
	char err[256] = "";

	child->thread = remote_attach(child->pid, NULL, 0, err, sizeof(err));
	if (child->thread == NULL)
		fail_msg("remote_attach: %s", err);
}

static void detach(struct child *child)
{
	remote_detach(child->thread);
	child->thread = NULL;
}

static uint64_t call(struct child *child, void *function, const uint64_t *args, size_t n_args)
{
	char err[256] = "";
	uint64_t result = 0;

	if (remote_call(child->thread, (uint64_t)(uintptr_t)function, args, n_args, CALL_TIMEOUT_MS, &result, err,
			sizeof(err)) != 0)
		fail_msg("remote_call: %s", err);
	return result;
}

/* ---- The tests ---- */

static void arguments_and_pushed_bytes_reach_the_function(void **state)
{
	struct child *child = *state;
	const uint64_t six[] = {1, 2, 3, 4, 5, 6};
	const char first[] = "hello, remote world", second[] = "a second string";

	start_child(child, read_hello_then_exit);
	wait_blocked_in_read(child);
	attach(child);

	assert_int_equal(call(child, add_six, six, 6), 0x060504030201ull);
	assert_int_equal(call(child, entry_stack_alignment, NULL, 0), 8);
	uint64_t first_at = remote_push(child->thread, first, sizeof(first));
	uint64_t second_at = remote_push(child->thread, second, sizeof(second));
	assert_true(first_at != 0 && second_at != 0);
	assert_int_equal(first_at % 16, 0);
	assert_true(second_at + sizeof(second) <= first_at); /* below, not over, the first */
	assert_int_equal(call(child, strlen, &second_at, 1), strlen(second));
	assert_int_equal(call(child, strlen, &first_at, 1), strlen(first)); /* still there after a call */
	assert_int_equal(call(child, entry_stack_alignment, NULL, 0), 8);   /* below pushed bytes too */
	char copy[sizeof(first)];
	struct iovec local = {.iov_base = copy, .iov_len = sizeof(copy)};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)first_at, .iov_len = sizeof(copy)};
	assert_int_equal(process_vm_readv(child->pid, &local, 1, &remote, 1, 0), sizeof(copy));
	assert_memory_equal(copy, first, sizeof(first));
	/* Too much for a thread's stack is refused, not written. */
	static char large[64 * 1024];
	assert_int_equal(remote_push(child->thread, large, sizeof(large)), 0);

	detach(child);
	say_hello_and_check_exit(child);
}

static void a_side_effect_is_seen_by_the_target(void **state)
{
	struct child *child = *state;
	const uint64_t value = 42;

	side_effect = 0;
	start_child(child, spin_until_side_effect); /* busy: stopped outside any system call */
	attach(child);
	assert_int_equal(call(child, set_side_effect, &value, 1), 43);
	assert_int_equal(child_u64(child, &side_effect), 42);
	detach(child);
	assert_exits_zero(child); /* its own loop saw the global change */
}

static void vector_registers_survive_calls(void **state)
{
	struct child *child = *state;

	expected_sum = harmonic_sums();
	stop_summing = 0;
	rounds = mismatches = 0;
	start_child(child, sum_until_stopped);
	for (int tries = 0; tries < 20000 && child_u64(child, &rounds) == 0; tries++)
		sleep_ms(1);
	/* Many stops, each landing somewhere in the loop. */
	for (int i = 0; i < 20; i++) {
		attach(child);
		assert_int_equal(call(child, clobber_vector_state, NULL, 0), 1);
		detach(child);
		uint64_t before = child_u64(child, &rounds);
		for (int tries = 0; tries < 20000 && child_u64(child, &rounds) == before; tries++)
			sleep_ms(1);
	}
	assert_int_equal(child_u64(child, &mismatches), 0);
	set_child_int(child, &stop_summing, 1);
	assert_exits_zero(child);
}

static void a_blocked_read_restarts_after_the_call(void **state)
{
	struct child *child = *state;
	const uint64_t value = 7;

	start_child(child, read_hello_then_exit);
	wait_blocked_in_read(child);
	attach(child);
	assert_int_equal(call(child, set_side_effect, &value, 1), 8);
	detach(child);
	/* The read starts again and waits for data: not EINTR, not at once. */
	sleep_ms(50);
	assert_int_equal(waitpid(child->pid, NULL, WNOHANG), 0);
	say_hello_and_check_exit(child);
}

static void a_crash_in_the_call_is_survived(void **state)
{
	struct child *child = *state;
	const uint64_t six[] = {6, 5, 4, 3, 2, 1};
	char err[256] = "";
	uint64_t result = 0;

	start_child(child, read_hello_then_exit);
	wait_blocked_in_read(child);
	attach(child);
	assert_int_equal(remote_call(child->thread, (uint64_t)(uintptr_t)null_dereference, NULL, 0, CALL_TIMEOUT_MS,
				     &result, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "crashed with SIGSEGV"));
	const char *pc_text = strstr(err, "pc 0x");
	assert_non_null(pc_text);
	uint64_t pc = strtoull(pc_text + 3, NULL, 16);
	assert_true(pc >= (uintptr_t)null_dereference && pc < (uintptr_t)null_dereference + 64);
	/* At pc 0 too, but not at the return's stack pointer: still a crash. */
	assert_int_equal(remote_call(child->thread, (uint64_t)(uintptr_t)call_null_function, NULL, 0, CALL_TIMEOUT_MS,
				     &result, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "crashed with SIGSEGV at pc 0x0;"));
	/* The thread is whole again: the next call works. */
	assert_int_equal(call(child, add_six, six, 6), 0x010203040506ull);
	detach(child);
	say_hello_and_check_exit(child);
}

static void a_call_that_never_returns_is_abandoned(void **state)
{
	struct child *child = *state;
	const uint64_t six[] = {1, 1, 1, 1, 1, 1};
	char err[256] = "";
	uint64_t result = 0;
	struct timespec start, end;

	start_child(child, read_hello_then_exit);
	wait_blocked_in_read(child);
	attach(child);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(
		remote_call(child->thread, (uint64_t)(uintptr_t)spin_forever, NULL, 0, 300, &result, err, sizeof(err)),
		-1);
	clock_gettime(CLOCK_MONOTONIC, &end);
	assert_non_null(strstr(err, "did not return in 300 ms and was abandoned"));
	long elapsed_us = (end.tv_sec - start.tv_sec) * 1000000 + (end.tv_nsec - start.tv_nsec) / 1000;
	assert_true(elapsed_us >= 300000 && elapsed_us < 10000000);
	assert_int_equal(call(child, add_six, six, 6), 0x010101010101ull);
	detach(child);
	say_hello_and_check_exit(child);
}

static void a_signal_during_the_call_reaches_the_target(void **state)
{
	struct child *child = *state;

	/* valgrind's own handler would take the signal outside its translations. */
	if (RUNNING_ON_VALGRIND)
		return;
	usr1_seen = 0;
	start_child(child, handle_usr1_then_read_hello);
	wait_blocked_in_read(child);
	attach(child);
	assert_int_equal(call(child, raise_usr1, NULL, 0), 1);
	detach(child);
	say_hello_and_check_exit(child);
}

static void the_target_exiting_during_the_call_is_named(void **state)
{
	struct child *child = *state;
	char err[256] = "", expected[256];
	uint64_t result = 0;

	start_child(child, read_hello_then_exit);
	wait_blocked_in_read(child);
	attach(child);
	const uint64_t status = 3;
	assert_int_equal(remote_call(child->thread, (uint64_t)(uintptr_t)_exit, &status, 1, CALL_TIMEOUT_MS, &result,
				     err, sizeof(err)),
			 -1);
	snprintf(expected, sizeof(expected), "PID %d exited (status 3) during the call to 0x%llx", (int)child->pid,
		 (unsigned long long)(uintptr_t)_exit);
	assert_string_equal(err, expected);
	assert_int_equal(remote_call(child->thread, (uint64_t)(uintptr_t)_exit, &status, 1, CALL_TIMEOUT_MS, &result,
				     err, sizeof(err)),
			 -1);
	snprintf(expected, sizeof(expected), "PID %d has exited", (int)child->pid);
	assert_string_equal(err, expected);
	detach(child);
	child->pid = 0; /* reaped by the call, which waited for it as its tracer */

	start_child(child, read_hello_then_exit);
	wait_blocked_in_read(child);
	attach(child);
	const uint64_t kill_args[] = {(uint64_t)child->pid, SIGKILL};
	assert_int_equal(remote_call(child->thread, (uint64_t)(uintptr_t)kill, kill_args, 2, CALL_TIMEOUT_MS, &result,
				     err, sizeof(err)),
			 -1);
	snprintf(expected, sizeof(expected), "PID %d was killed by SIGKILL during the call to 0x%llx", (int)child->pid,
		 (unsigned long long)(uintptr_t)kill);
	assert_string_equal(err, expected);
	detach(child);
	child->pid = 0;
}

static void other_threads_run_during_the_call(void **state)
{
	struct child *child = *state;

	ticks = 0;
	stop_ticking = 0;
	start_child(child, tick_and_read_hello);
	wait_blocked_in_read(child);
	attach(child); /* the main thread: blocked in read, the ticker is busy */
	assert_int_equal(call(child, other_thread_ticks, NULL, 0), 1);
	detach(child);
	say_hello_and_check_exit(child);
}

/* The call's return faults; a fault forced through a blocked SIGSEGV
 * unblocks it, which the restore undoes. */
static void a_blocked_sigsegv_stays_blocked(void **state)
{
	struct child *child = *state;
	const uint64_t value = 9;

	/* valgrind keeps its own SIGSEGV handler under the child's SIG_DFL. */
	if (RUNNING_ON_VALGRIND)
		return;
	start_child(child, block_default_sigsegv_then_read_hello);
	wait_blocked_in_read(child);
	attach(child);
	assert_int_equal(call(child, set_side_effect, &value, 1), 10);
	assert_int_equal(call(child, set_side_effect, &value, 1), 10);
	detach(child);
	say_hello_and_check_exit(child);
}

/* A forced fault would also reset the target's SIGSEGV handler, for the
 * whole process: a thread that blocks SIGSEGV under a handler is never
 * borrowed. */
static void a_sigsegv_handler_is_never_reset(void **state)
{
	struct child *child = *state;
	char err[256] = "", expected[128];

	start_child(child, handle_and_block_sigsegv_then_read_hello);
	wait_blocked_in_read(child);
	assert_null(remote_attach(child->pid, NULL, 0, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "no thread of PID %d stopped outside the allocator in 2 s; try again",
		 (int)child->pid);
	assert_string_equal(err, expected);
	say_hello_and_check_exit(child);
}

static void avoided_code_is_never_stopped_in(void **state)
{
	extern char __executable_start[], etext[];
	const struct remote_range own_text = {(uintptr_t)__executable_start, (uintptr_t)etext};
	struct child *child = *state;
	char err[256] = "", expected[128];

	/* Under valgrind the child runs valgrind's translations, never its own text. */
	if (RUNNING_ON_VALGRIND)
		return;
	spinning = 0;
	start_child(child, spin_in_own_text);
	for (int tries = 0; tries < 20000 && child_u64(child, &spinning) == 0; tries++)
		sleep_ms(1);
	assert_null(remote_attach(child->pid, &own_text, 1, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "no thread of PID %d stopped outside the allocator in 2 s; try again",
		 (int)child->pid);
	assert_string_equal(err, expected);
	/* Let go every time: it runs on, and can be attached where nothing is avoided. */
	assert_int_equal(waitpid(child->pid, NULL, WNOHANG), 0);
	attach(child);
	detach(child);
}

static void a_missing_process_is_named(void **state)
{
	char err[256] = "", expected[128];
	pid_t pid = fork();
	(void)state;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid); /* reaped: the PID names no process now */
	assert_null(remote_attach(pid, NULL, 0, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "no process with PID %d (it does not exist or has exited)", (int)pid);
	assert_string_equal(err, expected);
}

static void another_tracer_is_named(void **state)
{
	struct child *child = *state;
	char err[256] = "";

	start_child(child, read_hello_then_exit);
	assert_int_equal(ptrace(PTRACE_SEIZE, child->pid, 0, 0), 0); /* this process is the other tracer */
	assert_null(remote_attach(child->pid, NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "permission denied: another tracer"));
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(arguments_and_pushed_bytes_reach_the_function),
		TEST(a_side_effect_is_seen_by_the_target),
		TEST(vector_registers_survive_calls),
		TEST(a_blocked_read_restarts_after_the_call),
		TEST(a_crash_in_the_call_is_survived),
		TEST(a_call_that_never_returns_is_abandoned),
		TEST(a_signal_during_the_call_reaches_the_target),
		TEST(the_target_exiting_during_the_call_is_named),
		TEST(other_threads_run_during_the_call),
		TEST(a_blocked_sigsegv_stays_blocked),
		TEST(a_sigsegv_handler_is_never_reset),
		TEST(avoided_code_is_never_stopped_in),
		TEST(a_missing_process_is_named),
		TEST(another_tracer_is_named),
	};
	return cmocka_run_group_tests_name("remote_call", tests, NULL, NULL);
}
