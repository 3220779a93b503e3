/*
 * top.h: a profile as pprof's "top" table: per function, its own (flat)
 * and inclusive (cum) value. Used for ?debug=1 text output, and by the UI.
 */
#ifndef TOP_H
#define TOP_H

#include <stdint.h>
#include <stdio.h>

#include "profile.h"

struct top_row {
	const char *function;
	int64_t flat, cum;
};

struct top_table {
	struct top_row *rows; /* sorted by flat, then cum, then name */
	size_t n_rows;
	int64_t total;
};

/* For the profile's sample type value_index. Inlined functions count as
 * functions; a function recursing in one stack counts once in its cum.
 * 0, or -1 when out of memory. */
int top_table_build(const struct profile *profile, size_t value_index, struct top_table *table);
void top_table_free(struct top_table *table);

/* pprof-like text: a header of comments and totals, then up to max_rows rows. */
int top_table_write_text(FILE *out, const struct profile *profile, const struct top_table *table,
			 size_t value_index, size_t max_rows);

#endif
