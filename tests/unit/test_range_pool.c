/* test_range_pool.c: ranges taken first fit, given back and merged, retired ones held until reused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "range_pool.h"

static void range_pool_reuses_what_comes_back(void **state)
{
	struct range_pool pool;
	uint32_t a, b, c, d;
	(void)state;

	range_pool_init(&pool, 100);
	assert_true(range_pool_take(&pool, 30, &a));
	assert_true(range_pool_take(&pool, 30, &b));
	assert_true(range_pool_take(&pool, 30, &c));
	assert_int_equal(a, 0);
	assert_int_equal(b, 30);
	assert_int_equal(c, 60);
	assert_false(range_pool_take(&pool, 20, &d)); /* 10 left */
	assert_true(range_pool_give(&pool, (struct range){b, 30}));
	assert_int_equal(pool.in_use, 60);
	assert_true(range_pool_take(&pool, 20, &d)); /* first fit: b's room */
	assert_int_equal(d, 30);
	assert_false(range_pool_take(&pool, 11, &b)); /* 10 in the hole, 10 at the end: not contiguous */
	assert_true(range_pool_give(&pool, (struct range){a, 30}));
	assert_true(range_pool_give(&pool, (struct range){d, 20})); /* merges with a's and the hole: 0..60 */
	assert_int_equal(pool.n_free, 1);
	assert_true(range_pool_take(&pool, 60, &a));
	assert_int_equal(a, 0);
	/* Room that reaches the end is the end's again. */
	assert_true(range_pool_give(&pool, (struct range){c, 30}));
	assert_int_equal(pool.end, 60);
	assert_true(range_pool_give(&pool, (struct range){a, 60}));
	assert_int_equal(pool.end, 0);
	assert_int_equal(pool.n_free, 0);
	assert_int_equal(pool.in_use, 0);
	assert_true(range_pool_take(&pool, 100, &a));
	range_pool_free(&pool);
}

/* A retired range stays taken until the pool is told readers are done
 * with it, then merges back like any other. */
static void range_pool_holds_retired_ranges_back(void **state)
{
	struct range_pool pool;
	uint32_t a, b, c;
	(void)state;

	range_pool_init(&pool, 100);
	assert_true(range_pool_take(&pool, 50, &a));
	assert_true(range_pool_take(&pool, 50, &b));
	range_pool_retire(&pool, (struct range){a, 50});
	assert_int_equal(pool.in_use, 100);
	assert_false(range_pool_take(&pool, 1, &c)); /* a's room is still someone's to read */
	range_pool_reuse_retired(&pool);
	assert_int_equal(pool.in_use, 50);
	assert_true(range_pool_take(&pool, 50, &c));
	assert_int_equal(c, a);
	range_pool_retire(&pool, (struct range){b, 50});
	range_pool_retire(&pool, (struct range){c, 50});
	range_pool_reuse_retired(&pool);
	assert_int_equal(pool.in_use, 0);
	assert_int_equal(pool.end, 0); /* everything merged back into the end */
	range_pool_reuse_retired(&pool); /* nothing left to reuse: no change */
	assert_int_equal(pool.in_use, 0);
	range_pool_free(&pool);
}

/* Many sizes taken and given back in turn never overlap, and the pool
 * ends where it began. */
static void range_pool_never_hands_out_a_range_twice(void **state)
{
	enum { CAPACITY = 4096, ROUNDS = 20000 };
	static unsigned char owner[CAPACITY];
	struct range held[64] = {{0, 0}};
	struct range_pool pool;
	unsigned seed = 7;
	(void)state;

	memset(owner, 0, sizeof(owner));
	range_pool_init(&pool, CAPACITY);
	for (int round = 0; round < ROUNDS; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t i = (seed >> 8) % 64;
		if (held[i].count > 0) {
			for (uint32_t k = 0; k < held[i].count; k++)
				owner[held[i].first + k] = 0;
			assert_true(range_pool_give(&pool, held[i]));
			held[i].count = 0;
			continue;
		}
		uint32_t count = 1 + (seed >> 16) % 200, first;
		if (!range_pool_take(&pool, count, &first))
			continue;
		assert_true(first + count <= CAPACITY);
		for (uint32_t k = 0; k < count; k++) {
			assert_int_equal(owner[first + k], 0);
			owner[first + k] = 1;
		}
		held[i] = (struct range){first, count};
	}
	for (size_t i = 0; i < 64; i++)
		if (held[i].count > 0)
			assert_true(range_pool_give(&pool, held[i]));
	assert_int_equal(pool.in_use, 0);
	assert_int_equal(pool.end, 0);
	assert_int_equal(pool.n_free, 0);
	range_pool_free(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(range_pool_reuses_what_comes_back),
		cmocka_unit_test(range_pool_holds_retired_ranges_back),
		cmocka_unit_test(range_pool_never_hands_out_a_range_twice),
	};
	return cmocka_run_group_tests_name("range_pool", tests, NULL, NULL);
}
