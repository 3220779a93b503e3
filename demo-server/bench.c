/*
 * bench.c: encrypt-bench, the Go tutorial's benchmark suite for both
 * encryptData implementations. It follows `go test -bench`: iteration counts
 * calibrated to -benchtime, RunParallel-style concurrency, and Go's output
 * lines, so benchstat and people used to Go read it as they would Go's.
 */
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench_alloc.h"
#include "encrypt.h"
#include "request.h"

#define DEFAULT_PAYLOAD_LEN ((size_t)-1)
#define MAX_ITERATIONS	    1000000000ULL

struct bench_case {
	const char *name;
	size_t payload_len; /* DEFAULT_PAYLOAD_LEN: the server's default payload */
	size_t key_len;
	bool parallel;
};

static const struct bench_case bench_cases[] = {
	{"EncryptData", DEFAULT_PAYLOAD_LEN, 16, false},
	{"EncryptDataSmall", 16, 16, false},
	{"EncryptDataMedium", 1024, 16, false},
	{"EncryptDataLarge", 64 * 1024, 16, false},
	{"EncryptDataAES256", DEFAULT_PAYLOAD_LEN, 32, false},
	{"EncryptDataConcurrency", DEFAULT_PAYLOAD_LEN, 16, true},
};

static const struct encryptor *const implementations[] = {&naive_encryptor, &fast_encryptor};

struct bench_options {
	double benchtime_ns;	    /* run each for about this long ... */
	unsigned long long fixed_n; /* ... or exactly this many iterations (-benchtime Nx) */
	unsigned cpu;		    /* threads for the parallel case; the -N suffix */
	unsigned count;		    /* repetitions of each benchmark */
	regex_t filter;
};

struct bench_target {
	const struct encryptor *impl;
	struct encrypt_key key;
	const unsigned char *payload;
	size_t payload_len;
	unsigned threads;
	atomic_ullong remaining; /* iterations not yet claimed by a parallel worker */
	atomic_int failed;
};

struct bench_result {
	unsigned long long n;
	double elapsed_ns;
	struct alloc_totals allocs;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void encrypt_once(struct bench_target *target)
{
	size_t hex_len;
	char *hex = target->impl->encrypt(&target->key, target->payload, target->payload_len, &hex_len);

	if (hex == NULL)
		atomic_store(&target->failed, 1);
	free(hex);
}

/* Workers claim iterations in small batches, as Go's RunParallel does, so
 * a slow thread never leaves the others idle at the end. */
static void *parallel_worker(void *arg)
{
	struct bench_target *target = arg;
	const unsigned long long batch = 16;

	for (;;) {
		unsigned long long left = atomic_load(&target->remaining);
		unsigned long long take;
		do {
			if (left == 0)
				return NULL;
			take = left < batch ? left : batch;
		} while (!atomic_compare_exchange_weak(&target->remaining, &left, left - take));
		while (take-- > 0)
			encrypt_once(target);
	}
}

static void run_iterations(struct bench_target *target, unsigned long long n, struct bench_result *result)
{
	struct alloc_totals before, after;
	pthread_t workers[256];

	alloc_totals_read(&before);
	double start = now_ns();
	if (target->threads > 1) {
		atomic_store(&target->remaining, n);
		for (unsigned i = 0; i < target->threads; i++)
			pthread_create(&workers[i], NULL, parallel_worker, target);
		for (unsigned i = 0; i < target->threads; i++)
			pthread_join(workers[i], NULL);
	} else {
		for (unsigned long long i = 0; i < n; i++)
			encrypt_once(target);
	}
	result->elapsed_ns = now_ns() - start;
	alloc_totals_read(&after);
	result->n = n;
	result->allocs.count = after.count - before.count;
	result->allocs.bytes = after.bytes - before.bytes;
}

/* Go's predictN: aim for the goal from the last run's rate, overshoot by a
 * fifth, grow at most 100x per round and at least by one. */
static unsigned long long next_iterations(double goal_ns, const struct bench_result *last)
{
	double per_op = last->elapsed_ns > 0 ? last->elapsed_ns / (double)last->n : 1;
	double predicted = goal_ns / per_op;
	unsigned long long n = predicted >= (double)MAX_ITERATIONS ? MAX_ITERATIONS : (unsigned long long)predicted;

	n += n / 5;
	if (n > 100 * last->n)
		n = 100 * last->n;
	if (n < last->n + 1)
		n = last->n + 1;
	return n > MAX_ITERATIONS ? MAX_ITERATIONS : n;
}

static void run_benchmark(struct bench_target *target, const struct bench_options *options, struct bench_result *result)
{
	/* Like Go, a single warm-up iteration first, so one-time set-up
	 * (a thread's cipher context) is not charged to a short fixed run. */
	run_iterations(target, 1, result);
	if (options->fixed_n > 0) {
		run_iterations(target, options->fixed_n, result);
		return;
	}
	while (result->elapsed_ns < options->benchtime_ns && result->n < MAX_ITERATIONS)
		run_iterations(target, next_iterations(options->benchtime_ns, result), result);
}

/* Go's prettyPrint: ten places before the point, four significant figures for small values. */
static void print_per_op(double value, const char *unit)
{
	if (value == 0 || value >= 999.95)
		printf("\t%10.0f %s", value, unit);
	else if (value >= 99.995)
		printf("\t%12.1f %s", value, unit);
	else if (value >= 9.9995)
		printf("\t%13.2f %s", value, unit);
	else
		printf("\t%14.3f %s", value, unit);
}

static void print_result(const char *name, int name_width, const struct bench_result *r)
{
	printf("%-*s\t%8llu", name_width, name, r->n);
	print_per_op(r->elapsed_ns / (double)r->n, "ns/op");
	printf("\t%8llu B/op\t%8llu allocs/op\n", r->allocs.bytes / r->n, r->allocs.count / r->n);
	fflush(stdout);
}

/* Go's name for the machine this runs on (GOARCH), from the kernel's. */
static const char *go_arch(void)
{
	static const struct {
		const char *machine, *goarch;
	} names[] = {{"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"}, {"i386", "386"},
		     {"armv7l", "arm"},   {"riscv64", "riscv64"}, {"ppc64le", "ppc64le"}, {"s390x", "s390x"}};
	static struct utsname uts;

	if (uname(&uts) != 0)
		return "unknown";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(uts.machine, names[i].machine) == 0)
			return names[i].goarch;
	return uts.machine;
}

static void print_header(void)
{
	char line[256], cpu[256] = "unknown";
	FILE *cpuinfo = fopen("/proc/cpuinfo", "r");

	while (cpuinfo != NULL && fgets(line, sizeof(line), cpuinfo) != NULL) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			snprintf(cpu, sizeof(cpu), "%s", colon + 2);
			cpu[strcspn(cpu, "\n")] = '\0';
			break;
		}
	}
	if (cpuinfo != NULL)
		fclose(cpuinfo);
	printf("goos: linux\ngoarch: %s\npkg: bpfprof/demo-server\ncpu: %s\n", go_arch(), cpu);
}

static void die_usage(const char *message, const char *value)
{
	fprintf(stderr,
		"encrypt-bench: %s '%s' (usage: encrypt-bench [-bench REGEX] [-benchtime 1s|Nx] "
		"[-cpu N] [-count N])\n",
		message, value);
	exit(2);
}

static void parse_benchtime(const char *text, struct bench_options *options)
{
	char *end;
	double value = strtod(text, &end);
	double scale = 0;

	if (end != text && value > 0) {
		if (strcmp(end, "x") == 0) {
			options->fixed_n = (unsigned long long)value;
			return;
		}
		scale = strcmp(end, "s") == 0 ? 1e9 : strcmp(end, "ms") == 0 ? 1e6 : 0;
	}
	if (scale == 0)
		die_usage("-benchtime takes a duration like 1s or 500ms, or a count like 100x, not", text);
	options->benchtime_ns = value * scale;
}

static unsigned parse_count(const char *flag, const char *text, unsigned max)
{
	char *end;
	long value = strtol(text, &end, 10);

	if (*text == '\0' || *end != '\0' || value < 1 || value > (long)max)
		die_usage(flag, text);
	return (unsigned)value;
}

static void parse_options(int argc, char **argv, struct bench_options *options)
{
	const char *filter = ".";
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	options->benchtime_ns = 1e9;
	options->fixed_n = 0;
	options->cpu = online > 0 ? (unsigned)online : 1;
	options->count = 1;
	for (int i = 1; i < argc; i++) {
		const char *flag = argv[i];
		if (strcmp(flag, "-h") == 0 || strcmp(flag, "--help") == 0) {
			puts("usage: encrypt-bench [-bench REGEX] [-benchtime 1s|Nx] [-cpu N] [-count N]");
			exit(0);
		}
		if (i + 1 >= argc)
			die_usage("unknown flag or missing value", flag);
		const char *value = argv[++i];
		if (strcmp(flag, "-bench") == 0)
			filter = value;
		else if (strcmp(flag, "-benchtime") == 0)
			parse_benchtime(value, options);
		else if (strcmp(flag, "-cpu") == 0)
			options->cpu = parse_count("-cpu must be from 1 to 256, not", value, 256);
		else if (strcmp(flag, "-count") == 0)
			options->count = parse_count("-count must be from 1 to 1000, not", value, 1000);
		else
			die_usage("unknown flag", flag);
	}
	if (regcomp(&options->filter, filter, REG_EXTENDED | REG_NOSUB) != 0)
		die_usage("-bench is not a valid regular expression:", filter);
}

int main(int argc, char **argv)
{
	enum { N_CASES = sizeof(bench_cases) / sizeof(bench_cases[0]) };
	enum { N_IMPLS = sizeof(implementations) / sizeof(implementations[0]) };
	struct bench_options options;
	char names[N_CASES][N_IMPLS][96];
	int name_width = 0;
	int failures = 0;

	parse_options(argc, argv, &options);
	for (int c = 0; c < N_CASES; c++) {
		for (int i = 0; i < N_IMPLS; i++) {
			int len = snprintf(names[c][i], sizeof(names[c][i]), "Benchmark%s/%s-%u", bench_cases[c].name,
					   implementations[i]->name, options.cpu);
			char *suffix = strrchr(names[c][i], '-');
			*suffix = '\0';
			bool selected = regexec(&options.filter, names[c][i], 0, NULL, 0) == 0;
			*suffix = '-';
			if (!selected)
				names[c][i][0] = '\0';
			else if (len > name_width)
				name_width = len;
		}
	}

	size_t largest = 0;
	for (int c = 0; c < N_CASES; c++)
		if (bench_cases[c].payload_len != DEFAULT_PAYLOAD_LEN && bench_cases[c].payload_len > largest)
			largest = bench_cases[c].payload_len;
	unsigned char *pattern = malloc(largest);
	if (pattern == NULL)
		return 1;
	fill_sized_payload(pattern, largest);

	print_header();
	for (int c = 0; c < N_CASES; c++) {
		const struct bench_case *bc = &bench_cases[c];
		for (int i = 0; i < N_IMPLS; i++) {
			if (names[c][i][0] == '\0')
				continue;
			struct bench_target target = {
				.impl = implementations[i],
				.payload = bc->payload_len == DEFAULT_PAYLOAD_LEN
						   ? (const unsigned char *)DEFAULT_PAYLOAD
						   : pattern,
				.payload_len = bc->payload_len == DEFAULT_PAYLOAD_LEN ? strlen(DEFAULT_PAYLOAD)
										      : bc->payload_len,
				.threads = bc->parallel ? options.cpu : 1,
			};
			if (encrypt_key_random(&target.key, bc->key_len) != 0) {
				fputs("encrypt-bench: cannot generate a key\n", stderr);
				return 1;
			}
			for (unsigned run = 0; run < options.count; run++) {
				struct bench_result result;
				run_benchmark(&target, &options, &result);
				if (atomic_load(&target.failed)) {
					printf("--- FAIL: %s\n    encryptData returned an error\n", names[c][i]);
					failures++;
					break;
				}
				print_result(names[c][i], name_width, &result);
			}
		}
	}
	free(pattern);
	regfree(&options.filter);
	puts(failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
