/*
 * main.c: bpfprof's command dispatcher. Each command lives in its own file
 * and owns its flags.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "command_line.h"
#include "features_command.h"
#include "profile_kinds.h"
#include "record.h"
#include "serve.h"
#include "version.h"

static void write_usage(FILE *out)
{
	char kinds[160];

	profile_kind_names(kinds, sizeof(kinds), true, false);
	fprintf(out,
		"usage: bpfprof <command> [flags]\n"
		"\n"
		"Profiles a running Linux process with eBPF, without restarting or changing it,\n"
		"and writes what Go's net/http/pprof would give: pprof profiles and flamegraphs.\n"
		"\n"
		"Commands:\n"
		"  record     record one profile of a process for a while and write it (--kind):\n"
		"             %s\n"
		"  serve      serve Go-compatible /debug/pprof endpoints for a process over HTTP\n"
		"  features   what this kernel offers each profile kind (--markdown: the table)\n"
		"\n"
		"  bpfprof <command> --help   flags of a command\n"
		"  bpfprof --version          the version\n",
		kinds);
}

/* libbpf's own messages are for debugging (BPFPROF_DEBUG=1); ours say
 * what went wrong in one line. */
static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return getenv("BPFPROF_DEBUG") != NULL ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		write_usage(stderr);
		return 2;
	}
	const char *command = argv[1];
	if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
		write_usage(stdout);
		return 0;
	}
	if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
		printf("bpfprof %s\n", BPFPROF_VERSION);
		return 0;
	}
	libbpf_set_print(quiet_libbpf);
	if (strcmp(command, "record") == 0)
		return record_main(argc - 1, argv + 1);
	if (strcmp(command, "serve") == 0)
		return serve_main(argc - 1, argv + 1);
	if (strcmp(command, "features") == 0)
		return features_main(argc - 1, argv + 1);
	fprintf(stderr, "bpfprof: unknown command '%s' (see bpfprof --help)\n", command);
	return 2;
}
