/* program_load.c: a BPF object into the kernel, what the verifier spent on it, and the fall back to frame pointers. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "unwind_mode.h"
#include "clock.h"
#include "program_load.h"
#include "window_health.h"

/* The verifier's summary (log level 4: statistics, and the reason for a
 * refusal, without a line per instruction) fits in far less. */
#define LOG_BYTES (64 * 1024)

/* Says on stderr, once the verifier has taken PROGRAM_LOAD_NOTICE_SECONDS
 * and then every ten seconds, that the agent is waiting for it: a refusal
 * of a program that nearly fits can take the kernel 20 s to reach. */
struct notice {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	int done;
	const char *what;
	uint64_t started_ns; /* monotonic */
};

static void *notice_run(void *arg)
{
	struct notice *n = arg;
	struct timespec deadline = monotonic_after_ms(PROGRAM_LOAD_NOTICE_SECONDS * 1000);

	pthread_mutex_lock(&n->lock);
	while (!n->done) {
		if (pthread_cond_timedwait(&n->done_cond, &n->lock, &deadline) == ETIMEDOUT && !n->done) {
			fprintf(stderr, "bpfprof: the kernel's verifier is still checking %s (%.0f s so far)\n", n->what,
				(double)(monotonic_ns() - n->started_ns) / 1e9);
			deadline = monotonic_after_ms(10 * 1000);
		}
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

static int notice_start(struct notice *n, const char *what)
{
	*n = (struct notice){.what = what, .started_ns = monotonic_ns()};
	pthread_mutex_init(&n->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* monotonic_after_ms's deadlines */
	pthread_cond_init(&n->done_cond, &attr);
	pthread_condattr_destroy(&attr);
	return pthread_create(&n->thread, NULL, notice_run, n) == 0 ? 0 : -1;
}

static void notice_stop(struct notice *n, int started)
{
	if (started == 0) {
		pthread_mutex_lock(&n->lock);
		n->done = 1;
		pthread_cond_signal(&n->done_cond);
		pthread_mutex_unlock(&n->lock);
		pthread_join(n->thread, NULL);
	}
	pthread_cond_destroy(&n->done_cond);
	pthread_mutex_destroy(&n->lock);
}

/* The verifier's reason for a refusal: the log's last line before its
 * statistics, which begin with "verification time" and grow with the
 * kernel (7.x adds a line per function: "subprog 4 (unwind_find_row)
 * global insns_self ..."). */
static void refusal_reason(const char *log, char *reason, size_t len)
{
	const char *stats = strstr(log, "verification time");
	const char *line_end = stats != NULL ? stats : log + strlen(log);

	reason[0] = '\0';
	while (line_end > log) {
		while (line_end > log && line_end[-1] == '\n')
			line_end--;
		const char *line = line_end;
		while (line > log && line[-1] != '\n')
			line--;
		size_t n = (size_t)(line_end - line);
		bool statistic = strncmp(line, "processed ", 10) == 0 || strncmp(line, "stack depth", 11) == 0 ||
				 strncmp(line, "subprog ", 8) == 0;
		if (n > 0 && !statistic) {
			snprintf(reason, len, "%.*s", (int)n, line);
			return;
		}
		line_end = line;
	}
}

/* One try at loading in the object's configured walk; 0 or a negative
 * errno, with each program's cost read or the refusal's reason kept. */
static int load_once(const struct program_load_steps *steps, struct bpf_object_skeleton *skeleton,
		     struct program_load *out, char *reason, size_t reason_len)
{
	struct bpf_object *obj = *skeleton->obj;
	struct bpf_program *prog;
	char *logs = calloc(PROGRAM_LOAD_MAX_PROGRAMS, LOG_BYTES);
	size_t n = 0;

	if (logs == NULL)
		return -ENOMEM;
	bpf_object__for_each_program(prog, obj)
	{
		if (!bpf_program__autoload(prog) || n == PROGRAM_LOAD_MAX_PROGRAMS)
			continue;
		bpf_program__set_log_buf(prog, logs + n * LOG_BYTES, LOG_BYTES);
		bpf_program__set_log_level(prog, 4);
		n++;
	}
	struct notice notice;
	int noticing = notice_start(&notice, steps->what);
	int rc = bpf_object__load_skeleton(skeleton);
	notice_stop(&notice, noticing);

	n = 0;
	out->n_programs = 0;
	reason[0] = '\0';
	bpf_object__for_each_program(prog, obj)
	{
		if (!bpf_program__autoload(prog) || n == PROGRAM_LOAD_MAX_PROGRAMS)
			continue;
		const char *log = logs + n++ * LOG_BYTES;
		if (rc != 0) {
			if (bpf_program__fd(prog) < 0 && reason[0] == '\0' && log[0] != '\0')
				refusal_reason(log, reason, reason_len);
			continue;
		}
		struct program_cost *cost = &out->programs[out->n_programs++];
		struct bpf_prog_info info;
		uint32_t info_len = sizeof(info);
		memset(&info, 0, sizeof(info));
		snprintf(cost->name, sizeof(cost->name), "%s", bpf_program__name(prog));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &info_len) == 0)
			cost->verified_insns = info.verified_insns;
		const char *time = strstr(log, "verification time ");
		cost->verify_us = time != NULL ? strtoull(time + 18, NULL, 10) : 0;
		const char *processed = strstr(log, "processed ");
		if (cost->verified_insns == 0 && processed != NULL) /* before 5.16, the log's count */
			cost->verified_insns = (uint32_t)strtoul(processed + 10, NULL, 10);
	}
	free(logs);
	return rc;
}

/* Walks this kernel refused, by object and the programs loaded from it:
 * a server opens a window of the same kind again and again, and should
 * neither wait for the verifier to refuse each time nor say so each time. */
#define REFUSALS_MAX 16
static struct {
	char programs[256];
	enum unwind_mode mode;
	char refused[sizeof(((struct program_load *)0)->refused)];
} refusals[REFUSALS_MAX];
static size_t n_refusals;
static pthread_mutex_t refusals_lock = PTHREAD_MUTEX_INITIALIZER;

/* The object's programs to be loaded, as one key: "cpu.bpf.c:sample_cpu,". */
static void programs_key(const struct program_load_steps *steps, struct bpf_object_skeleton *skeleton, char *key,
			 size_t len)
{
	struct bpf_program *prog;
	size_t used = (size_t)snprintf(key, len, "%s:", steps->object);

	bpf_object__for_each_program(prog, *skeleton->obj)
	{
		if (bpf_program__autoload(prog) && used < len)
			used += (size_t)snprintf(key + used, len - used, "%s,", bpf_program__name(prog));
	}
}

/* The refusal kept for key in mode, copied into refused; false if none. */
static bool refused_before(const char *key, enum unwind_mode mode, char *refused, size_t len)
{
	bool found = false;

	pthread_mutex_lock(&refusals_lock);
	for (size_t i = 0; i < n_refusals && !found; i++)
		if (refusals[i].mode == mode && strcmp(refusals[i].programs, key) == 0) {
			snprintf(refused, len, "%s", refusals[i].refused);
			found = true;
		}
	pthread_mutex_unlock(&refusals_lock);
	return found;
}

static void remember_refusal(const char *key, enum unwind_mode mode, const char *refused)
{
	pthread_mutex_lock(&refusals_lock);
	if (n_refusals < REFUSALS_MAX) {
		snprintf(refusals[n_refusals].programs, sizeof(refusals[n_refusals].programs), "%s", key);
		refusals[n_refusals].mode = mode;
		snprintf(refusals[n_refusals].refused, sizeof(refusals[n_refusals].refused), "%s", refused);
		n_refusals++;
	}
	pthread_mutex_unlock(&refusals_lock);
}

int program_load(const struct program_load_steps *steps, void *ctx, enum unwind_mode mode,
		 struct program_load *out, char *err, size_t err_len)
{
	uint64_t started_ns = monotonic_ns();
	char reason[256], key[256];

	*out = (struct program_load){.object = steps->object, .what = steps->what, .wanted = mode, .mode = mode};
	struct bpf_object_skeleton *skeleton = steps->open(ctx, mode, err, err_len);
	if (skeleton == NULL)
		return -1;
	programs_key(steps, skeleton, key, sizeof(key));
	bool known = mode != UNWIND_MODE_FP && refused_before(key, mode, out->refused, sizeof(out->refused));
	int rc = known ? -EPERM : load_once(steps, skeleton, out, reason, sizeof(reason));
	if (rc != 0 && mode != UNWIND_MODE_FP) {
		/* Shorter stacks beat no profile: the frame-pointer walk is a
		 * fraction of the DWARF walker's size. */
		char fallback_err[256];
		steps->close(ctx);
		if (!known) {
			snprintf(out->refused, sizeof(out->refused), "%s: %s", strerror(-rc),
				 reason[0] != '\0' ? reason : "the verifier said no more");
			remember_refusal(key, mode, out->refused);
		}
		out->mode = UNWIND_MODE_FP;
		skeleton = steps->open(ctx, UNWIND_MODE_FP, fallback_err, sizeof(fallback_err));
		if (skeleton != NULL && load_once(steps, skeleton, out, reason, sizeof(reason)) == 0) {
			if (!known)
				fprintf(stderr,
					"bpfprof: this kernel refused %s's --unwind %s walk (%s); walking user stacks "
					"with frame pointers instead\n",
					steps->what, unwind_mode_name(mode), out->refused);
			out->seconds = (double)(monotonic_ns() - started_ns) / 1e9;
			return 0;
		}
		snprintf(err, err_len, "cannot load %s into the kernel: %s", steps->what, out->refused);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, err_len, "cannot load %s into the kernel: %s (%s)", steps->what, strerror(-rc),
			 reason[0] != '\0' ? reason : "the verifier said no more");
		return -1;
	}
	out->seconds = (double)(monotonic_ns() - started_ns) / 1e9;
	return 0;
}

bool program_load_refuse_walk_for_test(void)
{
	const char *value = getenv("BPFPROF_TEST_REFUSE_WALK");
	return value != NULL && strcmp(value, "1") == 0;
}

void program_load_describe(const struct program_load *load, struct profile *profile)
{
	char text[1024];
	size_t used = 0;

	for (size_t i = 0; i < load->n_programs && used < sizeof(text); i++) {
		int wrote = snprintf(text + used, sizeof(text) - used, "%s%s %u instructions", i > 0 ? ", " : "",
				     load->programs[i].name, load->programs[i].verified_insns);
		used += wrote > 0 ? (size_t)wrote : 0;
	}
	profile_add_comment(profile, "BPF programs of %s, verified: %s; loaded in %.2f s", load->object, text,
			    load->seconds);
	if (load->mode != load->wanted)
		profile_add_comment(profile,
				    WARNING_PREFIX "user stacks by frame pointers only: this kernel refused %s's "
						   "--unwind %s walk (%s), so stacks through code without frame pointers "
						   "end early",
				    load->what, unwind_mode_name(load->wanted), load->refused);
}
