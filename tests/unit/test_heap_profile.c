/*
 * test_heap_profile.c: heap records into Go's four values per stack:
 * allocations, frees, failures, realloc-style address reuse, a return that
 * never came, and the scaling at a sampling rate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heap_profile.h"

static void send_alloc_at(struct heap_profile *heap, uint32_t tid, uint64_t size, uint64_t site, uint64_t time_ns)
{
	struct heap_event event = {.header = {.kind = HEAP_EVENT_ALLOC, .tid = tid, .size = size, .user_depth = 2},
				   .time_ns = time_ns};

	event.user_stack[0] = 0x1000; /* malloc */
	event.user_stack[1] = site;
	strcpy(event.comm, "worker");
	heap_profile_add(heap, &event.header, sizeof(event));
}

static void send_alloc(struct heap_profile *heap, uint32_t tid, uint64_t size, uint64_t site)
{
	send_alloc_at(heap, tid, size, site, 0);
}

static void send(struct heap_profile *heap, uint8_t kind, uint32_t tid, uint64_t address)
{
	struct heap_event_header header = {.kind = kind, .tid = tid, .address = address};

	heap_profile_add(heap, &header, sizeof(header));
}

/* The n values, in table, of the stack whose caller frame is site. */
static void table_values_at(const struct stack_table *table, size_t n, uint64_t site, int64_t *out)
{
	size_t cursor = 0;
	struct stack_key key;
	const int64_t *values;

	memset(out, 0, n * sizeof(*out));
	while (stack_table_next(table, &cursor, &key, &values))
		if (key.n_user == 2 && key.user[1] == site)
			memcpy(out, values, n * sizeof(*out));
}

static void values_at(const struct heap_profile *heap, uint64_t site, int64_t out[HEAP_VALUES])
{
	table_values_at(heap_profile_stacks(heap), HEAP_VALUES, site, out);
}

static void allocations_and_frees_at_rate_one(void **state)
{
	struct heap_profile *heap = heap_profile_new(1, false);
	int64_t v[HEAP_VALUES];
	struct heap_profile_stats stats;
	(void)state;

	for (uint64_t i = 0; i < 10; i++) { /* ten 100-byte blocks from site A, four freed */
		send_alloc(heap, 7, 100, 0xa);
		send(heap, HEAP_EVENT_DONE, 7, 0x10000 + i * 0x100);
	}
	for (uint64_t i = 0; i < 4; i++)
		send(heap, HEAP_EVENT_FREE, 7, 0x10000 + i * 0x100);
	send(heap, HEAP_EVENT_FREE, 7, 0xdead0000); /* never sampled: ignored */
	values_at(heap, 0xa, v);
	assert_int_equal(v[HEAP_ALLOC_OBJECTS], 10);
	assert_int_equal(v[HEAP_ALLOC_SPACE], 1000);
	assert_int_equal(v[HEAP_INUSE_OBJECTS], 6);
	assert_int_equal(v[HEAP_INUSE_SPACE], 600);

	send_alloc(heap, 8, 4096, 0xb); /* failed: counts nowhere */
	send(heap, HEAP_EVENT_DONE, 8, 0);
	values_at(heap, 0xb, v);
	assert_int_equal(v[HEAP_ALLOC_SPACE], 0);
	assert_int_equal(v[HEAP_INUSE_SPACE], 0);

	/* The same address handed out again without its free seen. */
	send_alloc(heap, 8, 50, 0xc);
	send(heap, HEAP_EVENT_DONE, 8, 0x20000);
	send_alloc(heap, 8, 70, 0xc);
	send(heap, HEAP_EVENT_DONE, 8, 0x20000);
	values_at(heap, 0xc, v);
	assert_int_equal(v[HEAP_ALLOC_SPACE], 120);
	assert_int_equal(v[HEAP_INUSE_SPACE], 70);

	/* An allocation whose return never came: allocated, not known live. */
	send_alloc(heap, 9, 30, 0xd);
	send_alloc(heap, 9, 40, 0xe);
	send(heap, HEAP_EVENT_DONE, 9, 0x30000);
	values_at(heap, 0xd, v);
	assert_int_equal(v[HEAP_ALLOC_SPACE], 30);
	assert_int_equal(v[HEAP_INUSE_SPACE], 0);

	heap_profile_read_stats(heap, &stats);
	assert_int_equal(stats.allocations, 13);
	assert_int_equal(stats.failed, 1);
	assert_int_equal(stats.frees, 4);
	assert_int_equal(stats.unfinished, 1);
	heap_profile_free(heap);
}

static void samples_are_scaled_at_a_rate(void **state)
{
	struct heap_profile *heap = heap_profile_new(512 * 1024, false);
	int64_t v[HEAP_VALUES];
	(void)state;

	send_alloc(heap, 1, 16, 0xa); /* one 16-byte sample stands for ~32768 allocations */
	send(heap, HEAP_EVENT_DONE, 1, 0x1000);
	values_at(heap, 0xa, v);
	assert_true(v[HEAP_ALLOC_OBJECTS] > 32760 && v[HEAP_ALLOC_OBJECTS] < 32780);
	assert_true(v[HEAP_ALLOC_SPACE] > 16 * 32760 && v[HEAP_ALLOC_SPACE] < 16 * 32780);
	send(heap, HEAP_EVENT_FREE, 1, 0x1000);
	values_at(heap, 0xa, v);
	assert_int_equal(v[HEAP_INUSE_OBJECTS], 0);
	assert_int_equal(v[HEAP_INUSE_SPACE], 0);

	struct profile *profile = profile_new();
	heap_profile_conventions(profile, 512 * 1024, false);
	assert_int_equal(profile->n_sample_types, 4);
	assert_int_equal(profile->period, 512 * 1024);
	assert_string_equal(profile->default_sample_type, "inuse_space");
	profile_free(profile);
	profile = profile_new();
	heap_profile_conventions(profile, 4096, true);
	assert_int_equal(profile->n_sample_types, 2);
	assert_string_equal(profile->sample_types[1].type, "inuse_space");
	profile_free(profile);
	heap_profile_free(heap);
}

/* Leaks: live allocations born before a time, by stack; freed and young
 * ones are not leaks, and stacks left with nothing are left out. */
static void leaks_are_old_live_allocations(void **state)
{
	struct heap_profile *heap = heap_profile_new(1, false);
	int64_t v[2];
	(void)state;

	send_alloc_at(heap, 1, 100, 0xa, 1000); /* old, kept */
	send(heap, HEAP_EVENT_DONE, 1, 0x1000);
	send_alloc_at(heap, 1, 200, 0xa, 2000); /* old, freed */
	send(heap, HEAP_EVENT_DONE, 1, 0x2000);
	send(heap, HEAP_EVENT_FREE, 1, 0x2000);
	send_alloc_at(heap, 1, 300, 0xb, 5000); /* young */
	send(heap, HEAP_EVENT_DONE, 1, 0x3000);
	send_alloc_at(heap, 1, 400, 0xc, 1500); /* old, freed: its stack has no leak */
	send(heap, HEAP_EVENT_DONE, 1, 0x4000);
	send(heap, HEAP_EVENT_FREE, 1, 0x4000);

	struct stack_table *leaks = heap_profile_leaks(heap, 3000);
	assert_non_null(leaks);
	assert_int_equal(stack_table_values(leaks), 2);
	assert_int_equal(stack_table_count(leaks), 1);
	table_values_at(leaks, 2, 0xa, v);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 100);
	stack_table_free(leaks);

	leaks = heap_profile_leaks(heap, 6000);
	assert_int_equal(stack_table_count(leaks), 2);
	table_values_at(leaks, 2, 0xb, v);
	assert_int_equal(v[1], 300);
	stack_table_free(leaks);
	heap_profile_free(heap);
}

/* A delta: values now minus a copy taken earlier, by stack index; stacks
 * that did not change drop out. */
static void deltas_subtract_an_earlier_copy(void **state)
{
	struct heap_profile *heap = heap_profile_new(1, false);
	int64_t v[HEAP_VALUES];
	(void)state;

	send_alloc(heap, 1, 100, 0xa);
	send(heap, HEAP_EVENT_DONE, 1, 0x1000);
	send_alloc(heap, 1, 50, 0xb);
	send(heap, HEAP_EVENT_DONE, 1, 0x2000);
	const struct stack_table *stacks = heap_profile_stacks(heap);
	size_t n_before = stack_table_count(stacks);
	int64_t *before = stack_table_copy_values(stacks);
	assert_non_null(before);

	send(heap, HEAP_EVENT_FREE, 1, 0x1000);
	send_alloc(heap, 1, 10, 0xa);
	send(heap, HEAP_EVENT_DONE, 1, 0x3000);
	send_alloc(heap, 1, 7, 0xd); /* a new stack */
	send(heap, HEAP_EVENT_DONE, 1, 0x4000);

	size_t n_now = stack_table_count(stacks);
	int64_t *delta = stack_table_copy_values(stacks);
	for (size_t i = 0; i < n_before * HEAP_VALUES; i++)
		delta[i] -= before[i];
	struct stack_table *changes = stack_table_with_values(stacks, delta, HEAP_VALUES);
	assert_int_equal(n_now, 3);
	assert_int_equal(stack_table_count(changes), 2); /* 0xb did not change */
	table_values_at(changes, HEAP_VALUES, 0xa, v);
	assert_int_equal(v[HEAP_ALLOC_OBJECTS], 1);
	assert_int_equal(v[HEAP_ALLOC_SPACE], 10);
	assert_int_equal(v[HEAP_INUSE_OBJECTS], 0);
	assert_int_equal(v[HEAP_INUSE_SPACE], -90);
	table_values_at(changes, HEAP_VALUES, 0xd, v);
	assert_int_equal(v[HEAP_INUSE_SPACE], 7);
	stack_table_free(changes);
	free(delta);
	free(before);
	heap_profile_free(heap);
}

/* Processes of a set: the same address in two of them is two allocations,
 * each stack says its process, and an exec lets go of that process's heap. */
static void a_set_keeps_processes_apart(void **state)
{
	struct heap_profile *heap = heap_profile_new(1, true);
	(void)state;

	struct heap_event first = {.header = {.kind = HEAP_EVENT_ALLOC, .tid = 11, .tgid = 10, .size = 100,
					      .user_depth = 2}};
	first.user_stack[0] = 0x1000;
	first.user_stack[1] = 0x2000;
	struct heap_event second = first;
	second.header.tid = 21;
	second.header.tgid = 20;
	second.header.size = 300;
	heap_profile_add(heap, &first.header, sizeof(first));
	heap_profile_add(heap, &(struct heap_event_header){.kind = HEAP_EVENT_DONE, .tid = 11, .tgid = 10,
							   .address = 0xa000},
			 sizeof(struct heap_event_header));
	heap_profile_add(heap, &second.header, sizeof(second));
	heap_profile_add(heap, &(struct heap_event_header){.kind = HEAP_EVENT_DONE, .tid = 21, .tgid = 20,
							   .address = 0xa000},
			 sizeof(struct heap_event_header));
	size_t cursor = 0, stacks = 0;
	struct stack_key key;
	const int64_t *v;
	while (stack_table_next(heap_profile_stacks(heap), &cursor, &key, &v)) {
		stacks++;
		assert_int_equal(v[HEAP_INUSE_SPACE], key.pid == 10 ? 100 : 300);
	}
	assert_int_equal(stacks, 2);
	/* The second's free leaves the first's allocation at that address alone. */
	heap_profile_add(heap, &(struct heap_event_header){.kind = HEAP_EVENT_FREE, .tid = 21, .tgid = 20,
							   .address = 0xa000},
			 sizeof(struct heap_event_header));
	heap_profile_add(heap, &(struct heap_event_header){.kind = HEAP_EVENT_EXEC, .tid = 11, .tgid = 10},
			 sizeof(struct heap_event_header));
	cursor = 0;
	while (stack_table_next(heap_profile_stacks(heap), &cursor, &key, &v)) {
		assert_int_equal(v[HEAP_INUSE_SPACE], 0);
		assert_int_equal(v[HEAP_ALLOC_SPACE], key.pid == 10 ? 100 : 300);
	}
	struct heap_profile_stats stats;
	heap_profile_read_stats(heap, &stats);
	assert_int_equal(stats.frees, 1);
	assert_int_equal(stats.execs, 1);
	heap_profile_free(heap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_set_keeps_processes_apart),
		cmocka_unit_test(leaks_are_old_live_allocations),
		cmocka_unit_test(deltas_subtract_an_earlier_copy),
		cmocka_unit_test(allocations_and_frees_at_rate_one),
		cmocka_unit_test(samples_are_scaled_at_a_rate),
	};
	return cmocka_run_group_tests_name("heap_profile", tests, NULL, NULL);
}
