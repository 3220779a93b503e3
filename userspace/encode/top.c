/* top.c: flat and cumulative values per function. */
#include <stdlib.h>
#include <string.h>

#include "top.h"

static int by_flat_then_cum(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->flat != y->flat)
		return x->flat > y->flat ? -1 : 1;
	if (x->cum != y->cum)
		return x->cum > y->cum ? -1 : 1;
	return strcmp(x->function, y->function);
}

int top_table_build(const struct profile *profile, size_t value_index, struct top_table *table)
{
	size_t n = profile->n_functions;
	int64_t *flat = calloc(n + 1, sizeof(*flat)), *cum = calloc(n + 1, sizeof(*cum));
	/* The last sample that counted each function, so recursion counts once. */
	size_t *seen_in = calloc(n + 1, sizeof(*seen_in));

	memset(table, 0, sizeof(*table));
	if (flat == NULL || cum == NULL || seen_in == NULL) {
		free(flat);
		free(cum);
		free(seen_in);
		return -1;
	}
	for (size_t s = 0; s < profile->n_samples; s++) {
		const struct profile_sample *sample = &profile->samples[s];
		int64_t value = sample->values[value_index];
		table->total += value;
		for (uint32_t i = 0; i < sample->n_locations; i++) {
			const struct profile_location *loc =
				&profile->locations[profile->sample_locations[sample->first_location + i]];
			for (uint32_t l = 0; l < loc->n_lines; l++) {
				uint32_t f = profile->lines[loc->first_line + l].function;
				if (i == 0 && l == 0)
					flat[f] += value; /* the innermost frame of the leaf */
				if (seen_in[f] != s + 1) {
					seen_in[f] = s + 1;
					cum[f] += value;
				}
			}
		}
	}
	table->rows = calloc(n + 1, sizeof(*table->rows));
	if (table->rows != NULL)
		for (size_t f = 0; f < n; f++)
			if (cum[f] != 0)
				table->rows[table->n_rows++] = (struct top_row){
					.function = profile->functions[f].name,
					.flat = flat[f],
					.cum = cum[f],
				};
	free(flat);
	free(cum);
	free(seen_in);
	if (table->rows == NULL)
		return -1;
	qsort(table->rows, table->n_rows, sizeof(*table->rows), by_flat_then_cum);
	return 0;
}

void top_table_free(struct top_table *table)
{
	free(table->rows);
	memset(table, 0, sizeof(*table));
}

/* Times read as seconds and bytes in powers of 1024 with their unit, as
 * pprof prints them; counts as they are. */
static void format_value(char *buf, size_t len, int64_t value, const char *unit)
{
	static const char *const byte_units[] = {"B", "kB", "MB", "GB", "TB"};
	double scaled = (double)value;
	size_t step = 0;

	if (strcmp(unit, "nanoseconds") == 0) {
		snprintf(buf, len, "%.2fs", (double)value / 1e9);
	} else if (strcmp(unit, "bytes") == 0) {
		for (; step + 1 < sizeof(byte_units) / sizeof(byte_units[0]) && (scaled >= 1024 || scaled <= -1024); step++)
			scaled /= 1024;
		if (step == 0)
			snprintf(buf, len, "%lldB", (long long)value);
		else
			snprintf(buf, len, "%.2f%s", scaled, byte_units[step]);
	} else {
		snprintf(buf, len, "%lld", (long long)value);
	}
}

static double percent(int64_t part, int64_t total)
{
	return total != 0 ? 100.0 * (double)part / (double)total : 0;
}

int top_table_write_text(FILE *out, const struct profile *profile, const struct top_table *table,
			 size_t value_index, size_t max_rows)
{
	const struct value_type *type = &profile->sample_types[value_index];
	int64_t sum = 0;

	for (size_t i = 0; i < profile->n_comments; i++)
		fprintf(out, "%s\n", profile->comments[i]);
	char flat[32], cum[32];
	format_value(flat, sizeof(flat), table->total, type->unit);
	fprintf(out, "Type: %s\nDuration: %.2fs, Total: %s\n", type->type, (double)profile->duration_nanos / 1e9,
		flat);
	fprintf(out, "%12s %7s %7s %12s %7s  %s\n", "flat", "flat%", "sum%", "cum", "cum%", "function");
	for (size_t i = 0; i < table->n_rows && i < max_rows; i++) {
		const struct top_row *row = &table->rows[i];
		sum += row->flat;
		format_value(flat, sizeof(flat), row->flat, type->unit);
		format_value(cum, sizeof(cum), row->cum, type->unit);
		fprintf(out, "%12s %6.2f%% %6.2f%% %12s %6.2f%%  %s\n", flat, percent(row->flat, table->total),
			percent(sum, table->total), cum, percent(row->cum, table->total), row->function);
	}
	return ferror(out) ? -1 : 0;
}
