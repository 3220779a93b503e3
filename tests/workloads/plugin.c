/*
 * plugin.c: the library dlopen_loop loads and unloads. The tests link one
 * object into many files, each with its own build ID, so every load is an
 * object the agent has never seen. Built without frame pointers: only its
 * unwind table leads a walk back to the loader.
 */
#include <stdint.h>
#include <time.h>

volatile uint64_t plugin_sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void plugin_burn(void)
{
	for (int i = 0; i < 100000; i++)
		plugin_sink += (uint64_t)i * 2654435761u;
}

/* Burns the CPU for ms milliseconds. */
void plugin_work(unsigned ms)
{
	uint64_t until = now_ns() + (uint64_t)ms * 1000000ull;

	while (now_ns() < until)
		plugin_burn();
}
