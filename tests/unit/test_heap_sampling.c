/*
 * test_heap_sampling.c: the heap profiler's sampling, run in user space
 * through the very countdown the BPF program uses (bpf/heap.h): the draw
 * table's mean, and totals estimated from samples against the truth.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "heap_sampling.h"

static uint32_t draw_table[HEAP_DRAW_TABLE];

static int fill_table(void **state)
{
	(void)state;
	heap_fill_draw_table(draw_table);
	return 0;
}

/* xorshift32: stands in for bpf_get_prandom_u32(). */
static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void the_draw_has_mean_one(void **state)
{
	double sum = 0;
	(void)state;

	for (int i = 0; i < HEAP_DRAW_TABLE; i++)
		sum += draw_table[i];
	double mean = sum / HEAP_DRAW_TABLE / (1 << HEAP_DRAW_SHIFT);
	assert_true(fabs(mean - 1) < 0.01);
	for (int i = 1; i < HEAP_DRAW_TABLE; i++) /* decreasing: -ln(u) for growing u */
		assert_true(draw_table[i] < draw_table[i - 1]);
}

static void rate_one_samples_every_allocation(void **state)
{
	struct heap_countdown countdown = {0};
	uint32_t random = 1;
	(void)state;

	for (int i = 0; i < 1000; i++)
		assert_true(heap_countdown_take(&countdown, draw_table, 1, (uint64_t)(i % 7 + 1), next_random(&random)));
	assert_true(heap_sample_scale(64, 1) == 1);
}

/* Estimated bytes and objects for n allocations of one size at a rate:
 * the sum of the scaled samples. */
static void estimate(uint64_t size, long n, uint64_t rate, double *bytes, double *objects)
{
	struct heap_countdown countdown = {.bytes_left = (int64_t)heap_next_distance(draw_table, rate, 12345)};
	uint32_t random = 0x9e3779b9;

	*bytes = *objects = 0;
	for (long i = 0; i < n; i++)
		if (heap_countdown_take(&countdown, draw_table, rate, size, next_random(&random))) {
			*objects += heap_sample_scale(size, rate);
			*bytes += heap_sample_scale(size, rate) * (double)size;
		}
}

static void estimates_match_the_truth(void **state)
{
	const uint64_t rate = 512 * 1024;
	const struct {
		uint64_t size;
		long count;
	} cases[] = {{256, 20000000}, {1000, 5000000}, {64 * 1024, 100000}, {4 << 20, 500}}; /* ~10k samples each */
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double bytes, objects, truth = (double)cases[i].size * (double)cases[i].count;
		estimate(cases[i].size, cases[i].count, rate, &bytes, &objects);
		assert_true(fabs(bytes / truth - 1) < 0.05);
		assert_true(fabs(objects / (double)cases[i].count - 1) < 0.05);
	}
}

static void large_allocations_are_always_sampled(void **state)
{
	(void)state;

	/* Go's scale: a sample of size >> rate stands for about one allocation. */
	assert_true(fabs(heap_sample_scale(64 << 20, 512 * 1024) - 1) < 1e-9);
	/* Small ones stand for about rate/size allocations. */
	assert_true(fabs(heap_sample_scale(16, 512 * 1024) / (512.0 * 1024 / 16) - 1) < 0.001);
	assert_true(heap_sample_scale(0, 512 * 1024) == 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_draw_has_mean_one),
		cmocka_unit_test(rate_one_samples_every_allocation),
		cmocka_unit_test(estimates_match_the_truth),
		cmocka_unit_test(large_allocations_are_always_sampled),
	};
	return cmocka_run_group_tests_name("heap_sampling", tests, fill_table, NULL);
}
