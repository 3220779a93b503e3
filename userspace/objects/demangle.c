/*
 * demangle.c: C++ names through the C++ runtime's own demangler. It is
 * looked up at run time so the agent neither links libstdc++ nor fails
 * where it is absent; C names pass through untouched. Go's symbol table
 * names assembly functions with their ABI (runtime.systemstack.abi0):
 * the suffix goes, as Go's own profiler names them.
 */
#include <stdlib.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "demangle.h"

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static cxa_demangle_fn cxa_demangle;
static pthread_once_t lookup_once = PTHREAD_ONCE_INIT;

static void lookup_demangler(void)
{
	void *runtime = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

	if (runtime != NULL)
		cxa_demangle = (cxa_demangle_fn)dlsym(runtime, "__cxa_demangle");
}

#define GO_ABI0_SUFFIX ".abi0"

char *demangle(const char *name)
{
	int status;
	size_t len = strlen(name), suffix = strlen(GO_ABI0_SUFFIX);

	if (len > suffix && strcmp(name + len - suffix, GO_ABI0_SUFFIX) == 0)
		return strndup(name, len - suffix);
	if (strncmp(name, "_Z", 2) != 0)
		return NULL;
	pthread_once(&lookup_once, lookup_demangler);
	if (cxa_demangle == NULL)
		return NULL;
	char *demangled = cxa_demangle(name, NULL, NULL, &status);
	return status == 0 ? demangled : NULL;
}
