/*
 * stack_table.h: interned stacks, each with a vector of values. Every
 * collector aggregates into one: the CPU sampler adds (1 sample, period ns)
 * per hit, the heap profile Go's four heap values per allocation.
 */
#ifndef STACK_TABLE_H
#define STACK_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define STACK_THREAD_NAME_LEN 16

/* What a thread was doing, for profiles that hold both (wall clock). */
enum stack_state {
	STACK_STATE_NONE,
	STACK_ON_CPU,
	STACK_OFF_CPU,
};

struct stack_key {
	const uint64_t *user;   /* leaf first, raw addresses as unwound */
	uint32_t n_user;
	const uint64_t *kernel; /* leaf first */
	uint32_t n_kernel;
	char thread[STACK_THREAD_NAME_LEN]; /* the thread's name, NUL-padded */
	enum stack_state state;
	uint32_t pid; /* the process it ran in; 0: not said */
};

struct stack_table;

struct stack_table *stack_table_new(size_t n_values);
void stack_table_free(struct stack_table *table);
size_t stack_table_count(const struct stack_table *table);
size_t stack_table_values(const struct stack_table *table);

/* Adds values (n_values of them) to the stack's totals; 0, or -1 when out of memory. */
int stack_table_add(struct stack_table *table, const struct stack_key *key, const int64_t *values);

/* The same, returning the stack's index (stable for the table's life), or
 * -1; stack_table_add_to() adds to a stack by that index, as when a freed
 * allocation is taken off the stack that made it. */
int64_t stack_table_add_indexed(struct stack_table *table, const struct stack_key *key, const int64_t *values);
void stack_table_add_to(struct stack_table *table, size_t index, const int64_t *values);

/* A copy of every stack's values, stack_table_count() vectors of
 * stack_table_values() each, by index: what a delta is later taken
 * against. NULL when out of memory (or the table is empty). */
int64_t *stack_table_copy_values(const struct stack_table *table);

/* A new table of the same stacks with other values: n_values per stack,
 * by index, from values; stacks whose new values are all zero are left
 * out. NULL when out of memory. */
struct stack_table *stack_table_with_values(const struct stack_table *table, const int64_t *values,
					    size_t n_values);

/* Visits every stack; *cursor starts at 0. Returns 0 at the end. The key's
 * arrays and the values stay valid until the next stack_table_add. */
int stack_table_next(const struct stack_table *table, size_t *cursor, struct stack_key *key,
		     const int64_t **values);

#endif
