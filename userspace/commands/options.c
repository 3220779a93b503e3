/* options.c: every flag once, and getopt_long over those a command takes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_collector.h"
#include "heap_tracer.h"
#include "offcpu_profile.h"
#include "options.h"
#include "snapshots.h"

/* Reads a flag's value into opts; 0, or -1 with the whole message in err. */
typedef int (*flag_reader)(struct agent_options *opts, const char *value, char *err, size_t err_len);

static int read_pid(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	return target_spec_add_pids(&opts->targets, value, err, err_len);
}

static int read_children(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	(void)value;
	(void)err;
	(void)err_len;
	opts->targets.children = true;
	return 0;
}

static int read_cgroup(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	if (value[0] == '\0' || strlen(value) >= sizeof(opts->targets.cgroup)) {
		snprintf(err, err_len, "--cgroup takes a cgroup v2 directory, such as system.slice/nginx.service");
		return -1;
	}
	snprintf(opts->targets.cgroup, sizeof(opts->targets.cgroup), "%s", value);
	return 0;
}

static int read_type(struct agent_options *opts, const char *value, char *err, size_t err_len)
{
	opts->kind = profile_kind_named(value);
	if (opts->kind != NULL && opts->kind->recordable)
		return 0;
	char names[160];
	profile_kind_names(names, sizeof(names), true, false);
	snprintf(err, err_len, "--type must be %s, not '%s'", names, value);
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

static const struct flag {
	const char *name;
	char short_name;
	bool takes_value;
	flag_reader read;
} flags[FLAG_COUNT] = {
	[FLAG_PID] = {"pid", 'p', true, read_pid},
	[FLAG_CHILDREN] = {"children", 'C', false, read_children},
	[FLAG_CGROUP] = {"cgroup", 'G', true, read_cgroup},
	[FLAG_TYPE] = {"type", 't', true, read_type},
	[FLAG_DURATION] = {"duration", 'd', true, read_duration},
	[FLAG_HZ] = {"hz", 'F', true, read_hz},
	[FLAG_OUTPUT] = {"output", 'o', true, read_output},
	[FLAG_FORMAT] = {"format", 'f', true, read_format},
	[FLAG_EVENT] = {"event", 'e', true, read_event},
	[FLAG_UNWIND] = {"unwind", 'u', true, read_unwind},
	[FLAG_HEAP] = {"heap", 'm', false, read_heap},
	[FLAG_HEAP_RATE] = {"heap-rate", 'r', true, read_heap_rate},
	[FLAG_HEAP_INJECT] = {"heap-inject", 'J', false, read_heap_inject},
	[FLAG_OLDER_THAN] = {"older-than", 'a', true, read_older_than},
	[FLAG_MIN_WAIT] = {"min-wait", 'w', true, read_min_wait},
	[FLAG_LISTEN] = {"listen", 'l', true, read_listen},
	[FLAG_MAX_WINDOWS] = {"max-windows", 'W', true, read_max_windows},
	[FLAG_MAX_CONNECTIONS] = {"max-connections", 'N', true, read_max_connections},
	[FLAG_SNAPSHOT_MEMORY] = {"snapshot-memory", 'M', true, read_snapshot_memory},
	[FLAG_SAMPLE_INDEX] = {"sample-index", 'i', true, read_sample_index},
};

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

int agent_options_parse(const char *command, const char *usage, uint32_t takes, int argc, char **argv,
			struct agent_options *opts)
{
	struct option long_options[FLAG_COUNT + 2];
	char short_options[2 * FLAG_COUNT + 4] = ":";
	size_t n_long = 0, n_short = 1;
	char err[512];
	bool have_target = false;

	set_defaults(opts);
	for (int f = 0; f < FLAG_COUNT; f++) {
		if (!(takes & TAKES(f)))
			continue;
		long_options[n_long++] = (struct option){flags[f].name, flags[f].takes_value ? required_argument : no_argument,
							 NULL, flags[f].short_name};
		short_options[n_short++] = flags[f].short_name;
		if (flags[f].takes_value)
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
			fputs(usage, stdout);
			exit(0);
		}
		const struct flag *flag = NULL;
		for (int f = 0; f < FLAG_COUNT && flag == NULL; f++)
			if ((takes & TAKES(f)) && flags[f].short_name == opt)
				flag = &flags[f];
		if (flag == NULL)
			return cli_bad_option(opt, command, argv);
		if (flag->read(opts, optarg, err, sizeof(err)) != 0)
			return cli_fail(2, "%s", err);
		opts->given |= TAKES(flag - flags);
		have_target |= flag == &flags[FLAG_PID] || flag == &flags[FLAG_CGROUP];
	}
	if (opts->targets.children && opts->targets.n_pids == 0)
		return cli_fail(2, "--children follows the descendants of --pid: give the PIDs to start from");
	return cli_check_operands(command, argc, argv, have_target);
}
