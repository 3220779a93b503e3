/*
 * waits.c: threads that wait at known sites for times they measure
 * themselves, for the block and mutex profiles. On SIGUSR1, for --seconds
 * (default 2):
 *
 *   sleep_a_while   one thread: nanosleep(10 ms), over and over
 *   hold_lock       one thread: takes `lock`, sleeps 20 ms holding it, lets go, 1 ms pause
 *   wait_for_lock   two threads: take `lock` (waiting for the holder), let go at once;
 *                   only waits of 1 ms and more are added up: the lock was held
 *
 * then prints what each site measured around its waits:
 *   "waits: sleep_ns=N lock_wait_ns=N lock_waits=N"
 * and waits for SIGTERM. Prints "waits: pid N" at start.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double phase_seconds = 2;
static uint64_t phase_end_ns;
static atomic_ullong sleep_ns, lock_wait_ns, lock_waits;
static volatile sig_atomic_t started;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void pause_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

__attribute__((noinline)) void sleep_a_while(void)
{
	uint64_t t0 = now_ns();
	pause_ms(10);
	atomic_fetch_add(&sleep_ns, now_ns() - t0);
}

__attribute__((noinline)) void hold_lock(void)
{
	pthread_mutex_lock(&lock);
	pause_ms(20);
	pthread_mutex_unlock(&lock);
}

/* Acquisitions quicker than this found the lock free (or nearly): the
 * millions of them between the holder's turns would otherwise add their
 * own clock reads to the truth, a tenth of it under emulation, where a
 * free one can still take a vCPU's time slice. The holder keeps the lock
 * 20 ms at a time. (Trying the lock first and timing only a failed try
 * changes how the waiters run: they spin, and starve the sleeper.) */
#define FREE_LOCK_NS 1000000

__attribute__((noinline)) void wait_for_lock(void)
{
	uint64_t t0 = now_ns();
	pthread_mutex_lock(&lock);
	uint64_t waited = now_ns() - t0;
	bool held = waited >= FREE_LOCK_NS;
	/* Added either way, so the lock is held as long as ever. */
	atomic_fetch_add(&lock_wait_ns, held ? waited : 0);
	atomic_fetch_add(&lock_waits, held);
	pthread_mutex_unlock(&lock);
}

static void *sleeper(void *arg)
{
	(void)arg;
	while (now_ns() < phase_end_ns)
		sleep_a_while();
	return NULL;
}

static void *holder(void *arg)
{
	(void)arg;
	while (now_ns() < phase_end_ns) {
		hold_lock();
		pause_ms(1);
	}
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	while (now_ns() < phase_end_ns)
		wait_for_lock();
	return NULL;
}

static void start(int signo)
{
	(void)signo;
	started = 1;
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--seconds") == 0)
			phase_seconds = atof(argv[i + 1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, start);
	printf("waits: pid %d\n", (int)getpid());
	while (!started)
		pause();

	void *(*bodies[])(void *) = {sleeper, holder, waiter, waiter};
	const char *names[] = {"sleeper", "holder", "waiter", "waiter"};
	pthread_t threads[4];
	phase_end_ns = now_ns() + (uint64_t)(phase_seconds * 1e9);
	for (int i = 0; i < 4; i++) {
		pthread_create(&threads[i], NULL, bodies[i], NULL);
		pthread_setname_np(threads[i], names[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	printf("waits: sleep_ns=%llu lock_wait_ns=%llu lock_waits=%llu\n", (unsigned long long)sleep_ns,
	       (unsigned long long)lock_wait_ns, (unsigned long long)lock_waits);
	for (;;)
		pause();
}
