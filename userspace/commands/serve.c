/*
 * serve.c: `bpfprof serve`: attach to a set of processes and serve their profiles over
 * HTTP until SIGINT or SIGTERM (the server itself is http/http_server.c).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "command_line.h"
#include "heap_tracer.h"
#include "listen.h"
#include "options.h"
#include "profile_kinds.h"
#include "serve.h"
#include "http_server.h"
#include "session.h"

/* What serve does, and the kinds' endpoints from the table. */
static void write_serve_about(FILE *out)
{
	fputs("Attaches to running processes and serves Go-compatible /debug/pprof endpoints,\n"
	      "so `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=30` works\n"
	      "as it does against a Go program. CPU sampling runs only while a profile is requested;\n"
	      "heap tracing (--heap) runs from the start, since in-use memory is counted from attach.\n"
	      "Stops on SIGINT or SIGTERM. The kinds, each at /debug/pprof/NAME:\n\n",
	      out);
	for (size_t i = 0; i < profile_kinds_count; i++) {
		const struct profile_kind *kind = &profile_kinds[i];
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s", kind->endpoint, kind->alias != NULL ? ", " : "",
			 kind->alias != NULL ? kind->alias : "");
		char help[256];
		snprintf(help, sizeof(help), "%s%s", kind->help, kind->needs_heap ? " (with --heap)" : "");
		agent_options_write_row(out, 2, name, help);
	}
}

static const enum agent_flag serve_flags[] = {
	FLAG_PID,
	FLAG_CHILDREN,
	FLAG_CGROUP,
	FLAG_LISTEN,
	FLAG_HZ,
	FLAG_UNWIND,
	FLAG_HEAP,
	FLAG_HEAP_RATE,
	FLAG_HEAP_INJECT,
	FLAG_MAX_WINDOWS,
	FLAG_MAX_CONNECTIONS,
	FLAG_SNAPSHOT_MEMORY,
};

static const struct command_help serve_help = {
	.name = "serve",
	.flags = serve_flags,
	.n_flags = sizeof(serve_flags) / sizeof(serve_flags[0]),
	.write_about = write_serve_about,
};

/* The kinds serve needs from the start: CPU sampling, and heap tracing
 * with --heap. 0, or 1 after saying what the kernel lacks. */
static int check_kernel(const struct agent_options *opts)
{
	bool frame_pointers_only = opts->unwind == UNWIND_MODE_FP;
	char err[512];

	if (profile_kind_kernel_check(profile_kind_named("cpu"), frame_pointers_only, err, sizeof(err)) != 0 ||
	    (opts->heap &&
	     profile_kind_kernel_check(profile_kind_named("heap"), frame_pointers_only, err, sizeof(err)) != 0))
		return cli_fail(1, "%s", err);
	return 0;
}

/* Waits for SIGINT or SIGTERM (which it returns), saying once on stderr
 * when the traced set is gone: the agent keeps serving what it collected, and
 * someone watching its log should not have to learn it from 410s. */
static int wait_for_stop(const sigset_t *stop_signals, struct traced_set *set)
{
	const struct timespec tick = {.tv_sec = 1};
	bool said = false;
	char why[512];

	for (;;) {
		int signo = sigtimedwait(stop_signals, NULL, &tick);
		if (signo > 0)
			return signo;
		if (!said && !traced_set_alive(set)) {
			traced_set_gone_reason(set, why, sizeof(why));
			fprintf(stderr, "bpfprof: %s; still serving what was collected (new windows answer 410)\n", why);
			said = true;
		}
	}
}

int serve_main(int argc, char **argv)
{
	struct agent_options opts;
	struct session session;
	struct heap_tracer *heap = NULL;
	char err[512];
	int rc = agent_options_parse(&serve_help, argc, argv, &opts);

	if (rc != 0 || (rc = check_kernel(&opts)) != 0)
		return rc;
	if (session_open(&session, &opts.set_spec, cpu_event_find("cpu-clock"), opts.hz, opts.unwind, err,
			 sizeof(err)) != 0)
		return cli_fail(1, "%s", err);
	int port;
	bool loopback;
	int fd = listen_address_open(&opts.listen_at, &port, &loopback, err, sizeof(err));
	if (fd < 0) {
		session_close(&session);
		return cli_fail(1, "%s", err);
	}
	if (opts.heap &&
	    (heap = heap_tracer_start(&session.set, opts.heap_rate, opts.heap_inject, err, sizeof(err))) == NULL) {
		close(fd);
		session_close(&session);
		return cli_fail(1, "%s", err);
	}

	/* Stop signals go to sigwait() below, never to a connection thread. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	struct server *server =
		server_start(&session, heap, opts.hz, opts.unwind == UNWIND_MODE_FP, &opts.limits, fd, err, sizeof(err));
	if (server == NULL) {
		close(fd);
		heap_tracer_free(heap);
		session_close(&session);
		return cli_fail(1, "%s on port %d", err, port);
	}
	const char *host = opts.listen_at.host[0] != '\0' ? opts.listen_at.host : "0.0.0.0";
	bool ipv6 = strchr(host, ':') != NULL;
	char name[4096];
	traced_set_name(&session.set, name, sizeof(name));
	fprintf(stderr, "bpfprof: serving %s on http://%s%s%s:%d/debug/pprof/\n", name, ipv6 ? "[" : "", host,
		ipv6 ? "]" : "", port);
	if (heap != NULL)
		fprintf(stderr, "bpfprof: tracing allocations, one sample every %llu bytes on average\n",
			(unsigned long long)opts.heap_rate);
	if (!loopback)
		fprintf(stderr, "bpfprof: warning: listening beyond this machine; profiles expose the target's "
				"code layout, file paths and command line to anyone who can connect\n");

	int signo = wait_for_stop(&stop_signals, &session.set);
	fprintf(stderr, "bpfprof: %s received, detaching\n", strsignal(signo));
	/* Windows (requests and snapshots) end and answer with what they have;
	 * heap profiles stay available while the uprobes come off. */
	server_end_windows(server);
	if (heap != NULL)
		heap_tracer_finish(heap);
	server_free(server);
	close(fd);
	heap_tracer_free(heap);
	session_close(&session);
	return 0;
}
