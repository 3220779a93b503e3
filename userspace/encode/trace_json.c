/*
 * trace_json.c: one pass over the time-sorted events with a little state
 * per thread (what it is doing since when) turns switches and wake-ups into
 * slices. Times are microseconds from the window's start, as the format
 * wants; slices cut by the window's edges are drawn to the edge.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "text_escape.h"
#include "trace_json.h"

enum activity { UNKNOWN, ON_CPU, SLEEPING, DISK_SLEEP, RUNNABLE, LISTED_RUNNING };

static const char *const activity_names[] = {
	[UNKNOWN] = "off CPU (since before the window)",
	[LISTED_RUNNING] = "on CPU", /* /proc said R, and no event said otherwise */
	[ON_CPU] = "on CPU",
	[SLEEPING] = "sleeping",
	[DISK_SLEEP] = "disk sleep",
	[RUNNABLE] = "runnable (waiting for a CPU)",
};

struct thread_track {
	uint32_t pid; /* the thread's process */
	enum activity activity;
	uint64_t since_ns;
	unsigned cpu;
};

struct writer {
	FILE *out;
	const struct trace_info *info;
	bool first;
};

static int by_time(const void *a, const void *b)
{
	const struct timeline_event *x = a, *y = b;

	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

static double micros(const struct writer *w, uint64_t ns)
{
	return ns > w->info->start_ns ? (double)(ns - w->info->start_ns) / 1e3 : 0;
}

static void begin_event(struct writer *w)
{
	fputs(w->first ? "\n" : ",\n", w->out);
	w->first = false;
}

static void slice(struct writer *w, uint32_t tid, const struct thread_track *track, uint64_t end_ns)
{
	if (end_ns < track->since_ns)
		return;
	begin_event(w);
	fprintf(w->out, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":%d,\"tid\":%u",
		activity_names[track->activity], track->activity == ON_CPU || track->activity == LISTED_RUNNING ? "cpu" : "wait",
		micros(w, track->since_ns), (double)(end_ns - track->since_ns) / 1e3, (int)track->pid, tid);
	if (track->activity == ON_CPU)
		fprintf(w->out, ",\"args\":{\"cpu\":%u}", track->cpu);
	fputc('}', w->out);
}

static enum activity leaving_as(uint32_t state)
{
	if (state == 0)
		return RUNNABLE; /* preempted */
	return (state & 0x2) != 0 ? DISK_SLEEP : SLEEPING;
}

static void name_thread(struct writer *w, uint32_t pid, uint32_t tid, const char *comm)
{
	char name[TIMELINE_COMM_LEN + 1];

	memcpy(name, comm, TIMELINE_COMM_LEN);
	name[TIMELINE_COMM_LEN] = '\0';
	begin_event(w);
	fprintf(w->out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%u,\"args\":{\"name\":",
		(int)pid, tid);
	json_write_string(w->out, name);
	fputs("}}", w->out);
}

struct tracks {
	struct hashmap *by_tid; /* tid -> index in all */
	struct thread_track *all;
	size_t n, cap;
};

/* A new track for tid, named; NULL when out of memory. */
static struct thread_track *add_track(struct writer *w, struct tracks *tracks, uint32_t pid, uint32_t tid,
				      const char *comm, enum activity activity)
{
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(tracks->by_tid, &tid, sizeof(tid), &added);

	if (entry == NULL)
		return NULL;
	if (!added)
		return &tracks->all[entry->value];
	if (tracks->n == tracks->cap) {
		size_t grown = tracks->cap ? tracks->cap * 2 : 64;
		struct thread_track *bigger = realloc(tracks->all, grown * sizeof(*bigger));
		if (bigger == NULL)
			return NULL;
		tracks->all = bigger;
		tracks->cap = grown;
	}
	entry->value = tracks->n++;
	tracks->all[entry->value] =
		(struct thread_track){.pid = pid, .activity = activity, .since_ns = w->info->start_ns};
	name_thread(w, pid, tid, comm);
	return &tracks->all[entry->value];
}

/* The track of an event's thread. Its first event says what the thread
 * was doing before: running if it now leaves the CPU, otherwise off CPU
 * in the state /proc gave (or a way not seen). */
static struct thread_track *track_of(struct writer *w, struct tracks *tracks, const struct timeline_event *e)
{
	struct thread_track *track = add_track(w, tracks, e->tgid, e->tid, e->comm, UNKNOWN);

	if (track == NULL)
		return NULL;
	if ((track->activity == UNKNOWN || track->activity == LISTED_RUNNING) && e->kind == TIMELINE_SWITCH_OUT) {
		track->activity = ON_CPU;
		track->cpu = e->cpu;
	} else if (track->activity == LISTED_RUNNING) {
		track->activity = RUNNABLE; /* R, but not on a CPU: waiting for one */
	}
	return track;
}

/* Tracks for the threads /proc listed, so quiet ones show too. */
static int add_listed_threads(struct writer *w, struct tracks *tracks)
{
	for (size_t i = 0; i < w->info->n_threads; i++) {
		const struct trace_thread *t = &w->info->threads[i];
		enum activity activity = t->state == 'S' ? SLEEPING : t->state == 'D' ? DISK_SLEEP
				       : t->state == 'R' ? LISTED_RUNNING
							 : UNKNOWN;
		if (add_track(w, tracks, (uint32_t)t->pid, (uint32_t)t->tid, t->name, activity) == NULL)
			return -1;
	}
	return 0;
}

static void take(struct writer *w, struct thread_track *track, const struct timeline_event *e)
{
	switch (e->kind) {
	case TIMELINE_SWITCH_IN:
		slice(w, e->tid, track, e->time_ns);
		*track = (struct thread_track){.pid = track->pid, .activity = ON_CPU, .since_ns = e->time_ns, .cpu = e->cpu};
		break;
	case TIMELINE_SWITCH_OUT:
		slice(w, e->tid, track, e->time_ns);
		*track = (struct thread_track){.pid = track->pid, .activity = leaving_as(e->state), .since_ns = e->time_ns};
		break;
	case TIMELINE_WAKEUP:
		begin_event(w);
		fprintf(w->out,
			"{\"name\":\"wakeup\",\"cat\":\"wakeup\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%.3f,\"pid\":%d,"
			"\"tid\":%u,\"args\":{\"waker_tid\":%u,\"waker_pid\":%u}}",
			micros(w, e->time_ns), (int)track->pid, e->tid, e->other_tid, e->other_tgid);
		/* Woken: from here it waits for a CPU, no longer for its event. */
		if (track->activity == SLEEPING || track->activity == DISK_SLEEP || track->activity == UNKNOWN) {
			slice(w, e->tid, track, e->time_ns);
			*track = (struct thread_track){.pid = track->pid, .activity = RUNNABLE, .since_ns = e->time_ns};
		}
		break;
	}
}

int trace_write_json(FILE *out, struct timeline_event *events, size_t n, const struct trace_info *info)
{
	struct writer w = {.out = out, .info = info, .first = true};
	struct tracks tracks = {.by_tid = hashmap_new()};
	int rc = tracks.by_tid != NULL ? 0 : -1;

	if (n > 0) /* an empty window may come with no array at all */
		qsort(events, n, sizeof(*events), by_time);
	fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", out);
	for (size_t i = 0; i < info->n_processes; i++) {
		begin_event(&w);
		fprintf(out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":",
			(int)info->processes[i].pid);
		json_write_string(out, info->processes[i].comm);
		fputs("}}", out);
	}
	if (rc == 0)
		rc = add_listed_threads(&w, &tracks);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (events[i].time_ns < info->start_ns || events[i].time_ns > info->end_ns)
			continue;
		struct thread_track *track = track_of(&w, &tracks, &events[i]);
		if (track == NULL)
			rc = -1;
		else
			take(&w, track, &events[i]);
	}
	/* What each thread was doing when the window closed, drawn to its end. */
	size_t cursor = 0;
	struct hashmap_entry *entry;
	while (rc == 0 && (entry = hashmap_next(tracks.by_tid, &cursor)) != NULL) {
		uint32_t tid;
		memcpy(&tid, entry->key, sizeof(tid));
		slice(&w, tid, &tracks.all[entry->value], info->end_ns);
	}
	fprintf(out,
		"\n],\"otherData\":{\"producer\":\"bpfprof\",\"events_seen\":%llu,\"events_lost\":%llu,"
		"\"window_seconds\":%.3f,\"target_exited\":%s}}\n",
		(unsigned long long)info->events_seen, (unsigned long long)info->events_lost,
		(double)(info->end_ns - info->start_ns) / 1e9, info->set_exited ? "true" : "false");
	free(tracks.all);
	hashmap_free(tracks.by_tid);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
