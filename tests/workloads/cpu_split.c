/*
 * cpu_split.c: a CPU-bound target whose time splits between work_a,
 * work_b and work_c as 5:3:2 through one shared leaf, burn(), so a
 * profiler's attribution can be checked against the truth.
 *
 *   cpu_split [--seconds N] [--late-thread-ms MS | --late-thread-on-usr1] [--exit-after-ms MS]
 *
 * --late-thread-ms starts a second thread (named "late-worker") running
 * late_thread_work() that long after start: it is born after a profiler
 * attached. --late-thread-on-usr1 starts it when SIGUSR1 arrives instead,
 * for a test that must know which profiles have it. --exit-after-ms ends
 * the process early, mid-profile.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UNIT 100000 /* iterations of burn() per share: a round of a, b, c takes about a millisecond */

volatile uint64_t sink;
static volatile int running = 1;

__attribute__((noinline)) void publish(uint64_t x)
{
	sink = x;
}

/* Calls publish() so it is not a leaf: GCC gives leaves no frame even
 * with -fno-omit-frame-pointer, and a frame-pointer walk from a frameless
 * leaf skips its caller. */
__attribute__((noinline)) void burn(uint64_t iterations)
{
	uint64_t x = sink;

	for (uint64_t i = 0; i < iterations; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	publish(x);
}

/* Each round's length is drawn anew (one factor for all three shares, so
 * the split stays 5:3:2): a round of fixed length can lock onto a sampling
 * period and bias the shares by several points. */
static uint64_t round_unit = UNIT;

__attribute__((noinline)) void work_a(void)
{
	burn(5 * round_unit);
}

__attribute__((noinline)) void work_b(void)
{
	burn(3 * round_unit);
}

__attribute__((noinline)) void work_c(void)
{
	burn(2 * round_unit);
}

__attribute__((noinline)) void late_thread_work(void)
{
	while (running)
		burn(UNIT);
}

static void *late_thread(void *arg)
{
	long delay_ms = (long)(intptr_t)arg;

	if (delay_ms >= 0) {
		usleep((useconds_t)delay_ms * 1000);
	} else {
		sigset_t usr1;
		int signo;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigwait(&usr1, &signo);
	}
	pthread_setname_np(pthread_self(), "late-worker");
	late_thread_work();
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 30, exit_after = 0;
	long late_ms = -1;
	bool late_on_usr1 = false;
	pthread_t late;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--late-thread-on-usr1") == 0)
			late_on_usr1 = true;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--late-thread-on-usr1") == 0)
			i--; /* takes no value */
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--late-thread-ms") == 0)
			late_ms = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--exit-after-ms") == 0)
			exit_after = atof(argv[i + 1]) / 1000;
	}
	if (late_on_usr1) {
		/* Blocked everywhere, so only the late thread's sigwait takes it. */
		sigset_t usr1;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &usr1, NULL);
		late_ms = -1;
	}
	bool have_late = late_on_usr1 || late_ms >= 0;
	if (have_late)
		pthread_create(&late, NULL, late_thread, (void *)(intptr_t)late_ms);
	printf("cpu_split: pid %d\n", (int)getpid());
	fflush(stdout);

	double start = now(), end = start + (exit_after > 0 ? exit_after : seconds);
	uint64_t draw = 88172645463325252ULL;
	while (now() < end) {
		draw ^= draw << 13, draw ^= draw >> 7, draw ^= draw << 17;
		round_unit = UNIT / 2 + draw % UNIT;
		work_a();
		work_b();
		work_c();
	}
	running = 0;
	if (late_on_usr1)
		pthread_cancel(late); /* may still wait for its signal */
	if (have_late)
		pthread_join(late, NULL);
	return 0;
}
