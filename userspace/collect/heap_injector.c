/*
 * heap_injector.c: loads, starts and stops the in-process heap sampler in
 * a running target (heap_injector.h). glibc 2.34 and later define dlopen
 * in libc itself, so one call loads the library; the target must see the
 * agent's copy of it at the same path (the same mount namespace), since it
 * is the target that opens it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "elf_function.h"
#include "heap_injector.h"
#include "proc_maps.h"

#define CALL_TIMEOUT_MS 10000

/* The sampler library shipped with this agent: next to the binary, or one
 * folder up (the sanitizer build lives in build/asan/). */
static int find_library(char *path, size_t len, char *err, size_t err_len)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		const char *dir = dirname(exe);
		for (int up = 0; up < 2; up++) {
			snprintf(path, len, "%s/%s%s", dir, up ? "../" : "", HEAP_SAMPLER_LIBRARY);
			char resolved[4096];
			if (realpath(path, resolved) != NULL && strlen(resolved) < len) {
				strcpy(path, resolved);
				return 0;
			}
		}
	}
	snprintf(err, err_len, "--heap-inject needs %s next to the bpfprof binary (make builds it)",
		 HEAP_SAMPLER_LIBRARY);
	return -1;
}

/* The target opens the library by path: that path must lead it to the
 * very file the agent reads offsets from. */
static int check_process_sees(pid_t pid, const char *library, char *probe_path, size_t len, char *err, size_t err_len)
{
	struct stat ours, theirs;

	snprintf(probe_path, len, "/proc/%d/root%s", (int)pid, library);
	if (stat(library, &ours) != 0 || stat(probe_path, &theirs) != 0 || ours.st_dev != theirs.st_dev ||
	    ours.st_ino != theirs.st_ino) {
		snprintf(err, err_len,
			 "PID %d does not see %s as the agent does (another mount namespace?): --heap-inject cannot "
			 "load its sampler there",
			 (int)pid, library);
		return -1;
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* Where function lies in the target: the file offset of its definition in
 * the object mapped at path, turned into an address by the mapping that
 * holds it. 0 when it is not there. */
static uint64_t function_address(pid_t pid, const struct map_list *maps, const char *path, const char *function)
{
	char proc_path[4200];

	snprintf(proc_path, sizeof(proc_path), "/proc/%d/root%s", (int)pid, path);
	int fd = open(proc_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	long offset = elf_file_function_offset(fd, function);
	close(fd);
	for (size_t i = 0; offset >= 0 && i < maps->count; i++) {
		const struct map_entry *map = &maps->entries[i];
		if (map->executable && strcmp(map->path, path) == 0 && (uint64_t)offset >= map->offset &&
		    (uint64_t)offset < map->offset + (map->end - map->start))
			return map->start + ((uint64_t)offset - map->offset);
	}
	return 0;
}

static bool is_libc(const char *path)
{
	return strncmp(base_name(path), "libc.so", 7) == 0 || strncmp(base_name(path), "libc-", 5) == 0;
}

static bool is_loader(const char *path)
{
	return strncmp(base_name(path), "ld-linux", 8) == 0;
}

static void avoid_code_of(struct heap_injection *injection, const struct map_list *maps,
			  bool (*wanted)(const char *path, const struct heap_injection *injection))
{
	for (size_t i = 0; i < maps->count && injection->n_avoid < HEAP_INJECTOR_AVOID_MAX; i++)
		if (maps->entries[i].executable && wanted(maps->entries[i].path, injection))
			injection->avoid[injection->n_avoid++] =
				(struct remote_range){maps->entries[i].start, maps->entries[i].end};
}

static bool allocator_or_loader(const char *path, const struct heap_injection *injection)
{
	(void)injection;
	return is_libc(path) || is_loader(path);
}

static bool sampler_itself(const char *path, const struct heap_injection *injection)
{
	return strcmp(path, injection->library) == 0;
}

/* dlerror()'s message in the target, or a generic one. */
static void remote_dlerror(struct remote_thread *thread, pid_t pid, uint64_t dlerror_function, char *out, size_t len)
{
	uint64_t message = 0;
	char err[256];

	snprintf(out, len, "no reason given");
	if (dlerror_function == 0 ||
	    remote_call(thread, dlerror_function, NULL, 0, CALL_TIMEOUT_MS, &message, err, sizeof(err)) != 0 ||
	    message == 0)
		return;
	struct iovec local = {out, len - 1}, remote = {(void *)message, len - 1};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	out[n > 0 ? strnlen(out, (size_t)n) : 0] = '\0';
}

/* One call into the target from a thread stopped at a safe point. */
static int call_in_process(struct heap_injection *injection, uint64_t function, const uint64_t *args, size_t n_args,
			   uint64_t *result, char *err, size_t err_len)
{
	struct remote_thread *thread =
		remote_attach(injection->pid, injection->avoid, injection->n_avoid, err, err_len);
	if (thread == NULL)
		return -1;
	int rc = remote_call(thread, function, args, n_args, CALL_TIMEOUT_MS, result, err, err_len);
	remote_detach(thread);
	return rc;
}

static int load_library(struct heap_injection *injection, const struct map_list *maps, char *err, size_t err_len)
{
	uint64_t dlopen_function = 0, dlerror_function = 0;

	for (size_t i = 0; i < maps->count && dlopen_function == 0; i++)
		if (maps->entries[i].executable && is_libc(maps->entries[i].path)) {
			dlopen_function = function_address(injection->pid, maps, maps->entries[i].path, "dlopen");
			dlerror_function = function_address(injection->pid, maps, maps->entries[i].path, "dlerror");
		}
	if (dlopen_function == 0) {
		snprintf(err, err_len,
			 "PID %d maps no glibc 2.34 or later (dlopen in libc): --heap-inject cannot load its sampler; "
			 "leave it out to trace with uprobes",
			 (int)injection->pid);
		return -1;
	}
	struct remote_thread *thread =
		remote_attach(injection->pid, injection->avoid, injection->n_avoid, err, err_len);
	if (thread == NULL)
		return -1;
	uint64_t handle = 0;
	uint64_t path = remote_push(thread, injection->library, strlen(injection->library) + 1);
	uint64_t args[] = {path, RTLD_NOW};
	int rc = path == 0 ? -1 : remote_call(thread, dlopen_function, args, 2, CALL_TIMEOUT_MS, &handle, err, err_len);
	if (path == 0)
		snprintf(err, err_len, "cannot write the library's path into PID %d", (int)injection->pid);
	if (rc == 0 && handle == 0) {
		char reason[256];
		remote_dlerror(thread, injection->pid, dlerror_function, reason, sizeof(reason));
		snprintf(err, err_len, "PID %d could not load the sampler: %s", (int)injection->pid, reason);
		rc = -1;
	}
	remote_detach(thread);
	return rc;
}

/* Whether the target's executable defines function. */
static bool executable_defines(pid_t pid, const char *function)
{
	char exe[64];

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	int fd = open(exe, O_RDONLY | O_CLOEXEC);
	bool defines = fd >= 0 && elf_file_function_offset(fd, function) >= 0;
	if (fd >= 0)
		close(fd);
	return defines;
}

/* Executables the sampler cannot serve, known by a function they define. */
static const struct {
	const char *defines, *reason;
} refused[] = {
	{"runtime.main", "is a Go program: its heap is Go's own, not malloc's, and a call into C could land on a "
			 "goroutine's small stack; leave out --heap-inject"},
	/* An allocator linked into the executable is called directly from
	 * its own code, through no slot the sampler could take. */
	{"malloc", "defines malloc in its executable: its calls to it pass through no GOT slot; leave out "
		   "--heap-inject to trace it with uprobes"},
};

int heap_injector_load(pid_t pid, struct heap_injection *injection, char *err, size_t err_len)
{
	struct map_list maps = {0};
	int rc = -1;

	*injection = (struct heap_injection){.pid = pid};
	if (find_library(injection->library, sizeof(injection->library), err, err_len) != 0 ||
	    check_process_sees(pid, injection->library, injection->probe_path, sizeof(injection->probe_path), err,
			       err_len) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (executable_defines(pid, refused[i].defines)) {
			snprintf(err, err_len, "PID %d %s", (int)pid, refused[i].reason);
			return -1;
		}
	if (map_list_read(pid, &maps) != 0) {
		snprintf(err, err_len, "cannot read the mappings of PID %d: %s", (int)pid, strerror(errno));
		return -1;
	}
	avoid_code_of(injection, &maps, allocator_or_loader);
	if (load_library(injection, &maps, err, err_len) != 0)
		goto out;
	map_list_free(&maps);
	if (map_list_read(pid, &maps) != 0) {
		snprintf(err, err_len, "cannot read the mappings of PID %d: %s", (int)pid, strerror(errno));
		goto out;
	}
	avoid_code_of(injection, &maps, sampler_itself);
	injection->start_function = function_address(pid, &maps, injection->library, "bpfprof_heap_sampler_start");
	injection->stop_function = function_address(pid, &maps, injection->library, "bpfprof_heap_sampler_stop");
	int fd = open(injection->library, O_RDONLY | O_CLOEXEC);
	long note = fd >= 0 ? elf_file_function_offset(fd, "bpfprof_heap_sampled") : -1;
	if (fd >= 0)
		close(fd);
	if (injection->start_function == 0 || injection->stop_function == 0 || note < 0) {
		snprintf(err, err_len, "PID %d loaded %s but it lacks the sampler's functions", (int)pid,
			 injection->library);
		goto out;
	}
	injection->note_offset = (size_t)note;
	rc = 0;
out:
	map_list_free(&maps);
	return rc;
}

int heap_injector_start(struct heap_injection *injection, uint64_t rate, char *err, size_t err_len)
{
	uint64_t result = 0;

	if (call_in_process(injection, injection->start_function, &rate, 1, &result, err, err_len) != 0)
		return -1;
	int slots = (int)(int32_t)result;
	if (slots < 0) {
		snprintf(err, err_len, "the sampler in PID %d could not start: %s", (int)injection->pid,
			 strerror(-slots));
		return -1;
	}
	if (slots == 0) {
		heap_injector_stop(injection, err, err_len);
		snprintf(
			err, err_len,
			"PID %d calls no allocator through a GOT slot (a static binary?): --heap-inject cannot see its "
			"allocations; leave it out to trace with uprobes",
			(int)injection->pid);
		return -1;
	}
	return slots;
}

int heap_injector_stop(struct heap_injection *injection, char *err, size_t err_len)
{
	uint64_t result = 0;

	return call_in_process(injection, injection->stop_function, NULL, 0, &result, err, err_len);
}
