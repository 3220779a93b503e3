/* snapshots.c: background recordings and the profiles they leave. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "offcpu_profile.h"
#include "snapshots.h"
#include "wall_profile.h"

struct snapshot {
	int id;
	enum snapshot_kind kind;
	enum snapshot_state state;
	unsigned seconds;
	int64_t started_unix_ms;
	uint64_t started_mono_ns, elapsed_ns;
	uint64_t samples, lost;
	char error[256];
	struct profile *profile;
	struct cpu_window *window;        /* CPU */
	struct heap_mark *mark;           /* allocs */
	struct offcpu_window *off_window; /* block, mutex */
	struct wall_window *wall_window;  /* wall */
	pthread_t thread;
	struct snapshot_store *store;
};

struct snapshot_store {
	pthread_mutex_t lock;
	struct session *session;
	struct cpu_sampler *cpu;
	bool closing; /* block, mutex and wall windows end now */
	struct heap_tracer *heap;
	struct snapshot *items[SNAPSHOTS_MAX];
	size_t count;
};

static const char *const kind_names[SNAPSHOT_KINDS] = {
	[SNAPSHOT_CPU] = "cpu",
	[SNAPSHOT_HEAP] = "heap",
	[SNAPSHOT_ALLOCS] = "allocs",
	[SNAPSHOT_LEAKS] = "leaks",
	[SNAPSHOT_BLOCK] = "block",
	[SNAPSHOT_MUTEX] = "mutex",
	[SNAPSHOT_WALL] = "wall",
};

enum snapshot_kind snapshot_kind_named(const char *name)
{
	for (int kind = 0; kind < SNAPSHOT_KINDS; kind++)
		if (strcmp(kind_names[kind], name) == 0)
			return (enum snapshot_kind)kind;
	return SNAPSHOT_KINDS;
}

struct snapshot_store *snapshot_store_new(struct session *session, struct heap_tracer *heap)
{
	struct snapshot_store *store = calloc(1, sizeof(*store));

	if (store == NULL)
		return NULL;
	pthread_mutex_init(&store->lock, NULL);
	store->session = session;
	store->cpu = session->cpu;
	store->heap = heap;
	return store;
}

void snapshot_store_free(struct snapshot_store *store)
{
	if (store == NULL)
		return;
	cpu_sampler_end_windows(store->cpu);
	pthread_mutex_lock(&store->lock);
	store->closing = true;
	pthread_mutex_unlock(&store->lock);
	for (size_t i = 0; i < store->count; i++) {
		struct snapshot *s = store->items[i];
		pthread_join(s->thread, NULL);
		heap_mark_free(s->mark);
		profile_free(s->profile);
		free(s);
	}
	pthread_mutex_destroy(&store->lock);
	free(store);
}

/* On the recording thread: the snapshot's profile (NULL: out of memory) and its figures. */
static void finish(struct snapshot *s, struct profile *profile, uint64_t elapsed_ns, uint64_t samples, uint64_t lost)
{
	pthread_mutex_lock(&s->store->lock);
	s->window = NULL;
	s->elapsed_ns = elapsed_ns;
	s->samples = samples;
	s->lost = lost;
	s->profile = profile;
	s->state = profile != NULL ? SNAPSHOT_READY : SNAPSHOT_FAILED;
	if (profile == NULL)
		snprintf(s->error, sizeof(s->error), "out of memory while building the profile");
	pthread_mutex_unlock(&s->store->lock);
}

static void *record_cpu(void *arg)
{
	struct snapshot *s = arg;
	struct cpu_window_result result;

	cpu_window_close(s->window, &result);
	struct profile *profile = cpu_sampler_profile(s->store->cpu, &result);
	stack_table_free(result.stacks);

	finish(s, profile, result.elapsed_ns, result.stats.received - result.aggregation_failures,
	       result.stats.lost_ringbuf_full + result.aggregation_failures);
	return NULL;
}

/* Heap kinds: allocs waits out its window, or the end of tracing (the
 * target exited, the agent is stopping); the others are taken at once.
 * Samples and lost count over the whole trace. */
static void *record_heap(void *arg)
{
	struct snapshot *s = arg;
	struct heap_tracer *heap = s->store->heap;
	static const enum heap_view views[SNAPSHOT_KINDS] = {
		[SNAPSHOT_HEAP] = HEAP_VIEW_HEAP,
		[SNAPSHOT_ALLOCS] = HEAP_VIEW_ALLOCS,
		[SNAPSHOT_LEAKS] = HEAP_VIEW_LEAKS,
	};

	if (s->kind == SNAPSHOT_ALLOCS)
		heap_tracer_wait_until(heap, s->started_mono_ns + (uint64_t)s->seconds * 1000000000ULL);
	struct profile *profile =
		heap_tracer_profile(heap, views[s->kind], s->mark, (uint64_t)s->seconds * 1000000000ULL);
	uint64_t calls, sampled, lost;
	heap_tracer_counts(heap, &calls, &sampled, &lost);

	finish(s, profile, monotonic_ns() - s->started_mono_ns, sampled, lost);
	return NULL;
}

/* Block, mutex and wall: the window waits out its seconds, the target's
 * exit or the agent's stop. */
static void *record_waits(void *arg)
{
	struct snapshot *s = arg;
	struct snapshot_store *store = s->store;
	uint64_t deadline = s->started_mono_ns + (uint64_t)s->seconds * 1000000000ULL;
	bool exited = false, closing = false;

	while (!closing && monotonic_ns() < deadline) {
		if (!target_alive(&store->session->image.target)) {
			exited = true;
			break;
		}
		struct timespec pause = {.tv_nsec = 100 * 1000000L};
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&store->lock);
		closing = store->closing;
		pthread_mutex_unlock(&store->lock);
	}
	struct profile *profile = s->wall_window != NULL ? wall_window_close(s->wall_window, exited)
							 : offcpu_window_close(s->off_window, exited);
	uint64_t events = 0;
	for (size_t i = 0; profile != NULL && i < profile->n_samples; i++)
		events += s->kind == SNAPSHOT_WALL ? 1 : (uint64_t)profile->samples[i].values[0];
	pthread_mutex_lock(&store->lock);
	s->off_window = NULL;
	s->wall_window = NULL;
	pthread_mutex_unlock(&store->lock);
	finish(s, profile, monotonic_ns() - s->started_mono_ns, events, 0);
	return NULL;
}

/* Opens what a window kind records into; false with a reason. */
static bool open_window(struct snapshot_store *store, struct snapshot *s, enum snapshot_kind kind, unsigned seconds,
			char *err, size_t err_len)
{
	switch (kind) {
	case SNAPSHOT_CPU:
		s->window = cpu_window_open(store->cpu, (uint64_t)seconds * 1000000000ULL, err, err_len);
		return s->window != NULL;
	case SNAPSHOT_BLOCK:
	case SNAPSHOT_MUTEX:
		s->off_window = offcpu_window_open(&store->session->image, kind == SNAPSHOT_BLOCK ? OFFCPU_BLOCK : OFFCPU_FUTEX,
						   OFFCPU_MIN_WAIT_DEFAULT_NS, err, err_len);
		return s->off_window != NULL;
	case SNAPSHOT_WALL:
		s->wall_window = wall_window_open(store->session, err, err_len);
		return s->wall_window != NULL;
	default:
		return true;
	}
}

int snapshot_start(struct snapshot_store *store, enum snapshot_kind kind, unsigned seconds, bool *gone, char *err,
		   size_t err_len)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	int id = -1;

	*gone = false;
	if (s == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	pthread_mutex_lock(&store->lock);
	if (store->count == SNAPSHOTS_MAX) {
		snprintf(err, err_len, "this agent keeps at most %d snapshots; restart it to take more", SNAPSHOTS_MAX);
		goto out;
	}
	bool heap_kind = kind == SNAPSHOT_HEAP || kind == SNAPSHOT_ALLOCS || kind == SNAPSHOT_LEAKS;
	if (heap_kind && store->heap == NULL) {
		snprintf(err, err_len, "heap tracing is off: start bpfprof serve with --heap");
		goto out;
	}
	if (!open_window(store, s, kind, seconds, err, err_len)) {
		*gone = !target_alive(&store->session->image.target);
		goto out;
	}
	if (kind == SNAPSHOT_ALLOCS && (s->mark = heap_tracer_mark(store->heap)) == NULL) {
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	s->id = (int)store->count + 1;
	s->kind = kind;
	s->seconds = kind == SNAPSHOT_HEAP ? 0 : seconds;
	s->started_unix_ms = wall_ns() / 1000000;
	s->started_mono_ns = monotonic_ns();
	s->store = store;
	void *(*recorder)(void *) = kind == SNAPSHOT_CPU ? record_cpu : heap_kind ? record_heap : record_waits;
	if (pthread_create(&s->thread, NULL, recorder, s) != 0) {
		if (s->window != NULL) {
			struct cpu_window_result dropped;
			cpu_window_stop(s->window);
			cpu_window_close(s->window, &dropped);
			stack_table_free(dropped.stacks);
		}
		profile_free(s->off_window != NULL ? offcpu_window_close(s->off_window, false) : NULL);
		profile_free(s->wall_window != NULL ? wall_window_close(s->wall_window, false) : NULL);
		heap_mark_free(s->mark);
		snprintf(err, err_len, "cannot start a recording thread");
		goto out;
	}
	store->items[store->count++] = s;
	id = s->id;
	s = NULL;
out:
	pthread_mutex_unlock(&store->lock);
	free(s);
	return id;
}

static struct snapshot *find(struct snapshot_store *store, int id)
{
	return id >= 1 && (size_t)id <= store->count ? store->items[id - 1] : NULL;
}

static const char *const state_names[] = {
	[SNAPSHOT_RECORDING] = "recording",
	[SNAPSHOT_READY] = "ready",
	[SNAPSHOT_FAILED] = "failed",
};

/* With the store locked. */
static void write_snapshot(FILE *out, const struct snapshot *s, bool details)
{
	uint64_t elapsed = s->state == SNAPSHOT_RECORDING ? monotonic_ns() - s->started_mono_ns : s->elapsed_ns;

	fprintf(out,
		"{\"id\":%d,\"kind\":\"%s\",\"state\":\"%s\",\"seconds\":%u,\"started_unix_ms\":%lld,"
		"\"elapsed_ms\":%llu,\"samples\":%llu,\"lost\":%llu,\"error\":",
		s->id, kind_names[s->kind], state_names[s->state], s->seconds, (long long)s->started_unix_ms,
		(unsigned long long)(elapsed / 1000000), (unsigned long long)s->samples, (unsigned long long)s->lost);
	if (s->state == SNAPSHOT_FAILED)
		json_write_string(out, s->error);
	else
		fputs("null", out);
	if (details && s->state == SNAPSHOT_READY) {
		const struct profile *p = s->profile;
		fputs(",\"sample_types\":[", out);
		for (size_t i = 0; i < p->n_sample_types; i++) {
			fprintf(out, "%s{\"type\":", i > 0 ? "," : "");
			json_write_string(out, p->sample_types[i].type);
			fputs(",\"unit\":", out);
			json_write_string(out, p->sample_types[i].unit);
			fputs("}", out);
		}
		fputs("],\"default_sample_type\":", out);
		json_write_string(out, p->sample_types[profile_default_value(p)].type);
		fputs(",\"comments\":[", out);
		for (size_t i = 0; i < p->n_comments; i++) {
			if (i > 0)
				fputc(',', out);
			json_write_string(out, p->comments[i]);
		}
		fputs("]", out);
	}
	fputs("}", out);
}

bool snapshot_write_json(struct snapshot_store *store, int id, FILE *out)
{
	pthread_mutex_lock(&store->lock);
	struct snapshot *s = find(store, id);
	if (s != NULL)
		write_snapshot(out, s, true);
	pthread_mutex_unlock(&store->lock);
	return s != NULL;
}

void snapshots_write_json(struct snapshot_store *store, FILE *out)
{
	pthread_mutex_lock(&store->lock);
	fputs("{\"snapshots\":[", out);
	for (size_t i = 0; i < store->count; i++) {
		if (i > 0)
			fputc(',', out);
		write_snapshot(out, store->items[i], false);
	}
	fputs("]}", out);
	pthread_mutex_unlock(&store->lock);
}

const struct profile *snapshot_profile(struct snapshot_store *store, int id, bool *found,
				       enum snapshot_state *state)
{
	pthread_mutex_lock(&store->lock);
	struct snapshot *s = find(store, id);
	const struct profile *profile = s != NULL && s->state == SNAPSHOT_READY ? s->profile : NULL;
	*found = s != NULL;
	if (s != NULL)
		*state = s->state;
	pthread_mutex_unlock(&store->lock);
	return profile;
}

const char *snapshot_kind_name(struct snapshot_store *store, int id)
{
	pthread_mutex_lock(&store->lock);
	struct snapshot *s = find(store, id);
	const char *name = s != NULL ? kind_names[s->kind] : "profile";
	pthread_mutex_unlock(&store->lock);
	return name;
}
