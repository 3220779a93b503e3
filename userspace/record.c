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
#include "session.h"
#include "output.h"
#include "record.h"

#define WAIT_MS 200

static const char record_usage[] =
	"usage: bpfprof record --pid PID [--duration 30s] [--hz 99] [-o FILE] [--format pprof|folded|svg]\n"
	"                      [--event cpu-clock] [--unwind auto|fp|dwarf]\n"
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
	"  -u, --unwind M       how user stacks are walked: auto (default: .eh_frame tables\n"
	"                       where objects have them, frame pointers elsewhere), dwarf\n"
	"                       (tables only) or fp (frame pointers only)\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF and CAP_PERFMON (plus CAP_SYS_PTRACE for another user's process).\n"
	"If the process exits while recording, what was recorded is written (exit status 0).\n";

struct record_options {
	pid_t pid;
	uint64_t duration_ns;
	unsigned hz;
	const struct cpu_event *event;
	enum unwind_mode unwind;
	const char *output;
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
		{"unwind", required_argument, NULL, 'u'},   {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	char err[256];
	bool have_pid = false;
	int opt;

	*opts = (struct record_options){.duration_ns = 30000000000ULL, .hz = 99, .event = cpu_event_find("cpu-clock"),
					  .unwind = UNWIND_MODE_AUTO};
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":p:d:F:o:f:e:u:h", long_options, NULL)) != -1) {
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
	struct session session;
	char err[512];
	int rc = parse_record_options(argc, argv, &opts);

	if (rc != 0)
		return rc;
	if (session_open(&session, opts.pid, opts.event, opts.hz, opts.unwind, err, sizeof(err)) != 0)
		return cli_fail(1, "%s", err);
	const struct target *target = &session.target;

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

	struct profile *profile = NULL;
	struct cpu_window_result result = {0};
	rc = 1;
	struct sigaction stop = {.sa_handler = request_stop};
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	struct cpu_window *window = cpu_window_open(session.cpu, opts.duration_ns, err, sizeof(err));
	if (window == NULL) {
		cli_fail(1, "%s", err);
		goto out;
	}
	fprintf(stderr, "bpfprof: sampling PID %d (%s) at %u Hz for %.1f s; Ctrl-C to stop early\n", (int)target->pid,
		target->comm, opts.hz, (double)opts.duration_ns / 1e9);
	while (!cpu_window_wait(window, WAIT_MS))
		if (stop_requested)
			cpu_window_stop(window);
	cpu_window_close(window, &result);
	double seconds = (double)result.elapsed_ns / 1e9;
	if (result.target_exited)
		fprintf(stderr, "bpfprof: warning: PID %d exited after %.1f s; writing the partial profile\n",
			(int)target->pid, seconds);

	profile = cpu_sampler_profile(session.cpu, &result);
	if (profile == NULL) {
		cli_fail(1, "out of memory while building the profile");
		goto out;
	}
	if (write_output(&opts, target, profile, &result.stats, seconds, out) != 0) {
		cli_fail(1, "cannot write %s: %s", opts.output, strerror(errno));
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
		(unsigned long long)(result.stats.received - result.aggregation_failures),
		stack_table_count(result.stacks), seconds,
		(unsigned long long)(result.stats.lost_ringbuf_full + result.aggregation_failures), cpu_seconds,
		100 * cpu_seconds / seconds);
	rc = 0;
out:
	profile_free(profile);
	stack_table_free(result.stacks);
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
