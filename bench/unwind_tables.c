/*
 * unwind_tables.c: what the unwinder's tables cost, object by object: rows,
 * bytes in the kernel, rows the walker must stop at, and the median time to
 * compile them from .eh_frame (make bench-unwind prints it).
 *
 *   unwind-tables [--runs N] OBJECT...
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>

#include "clock.h"
#include "unwind_table.h"

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Prints one object's line; -1 when it cannot be read. */
static int measure(const char *path, int runs)
{
	uint64_t times[runs];
	struct unwind_table table = {0};
	char err[200];

	for (int run = 0; run < runs; run++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "unwind-tables: cannot open %s\n", path);
			return -1;
		}
		unwind_table_free(&table);
		uint64_t started = monotonic_ns();
		int rc = unwind_table_build(fd, &table, err, sizeof(err));
		times[run] = monotonic_ns() - started;
		close(fd);
		if (rc != 0) {
			fprintf(stderr, "unwind-tables: %s: %s\n", path, err);
			return -1;
		}
	}
	qsort(times, (size_t)runs, sizeof(times[0]), compare_u64);
	printf("%-60s %9zu %10zu %8zu %9.1f\n", path, table.n_rows, table.n_rows * sizeof(struct unwind_entry),
	       table.unsupported, (double)times[runs / 2] / 1e6);
	unwind_table_free(&table);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 5, first = 1, status = 0;

	if (argc > 2 && strcmp(argv[1], "--runs") == 0) {
		runs = atoi(argv[2]);
		first = 3;
	}
	if (runs < 1) {
		fprintf(stderr, "usage: unwind-tables [--runs N] [OBJECT...]\n");
		return 2;
	}
	if (first < argc)
		printf("%-60s %9s %10s %8s %9s\n", "object", "rows", "bytes", "stop", "build ms");
	for (int i = first; i < argc; i++)
		status |= measure(argv[i], runs) != 0;
	return status;
}
