/*
 * snapshots.c: background recordings and the profiles they leave, under a
 * memory budget.
 *
 * A snapshot deleted or evicted is hidden at once but freed only when its
 * recording thread has finished and no view holds its profile: the HTTP
 * threads read a profile outside the store's lock.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "clock.h"
#include "offcpu_profile.h"
#include "snapshots.h"
#include "text_escape.h"

struct snapshot {
	int id;
	const struct profile_kind *kind;
	enum snapshot_state state;
	unsigned seconds;
	int64_t started_unix_ms;
	uint64_t started_mono_ns, elapsed_ns;
	uint64_t samples, lost;
	char error[256];
	struct profile *profile;
	struct kind_window *window; /* while recording, on its thread */
	struct window_clock clock;
	pthread_t thread;
	struct snapshot_store *store;
	size_t bytes;  /* its profile's, once ready */
	int holders;   /* views reading the profile */
	bool removed;  /* deleted or evicted: hidden, freed once unused */
};

struct snapshot_store {
	pthread_mutex_t lock;
	struct profile_context ctx;
	struct cancel_token closing; /* ends every recording; hangs off the agent's */
	struct snapshot **items;     /* by id; removed ones until freed */
	size_t count, cap;
	int next_id;
	uint64_t budget, bytes; /* bytes: the ready profiles not removed */
	uint64_t evicted, evicted_bytes;
};

struct snapshot_store *snapshot_store_new(const struct profile_context *ctx, const struct cancel_token *agent,
					  uint64_t budget_bytes)
{
	struct snapshot_store *store = calloc(1, sizeof(*store));

	if (store == NULL)
		return NULL;
	pthread_mutex_init(&store->lock, NULL);
	store->ctx = *ctx;
	store->closing.parent = agent;
	store->budget = budget_bytes;
	store->next_id = 1;
	return store;
}

static void snapshot_free(struct snapshot *s)
{
	pthread_join(s->thread, NULL);
	profile_free(s->profile);
	free(s);
}

void snapshot_store_free(struct snapshot_store *store)
{
	if (store == NULL)
		return;
	cancel_token_fire(&store->closing);
	for (size_t i = 0; i < store->count; i++)
		snapshot_free(store->items[i]);
	free(store->items);
	pthread_mutex_destroy(&store->lock);
	free(store);
}

/* With the store locked: frees the removed snapshots nothing uses any
 * more. A finished recording's thread has only its return left, so the
 * join is immediate. */
static void free_unused(struct snapshot_store *store)
{
	size_t kept = 0;

	for (size_t i = 0; i < store->count; i++) {
		struct snapshot *s = store->items[i];
		if (s->removed && s->state != SNAPSHOT_RECORDING && s->holders == 0)
			snapshot_free(s);
		else
			store->items[kept++] = s;
	}
	store->count = kept;
}

/* With the store locked: s's profile no longer counts against the budget. */
static void remove_snapshot(struct snapshot_store *store, struct snapshot *s)
{
	if (s->state == SNAPSHOT_READY)
		store->bytes -= s->bytes;
	s->removed = true;
}

/* With the store locked, after `newest` became ready: the oldest ready
 * profiles go until the rest fit the budget; the newest always stays. */
static void evict_over_budget(struct snapshot_store *store, const struct snapshot *newest)
{
	for (size_t i = 0; i < store->count && store->bytes > store->budget; i++) {
		struct snapshot *s = store->items[i];
		if (s == newest || s->removed || s->state != SNAPSHOT_READY)
			continue;
		store->evicted++;
		store->evicted_bytes += s->bytes;
		remove_snapshot(store, s);
	}
}

/* The recording thread: waits the window out, then keeps its profile. */
static void *record_snapshot(void *arg)
{
	struct snapshot *s = arg;
	struct window_figures figures = {0};

	window_wait(&s->clock);
	struct profile *profile = kind_window_close(s->window, &s->clock, &figures);
	struct snapshot_store *store = s->store;
	pthread_mutex_lock(&store->lock);
	s->window = NULL;
	s->elapsed_ns = monotonic_ns() - s->started_mono_ns;
	s->samples = figures.samples;
	s->lost = figures.lost;
	s->profile = profile;
	s->state = profile != NULL ? SNAPSHOT_READY : SNAPSHOT_FAILED;
	if (profile == NULL)
		snprintf(s->error, sizeof(s->error), "out of memory while building the profile");
	if (profile != NULL && !s->removed) {
		s->bytes = profile_memory_bytes(profile);
		store->bytes += s->bytes;
		evict_over_budget(store, s);
	}
	pthread_mutex_unlock(&store->lock);
	return NULL;
}

/* What the UI's seconds ask of a kind's window. */
static struct window_request request_for(const struct profile_kind *kind, unsigned seconds)
{
	struct window_request request = {.min_wait_ns = OFFCPU_MIN_WAIT_DEFAULT_NS};

	if (kind->ui_seconds == UI_SECONDS_WINDOW) {
		request.duration_ns = (uint64_t)seconds * 1000000000ULL;
		request.delta = kind->span == SPAN_NOW;
	} else if (kind->ui_seconds == UI_SECONDS_AGE) {
		request.older_than_ns = (uint64_t)seconds * 1000000000ULL;
	}
	return request;
}

int snapshot_start(struct snapshot_store *store, const struct profile_kind *kind, unsigned seconds, bool *gone,
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
	free_unused(store);
	struct snapshot **slot = ARRAY_PUSH(store->items, store->count, store->cap);
	if (slot == NULL) {
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	store->count--; /* taken once the recording runs */
	struct window_request request = request_for(kind, seconds);
	struct window_figures figures;
	s->window = kind_window_open(kind, &store->ctx, &request, &figures, err, err_len);
	if (s->window == NULL) {
		*gone = !traced_set_alive(&store->ctx.session->set);
		goto out;
	}
	s->id = store->next_id++;
	s->kind = kind;
	s->seconds = kind->ui_seconds == UI_SECONDS_NONE ? 0 : seconds;
	s->started_unix_ms = wall_ns() / 1000000;
	s->started_mono_ns = monotonic_ns();
	s->store = store;
	kind_window_start_clock(s->window, &s->clock, &store->closing);
	if (pthread_create(&s->thread, NULL, record_snapshot, s) != 0) {
		cancel_token_fire(&s->clock.token);
		window_check(&s->clock);
		profile_free(kind_window_close(s->window, &s->clock, &figures));
		snprintf(err, err_len, "cannot start a recording thread");
		goto out;
	}
	store->items[store->count++] = s; /* room was made above */
	id = s->id;
	s = NULL;
out:
	pthread_mutex_unlock(&store->lock);
	free(s);
	return id;
}

/* With the store locked: snapshot id, unless removed. */
static struct snapshot *find(struct snapshot_store *store, int id)
{
	for (size_t i = 0; i < store->count; i++)
		if (store->items[i]->id == id)
			return store->items[i]->removed ? NULL : store->items[i];
	return NULL;
}

bool snapshot_delete(struct snapshot_store *store, int id)
{
	pthread_mutex_lock(&store->lock);
	struct snapshot *s = find(store, id);
	if (s != NULL) {
		if (s->state == SNAPSHOT_RECORDING)
			cancel_token_fire(&s->clock.token); /* its thread ends the window within a tick */
		remove_snapshot(store, s);
		free_unused(store);
	}
	pthread_mutex_unlock(&store->lock);
	return s != NULL;
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
		"\"elapsed_ms\":%llu,\"samples\":%llu,\"lost\":%llu,\"bytes\":%zu,\"error\":",
		s->id, s->kind->name, state_names[s->state], s->seconds, (long long)s->started_unix_ms,
		(unsigned long long)(elapsed / 1000000), (unsigned long long)s->samples, (unsigned long long)s->lost,
		s->bytes);
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
	free_unused(store);
	fputs("{\"snapshots\":[", out);
	bool first = true;
	for (size_t i = 0; i < store->count; i++) {
		if (store->items[i]->removed)
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		write_snapshot(out, store->items[i], false);
	}
	fprintf(out, "],\"bytes\":%llu,\"budget_bytes\":%llu,\"evicted\":%llu,\"evicted_bytes\":%llu}",
		(unsigned long long)store->bytes, (unsigned long long)store->budget,
		(unsigned long long)store->evicted, (unsigned long long)store->evicted_bytes);
	pthread_mutex_unlock(&store->lock);
}

const struct profile *snapshot_hold(struct snapshot_store *store, int id, bool *found, enum snapshot_state *state)
{
	pthread_mutex_lock(&store->lock);
	struct snapshot *s = find(store, id);
	const struct profile *profile = s != NULL && s->state == SNAPSHOT_READY ? s->profile : NULL;
	*found = s != NULL;
	if (s != NULL)
		*state = s->state;
	if (profile != NULL)
		s->holders++;
	pthread_mutex_unlock(&store->lock);
	return profile;
}

void snapshot_release(struct snapshot_store *store, int id)
{
	pthread_mutex_lock(&store->lock);
	/* Removed ones too: a view may outlive the snapshot's deletion. */
	for (size_t i = 0; i < store->count; i++)
		if (store->items[i]->id == id && store->items[i]->holders > 0)
			store->items[i]->holders--;
	free_unused(store);
	pthread_mutex_unlock(&store->lock);
}

const char *snapshot_kind_name(struct snapshot_store *store, int id)
{
	pthread_mutex_lock(&store->lock);
	struct snapshot *s = find(store, id);
	const char *name = s != NULL ? s->kind->name : "profile";
	pthread_mutex_unlock(&store->lock);
	return name;
}
