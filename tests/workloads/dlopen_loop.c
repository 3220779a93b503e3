/*
 * dlopen_loop.c: a target whose code comes and goes, as a plugin host or a
 * JIT's: it loads DIR/plugin-0.so, plugin-1.so, ... in turn, runs each
 * one's plugin_work() for --hold-ms and unloads it, round after round.
 * Where a library was, a page is then reserved, so that the next load
 * lands at addresses no earlier one used, as a JIT's new code does (the
 * loader would otherwise reuse the same spot for every load).
 *
 *   dlopen_loop --dir DIR --count N [--hold-ms MS] [--seconds S]
 *
 * Prints "dlopen_loop: pid N" at start and "dlopen_loop: L loads" at exit.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) static int run_plugin(const char *path, unsigned hold_ms)
{
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	void (*work)(unsigned) = handle != NULL ? (void (*)(unsigned))dlsym(handle, "plugin_work") : NULL;

	if (work == NULL) {
		fprintf(stderr, "dlopen_loop: %s: %s\n", path, dlerror());
		if (handle != NULL)
			dlclose(handle);
		return -1;
	}
	work(hold_ms);
	struct link_map *map = NULL;
	uintptr_t base = dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 ? (uintptr_t)map->l_addr : 0;
	if (dlclose(handle) != 0)
		return -1;
	if (base != 0)
		mmap((void *)base, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	unsigned count = 0, hold_ms = 500;
	double seconds = 60;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--dir") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			count = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--hold-ms") == 0)
			hold_ms = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = strtod(argv[i + 1], NULL);
	}
	if (dir == NULL || count == 0) {
		fprintf(stderr, "usage: dlopen_loop --dir DIR --count N [--hold-ms MS] [--seconds S]\n");
		return 2;
	}
	printf("dlopen_loop: pid %d\n", (int)getpid());
	fflush(stdout);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	unsigned long loads = 0;
	do {
		char path[4096];
		snprintf(path, sizeof(path), "%s/plugin-%lu.so", dir, loads % count);
		if (run_plugin(path, hold_ms) != 0)
			return 1;
		loads++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	printf("dlopen_loop: %lu loads\n", loads);
	return 0;
}
