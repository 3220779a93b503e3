/*
 * record.c: `bpfprof record`: attach to a PID, sample its CPU stacks for a
 * duration (or until Ctrl-C, or until it exits), and write the profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cpu_collector.h"
#include "output.h"
#include "profile_builder.h"
#include "record.h"
#include "stack_table.h"
#include "symbolizer.h"
#include "target.h"

#define POLL_MS 100
#define REFRESH_INTERVAL_NS 1000000000ULL

static const char record_usage[] =
	"usage: bpfprof record --pid PID [--duration 30s] [--hz 99] [-o FILE] [--format pprof|folded|svg]\n"
	"                      [--event cpu-clock]\n"
	"\n"
	"Samples the on-CPU stacks (user and kernel) of every thread of a running process,\n"
	"including threads started while recording, and writes a CPU profile.\n"
	"\n"
	"  -p, --pid PID        the process to profile\n"
	"  -d, --duration D     how long to record: 30s, 1m30s, 500ms ... (default 30s);\n"
	"                       Ctrl-C stops early and still writes the profile\n"
	"  -F, --hz N           samples per second per CPU, 1 to 10000 (default 99)\n"
	"  -o, --output FILE    where to write (default cpu.pb.gz; - for standard output)\n"
	"  -f, --format F       pprof (gzipped profile.proto, for go tool pprof), folded\n"
	"                       (flamegraph.pl's input) or svg (an interactive flamegraph);\n"
	"                       default: from the file extension (.pb.gz, .folded, .svg), else pprof\n"
	"  -e, --event E        sampling event: cpu-clock (default), or the hardware events\n"
	"                       cycles and instructions where the machine has counters\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF and CAP_PERFMON (plus CAP_SYS_PTRACE for another user's process).\n"
	"If the process exits while recording, what was recorded is written (exit status 0).\n";

struct record_options {
	pid_t pid;
	uint64_t duration_ns;
	unsigned hz;
	const struct cpu_event *event;
	const char *output;
	enum output_format format;
};

struct recording {
	struct stack_table *stacks;
	struct process_image *image;
	uint64_t aggregation_failures; /* samples lost for want of memory */
	bool unmapped_address_seen;
};

static volatile sig_atomic_t stop_requested;

static void request_stop(int signo)
{
	(void)signo;
	stop_requested = 1;
}

static int fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("bpfprof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse_record_options(int argc, char **argv, struct record_options *opts)
{
	static const struct option long_options[] = {
		{"pid", required_argument, NULL, 'p'},      {"duration", required_argument, NULL, 'd'},
		{"hz", required_argument, NULL, 'F'},       {"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},   {"event", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	char err[256];
	bool have_pid = false;
	int opt;

	*opts = (struct record_options){.duration_ns = 30000000000ULL, .hz = 99, .event = cpu_event_find("cpu-clock")};
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":p:d:F:o:f:e:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (target_parse_pid(optarg, &opts->pid, err, sizeof(err)) != 0)
				return fail(2, "%s", err);
			have_pid = true;
			break;
		case 'd':
			if (parse_duration(optarg, &opts->duration_ns, err, sizeof(err)) != 0)
				return fail(2, "%s", err);
			break;
		case 'F':
			if (parse_hz(optarg, HZ_MAX, &opts->hz, err, sizeof(err)) != 0)
				return fail(2, "%s", err);
			break;
		case 'o':
			opts->output = optarg;
			break;
		case 'f':
			opts->format = parse_format(optarg);
			if (opts->format == FORMAT_UNKNOWN)
				return fail(2, "--format must be pprof, folded or svg, not '%s'", optarg);
			break;
		case 'e':
			opts->event = cpu_event_find(optarg);
			if (opts->event == NULL)
				return fail(2, "--event must be %s, not '%s'", cpu_event_names(), optarg);
			break;
		case 'h':
			fputs(record_usage, stdout);
			exit(0);
		case ':':
			return fail(2, "%s needs a value (see bpfprof record --help)", argv[optind - 1]);
		default:
			return fail(2, "unknown option '%s' (see bpfprof record --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(2, "unexpected argument '%s' (see bpfprof record --help)", argv[optind]);
	if (!have_pid)
		return fail(2, "--pid is required: which process to profile (see bpfprof record --help)");
	if (opts->format == FORMAT_UNKNOWN)
		opts->format = opts->output != NULL ? format_for_path(opts->output) : FORMAT_PPROF;
	if (opts->format == FORMAT_UNKNOWN)
		opts->format = FORMAT_PPROF;
	if (opts->output == NULL)
		opts->output = opts->format == FORMAT_SVG ? "cpu.svg" : opts->format == FORMAT_FOLDED ? "cpu.folded"
												      : "cpu.pb.gz";
	return 0;
}

static void on_cpu_sample(void *ctx, const struct cpu_sample *sample)
{
	struct recording *rec = ctx;
	struct stack_key key;
	int64_t values[2] = {1, (int64_t)sample->period};

	cpu_sample_stack_key(sample, &key);
	if (stack_table_add(rec->stacks, &key, values) != 0)
		rec->aggregation_failures++;
	for (uint32_t i = 0; i < key.n_user && !rec->unmapped_address_seen; i++)
		if (process_image_mapping(rec->image, key.user[i]) == NULL)
			rec->unmapped_address_seen = true;
}

static void describe_profile(struct profile *profile, const struct record_options *opts,
			     const struct target *target, const struct cpu_collector_stats *stats,
			     const struct recording *rec, double seconds, bool target_exited)
{
	profile_add_comment(profile, "bpfprof %s: CPU profile of PID %d (%s)", BPFPROF_VERSION, (int)target->pid,
			    target->comm);
	profile_add_comment(profile, "command: %s", target->cmdline);
	profile_add_comment(profile, "event: %s at %u Hz on every CPU; user stacks unwound by frame pointers",
			    opts->event->name, opts->hz);
	profile_add_comment(profile,
			    "samples: %llu taken, %llu in the profile; lost: %llu (ring buffer full), %llu (agent out "
			    "of memory); unreadable stacks: %llu user, %llu kernel",
			    (unsigned long long)stats->samples,
			    (unsigned long long)(stats->received - rec->aggregation_failures),
			    (unsigned long long)stats->lost_ringbuf_full, (unsigned long long)rec->aggregation_failures,
			    (unsigned long long)stats->user_stack_errors, (unsigned long long)stats->kernel_stack_errors);
	if (target_exited)
		profile_add_comment(profile, "the target exited after %.1f s: the profile covers only that time",
				    seconds);
}

static struct profile *build_profile(const struct record_options *opts, const struct target *target,
				     struct recording *rec, struct symbolizer *symbolizer,
				     const struct cpu_collector_stats *stats, int64_t start_wall_ns, uint64_t elapsed_ns,
				     bool target_exited)
{
	struct profile *profile = profile_new();

	if (profile == NULL)
		return NULL;
	profile_add_sample_type(profile, "samples", "count");
	profile_add_sample_type(profile, opts->event->sample_type, opts->event->unit);
	profile->period_type = (struct value_type){
		.type = profile_string(profile, opts->event->sample_type),
		.unit = profile_string(profile, opts->event->unit),
	};
	/* A clock event's period is exact; a hardware event's varies per sample. */
	profile->period = opts->event->type == PERF_TYPE_SOFTWARE ? 1000000000LL / opts->hz : 1;
	profile->time_nanos = start_wall_ns;
	profile->duration_nanos = (int64_t)elapsed_ns;
	describe_profile(profile, opts, target, stats, rec, (double)elapsed_ns / 1e9, target_exited);
	if (profile_add_stacks(profile, rec->stacks, rec->image, symbolizer) != 0) {
		profile_free(profile);
		return NULL;
	}
	return profile;
}

/* Samples until the duration ends, a signal arrives or the target exits.
 * Returns 0, or -1 when the ring buffer could not be read. */
static int sample_until_done(struct cpu_collector *collector, struct recording *rec, const struct target *target,
			     uint64_t deadline, bool *target_exited)
{
	uint64_t last_refresh = 0;

	while (!stop_requested && monotonic_ns() < deadline) {
		if (cpu_collector_poll(collector, POLL_MS) < 0)
			return -1;
		if (!target_alive(target)) {
			*target_exited = true;
			return 0;
		}
		/* Code mapped after the snapshot (dlopen): look again, at most once a second. */
		uint64_t now = monotonic_ns();
		if (rec->unmapped_address_seen && now - last_refresh > REFRESH_INTERVAL_NS) {
			process_image_refresh(rec->image);
			rec->unmapped_address_seen = false;
			last_refresh = now;
		}
	}
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

static int write_output(const struct record_options *opts, const struct target *target, struct profile *profile,
			const struct cpu_collector_stats *stats, double seconds, FILE *out)
{
	char title[300], subtitle[300];
	struct flamegraph_options svg = {.title = title, .subtitle = subtitle, .unit = "samples"};

	snprintf(title, sizeof(title), "CPU profile of %s (PID %d)", target->comm, (int)target->pid);
	snprintf(subtitle, sizeof(subtitle), "%.1f s at %u Hz (%s), %llu samples, %llu lost", seconds, opts->hz,
		 opts->event->name, (unsigned long long)stats->received,
		 (unsigned long long)stats->lost_ringbuf_full);
	if (profile_write(out, profile, opts->format, 0, &svg) != 0)
		return -1;
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

int record_main(int argc, char **argv)
{
	struct record_options opts;
	struct target target;
	char err[512];
	int rc = parse_record_options(argc, argv, &opts);

	if (rc != 0)
		return rc;
	if (target_open(opts.pid, &target, err, sizeof(err)) != 0)
		return fail(1, "%s", err);
	if (target_check_privileges(&target, err, sizeof(err)) != 0) {
		target_close(&target);
		return fail(1, "%s", err);
	}

	/* Open the output first, so a typo in the path costs nothing; write
	 * beside it and rename at the end, so a failed run never clobbers
	 * an earlier profile. */
	bool to_stdout = strcmp(opts.output, "-") == 0;
	char temp_path[4096];
	FILE *out = to_stdout ? stdout : open_temp_beside(opts.output, temp_path, sizeof(temp_path));
	if (out == NULL) {
		rc = fail(1, "cannot write %s: %s", opts.output, strerror(errno));
		target_close(&target);
		return rc;
	}

	struct symbolizer *symbolizer = symbolizer_new();
	struct recording rec = {.stacks = stack_table_new(2)};
	struct cpu_collector *collector = NULL;
	struct profile *profile = NULL;
	struct cpu_collector_stats stats = {0};
	bool target_exited = false;
	rc = 1;
	if (symbolizer == NULL || rec.stacks == NULL) {
		fail(1, "out of memory");
		goto out;
	}
	rec.image = process_image_open(symbolizer, target.pid, err, sizeof(err));
	if (rec.image == NULL) {
		fail(1, "%s", err);
		goto out;
	}

	struct sigaction stop = {.sa_handler = request_stop};
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);

	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	uint64_t started = monotonic_ns();
	collector = cpu_collector_start(target.pid, opts.event, opts.hz, on_cpu_sample, &rec, err, sizeof(err));
	if (collector == NULL) {
		fail(1, "%s", err);
		goto out;
	}
	fprintf(stderr, "bpfprof: sampling PID %d (%s) at %u Hz for %.1f s; Ctrl-C to stop early\n", (int)target.pid,
		target.comm, opts.hz, (double)opts.duration_ns / 1e9);
	if (sample_until_done(collector, &rec, &target, started + opts.duration_ns, &target_exited) != 0)
		fail(1, "reading samples failed: %s; writing what was collected", strerror(errno));
	cpu_collector_stop(collector, &stats);
	collector = NULL;
	uint64_t elapsed = monotonic_ns() - started;
	double seconds = (double)elapsed / 1e9;
	if (target_exited)
		fprintf(stderr, "bpfprof: warning: PID %d exited after %.1f s; writing the partial profile\n",
			(int)target.pid, seconds);

	profile = build_profile(&opts, &target, &rec, symbolizer, &stats,
				(int64_t)wall.tv_sec * 1000000000LL + wall.tv_nsec, elapsed, target_exited);
	if (profile == NULL) {
		fail(1, "out of memory while building the profile");
		goto out;
	}
	if (write_output(&opts, &target, profile, &stats, seconds, out) != 0) {
		fail(1, "cannot write %s: %s", opts.output, strerror(errno));
		goto out;
	}
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	double cpu_seconds = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
			     (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
	fprintf(stderr,
		"bpfprof: wrote %s (%s): %llu samples in %zu stacks over %.1f s, %llu lost; "
		"the agent used %.2f s of CPU (%.2f%% of one core)\n",
		to_stdout ? "standard output" : opts.output, format_name(opts.format),
		(unsigned long long)(stats.received - rec.aggregation_failures), stack_table_count(rec.stacks), seconds,
		(unsigned long long)(stats.lost_ringbuf_full + rec.aggregation_failures), cpu_seconds,
		100 * cpu_seconds / seconds);
	rc = 0;
out:
	if (collector != NULL)
		cpu_collector_stop(collector, NULL);
	profile_free(profile);
	process_image_free(rec.image);
	stack_table_free(rec.stacks);
	symbolizer_free(symbolizer);
	if (!to_stdout) {
		if (fclose(out) != 0 && rc == 0)
			rc = fail(1, "cannot write %s: %s", opts.output, strerror(errno));
		if (rc == 0 && rename(temp_path, opts.output) != 0)
			rc = fail(1, "cannot write %s: %s", opts.output, strerror(errno));
		if (rc != 0)
			unlink(temp_path); /* nothing half-written left behind */
	}
	target_close(&target);
	return rc;
}
