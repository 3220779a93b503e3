/* bench_alloc.h: allocation counters of encrypt-bench, Go's B/op and allocs/op. */
#ifndef BENCH_ALLOC_H
#define BENCH_ALLOC_H

struct alloc_totals {
	unsigned long long count;
	unsigned long long bytes;
};

void alloc_totals_read(struct alloc_totals *totals);

#endif
