/*
 * record.c: `bpfprof record`: attach to a set of processes, record one
 * profile of a kind (--kind) for a duration (or until Ctrl-C, or until
 * they exit), and write it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "command_line.h"
#include "options.h"
#include "output.h"
#include "profile_kinds.h"
#include "record.h"
#include "session.h"
#include "window_health.h"

static void write_record_about(FILE *out)
{
	fputs("Records a profile of running processes, threads started while recording included, and\n"
	      "writes it: one kind (--kind), for a duration, until Ctrl-C or until they exit.\n",
	      out);
}

static const enum agent_flag record_flags[] = {
	FLAG_PID,	  FLAG_CHILDREN,     FLAG_CGROUP,     FLAG_KIND,     FLAG_DURATION,
	FLAG_HZ,	  FLAG_OUTPUT,	     FLAG_FORMAT,     FLAG_EVENT,    FLAG_HEAP_RATE,
	FLAG_HEAP_INJECT, FLAG_SAMPLE_INDEX, FLAG_OLDER_THAN, FLAG_MIN_WAIT, FLAG_UNWIND,
};

static const struct command_help record_help = {
	.name = "record",
	.flags = record_flags,
	.n_flags = sizeof(record_flags) / sizeof(record_flags[0]),
	.write_about = write_record_about,
	.notes = "Needs root, or CAP_BPF and CAP_PERFMON (plus CAP_SYS_PTRACE for another user's process).\n"
		 "If the process exits while recording, what was recorded is written (exit status 0).\n",
};

struct record_options {
	struct agent_options flags;
	char default_output[32];
};

/* Ctrl-C and SIGTERM end the recording's window (and keep what it got). */
static struct cancel_token stop_token;

static void request_stop(int signo)
{
	(void)signo;
	cancel_token_fire(&stop_token);
}

/* The format to write: --format's, else the one -o's extension names,
 * else the kind's own (pprof for a profile). */
static enum output_format output_format_of(const struct agent_options *opts)
{
	enum output_format named = opts->output != NULL ? format_for_path(opts->output) : FORMAT_UNKNOWN;

	if (opts->format != FORMAT_UNKNOWN)
		return opts->format;
	if (named != FORMAT_UNKNOWN)
		return named;
	return opts->kind->document_type != NULL ? opts->kind->document_format : FORMAT_PPROF;
}

/* Whether a flag of a kind's own (--hz, --min-wait, ...) does anything for kind. */
static bool flag_applies(enum agent_flag flag, const struct profile_kind *kind)
{
	switch (flag) {
	case FLAG_HZ:
		return kind->takes_hz;
	case FLAG_EVENT:
		return kind->takes_event;
	case FLAG_HEAP_RATE:
	case FLAG_HEAP_INJECT:
		return kind->needs_heap;
	case FLAG_OLDER_THAN:
		return kind->span == SPAN_AGE;
	case FLAG_MIN_WAIT:
		return kind->takes_min_wait;
	default:
		return true;
	}
}

/* A flag the chosen --kind does not use is refused, not ignored: a user
 * who gives --event cycles for a wall profile, or --min-wait for a CPU one,
 * expects it to do something. As is an --output whose extension names
 * another --format than the one given. 0, or 2 after the reason. */
static int check_flags_apply(const struct agent_options *opts)
{
	const struct profile_kind *kind = opts->kind;
	static const enum agent_flag kind_flags[] = {FLAG_HZ,	       FLAG_EVENT,	FLAG_HEAP_RATE,
						     FLAG_HEAP_INJECT, FLAG_OLDER_THAN, FLAG_MIN_WAIT};

	for (size_t i = 0; i < sizeof(kind_flags) / sizeof(kind_flags[0]); i++) {
		enum agent_flag flag = kind_flags[i];
		if (!(opts->given & TAKES(flag)) || flag_applies(flag, kind))
			continue;
		char which[160];
		size_t n = 0, used = 0;
		for (size_t k = 0; k < profile_kinds_count; k++)
			n += profile_kinds[k].recordable && flag_applies(flag, &profile_kinds[k]);
		which[0] = '\0';
		for (size_t k = 0, j = 0; k < profile_kinds_count && used < sizeof(which); k++)
			if (profile_kinds[k].recordable && flag_applies(flag, &profile_kinds[k])) {
				int wrote = snprintf(which + used, sizeof(which) - used, "%s%s",
						     j == 0	  ? ""
						     : j + 1 == n ? " and "
								  : ", ",
						     profile_kinds[k].name);
				used += wrote > 0 ? (size_t)wrote : 0;
				j++;
			}
		return cli_fail(2, "--%s applies to --kind %s, not --kind %s", agent_flag_name(flag), which,
				kind->name);
	}
	enum output_format named = opts->output != NULL ? format_for_path(opts->output) : FORMAT_UNKNOWN;
	enum output_format format = output_format_of(opts);
	if ((opts->given & TAKES(FLAG_FORMAT)) && named != FORMAT_UNKNOWN && named != opts->format)
		return cli_fail(2, "-o %s names a %s file but --format is %s: make them agree", opts->output,
				format_name(named), format_name(opts->format));
	if (kind->document_type != NULL && format != kind->document_format && opts->format == FORMAT_UNKNOWN)
		return cli_fail(2, "-o %s: --kind %s writes %s only, not %s", opts->output, kind->name,
				format_name(kind->document_format), format_name(format));
	if (kind->document_type != NULL && format != kind->document_format)
		return cli_fail(2, "--kind %s writes %s only, not %s", kind->name, format_name(kind->document_format),
				format_name(format));
	if (kind->document_type == NULL && format == FORMAT_TRACE_JSON)
		return cli_fail(2, "%s is the format of --kind trace; a %s is written as pprof, folded or svg",
				format_name(format), kind->title);
	if ((opts->given & TAKES(FLAG_SAMPLE_INDEX)) && format == FORMAT_PPROF)
		return cli_fail(2, "--sample-index picks what folded and SVG output draw; a pprof file keeps every "
				   "sample type (go tool pprof -sample_index chooses)");
	if ((opts->given & TAKES(FLAG_SAMPLE_INDEX)) && format != FORMAT_FOLDED && format != FORMAT_SVG)
		return cli_fail(2, "--sample-index picks what folded and SVG output draw, not %s", format_name(format));
	return 0;
}

static int parse_record_options(int argc, char **argv, struct record_options *record)
{
	struct agent_options *opts = &record->flags;
	int rc = agent_options_parse(&record_help, argc, argv, opts);

	if (rc != 0)
		return rc;
	if ((rc = check_flags_apply(opts)) != 0)
		return rc;
	opts->format = output_format_of(opts);
	if (opts->output == NULL) {
		const char *extension = opts->format == FORMAT_PPROF ? "pb.gz" : format_name(opts->format);
		snprintf(record->default_output, sizeof(record->default_output), "%s.%s", opts->kind->name, extension);
		opts->output = record->default_output;
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

/* A one-shot recording's names are worth a wait at its end, while debug
 * info is still arriving from debuginfod servers (DEBUGINFOD_URLS): the
 * searches began at attach; a server that sends nothing for this long is
 * not waited for, and Ctrl-C skips the wait. The profile says what was
 * still pending. */
#define DEBUGINFO_STALL_NS (5ULL * 1000000000ULL)
#define DEBUGINFO_POLL_NS (200ULL * 1000000ULL)

static void await_debuginfo(struct traced_set *set)
{
	size_t pending;

	if (symbolizer_await_debuginfo(set->symbolizer, 0, DEBUGINFO_STALL_NS, &pending))
		return;
	fprintf(stderr,
		"bpfprof: waiting for the debug info of %zu object%s from debuginfod while it arrives "
		"(at most %.0f s without a byte; Ctrl-C skips)\n",
		pending, pending == 1 ? "" : "s", (double)DEBUGINFO_STALL_NS / 1e9);
	while (!cancel_token_fired(&stop_token) &&
	       !symbolizer_await_debuginfo(set->symbolizer, DEBUGINFO_POLL_NS, DEBUGINFO_STALL_NS, &pending))
		;
}

/* What one recording holds from its window's open to its close. */
struct recording {
	struct profile_context ctx;
	struct kind_window *window;
	struct window_clock clock;
	struct window_figures figures;
	double seconds;
};

/* Opens the window of the recording's kind and waits it out (the
 * duration, Ctrl-C or the traced set's exit). 0, or -1 with err. */
static int record_window(const struct agent_options *opts, struct session *session, struct recording *rec, char *err,
			 size_t err_len)
{
	const struct profile_kind *kind = opts->kind;
	const struct process_handle *main = traced_set_main(&session->set);
	char name[4096];
	struct window_request request = {
		.duration_ns = opts->duration_ns,
		.min_wait_ns = opts->min_wait_ns,
		.older_than_ns = opts->older_than_ns,
	};

	rec->ctx = (struct profile_context){.session = session, .hz = opts->hz};
	if (kind->needs_heap && (rec->ctx.heap = heap_tracer_start(&session->set, opts->heap_rate, opts->heap_inject,
								   err, err_len)) == NULL)
		return -1;
	rec->window = kind_window_open(kind, &rec->ctx, &request, &rec->figures, err, err_len);
	if (rec->window == NULL) {
		heap_tracer_free(rec->ctx.heap);
		return -1;
	}
	traced_set_name(&session->set, name, sizeof(name));
	fprintf(stderr, "bpfprof: %s %s%s for %.1f s; Ctrl-C to stop early\n", kind->activity, name,
		rec->figures.detail, (double)opts->duration_ns / 1e9);
	kind_window_start_clock(rec->window, &rec->clock, &stop_token);
	window_wait(&rec->clock);
	rec->seconds = window_elapsed_seconds(&rec->clock);
	if (rec->ctx.heap != NULL) {
		heap_tracer_finish(rec->ctx.heap); /* removing the uprobes takes a moment: not part of the recording */
		double traced;
		const char *ended = heap_tracer_end_reason(rec->ctx.heap, &traced);
		if (ended != NULL)
			fprintf(stderr, "bpfprof: warning: PID %d %s after %.1f s; writing the profile as of then\n",
				(int)main->pid, ended, traced);
	}
	return 0;
}

/* After the window closed: the traced set's exit cut it short. */
static void warn_if_exited(struct session *session, const struct recording *rec, const char *what)
{
	char pid_text[32];

	if (rec->ctx.heap != NULL || !rec->figures.set_exited)
		return;
	snprintf(pid_text, sizeof(pid_text), "PID %d", (int)traced_set_main(&session->set)->pid);
	fprintf(stderr, "bpfprof: warning: %s exited after %.1f s; writing the partial %s\n",
		traced_set_single(&session->set) != NULL ? pid_text : "every process of the set", rec->seconds, what);
}

/* Closes the window into its profile; NULL with err. */
static struct profile *close_into_profile(struct session *session, struct recording *rec, char *err, size_t err_len)
{
	await_debuginfo(&session->set);
	struct profile *profile = kind_window_close(rec->window, &rec->clock, &rec->figures);
	warn_if_exited(session, rec, "profile");
	heap_tracer_free(rec->ctx.heap);
	if (profile == NULL)
		snprintf(err, err_len, "out of memory while building the profile");
	return profile;
}

/* The value folded and SVG output draw: --sample-index's, else the kind's
 * own. -1 after saying which types there are. */
static long drawn_value(const struct agent_options *opts, const struct profile *profile)
{
	if (opts->sample_index == NULL)
		return opts->kind->output_value >= 0 ? opts->kind->output_value : (long)profile_default_value(profile);
	long value = profile_sample_type_index(profile, opts->sample_index);
	if (value < 0) {
		char types[256] = "";
		for (size_t i = 0, used = 0; i < profile->n_sample_types && used < sizeof(types); i++)
			used += (size_t)snprintf(types + used, sizeof(types) - used, "%s%s", i > 0 ? ", " : "",
						 profile->sample_types[i].type);
		cli_fail(2, "--sample-index must be one of this profile's sample types (%s), not '%s'", types,
			 opts->sample_index);
	}
	return value;
}

/* An empty drawing says why, and what would draw something. */
static void warn_if_nothing_drawn(const struct agent_options *opts, const struct profile *profile, size_t value)
{
	int64_t total = 0;

	for (size_t i = 0; i < profile->n_samples; i++)
		total += profile->samples[i].values[value];
	if (total != 0 || opts->format == FORMAT_PPROF)
		return;
	fprintf(stderr, "bpfprof: warning: the %s output draws %s, which is 0 in this profile", format_name(opts->format),
		profile->sample_types[value].type);
	if (opts->kind->needs_heap && strcmp(profile->sample_types[value].type, "inuse_space") == 0)
		fputs(" (nothing allocated in the window is still in use); --sample-index alloc_space draws the bytes "
		      "allocated",
		      stderr);
	fputc('\n', stderr);
}

static int write_output(const struct agent_options *opts, const struct process_handle *main,
			const struct profile *profile, const struct window_figures *figures, FILE *out)
{
	char title[300];
	struct flamegraph_options svg = {.title = title, .subtitle = figures->subtitle, .unit = opts->kind->unit};
	size_t value = (size_t)drawn_value(opts, profile);

	if (opts->sample_index != NULL)
		svg.unit = profile->sample_types[value].unit;

	snprintf(title, sizeof(title), "%s of %s (PID %d)", opts->kind->title, main->comm, (int)main->pid);
	if (profile_write(out, profile, opts->format, value, &svg) != 0)
		return -1;
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

int record_main(int argc, char **argv)
{
	struct record_options record;
	struct session session;
	char err[512];
	int rc = parse_record_options(argc, argv, &record);

	if (rc != 0)
		return rc;
	const struct agent_options opts = record.flags;
	if (profile_kind_kernel_check(opts.kind, opts.unwind == UNWIND_MODE_FP, err, sizeof(err)) != 0)
		return cli_fail(1, "%s", err);
	if (session_open(&session, &opts.set_spec, opts.event, opts.hz, opts.unwind, err, sizeof(err)) != 0)
		return cli_fail(1, "%s", err);
	const struct process_handle *main = traced_set_main(&session.set);

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

	struct recording rec;
	struct profile *profile = NULL;
	struct sigaction stop = {.sa_handler = request_stop};
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	if (record_window(&opts, &session, &rec, err, sizeof(err)) != 0) {
		rc = cli_fail(1, "%s", err);
		goto out;
	}
	if (opts.kind->document_type != NULL) {
		rc = kind_window_close_document(rec.window, &rec.clock, &rec.figures, out);
		warn_if_exited(&session, &rec, "trace");
		if (rc != 0 || fflush(out) != 0 || ferror(out)) {
			rc = cli_fail(1, "cannot write %s: %s", opts.output, strerror(errno));
			goto out;
		}
	} else {
		if ((profile = close_into_profile(&session, &rec, err, sizeof(err))) == NULL) {
			rc = cli_fail(1, "%s", err);
			goto out;
		}
		long drawn = drawn_value(&opts, profile);
		if (drawn < 0) {
			rc = 2;
			goto out;
		}
		warn_if_nothing_drawn(&opts, profile, (size_t)drawn);
		if (write_output(&opts, main, profile, &rec.figures, out) != 0) {
			rc = cli_fail(1, "cannot write %s: %s", opts.output, strerror(errno));
			goto out;
		}
	}
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	double cpu_seconds = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
			     (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
	fprintf(stderr, "bpfprof: wrote %s (%s): %s; the agent used %.2f s of CPU (%.2f%% of one core)\n",
		to_stdout ? "standard output" : opts.output, format_name(opts.format), rec.figures.summary, cpu_seconds,
		100 * cpu_seconds / rec.seconds);
	const char *warning;
	for (size_t i = 0; profile != NULL && (warning = profile_warning(profile, i)) != NULL; i++)
		fprintf(stderr, "bpfprof: warning: %s\n", warning);
out:
	profile_free(profile);
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
