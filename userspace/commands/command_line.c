/* command_line.c: flag values (durations, sizes, rates) and a command line's usage errors. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command_line.h"

static const struct {
	const char *suffix;
	double ns;
} duration_units[] = {
	/* The longest suffix that matches wins: "ms" is not "m" then junk. */
	{"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
};

int parse_duration(const char *flag, const char *text, uint64_t min_ns, uint64_t *ns, char *err, size_t err_len)
{
	const char *p = text;
	double total = 0;

	if (*p == '\0')
		goto bad;
	while (*p != '\0') {
		/* Digits with an optional fraction: no signs, exponents or hex. */
		double value = 0, scale_down = 1;
		bool digits = false, fraction = false;
		for (; (*p >= '0' && *p <= '9') || (*p == '.' && !fraction); p++) {
			if (*p == '.') {
				fraction = true;
				continue;
			}
			digits = true;
			value = value * 10 + (*p - '0');
			if (fraction)
				scale_down *= 10;
		}
		if (!digits)
			goto bad;
		value /= scale_down;
		size_t best = 0;
		double scale = 0;
		for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
			size_t len = strlen(duration_units[i].suffix);
			if (len > best && strncmp(p, duration_units[i].suffix, len) == 0) {
				best = len;
				scale = duration_units[i].ns;
			}
		}
		if (best == 0)
			goto bad;
		p += best;
		total += value * scale;
	}
	if (!(total >= (double)min_ns) || total > 7 * 24 * 3600e9) {
		if (min_ns == 0)
			snprintf(err, err_len, "%s must be from 0s to 168h, not '%s'", flag, text);
		else
			snprintf(err, err_len, "%s must be from %gms to 168h, not '%s'", flag, (double)min_ns / 1e6, text);
		return -1;
	}
	*ns = (uint64_t)llround(total);
	return 0;
bad:
	snprintf(err, err_len, "%s takes a duration like 30s, 1m30s or 500ms, not '%s'", flag, text);
	return -1;
}

int parse_whole_number(const char *flag, const char *unit, const char *text, unsigned long long min,
		       unsigned long long max, unsigned long long *value, char *err, size_t err_len)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 10);
	if (*text < '0' || *text > '9' || *end != '\0' || errno != 0 || *value < min || *value > max) {
		snprintf(err, err_len, "%s must be a whole number%s%s from %llu to %llu, not '%s'", flag,
			 unit[0] != '\0' ? " of " : "", unit, min, max, text);
		return -1;
	}
	return 0;
}

int parse_hz(const char *text, unsigned max_hz, unsigned *hz, char *err, size_t err_len)
{
	unsigned long long value;

	if (parse_whole_number("--hz", "", text, 1, max_hz, &value, err, err_len) != 0)
		return -1;
	*hz = (unsigned)value;
	return 0;
}

int parse_heap_rate(const char *text, uint64_t *rate, char *err, size_t err_len)
{
	unsigned long long value;

	if (parse_whole_number("--heap-rate", "bytes", text, 1, HEAP_RATE_MAX, &value, err, err_len) != 0)
		return -1;
	*rate = value;
	return 0;
}

int parse_bytes(const char *flag, const char *text, uint64_t min, uint64_t *bytes, char *err, size_t err_len)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {{"", 0}, {"K", 10}, {"KiB", 10}, {"M", 20}, {"MiB", 20}, {"G", 30}, {"GiB", 30}};
	char *end;

	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	for (size_t i = 0; *text >= '0' && *text <= '9' && errno == 0 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0 || value > (UINT64_MAX >> units[i].shift))
			continue;
		*bytes = (uint64_t)value << units[i].shift;
		if (*bytes >= min)
			return 0;
	}
	snprintf(err, err_len, "%s must be a size of at least %llu bytes, such as 256MiB or 1GiB, not '%s'", flag,
		 (unsigned long long)min, text);
	return -1;
}

int cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("bpfprof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int cli_bad_option(int opt, const char *command, char **argv)
{
	if (opt == ':')
		return cli_fail(2, "%s needs a value (see bpfprof %s --help)", argv[optind - 1], command);
	return cli_fail(2, "unknown option '%s' (see bpfprof %s --help)", argv[optind - 1], command);
}

int cli_check_operands(const char *command, int argc, char **argv, bool have_pid)
{
	if (optind < argc)
		return cli_fail(2, "unexpected argument '%s' (see bpfprof %s --help)", argv[optind], command);
	if (!have_pid)
		return cli_fail(2, "--pid is required: which process to profile (or --cgroup; see bpfprof %s --help)",
				command);
	return 0;
}
