/*
 * bench_alloc.c: counts every heap allocation in encrypt-bench. The
 * executable's malloc family interposes on glibc's for the whole process,
 * so OpenSSL's allocations are counted as well as ours, as Go counts the
 * runtime's. Only the benchmark links this file.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

#include "bench_alloc.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *ptr);

static atomic_ullong allocations, allocated_bytes;

static void count_allocation(size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&allocated_bytes, size, memory_order_relaxed);
}

void alloc_totals_read(struct alloc_totals *totals)
{
	totals->count = atomic_load_explicit(&allocations, memory_order_relaxed);
	totals->bytes = atomic_load_explicit(&allocated_bytes, memory_order_relaxed);
}

void *malloc(size_t size)
{
	count_allocation(size);
	return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
	count_allocation(count * size);
	return __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size)
{
	if (size != 0)
		count_allocation(size);
	return __libc_realloc(ptr, size);
}

void *memalign(size_t alignment, size_t size)
{
	count_allocation(size);
	return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
	return memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
	if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
		return EINVAL;
	void *ptr = memalign(alignment, size);
	if (ptr == NULL)
		return ENOMEM;
	*out = ptr;
	return 0;
}

void free(void *ptr)
{
	__libc_free(ptr);
}
