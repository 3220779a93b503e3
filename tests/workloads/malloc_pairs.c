/*
 * malloc_pairs.c: malloc and free in a tight loop, for measuring what a
 * heap profiler adds to each pair (make bench-heap).
 *
 *   malloc_pairs [--seconds N] [--size BYTES] [--work N]
 *
 * --work N spends N steps of arithmetic between pairs, so that the
 * allocation rate, and with it a heap profiler's share of the time, can be
 * dialled down from the tight loop's (make bench-heap's sweep).
 *
 * Prints "malloc_pairs: pid N" at start, "tick T P" every quarter second
 * (P pairs made by T seconds in, so a benchmark can measure just the part a
 * profiler was attached for) and "malloc_pairs: P pairs in S s" at exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 5;
	size_t size = 64;
	long work = 0;
	unsigned long pairs = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--size") == 0)
			size = (size_t)atol(argv[i + 1]);
		else if (strcmp(argv[i], "--work") == 0)
			work = atol(argv[i + 1]);
	}
	printf("malloc_pairs: pid %d\n", (int)getpid());
	fflush(stdout);
	double start = now(), end = start + seconds, next_tick = start + 0.25;
	for (double t = start; t < end; t = now()) {
		if (t >= next_tick) {
			printf("tick %.3f %lu\n", t - start, pairs);
			next_tick += 0.25;
		}
		for (int i = 0; i < 1000; i++) {
			void *volatile block = malloc(size); /* volatile: the pair cannot be optimised away */
			free(block);
			for (volatile long step = 0; step < work; step++)
				;
		}
		pairs += 1000;
	}
	printf("malloc_pairs: %lu pairs in %.3f s\n", pairs, now() - start);
	return 0;
}
