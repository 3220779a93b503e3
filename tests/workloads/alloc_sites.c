/*
 * alloc_sites.c: allocations from known sites with known sizes, made when
 * SIGUSR1 arrives (so a profiler can attach first), then kept until exit:
 *
 *   keep_small     1000 x malloc(100), kept:        100,000 bytes in use
 *   keep_calloc    calloc(1, 1 MiB), kept:          1,048,576 bytes in use
 *   grow_buffer    realloc from 1 KiB to 64 KiB in 1 KiB steps, kept:
 *                  2,129,920 bytes allocated, 65,536 in use
 *   churn          16,384 x malloc(64 KiB) + free: 1 GiB allocated, none in use
 *   keep_aligned   posix_memalign 8 KiB, aligned_alloc 640, memalign 1000,
 *                  reallocarray 10 x 100, valloc 5000, kept: 15,832 bytes in use
 *
 *   alloc_sites [--threads N]   N threads each make all of the above
 *
 * Prints "alloc_sites: pid N" at start and "alloc_sites: done" when the
 * allocations are made; exits on SIGTERM.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SMALL_COUNT 1000
#define CHURN_COUNT 16384

/* Stores through volatile pointers keep the compiler from removing
 * allocations it could prove unused. */
void *volatile kept_small[64][SMALL_COUNT];
void *volatile kept_calloc[64], *volatile kept_buffer[64], *volatile kept_aligned[64][5];

__attribute__((noinline)) void keep_small(int t)
{
	for (int i = 0; i < SMALL_COUNT; i++)
		kept_small[t][i] = malloc(100);
}

__attribute__((noinline)) void keep_calloc(int t)
{
	kept_calloc[t] = calloc(1, 1 << 20);
}

__attribute__((noinline)) void grow_buffer(int t)
{
	void *buffer = NULL;

	for (size_t size = 1024; size <= 64 * 1024; size += 1024)
		buffer = realloc(buffer, size);
	kept_buffer[t] = buffer;
}

__attribute__((noinline)) void churn(void)
{
	for (int i = 0; i < CHURN_COUNT; i++) {
		void *volatile churned = malloc(64 * 1024);
		free(churned);
	}
}

__attribute__((noinline)) void keep_aligned(int t)
{
	void *block = NULL;

	if (posix_memalign(&block, 4096, 8192) == 0)
		kept_aligned[t][0] = block;
	kept_aligned[t][1] = aligned_alloc(64, 640);
	kept_aligned[t][2] = memalign(256, 1000);
	kept_aligned[t][3] = reallocarray(NULL, 10, 100);
	kept_aligned[t][4] = valloc(5000);
}

static void *allocate_all(void *arg)
{
	int t = (int)(long)arg;

	keep_small(t);
	keep_calloc(t);
	grow_buffer(t);
	churn();
	keep_aligned(t);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc == 3 && strcmp(argv[1], "--threads") == 0 ? atoi(argv[2]) : 1;
	sigset_t signals;
	int signo;

	if (threads < 1 || threads > 64) {
		fprintf(stderr, "alloc_sites: --threads must be from 1 to 64\n");
		return 2;
	}
	sigemptyset(&signals);
	sigaddset(&signals, SIGUSR1);
	sigaddset(&signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	printf("alloc_sites: pid %d\n", (int)getpid());
	fflush(stdout);
	sigwait(&signals, &signo);
	if (signo == SIGTERM)
		return 0;

	pthread_t workers[64];
	for (int t = 0; t < threads; t++)
		pthread_create(&workers[t], NULL, allocate_all, (void *)(long)t);
	for (int t = 0; t < threads; t++)
		pthread_join(workers[t], NULL);
	printf("alloc_sites: done\n");
	fflush(stdout);
	sigdelset(&signals, SIGUSR1);
	sigwait(&signals, &signo);
	return 0;
}
