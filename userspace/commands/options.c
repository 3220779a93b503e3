/* options.c: every flag once with its help, getopt_long over those a command takes, and --help from them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_collector.h"
#include "heap_tracer.h"
#include "offcpu_profile.h"
#include "options.h"
#include "process_handle.h"
#include "snapshots.h"

/* Reads a flag's value into opts; 0, or -1 with the whole message in err. */
typedef int (*flag_reader)(struct agent_options *opts, const char *value, char *err, size_t err_len);

/* "1" or "1,2,3"; a repeated --pid adds to the PIDs given before. */
static int read_pid(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	struct traced_set_spec *spec = &opts->set_spec;
	char copy[1024];
	char *save = NULL;

	if (strlen(value) >= sizeof(copy) || value[0] == '\0') {
		snprintf(err, err_len, "--pid takes process IDs separated by commas, not '%s'", value);
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", value);
	for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		pid_t pid;
		if (process_handle_parse_pid(item, &pid, err, err_len) != 0)
			return -1;
		if (spec->n_pids == SET_MAX_PIDS) {
			snprintf(err, err_len, "--pid: at most %d processes; use --children or --cgroup for more",
				 SET_MAX_PIDS);
			return -1;
		}
		spec->pids[spec->n_pids++] = pid;
	}
	return 0;
}

static int read_children(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	(void)value;
	(void)err;
	(void)err_len;
	opts->set_spec.children = true;
	return 0;
}

static int read_cgroup(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	if (value[0] == '\0' || strlen(value) >= sizeof(opts->set_spec.cgroup)) {
		snprintf(err, err_len, "--cgroup takes a cgroup v2 directory, such as system.slice/nginx.service");
		return -1;
	}
	snprintf(opts->set_spec.cgroup, sizeof(opts->set_spec.cgroup), "%s", value);
	return 0;
}

static int read_kind(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	opts->kind = profile_kind_named(value);
	if (opts->kind != NULL && opts->kind->recordable)
		return 0;
	char names[160];
	profile_kind_names(names, sizeof(names), true, false);
	snprintf(err, err_len, "--kind must be %s, not '%s'", names, value);
	return -1;
}

static int read_duration(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return parse_duration("--duration", value, 1000000, &opts->duration_ns, err, err_len);
}

static int read_hz(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return parse_hz(value, HZ_MAX, &opts->hz, err, err_len);
}

static int read_output(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	(void)err, (void)err_len;
	opts->output = value;
	return 0;
}

static int read_format(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	opts->format = parse_format(value);
	if (opts->format != FORMAT_UNKNOWN)
		return 0;
	snprintf(err, err_len, "--format must be pprof, folded, svg or json, not '%s'", value);
	return -1;
}

static int read_event(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	opts->event = cpu_event_find(value);
	if (opts->event != NULL)
		return 0;
	snprintf(err, err_len, "--event must be %s, not '%s'", cpu_event_names(), value);
	return -1;
}

static int read_unwind(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return parse_unwind_mode(value, &opts->unwind, err, err_len);
}

static int read_heap(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	(void)value, (void)err, (void)err_len;
	opts->heap = true;
	return 0;
}

static int read_heap_rate(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	opts->heap = true;
	return parse_heap_rate(value, &opts->heap_rate, err, err_len);
}

static int read_heap_inject(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	(void)value, (void)err, (void)err_len;
	opts->heap = true;
	opts->heap_inject = true;
	return 0;
}

/* A threshold: 0 counts everything. */
static int read_older_than(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return parse_duration("--older-than", value, 0, &opts->older_than_ns, err, err_len);
}

static int read_min_wait(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return parse_duration("--min-wait", value, 0, &opts->min_wait_ns, err, err_len);
}

static int read_listen(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return listen_address_parse(value, &opts->listen_at, err, err_len);
}

/* A limit of serve's: a whole number from 1 to max of unit. */
static int read_limit(const char *flag, const char *unit, unsigned max, const char *value, unsigned *limit, char *err,
		      size_t err_len)
{
	unsigned long long n;

	if (parse_whole_number(flag, unit, value, 1, max, &n, err, err_len) != 0)
		return -1;
	*limit = (unsigned)n;
	return 0;
}

static int read_max_windows(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return read_limit("--max-windows", "windows", 1000, value, &opts->limits.max_windows, err, err_len);
}

static int read_max_connections(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return read_limit("--max-connections", "connections", 10000, value, &opts->limits.max_connections, err,
			  err_len);
}

static int read_snapshot_memory(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return parse_bytes("--snapshot-memory", value, 1 << 20, &opts->limits.snapshot_bytes, err, err_len);
}

static int read_sample_index(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	(void)err, (void)err_len; /* checked against the profile's sample types once it exists */
	opts->sample_index = value;
	return 0;
}

/* The choices a flag's value takes, as the usage line shows them
 * ("a|b|c") and as its help does ("a, b or c"). */
typedef void (*flag_choices)(char *out, size_t len, const char *sep, const char *last_sep);

/* Appends name to out, in a list of n (i-th), separated as asked. */
static void list_name(char *out, size_t len, size_t *used, size_t i, size_t n, const char *name, const char *sep,
		      const char *last_sep)
{
	if (*used >= len)
		return;
	int wrote = snprintf(out + *used, len - *used, "%s%s", i == 0 ? "" : i + 1 == n ? last_sep : sep, name);
	*used += wrote > 0 ? (size_t)wrote : 0;
}

static void kind_choices(char *out, size_t len, const char *sep, const char *last_sep)
{
	size_t n = 0, used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < profile_kinds_count; i++)
		n += profile_kinds[i].recordable;
	for (size_t i = 0, k = 0; i < profile_kinds_count; i++)
		if (profile_kinds[i].recordable)
			list_name(out, len, &used, k++, n, profile_kinds[i].name, sep, last_sep);
}

static void format_choices(char *out, size_t len, const char *sep, const char *last_sep)
{
	size_t used = 0, n = FORMAT_TRACE_JSON - FORMAT_PPROF + 1;

	out[0] = '\0';
	for (int f = FORMAT_PPROF; f <= FORMAT_TRACE_JSON; f++)
		list_name(out, len, &used, (size_t)(f - FORMAT_PPROF), n, format_name((enum output_format)f), sep,
			  last_sep);
}

static void event_choices(char *out, size_t len, const char *sep, const char *last_sep)
{
	size_t used = 0, n = 0;

	out[0] = '\0';
	while (cpu_event_at(n) != NULL)
		n++;
	for (size_t i = 0; i < n; i++)
		list_name(out, len, &used, i, n, cpu_event_at(i)->name, sep, last_sep);
}

static void unwind_choices(char *out, size_t len, const char *sep, const char *last_sep)
{
	static const enum unwind_mode shown[] = {UNWIND_MODE_AUTO, UNWIND_MODE_FP, UNWIND_MODE_DWARF};
	size_t used = 0, n = sizeof(shown) / sizeof(shown[0]);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		list_name(out, len, &used, i, n, unwind_mode_name(shown[i]), sep, last_sep);
}

/*
 * One row a flag: its names, its value's name in the flag list, what the
 * usage line shows of it, how it is read, and its help, kept together as
 * perf's OPT_* rows keep them. In help and usage, "%s" stands for the
 * value's choices (flag_choices) where a row has them.
 */
static const struct flag {
	const char *name;
	const char *alias; /* a second long name, the same flag; or NULL */
	char short_name;
	const char *value; /* NULL: a switch */
	const char *usage; /* the usage line's example value; NULL: value */
	flag_reader read;
	flag_choices choices;
	const char *help;
} flags[FLAG_COUNT] = {
	[FLAG_PID] = {"pid", NULL, 'p', "PID[,PID]", "PID[,PID...]", read_pid, NULL,
		      "the processes to profile (repeatable); samples carry the labels pid and comm "
		      "(go tool pprof -tagfocus, -tagroot=pid)"},
	[FLAG_CHILDREN] = {"children", NULL, 'C', NULL, NULL, read_children, NULL,
			   "and every descendant of them, those forked later included"},
	[FLAG_CGROUP] = {"cgroup", NULL, 'G', "DIR", NULL, read_cgroup, NULL,
			 "every process of a cgroup v2 directory (such as system.slice/nginx.service, under "
			 "/sys/fs/cgroup), joiners included"},
	[FLAG_KIND] = {"kind", "type", 't', "K", "%s", read_kind, kind_choices,
		       "the kind to record (--type is the same flag; default cpu):"},
	[FLAG_DURATION] = {"duration", NULL, 'd', "D", "30s", read_duration, NULL,
			   "how long to record: 30s, 1m30s, 500ms ... (default 30s); Ctrl-C stops early and "
			   "still writes what was recorded"},
	[FLAG_HZ] = {"hz", NULL, 'F', "N", "99", read_hz, NULL,
		     "CPU samples per second per CPU, 1 to 10000 (default 99)"},
	[FLAG_OUTPUT] = {"output", NULL, 'o', "FILE", NULL, read_output, NULL,
			 "where to write (default KIND.pb.gz, such as cpu.pb.gz or mutex.pb.gz; KIND.folded or "
			 "KIND.svg with --format, trace.json for a trace; - for standard output)"},
	[FLAG_FORMAT] = {"format", NULL, 'f', "F", "%s", read_format, format_choices,
			 "pprof (gzipped profile.proto, for go tool pprof), folded (flamegraph.pl's input), svg (an "
			 "interactive flamegraph) or json (the trace's, and its only one); default: from the file "
			 "extension (.pb.gz, .folded, .svg, .json), else the kind's own; heap and leaks folded and "
			 "SVG output show in-use bytes"},
	[FLAG_EVENT] = {"event", NULL, 'e', "E", "cpu-clock", read_event, event_choices,
			"sampling event: %s (default the first; hardware events where the machine has counters)"},
	[FLAG_UNWIND] = {"unwind", NULL, 'u', "M", "%s", read_unwind, unwind_choices,
			 "how user stacks are walked: auto (the default: .eh_frame tables where objects have them, "
			 "frame pointers elsewhere), dwarf (tables only) or fp (frame pointers only)"},
	[FLAG_HEAP] = {"heap", NULL, 'm', NULL, NULL, read_heap, NULL,
		       "trace allocations for /debug/pprof/heap, allocs and leaks (off by default: every malloc and "
		       "free of the target then costs a uprobe hit)"},
	[FLAG_HEAP_RATE] = {"heap-rate", NULL, 'r', "N", "524288", read_heap_rate, NULL,
			    "heap kinds: sample an allocation every N bytes on average (default 524288, as Go's "
			    "MemProfileRate; 1 records every one); implies --heap"},
	[FLAG_HEAP_INJECT] = {"heap-inject", NULL, 'J', NULL, NULL, read_heap_inject, NULL,
			      "heap kinds: count allocations inside the process instead of trapping each call: "
			      "loads bpfprof's sampler library into it (ptrace, dlopen), so only sampled calls "
			      "reach the kernel; one process, glibc 2.34+; the library stays loaded, inert, "
			      "after; implies --heap"},
	[FLAG_OLDER_THAN] = {"older-than", NULL, 'a', "D", "10s", read_older_than, NULL,
			     "leaks: how long an allocation must have been live (default 10s)"},
	[FLAG_MIN_WAIT] = {"min-wait", NULL, 'w', "D", "1us", read_min_wait, NULL,
			   "block and mutex: the shortest wait counted (default 1us)"},
	[FLAG_LISTEN] = {"listen", NULL, 'l', "ADDR", "127.0.0.1:6060", read_listen, NULL,
			 "HOST:PORT to serve on (default 127.0.0.1:6060; port 0 picks one). Profiles expose the "
			 "target's code layout, paths and command line: keep it on loopback unless the network is "
			 "trusted."},
	[FLAG_MAX_WINDOWS] = {"max-windows", NULL, 'W', "N", "16", read_max_windows, NULL,
			      "profile windows open at once, requests and UI recordings together (default 16); "
			      "beyond it a request gets 503 and the reason"},
	[FLAG_MAX_CONNECTIONS] = {"max-connections", NULL, 'N', "N", "64", read_max_connections, NULL,
				  "client connections at once, a thread each (default 64); beyond it 503 and the "
				  "reason. A connection that sends no whole request for 10 s is closed (slow "
				  "clients, idle keep-alive)"},
	[FLAG_SNAPSHOT_MEMORY] = {"snapshot-memory", NULL, 'M', "SIZE", "256MiB", read_snapshot_memory, NULL,
				  "memory the UI's snapshots may keep, such as 256MiB (the default) or 1GiB; past it "
				  "the oldest ready ones are evicted"},
	[FLAG_SAMPLE_INDEX] = {"sample-index", NULL, 'i', "T", NULL, read_sample_index, NULL,
			       "folded and svg: the sample type drawn, such as alloc_space or alloc_objects for "
			       "heap (default: the kind's own, in-use bytes for heap and leaks)"},
};

#define HELP_COLUMN 23 /* where a flag's help starts */
#define HELP_WIDTH  96 /* the column help text wraps before */

/* text with its "%s" (if any) replaced by choices. */
static void expand(const char *text, const char *choices, char *out, size_t len)
{
	const char *mark = strstr(text, "%s");

	if (mark == NULL || choices == NULL)
		snprintf(out, len, "%s", text);
	else
		snprintf(out, len, "%.*s%s%s", (int)(mark - text), text, choices, mark + 2);
}

/* Writes the first len bytes of word at column *col, on a new line
 * indented to indent when it would pass HELP_WIDTH. */
static void write_word_of(FILE *out, const char *word, size_t len, size_t indent, size_t *col)
{
	if (*col > indent && *col + 1 + len > HELP_WIDTH) {
		fprintf(out, "\n%*s", (int)indent, "");
		*col = indent;
	} else if (*col > indent) {
		fputc(' ', out);
		(*col)++;
	}
	fwrite(word, 1, len, out);
	*col += len;
}

/* An item never split over lines (a usage line's "[--kind K]"). */
static void write_word(FILE *out, const char *word, size_t indent, size_t *col)
{
	write_word_of(out, word, strlen(word), indent, col);
}

/* Writes text word by word from column *col, wrapping to indent. */
static void write_wrapped(FILE *out, const char *text, size_t indent, size_t *col)
{
	for (text += strspn(text, " "); *text != '\0'; text += strspn(text, " ")) {
		size_t word = strcspn(text, " ");
		write_word_of(out, text, word, indent, col);
		text += word;
	}
}

/* left from column indent, then text from column (or one space after a
 * longer left), wrapped to column. */
static void write_row_at(FILE *out, size_t indent, const char *left, size_t column, const char *text)
{
	size_t col = (size_t)fprintf(out, "%*s%s", (int)indent, "", left);

	if (col + 1 < column) {
		fprintf(out, "%*s", (int)(column - col), "");
		col = column;
	} else {
		fputc(' ', out);
		col++;
	}
	write_wrapped(out, text, column, &col);
	fputc('\n', out);
}

void agent_options_write_row(FILE *out, size_t indent, const char *left, const char *text)
{
	write_row_at(out, indent, left, HELP_COLUMN, text);
}

/* One flag's lines of --help; the kind flag's are followed by one line a kind. */
static void write_flag_help(FILE *out, const struct flag *flag)
{
	char left[64], choices[256] = "", help[1024];

	if (flag->choices != NULL)
		flag->choices(choices, sizeof(choices), ", ", " or ");
	snprintf(left, sizeof(left), "-%c, --%s%s%s", flag->short_name, flag->name, flag->value != NULL ? " " : "",
		 flag->value != NULL ? flag->value : "");
	expand(flag->help, choices, help, sizeof(help));
	agent_options_write_row(out, 2, left, help);
	if (flag != &flags[FLAG_KIND])
		return;
	for (size_t i = 0; i < profile_kinds_count; i++)
		if (profile_kinds[i].recordable)
			write_row_at(out, HELP_COLUMN + 2, profile_kinds[i].name, HELP_COLUMN + 10,
				     profile_kinds[i].help);
}

const char *agent_flag_name(enum agent_flag flag)
{
	return flags[flag].name;
}

void agent_options_write_help(const struct command_help *command, FILE *out)
{
	char lead[64], item[320], choices[256];
	size_t col;

	snprintf(lead, sizeof(lead), "usage: bpfprof %s ", command->name);
	fputs(lead, out);
	col = strlen(lead);
	for (size_t i = 0; i < command->n_flags; i++) {
		const struct flag *flag = &flags[command->flags[i]];
		const char *value = flag->usage != NULL ? flag->usage : flag->value;
		bool required = command->flags[i] == FLAG_PID;
		if (flag->choices != NULL)
			flag->choices(choices, sizeof(choices), "|", "|");
		char shown[256];
		expand(value != NULL ? value : "", choices, shown, sizeof(shown));
		snprintf(item, sizeof(item), "%s--%s%s%s%s", required ? "" : "[", flag->name, value != NULL ? " " : "",
			 shown, required ? "" : "]");
		write_word(out, item, strlen(lead), &col);
	}
	fputs("\n\n", out);
	command->write_about(out);
	fputc('\n', out);
	for (size_t i = 0; i < command->n_flags; i++)
		write_flag_help(out, &flags[command->flags[i]]);
	fprintf(out, "  -h, --help%*sthis text\n", HELP_COLUMN - 12, "");
	if (command->notes != NULL)
		fprintf(out, "\n%s", command->notes);
}

static void set_defaults(struct agent_options *opts)
{
	char err[256];

	*opts = (struct agent_options){
		.kind = profile_kind_named("cpu"),
		.duration_ns = 30000000000ULL,
		.hz = 99,
		.event = cpu_event_find("cpu-clock"),
		.unwind = UNWIND_MODE_AUTO,
		.heap_rate = HEAP_RATE_DEFAULT,
		.older_than_ns = LEAK_AGE_DEFAULT_NS,
		.min_wait_ns = OFFCPU_MIN_WAIT_DEFAULT_NS,
		.limits = {.max_windows = SERVE_MAX_WINDOWS_DEFAULT,
			   .max_connections = SERVE_MAX_CONNECTIONS_DEFAULT,
			   .snapshot_bytes = SNAPSHOT_BUDGET_DEFAULT},
	};
	listen_address_parse("127.0.0.1:6060", &opts->listen_at, err, sizeof(err));
}

int agent_options_parse(const struct command_help *command, int argc, char **argv, struct agent_options *opts)
{
	struct option long_options[2 * FLAG_COUNT + 2];
	char short_options[2 * FLAG_COUNT + 4] = ":";
	size_t n_long = 0, n_short = 1;
	uint32_t takes = 0;
	char err[512];
	bool have_set = false;

	set_defaults(opts);
	for (size_t i = 0; i < command->n_flags; i++) {
		const struct flag *flag = &flags[command->flags[i]];
		int has_arg = flag->value != NULL ? required_argument : no_argument;
		takes |= TAKES(command->flags[i]);
		long_options[n_long++] = (struct option){flag->name, has_arg, NULL, flag->short_name};
		if (flag->alias != NULL)
			long_options[n_long++] = (struct option){flag->alias, has_arg, NULL, flag->short_name};
		short_options[n_short++] = flag->short_name;
		if (flag->value != NULL)
			short_options[n_short++] = ':';
	}
	long_options[n_long++] = (struct option){"help", no_argument, NULL, 'h'};
	long_options[n_long] = (struct option){NULL, 0, NULL, 0};
	short_options[n_short++] = 'h';
	short_options[n_short] = '\0';

	opterr = 0;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		if (opt == 'h') {
			agent_options_write_help(command, stdout);
			exit(0);
		}
		const struct flag *flag = NULL;
		for (int f = 0; f < FLAG_COUNT && flag == NULL; f++)
			if ((takes & TAKES(f)) && flags[f].short_name == opt)
				flag = &flags[f];
		if (flag == NULL)
			return cli_bad_option(opt, command->name, argv);
		if (flag->read(opts, optarg, err, sizeof(err)) != 0)
			return cli_fail(2, "%s", err);
		opts->given |= TAKES(flag - flags);
		have_set |= flag == &flags[FLAG_PID] || flag == &flags[FLAG_CGROUP];
	}
	if (opts->set_spec.children && opts->set_spec.n_pids == 0)
		return cli_fail(2, "--children follows the descendants of --pid: give the PIDs to start from");
	return cli_check_operands(command->name, argc, argv, have_set);
}
