/* snapshots.c: background recordings and the profiles they leave. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "offcpu_profile.h"
#include "snapshots.h"

struct snapshot {
	int id;
	const struct profile_source *source;
	enum snapshot_state state;
	unsigned seconds;
	int64_t started_unix_ms;
	uint64_t started_mono_ns, elapsed_ns;
	uint64_t samples, lost;
	char error[256];
	struct profile *profile;
	struct source_window *window; /* while recording, on its thread */
	struct window_clock clock;
	pthread_t thread;
	struct snapshot_store *store;
};

struct snapshot_store {
	pthread_mutex_t lock;
	struct profile_context ctx;
	struct cancel_token closing; /* ends every recording; hangs off the agent's */
	struct snapshot *items[SNAPSHOTS_MAX];
	size_t count;
};

struct snapshot_store *snapshot_store_new(const struct profile_context *ctx, const struct cancel_token *agent)
{
	struct snapshot_store *store = calloc(1, sizeof(*store));

	if (store == NULL)
		return NULL;
	pthread_mutex_init(&store->lock, NULL);
	store->ctx = *ctx;
	store->closing.parent = agent;
	return store;
}

void snapshot_store_free(struct snapshot_store *store)
{
	if (store == NULL)
		return;
	cancel_token_fire(&store->closing);
	for (size_t i = 0; i < store->count; i++) {
		struct snapshot *s = store->items[i];
		pthread_join(s->thread, NULL);
		profile_free(s->profile);
		free(s);
	}
	pthread_mutex_destroy(&store->lock);
	free(store);
}

/* The recording thread: waits the window out, then keeps its profile. */
static void *record_snapshot(void *arg)
{
	struct snapshot *s = arg;
	struct window_figures figures = {0};

	window_wait(&s->clock);
	struct profile *profile = source_window_close(s->window, &s->clock, &figures);
	pthread_mutex_lock(&s->store->lock);
	s->window = NULL;
	s->elapsed_ns = monotonic_ns() - s->started_mono_ns;
	s->samples = figures.samples;
	s->lost = figures.lost;
	s->profile = profile;
	s->state = profile != NULL ? SNAPSHOT_READY : SNAPSHOT_FAILED;
	if (profile == NULL)
		snprintf(s->error, sizeof(s->error), "out of memory while building the profile");
	pthread_mutex_unlock(&s->store->lock);
	return NULL;
}

/* What the UI's seconds ask of a source's window. */
static struct window_request request_for(const struct profile_source *source, unsigned seconds)
{
	struct window_request request = {.min_wait_ns = OFFCPU_MIN_WAIT_DEFAULT_NS};

	if (source->ui_seconds == UI_SECONDS_WINDOW) {
		request.duration_ns = (uint64_t)seconds * 1000000000ULL;
		request.delta = source->span == SPAN_NOW;
	} else if (source->ui_seconds == UI_SECONDS_AGE) {
		request.older_than_ns = (uint64_t)seconds * 1000000000ULL;
	}
	return request;
}

int snapshot_start(struct snapshot_store *store, const struct profile_source *source, unsigned seconds, bool *gone,
		   char *err, size_t err_len)
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
	struct window_request request = request_for(source, seconds);
	struct window_figures figures;
	s->window = source_window_open(source, &store->ctx, &request, &figures, err, err_len);
	if (s->window == NULL) {
		*gone = !target_image_alive(&store->ctx.session->image);
		goto out;
	}
	s->id = (int)store->count + 1;
	s->source = source;
	s->seconds = source->ui_seconds == UI_SECONDS_NONE ? 0 : seconds;
	s->started_unix_ms = wall_ns() / 1000000;
	s->started_mono_ns = monotonic_ns();
	s->store = store;
	source_window_start_clock(s->window, &s->clock, &store->closing);
	if (pthread_create(&s->thread, NULL, record_snapshot, s) != 0) {
		cancel_token_fire(&s->clock.token);
		window_check(&s->clock);
		profile_free(source_window_close(s->window, &s->clock, &figures));
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
		s->id, s->source->name, state_names[s->state], s->seconds, (long long)s->started_unix_ms,
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
	const char *name = s != NULL ? s->source->name : "profile";
	pthread_mutex_unlock(&store->lock);
	return name;
}
