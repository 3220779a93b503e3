/*
 * record.c: `bpfprof record`: attach to a PID, sample its CPU stacks for a
 * duration (or until Ctrl-C, or until it exits), and write the profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "heap_collector.h"
#include "heap_profile.h"
#include "heap_tracer.h"
#include "kernel_features.h"
#include "kernel_probe.h"
#include "offcpu_profile.h"
#include "wall_profile.h"
#include "profile_builder.h"
#include "session.h"
#include "output.h"
#include "record.h"
#include "window_health.h"

#define WAIT_MS 200

static const char record_usage[] =
	"usage: bpfprof record --pid PID [--type cpu|heap|leaks|block|mutex|wall] [--duration 30s] [--hz 99]\n"
	"                      [-o FILE]\n"
	"                      [--format pprof|folded|svg] [--event cpu-clock] [--heap-rate 524288]\n"
	"                      [--older-than 10s] [--min-wait 1us] [--unwind auto|fp|dwarf]\n"
	"\n"
	"Records a profile of a running process, including threads started while recording:\n"
	"--type cpu (the default) samples the on-CPU stacks (user and kernel) of every thread;\n"
	"--type heap traces its malloc, calloc, realloc and free, sampled as Go does;\n"
	"--type leaks traces the same and keeps what is still live at the end and older\n"
	"than --older-than (a leak view, as bcc's memleak); --type block measures where its\n"
	"threads sleep off-CPU, --type mutex where they wait in futexes (contended locks) and\n"
	"--type wall both on- and off-CPU time in one profile (label state=on-CPU|off-CPU).\n"
	"\n"
	"  -p, --pid PID        the process to profile\n"
	"  -t, --type T         cpu, heap, leaks, block, mutex or wall (default cpu)\n"
	"  -d, --duration D     how long to record: 30s, 1m30s, 500ms ... (default 30s);\n"
	"                       Ctrl-C stops early and still writes the profile\n"
	"  -F, --hz N           samples per second per CPU, 1 to 10000 (default 99)\n"
	"  -o, --output FILE    where to write (default cpu.pb.gz, heap.pb.gz or leaks.pb.gz;\n"
	"                       - for standard output)\n"
	"  -f, --format F       pprof (gzipped profile.proto, for go tool pprof), folded\n"
	"                       (flamegraph.pl's input) or svg (an interactive flamegraph);\n"
	"                       default: from the file extension (.pb.gz, .folded, .svg), else pprof;\n"
	"                       heap and leaks folded and SVG output show in-use bytes\n"
	"  -e, --event E        sampling event: cpu-clock (default), or the hardware events\n"
	"                       cycles and instructions where the machine has counters\n"
	"  -r, --heap-rate N    heap: sample an allocation every N bytes on average (default\n"
	"                       524288, as Go's MemProfileRate; 1 records every allocation)\n"
	"  -a, --older-than D   leaks: how long an allocation must have been live (default 10s)\n"
	"  -w, --min-wait D     block and mutex: the shortest wait counted (default 1us)\n"
	"  -u, --unwind M       how user stacks are walked: auto (default: .eh_frame tables\n"
	"                       where objects have them, frame pointers elsewhere), dwarf\n"
	"                       (tables only) or fp (frame pointers only)\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF and CAP_PERFMON (plus CAP_SYS_PTRACE for another user's process).\n"
	"If the process exits while recording, what was recorded is written (exit status 0).\n";

/* In kernel_features.h's profile_kind_names order. */
enum profile_type { TYPE_CPU, TYPE_HEAP, TYPE_LEAKS, TYPE_BLOCK, TYPE_MUTEX, TYPE_WALL };

struct record_options {
	pid_t pid;
	enum profile_type type;
	uint64_t heap_rate;
	uint64_t older_than_ns;
	uint64_t min_wait_ns;
	uint64_t duration_ns;
	unsigned hz;
	const struct cpu_event *event;
	enum unwind_mode unwind;
	const char *output;
	char default_output[32];
	enum output_format format;
};

static volatile sig_atomic_t stop_requested;

static void request_stop(int signo)
{
	(void)signo;
	stop_requested = 1;
}

static int parse_record_options(int argc, char **argv, struct record_options *opts)
{
	static const struct option long_options[] = {
		{"pid", required_argument, NULL, 'p'},      {"duration", required_argument, NULL, 'd'},
		{"hz", required_argument, NULL, 'F'},       {"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},   {"event", required_argument, NULL, 'e'},
		{"unwind", required_argument, NULL, 'u'},   {"type", required_argument, NULL, 't'},
		{"heap-rate", required_argument, NULL, 'r'}, {"older-than", required_argument, NULL, 'a'},
		{"min-wait", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	char err[256];
	bool have_pid = false;
	int opt;

	*opts = (struct record_options){.duration_ns = 30000000000ULL, .hz = 99, .event = cpu_event_find("cpu-clock"),
					  .unwind = UNWIND_MODE_AUTO, .heap_rate = HEAP_RATE_DEFAULT,
					  .older_than_ns = LEAK_AGE_DEFAULT_NS, .min_wait_ns = OFFCPU_MIN_WAIT_DEFAULT_NS};
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":p:d:F:o:f:e:u:t:r:a:w:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (target_parse_pid(optarg, &opts->pid, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			have_pid = true;
			break;
		case 'd':
			if (parse_duration(optarg, &opts->duration_ns, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			break;
		case 'F':
			if (parse_hz(optarg, HZ_MAX, &opts->hz, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			break;
		case 'o':
			opts->output = optarg;
			break;
		case 'f':
			opts->format = parse_format(optarg);
			if (opts->format == FORMAT_UNKNOWN)
				return cli_fail(2, "--format must be pprof, folded or svg, not '%s'", optarg);
			break;
		case 'e':
			opts->event = cpu_event_find(optarg);
			if (opts->event == NULL)
				return cli_fail(2, "--event must be %s, not '%s'", cpu_event_names(), optarg);
			break;
		case 't':
			if (strcmp(optarg, "cpu") == 0)
				opts->type = TYPE_CPU;
			else if (strcmp(optarg, "heap") == 0)
				opts->type = TYPE_HEAP;
			else if (strcmp(optarg, "leaks") == 0)
				opts->type = TYPE_LEAKS;
			else if (strcmp(optarg, "block") == 0)
				opts->type = TYPE_BLOCK;
			else if (strcmp(optarg, "mutex") == 0)
				opts->type = TYPE_MUTEX;
			else if (strcmp(optarg, "wall") == 0)
				opts->type = TYPE_WALL;
			else
				return cli_fail(2, "--type must be cpu, heap, leaks, block, mutex or wall, not '%s'", optarg);
			break;
		case 'w':
			if (parse_duration(optarg, &opts->min_wait_ns, err, sizeof(err)) != 0)
				return cli_fail(2, "--min-wait: %s", err);
			break;
		case 'a':
			if (parse_duration(optarg, &opts->older_than_ns, err, sizeof(err)) != 0)
				return cli_fail(2, "--older-than: %s", err);
			break;
		case 'r':
			if (parse_heap_rate(optarg, &opts->heap_rate, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			break;
		case 'u':
			if (parse_unwind_mode(optarg, &opts->unwind, err, sizeof(err)) != 0)
				return cli_fail(2, "%s", err);
			break;
		case 'h':
			fputs(record_usage, stdout);
			exit(0);
		default:
			return cli_bad_option(opt, "record", argv);
		}
	}
	int rc = cli_check_operands("record", argc, argv, have_pid);
	if (rc != 0)
		return rc;
	if (opts->format == FORMAT_UNKNOWN)
		opts->format = opts->output != NULL ? format_for_path(opts->output) : FORMAT_PPROF;
	if (opts->format == FORMAT_UNKNOWN)
		opts->format = FORMAT_PPROF;
	if (opts->output == NULL && opts->type == TYPE_HEAP)
		opts->output = opts->format == FORMAT_SVG ? "heap.svg" : opts->format == FORMAT_FOLDED ? "heap.folded"
												       : "heap.pb.gz";
	if (opts->output == NULL && (opts->type == TYPE_BLOCK || opts->type == TYPE_MUTEX || opts->type == TYPE_WALL)) {
		const char *name = opts->type == TYPE_BLOCK ? "block" : opts->type == TYPE_MUTEX ? "mutex" : "wall";
		const char *extension = opts->format == FORMAT_SVG ? "svg" : opts->format == FORMAT_FOLDED ? "folded" : "pb.gz";
		snprintf(opts->default_output, sizeof(opts->default_output), "%s.%s", name, extension);
		opts->output = opts->default_output;
	}
	if (opts->output == NULL && opts->type == TYPE_LEAKS)
		opts->output = opts->format == FORMAT_SVG ? "leaks.svg" : opts->format == FORMAT_FOLDED ? "leaks.folded"
													: "leaks.pb.gz";
	if (opts->output == NULL)
		opts->output = opts->format == FORMAT_SVG ? "cpu.svg" : opts->format == FORMAT_FOLDED ? "cpu.folded"
												      : "cpu.pb.gz";
	return 0;
}

/* A new file in the directory of path (so rename() can replace path). */
static FILE *open_temp_beside(const char *path, char *temp_path, size_t len)
{
	if ((size_t)snprintf(temp_path, len, "%s.tmp.XXXXXX", path) >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkostemp(temp_path, O_CLOEXEC);
	if (fd < 0)
		return NULL;
	mode_t mask = umask(0); /* mkostemp makes 0600; give what fopen() would */
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	FILE *out = fdopen(fd, "w");
	if (out == NULL) {
		close(fd);
		unlink(temp_path);
	}
	return out;
}

/* What one recording produced, whichever its type. */
struct recording {
	struct profile *profile;
	double seconds;
	size_t value_index;  /* the sample type folded and SVG output show */
	const char *unit;    /* of that value, for the SVG */
	char subtitle[300];  /* the SVG's */
	char summary[300];   /* what the closing line says was recorded */
};

static void warn_if_exited(const struct target *target, bool exited, double seconds)
{
	if (exited)
		fprintf(stderr, "bpfprof: warning: PID %d exited after %.1f s; writing the partial profile\n",
			(int)target->pid, seconds);
}

static int record_cpu(const struct record_options *opts, struct session *session, struct recording *r, char *err,
		      size_t err_len)
{
	const struct target *target = &session->image.target;
	struct cpu_window_result result = {0};
	struct cpu_window *window = cpu_window_open(session->cpu, opts->duration_ns, err, err_len);

	if (window == NULL)
		return -1;
	fprintf(stderr, "bpfprof: sampling PID %d (%s) at %u Hz for %.1f s; Ctrl-C to stop early\n", (int)target->pid,
		target->comm, opts->hz, (double)opts->duration_ns / 1e9);
	while (!cpu_window_wait(window, WAIT_MS))
		if (stop_requested)
			cpu_window_stop(window);
	cpu_window_close(window, &result);
	r->seconds = (double)result.elapsed_ns / 1e9;
	warn_if_exited(target, result.target_exited, r->seconds);
	r->profile = cpu_sampler_profile(session->cpu, &result);
	r->unit = "samples";
	snprintf(r->subtitle, sizeof(r->subtitle), "%.1f s at %u Hz (%s), %llu samples, %llu lost", r->seconds,
		 opts->hz, opts->event->name, (unsigned long long)result.stats.received,
		 (unsigned long long)result.stats.lost_ringbuf_full);
	snprintf(r->summary, sizeof(r->summary), "%llu samples in %zu stacks over %.1f s, %llu lost",
		 (unsigned long long)(result.stats.received - result.aggregation_failures),
		 stack_table_count(result.stacks), r->seconds,
		 (unsigned long long)(result.stats.lost_ringbuf_full + result.aggregation_failures));
	stack_table_free(result.stacks);
	if (r->profile == NULL) {
		snprintf(err, err_len, "out of memory while building the profile");
		return -1;
	}
	return 0;
}

static int record_heap(const struct record_options *opts, struct session *session, struct recording *r, char *err,
		       size_t err_len)
{
	const struct target *target = &session->image.target;
	uint64_t started = monotonic_ns();
	struct heap_tracer *tracer = heap_tracer_start(&session->image, opts->heap_rate, err, err_len);

	if (tracer == NULL)
		return -1;
	fprintf(stderr, "bpfprof: tracing the allocations of PID %d (%s), one sample every %llu bytes, for %.1f s; "
			"Ctrl-C to stop early\n",
		(int)target->pid, target->comm, (unsigned long long)opts->heap_rate, (double)opts->duration_ns / 1e9);
	while (!stop_requested && monotonic_ns() - started < opts->duration_ns && !heap_tracer_wait(tracer, WAIT_MS))
		;
	r->seconds = (double)(monotonic_ns() - started) / 1e9;
	heap_tracer_finish(tracer); /* removing the uprobes takes a moment: not part of the recording */
	double traced;
	const char *ended = heap_tracer_end_reason(tracer, &traced);
	if (ended != NULL)
		fprintf(stderr, "bpfprof: warning: PID %d %s after %.1f s; writing the profile as of then\n",
			(int)target->pid, ended, traced);

	bool leaks = opts->type == TYPE_LEAKS;
	r->profile = heap_tracer_profile(tracer, leaks ? HEAP_VIEW_LEAKS : HEAP_VIEW_HEAP, NULL, opts->older_than_ns);
	uint64_t calls, sampled, lost;
	heap_tracer_counts(tracer, &calls, &sampled, &lost);
	heap_tracer_free(tracer);
	if (r->profile == NULL) {
		snprintf(err, err_len, "out of memory while building the profile");
		return -1;
	}
	r->value_index = profile_default_value(r->profile);
	r->unit = "bytes";
	if (leaks)
		snprintf(r->subtitle, sizeof(r->subtitle), "bytes live for more than %.1f s at the end of %.1f s",
			 (double)opts->older_than_ns / 1e9, r->seconds);
	else
		snprintf(r->subtitle, sizeof(r->subtitle), "in-use bytes after %.1f s, one sample every %llu bytes",
			 r->seconds, (unsigned long long)opts->heap_rate);
	snprintf(r->summary, sizeof(r->summary), "%llu of %llu allocation calls sampled, in %zu stacks over %.1f s, %llu lost",
		 (unsigned long long)sampled, (unsigned long long)calls, r->profile->n_samples, r->seconds,
		 (unsigned long long)lost);
	return 0;
}

/* Block, mutex and wall: a window open for the duration, Ctrl-C or the
 * target's exit, then its profile. */
static int record_waits(const struct record_options *opts, struct session *session, struct recording *r,
			char *err, size_t err_len)
{
	const struct target *target = &session->image.target;
	enum offcpu_kind kind = opts->type == TYPE_BLOCK ? OFFCPU_BLOCK : OFFCPU_FUTEX;
	bool wall = opts->type == TYPE_WALL;
	const char *name = wall ? "wall-clock" : offcpu_kind_name(kind);
	struct wall_window *wall_window = wall ? wall_window_open(session, err, err_len) : NULL;
	struct offcpu_window *window = wall ? NULL : offcpu_window_open(&session->image, kind, opts->min_wait_ns, err, err_len);
	uint64_t started = monotonic_ns();

	if (wall_window == NULL && window == NULL)
		return -1;
	fprintf(stderr, "bpfprof: tracing where PID %d (%s) spends its time (%s profile) for %.1f s; Ctrl-C to stop "
			"early\n",
		(int)target->pid, target->comm, name, (double)opts->duration_ns / 1e9);
	bool exited = false;
	while (!stop_requested && monotonic_ns() - started < opts->duration_ns) {
		if (!target_alive(target)) {
			exited = true;
			break;
		}
		struct timespec pause = {.tv_nsec = WAIT_MS * 1000000L};
		nanosleep(&pause, NULL);
	}
	r->seconds = (double)(monotonic_ns() - started) / 1e9;
	warn_if_exited(target, exited, r->seconds);
	r->profile = wall ? wall_window_close(wall_window, exited) : offcpu_window_close(window, exited);
	if (r->profile == NULL) {
		snprintf(err, err_len, "out of memory while building the profile");
		return -1;
	}
	r->value_index = profile_default_value(r->profile);
	r->unit = "nanoseconds";
	int64_t total = 0;
	for (size_t i = 0; i < r->profile->n_samples; i++)
		total += r->profile->samples[i].values[r->value_index];
	snprintf(r->subtitle, sizeof(r->subtitle), "%s time over %.1f s", name, r->seconds);
	snprintf(r->summary, sizeof(r->summary), "%.3f s of %s time in %zu stacks over %.1f s", (double)total / 1e9,
		 wall ? "on- and off-CPU" : "waiting", r->profile->n_samples, r->seconds);
	return 0;
}

static int write_output(const struct record_options *opts, const struct target *target,
			const struct recording *r, FILE *out)
{
	char title[300];
	struct flamegraph_options svg = {.title = title, .subtitle = r->subtitle, .unit = r->unit};

	snprintf(title, sizeof(title), "%s of %s (PID %d)",
		 opts->type == TYPE_HEAP    ? "Heap profile"
		 : opts->type == TYPE_LEAKS ? "Leaks"
		 : opts->type == TYPE_BLOCK ? "Block profile"
		 : opts->type == TYPE_MUTEX ? "Mutex profile"
		 : opts->type == TYPE_WALL  ? "Wall-clock profile"
					    : "CPU profile",
		 target->comm, (int)target->pid);
	if (profile_write(out, r->profile, opts->format, r->value_index, &svg) != 0)
		return -1;
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

int record_main(int argc, char **argv)
{
	struct record_options opts;
	struct session session;
	char err[512];
	int rc = parse_record_options(argc, argv, &opts);

	if (rc != 0)
		return rc;
	/* record's types are the table's first six kinds, in its order */
	if (kernel_check(profile_kind_names[opts.type], opts.unwind == UNWIND_MODE_FP, err, sizeof(err)) != 0)
		return cli_fail(1, "%s", err);
	if (session_open(&session, opts.pid, opts.event, opts.hz, opts.unwind, err, sizeof(err)) != 0)
		return cli_fail(1, "%s", err);
	const struct target *target = &session.image.target;

	/* Open the output before attaching, so a typo in the path costs
	 * nothing; write beside it and rename at the end, so a failed run
	 * never clobbers an earlier profile. */
	bool to_stdout = strcmp(opts.output, "-") == 0;
	char temp_path[4096];
	FILE *out = to_stdout ? stdout : open_temp_beside(opts.output, temp_path, sizeof(temp_path));
	if (out == NULL) {
		rc = cli_fail(1, "cannot write %s: %s", opts.output, strerror(errno));
		session_close(&session);
		return rc;
	}

	struct recording recording = {0};
	struct sigaction stop = {.sa_handler = request_stop};
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	if (opts.type == TYPE_BLOCK || opts.type == TYPE_MUTEX || opts.type == TYPE_WALL)
		rc = record_waits(&opts, &session, &recording, err, sizeof(err));
	else if (opts.type == TYPE_HEAP || opts.type == TYPE_LEAKS)
		rc = record_heap(&opts, &session, &recording, err, sizeof(err));
	else
		rc = record_cpu(&opts, &session, &recording, err, sizeof(err));
	if (rc != 0) {
		rc = cli_fail(1, "%s", err);
		goto out;
	}
	if (write_output(&opts, target, &recording, out) != 0) {
		rc = cli_fail(1, "cannot write %s: %s", opts.output, strerror(errno));
		goto out;
	}
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	double cpu_seconds = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
			     (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
	fprintf(stderr, "bpfprof: wrote %s (%s): %s; the agent used %.2f s of CPU (%.2f%% of one core)\n",
		to_stdout ? "standard output" : opts.output, format_name(opts.format), recording.summary, cpu_seconds,
		100 * cpu_seconds / recording.seconds);
	const char *warning;
	for (size_t i = 0; (warning = profile_warning(recording.profile, i)) != NULL; i++)
		fprintf(stderr, "bpfprof: warning: %s\n", warning);
out:
	profile_free(recording.profile);
	session_close(&session);
	if (!to_stdout) {
		if (fclose(out) != 0 && rc == 0)
			rc = cli_fail(1, "cannot write %s: %s", opts.output, strerror(errno));
		if (rc == 0 && rename(temp_path, opts.output) != 0)
			rc = cli_fail(1, "cannot write %s: %s", opts.output, strerror(errno));
		if (rc != 0)
			unlink(temp_path); /* nothing half-written left behind */
	}
	return rc;
}
