/*
 * cpu_sampler.c: one sampling thread per traced set drains the BPF collector
 * and hands each sample to every open window. Windows end at their
 * deadline, when stopped, or when the traced set exits.
 *
 * Locks: `lock` guards the windows and the collector pointer; the traced
 * set has its own. Where both are held, `lock` is taken first.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf_counters.h"
#include "clock.h"
#include "cpu_sampler.h"
#include "profile_builder.h"
#include "profile_comments.h"
#include "traced_set.h"
#include "window_health.h"

#define POLL_MS 100

struct cpu_window {
	struct cpu_sampler *sampler;
	struct program_load load; /* as the window opened */
	struct cpu_window *next; /* in the sampler's list while open */
	struct stack_table *stacks;
	uint64_t started, deadline; /* monotonic ns */
	int64_t start_wall_ns;
	struct cpu_collector_stats stats_at_open, stats_at_end;
	uint64_t received, aggregation_failures;
	uint64_t user_stack_ends[UNWIND_END_MAX];
	bool stop_requested, ending, done, set_exited;
	uint64_t elapsed_ns;
	int64_t set_cpu_at_open, set_cpu_ns; /* the traced set's CPU time; -1: unknown */
};

struct cpu_sampler {
	struct traced_set *set;
	const struct cpu_event *event;
	unsigned hz;

	pthread_mutex_t lock;
	pthread_cond_t changed; /* a window opened or ended */
	struct cpu_window *windows;
	struct cpu_collector *collector;
	struct program_load load; /* what loading the collector's programs cost, and their walk */
	pthread_t thread;
	bool thread_started, shutting_down, set_gone;
	/* A window opening beside others asks for the kernel's totals to be
	 * drained first: they belong to the windows already open. */
	uint64_t drain_requests, drains_served;
	struct cpu_collector_stats at_last_drain; /* as the kernel began fresh totals */
	bool last_drain_ok;
};

/* Called by the collector, on the sampling thread, with count samples of
 * one stack. */
static void on_sample(void *ctx, const struct cpu_sample *sample, uint64_t count)
{
	struct cpu_sampler *sampler = ctx;
	struct stack_key key;
	int64_t values[2] = {(int64_t)count, (int64_t)sample->period};

	cpu_sample_stack_key(sample, &key);
	pthread_mutex_lock(&sampler->lock);
	for (struct cpu_window *w = sampler->windows; w != NULL; w = w->next) {
		w->received += count;
		if (sample->user_stack_end < UNWIND_END_MAX)
			w->user_stack_ends[sample->user_stack_end] += count;
		if (stack_table_add(w->stacks, &key, values) != 0)
			w->aggregation_failures += count;
	}
	traced_set_note_stack(sampler->set, (pid_t)sample->pid, key.user, key.n_user);
	pthread_mutex_unlock(&sampler->lock);
}

/* With `lock` held: marks the windows whose time has come; true if any. */
static bool mark_due_windows(struct cpu_sampler *sampler, bool end_all)
{
	uint64_t now = monotonic_ns();
	bool any = false;

	for (struct cpu_window *w = sampler->windows; w != NULL; w = w->next)
		if (end_all || w->stop_requested || now >= w->deadline)
			any = w->ending = true;
	return any;
}

/* With `lock` held: ends the marked windows, with the collector's stats
 * as of the drain that gave them their last samples (NULL: as of now). */
static void end_marked_windows(struct cpu_sampler *sampler, const struct cpu_collector_stats *at_drain)
{
	uint64_t now = monotonic_ns();
	struct cpu_window **link = &sampler->windows;
	struct cpu_collector_stats stats = {0};
	bool have_stats = at_drain != NULL;

	if (at_drain != NULL)
		stats = *at_drain;
	while (*link != NULL) {
		struct cpu_window *w = *link;
		if (!w->ending) {
			link = &w->next;
			continue;
		}
		if (!have_stats && sampler->collector != NULL) {
			cpu_collector_read_stats(sampler->collector, &stats);
			have_stats = true;
		}
		w->stats_at_end = have_stats ? stats : w->stats_at_open;
		w->elapsed_ns = now - w->started;
		w->set_cpu_ns = process_handle_cpu_between(w->set_cpu_at_open, traced_set_cpu_ns(sampler->set));
		w->set_exited = sampler->set_gone;
		w->done = true;
		*link = w->next;
		w->next = NULL;
	}
	pthread_cond_broadcast(&sampler->changed);
}

/* With `lock` held, which is let go meanwhile: delivers what the kernel
 * still holds (totals, the ring), then ends the marked windows. */
static void drain_and_end_windows(struct cpu_sampler *sampler, struct cpu_collector *collector)
{
	struct cpu_collector_stats at_swap = {0};
	uint64_t serving = sampler->drain_requests;

	pthread_mutex_unlock(&sampler->lock);
	bool ok = cpu_collector_drain(collector, &at_swap) >= 0;
	pthread_mutex_lock(&sampler->lock);
	sampler->at_last_drain = at_swap;
	sampler->last_drain_ok = ok;
	sampler->drains_served = serving;
	end_marked_windows(sampler, ok ? &at_swap : NULL);
}

/* With `lock` held: detaches the collector, which may still deliver its
 * last samples through on_sample, so `lock` is let go meanwhile. */
static void detach(struct cpu_sampler *sampler)
{
	struct cpu_collector *collector = sampler->collector;

	sampler->collector = NULL;
	pthread_mutex_unlock(&sampler->lock);
	cpu_collector_stop(collector, NULL);
	pthread_mutex_lock(&sampler->lock);
}

static void *sampling_loop(void *arg)
{
	struct cpu_sampler *sampler = arg;

	pthread_mutex_lock(&sampler->lock);
	while (!sampler->shutting_down) {
		if (sampler->windows == NULL) {
			if (sampler->collector != NULL)
				detach(sampler);
			else
				pthread_cond_wait(&sampler->changed, &sampler->lock);
			continue;
		}
		/* Wake at the next window's end, so windows last what was asked. */
		uint64_t now = monotonic_ns(), next_end = now + POLL_MS * 1000000ULL;
		for (struct cpu_window *w = sampler->windows; w != NULL; w = w->next)
			if (w->deadline < next_end)
				next_end = w->deadline;
		int timeout_ms = next_end > now ? (int)((next_end - now + 999999) / 1000000) : 0;
		struct cpu_collector *collector = sampler->collector;
		pthread_mutex_unlock(&sampler->lock);
		int polled = cpu_collector_poll(collector, timeout_ms);
		bool alive = traced_set_alive(sampler->set);
		pthread_mutex_lock(&sampler->lock);

		if (!alive)
			sampler->set_gone = true;
		bool due = mark_due_windows(sampler, !alive || polled < 0);
		if (polled >= 0 && (due || sampler->drain_requests > sampler->drains_served))
			drain_and_end_windows(sampler, collector);
		else
			end_marked_windows(sampler, NULL);

		traced_set_refresh_if_asked(sampler->set);
	}
	mark_due_windows(sampler, true);
	end_marked_windows(sampler, NULL);
	if (sampler->collector != NULL)
		detach(sampler);
	pthread_mutex_unlock(&sampler->lock);
	return NULL;
}

struct cpu_sampler *cpu_sampler_new(struct traced_set *set, const struct cpu_event *event, unsigned hz)
{
	struct cpu_sampler *sampler = calloc(1, sizeof(*sampler));

	if (sampler == NULL)
		return NULL;
	*sampler = (struct cpu_sampler){
		.set = set,
		.event = event,
		.hz = hz,
	};
	pthread_mutex_init(&sampler->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&sampler->changed, &attr);
	pthread_condattr_destroy(&attr);
	return sampler;
}

void cpu_sampler_free(struct cpu_sampler *sampler)
{
	if (sampler == NULL)
		return;
	pthread_mutex_lock(&sampler->lock);
	sampler->shutting_down = true;
	pthread_cond_broadcast(&sampler->changed);
	bool started = sampler->thread_started;
	pthread_mutex_unlock(&sampler->lock);
	if (started)
		pthread_join(sampler->thread, NULL);
	pthread_cond_destroy(&sampler->changed);
	pthread_mutex_destroy(&sampler->lock);
	free(sampler);
}

struct cpu_window *cpu_window_open(struct cpu_sampler *sampler, uint64_t duration_ns, char *err, size_t err_len)
{
	struct cpu_window *window = calloc(1, sizeof(*window));

	if (window == NULL || (window->stacks = stack_table_new(2)) == NULL) {
		free(window);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	window->sampler = sampler;
	pthread_mutex_lock(&sampler->lock);
	uint64_t ticket = 0;
	if (sampler->collector != NULL && sampler->windows != NULL && sampler->thread_started) {
		ticket = ++sampler->drain_requests;
		while (sampler->drains_served < ticket && sampler->collector != NULL && sampler->windows != NULL &&
		       !sampler->shutting_down && !sampler->set_gone)
			pthread_cond_wait(&sampler->changed, &sampler->lock);
	}
	if (sampler->set_gone || !traced_set_alive(sampler->set)) {
		sampler->set_gone = true;
		traced_set_gone_reason(sampler->set, err, err_len);
		goto fail;
	}
	if (sampler->shutting_down) {
		snprintf(err, err_len, "the agent is shutting down");
		goto fail;
	}
	bool drained = ticket != 0 && sampler->drains_served >= ticket && sampler->last_drain_ok;
	bool fresh = sampler->collector == NULL;
	if (fresh) {
		drained = false;
		sampler->collector = cpu_collector_start(sampler->set->tracker, sampler->event, sampler->hz,
							 sampler->set->unwinder, on_sample, sampler, err, err_len);
		if (sampler->collector == NULL)
			goto fail;
		sampler->load = *cpu_collector_program_load(sampler->collector);
	}
	if (!sampler->thread_started) {
		if (pthread_create(&sampler->thread, NULL, sampling_loop, sampler) != 0) {
			snprintf(err, err_len, "cannot start the sampling thread: %s", strerror(errno));
			goto fail;
		}
		sampler->thread_started = true;
	}
	/* A new collector's first window has every sample since attach (its
	 * stats at open stay zero): none has reached user space yet, and
	 * some may wait in the kernel's totals. */
	if (drained)
		window->stats_at_open = sampler->at_last_drain; /* what came after it is this window's */
	else if (!fresh)
		cpu_collector_read_stats(sampler->collector, &window->stats_at_open);
	window->load = sampler->load;
	window->set_cpu_at_open = traced_set_cpu_ns(sampler->set);
	window->started = monotonic_ns();
	window->deadline = window->started + duration_ns;
	window->start_wall_ns = wall_ns();
	window->next = sampler->windows;
	sampler->windows = window;
	pthread_cond_broadcast(&sampler->changed);
	pthread_mutex_unlock(&sampler->lock);
	return window;
fail:
	pthread_mutex_unlock(&sampler->lock);
	stack_table_free(window->stacks);
	free(window);
	return NULL;
}

void cpu_window_stop(struct cpu_window *window)
{
	pthread_mutex_lock(&window->sampler->lock);
	window->stop_requested = true;
	pthread_mutex_unlock(&window->sampler->lock);
}

/* Waits up to timeout_ms for the window to end; true once it has. */
static bool wait_for_end(struct cpu_window *window, int timeout_ms)
{
	struct cpu_sampler *sampler = window->sampler;
	struct timespec until = monotonic_after_ms(timeout_ms);

	pthread_mutex_lock(&sampler->lock);
	while (!window->done && pthread_cond_timedwait(&sampler->changed, &sampler->lock, &until) != ETIMEDOUT)
		;
	bool done = window->done;
	pthread_mutex_unlock(&sampler->lock);
	return done;
}

void cpu_window_close(struct cpu_window *window, struct cpu_window_result *result)
{
	while (!wait_for_end(window, 1000))
		;
	const struct cpu_collector_stats *a = &window->stats_at_open, *b = &window->stats_at_end;
	*result = (struct cpu_window_result){
		.stacks = window->stacks,
		.aggregation_failures = window->aggregation_failures,
		.start_wall_ns = window->start_wall_ns,
		.elapsed_ns = window->elapsed_ns,
		.set_cpu_ns = window->set_cpu_ns,
		.set_exited = window->set_exited,
	};
	cpu_collector_stats_between(a, b, &result->stats);
	result->stats.received = window->received; /* this window's own, not the collector's */
	memcpy(result->user_stack_ends, window->user_stack_ends, sizeof(result->user_stack_ends));
	result->load = window->load;
	free(window);
}

bool cpu_sampler_set_alive(struct cpu_sampler *sampler)
{
	pthread_mutex_lock(&sampler->lock);
	bool alive = !sampler->set_gone && traced_set_alive(sampler->set);
	pthread_mutex_unlock(&sampler->lock);
	return alive;
}

static void describe(struct profile *profile, const struct cpu_sampler *sampler, const struct cpu_window_result *r)
{
	profile_comments_add_set(profile, sampler->set, "CPU profile");
	profile_add_comment(profile, "event: %s at %u Hz on every CPU", sampler->event->name, sampler->hz);
	unwinder_describe(sampler->set->unwinder, r->load.mode, profile, r->user_stack_ends);
	profile_add_comment(profile,
			    "samples: %llu taken, %llu in the profile; lost: %llu (ring buffer full), %llu (agent out "
			    "of memory); unreadable stacks: %llu user, %llu kernel",
			    (unsigned long long)r->stats.samples,
			    (unsigned long long)(r->stats.received - r->aggregation_failures),
			    (unsigned long long)r->stats.lost_ringbuf_full,
			    (unsigned long long)(r->aggregation_failures + r->stats.unknown_references),
			    (unsigned long long)r->stats.user_stack_errors,
			    (unsigned long long)r->stats.kernel_stack_errors);
	if (r->stats.sent_whole + r->stats.sent_by_reference + r->stats.totalled > 0)
		profile_add_comment(profile,
				    "from the kernel: %.0f bytes per sample (%llu sent with their stacks, %llu of them "
				    "without the user frames of one sent before, %llu totalled in the kernel per stack "
				    "and read as %llu totals, %llu by reference to a stack sent before)",
				    cpu_collector_bytes_per_sample(&r->stats), (unsigned long long)r->stats.sent_whole,
				    (unsigned long long)r->stats.sent_user_held, (unsigned long long)r->stats.totalled,
				    (unsigned long long)r->stats.totals_read,
				    (unsigned long long)r->stats.sent_by_reference);
	bpf_counters_describe(profile, "cpu.bpf.c", cpu_counter_descriptions, r->stats.counters, CPU_COUNTER_MAX);
	program_load_describe(&r->load, profile);
	if (r->set_exited)
		profile_add_comment(profile, "the target exited after %.1f s: the profile covers only that time",
				    (double)r->elapsed_ns / 1e9);
	cpu_window_check_health(sampler, profile, r);
}

void cpu_window_check_health(const struct cpu_sampler *sampler, struct profile *profile,
			     const struct cpu_window_result *r)
{
	window_health_check(profile, &(struct window_activity){
					     .events = "CPU samples",
					     .probe = "the perf-event sampler",
					     /* five samples' worth of CPU */
					     .busy_cpu_ns = 5000000000LL / sampler->hz,
					     .fired = r->stats.samples,
					     .kept = r->stats.received - r->aggregation_failures,
					     .lost = r->stats.lost_ringbuf_full + r->aggregation_failures +
						     r->stats.unknown_references,
					     .set_cpu_ns = r->set_cpu_ns,
					     .seconds = (double)r->elapsed_ns / 1e9,
				     });
}

struct profile *cpu_sampler_profile(struct cpu_sampler *sampler, const struct cpu_window_result *result)
{
	struct profile *profile = profile_new();
	const struct cpu_event *event = sampler->event;

	if (profile == NULL)
		return NULL;
	profile_add_sample_type(profile, "samples", "count");
	profile_add_sample_type(profile, event->sample_type, event->unit);
	profile->period_type = (struct value_type){
		.type = profile_string(profile, event->sample_type),
		.unit = profile_string(profile, event->unit),
	};
	/* A clock event's period is exact; a hardware event's varies per sample. */
	profile->period = event->fixed_period ? 1000000000LL / sampler->hz : 1;
	profile->time_nanos = result->start_wall_ns;
	profile->duration_nanos = (int64_t)result->elapsed_ns;
	describe(profile, sampler, result);
	int rc = traced_set_add_stacks(sampler->set, profile, result->stacks);
	if (rc != 0) {
		profile_free(profile);
		return NULL;
	}
	return profile;
}

const struct cpu_event *cpu_sampler_event(const struct cpu_sampler *sampler)
{
	return sampler->event;
}
