/*
 * many_stacks.c: a target with a very large number of distinct stacks, for
 * measuring the UI on big profiles. Two threads walk random call chains
 * ten deep through sixteen distinct functions (16^10 possible stacks).
 *
 *   many_stacks [--seconds N]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEPTH 10

volatile uint64_t sink;
typedef void (*step_fn)(int depth, uint64_t rng);
static step_fn steps[16];

static uint64_t next_random(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

__attribute__((noinline)) static void leaf_work(uint64_t rng)
{
	uint64_t x = rng;
	for (int i = 0; i < 2000; i++)
		x = x * 6364136223846793005ULL + 1;
	sink += x;
}

/* Sixteen functions with distinct bodies, so the compiler cannot fold them. */
#define STEP(n)                                                          \
	__attribute__((noinline)) void step_##n(int depth, uint64_t rng) \
	{                                                                \
		sink += n;                                               \
		if (depth == 0) {                                        \
			leaf_work(rng);                                  \
			return;                                          \
		}                                                        \
		rng = next_random(rng);                                  \
		steps[rng & 15](depth - 1, rng);                         \
		sink -= n;                                               \
	}
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)

static volatile int running = 1;

static void *walk(void *arg)
{
	uint64_t rng = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;

	while (running) {
		rng = next_random(rng);
		steps[rng & 15](DEPTH - 1, rng);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	step_fn all[16] = {step_0, step_1, step_2,  step_3,  step_4,  step_5,  step_6,  step_7,
			   step_8, step_9, step_10, step_11, step_12, step_13, step_14, step_15};
	double seconds = argc > 2 && strcmp(argv[1], "--seconds") == 0 ? atof(argv[2]) : 60;
	pthread_t other;

	memcpy(steps, all, sizeof(all));
	pthread_create(&other, NULL, walk, (void *)2);
	printf("many_stacks: pid %d\n", (int)getpid());
	fflush(stdout);
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)seconds;
	pthread_t self_walker;
	pthread_create(&self_walker, NULL, walk, (void *)1);
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
	running = 0;
	pthread_join(other, NULL);
	pthread_join(self_walker, NULL);
	return 0;
}
