/*
 * heap_tracer.c: the tracing thread and the profiles taken over it.
 *
 * Locks: `lock` guards the heap profile, the collector pointer and the end
 * state; the sink takes it per record, so a profile is copied out under it
 * and symbolized after, under the traced set's lock alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "bpf_counters.h"
#include "clock.h"
#include "heap_collector.h"
#include "heap_profile.h"
#include "heap_tracer.h"
#include "profile_builder.h"
#include "profile_comments.h"
#include "window_health.h"

#define POLL_MS 200
/* How long a process of the set that maps no allocator is looked at again:
 * ld.so maps a new program's libraries within milliseconds of its exec. */
#define ALLOCATOR_WAIT_NS 3000000000ULL

enum heap_end { END_NONE, END_FINISHED, END_EXITED, END_EXEC };

/* Which allocators carry probes, as a profile's comments say it. */
struct allocator_coverage {
	char allocators[1024];      /* the files probed, ", " between them */
	uint64_t without_allocator; /* processes of the set that never mapped one */
	char failure[320];          /* why an allocator's probes could not be placed; "" */
};

struct waiting_process {
	size_t index; /* in the set's processes */
	uint64_t since_ns;
};

struct heap_tracer {
	struct traced_set *set;
	bool whole_set; /* the set may hold several processes, not one */
	bool inject;    /* --heap-inject: sampled inside the target, not by uprobes */
	uint64_t rate;
	struct program_load load; /* what loading the collector's programs cost, and their walk */
	/* A set's processes are looked at for their allocator as they arrive:
	 * those up to checked were; waiting ones mapped none yet. Only the
	 * tracing thread touches these. */
	size_t checked;
	struct waiting_process *waiting;
	size_t n_waiting, cap_waiting;
	uint64_t attached_ns; /* monotonic */
	int64_t set_cpu_at_attach, set_cpu_at_end; /* -1: unknown */

	pthread_mutex_t lock;
	pthread_cond_t changed; /* tracing ended, or detaching finished */
	struct allocator_coverage coverage;
	struct heap_profile *heap;
	struct heap_collector *collector;     /* NULL once detached */
	struct heap_collector_stats counts;   /* the collector's, as of detaching */
	uint64_t exec_ns;                     /* when the target called exec, once seen */
	bool stop_requested;
	enum heap_end end;
	uint64_t ended_ns;
	bool ended;    /* end is set */
	bool detached; /* the collector is gone, its last records delivered */
	pthread_t thread;
};

struct heap_mark {
	int64_t *values; /* per stack index, HEAP_VALUES each */
	size_t n_stacks;
	uint64_t taken_ns;
	uint64_t calls;        /* allocation calls seen by then */
	int64_t set_cpu_ns;    /* the target's CPU time then; -1: unknown */
};

/* Called by the collector for each record, on the tracing thread. */
static void on_record(void *ctx, const struct heap_event_header *event, size_t size)
{
	struct heap_tracer *tracer = ctx;

	pthread_mutex_lock(&tracer->lock);
	if (event->kind == HEAP_EVENT_ALLOC && size >= sizeof(struct heap_event)) {
		const struct heap_event *allocation = (const struct heap_event *)event;
		/* After exec the allocations are the new program's, made in code the set does not hold. */
		if (tracer->exec_ns == 0 && tracer->collector != NULL)
			tracer->exec_ns = heap_collector_exec_time(tracer->collector);
		if (tracer->exec_ns != 0 && allocation->time_ns >= tracer->exec_ns) {
			pthread_mutex_unlock(&tracer->lock);
			return;
		}
		uint32_t depth = event->user_depth > 0 ? (uint32_t)event->user_depth : 0;
		traced_set_note_stack(tracer->set, (pid_t)event->tgid, (const uint64_t *)allocation->user_stack,
				      depth < UNWIND_MAX_FRAMES ? depth : UNWIND_MAX_FRAMES);
	}
	heap_profile_add(tracer->heap, event, size);
	pthread_mutex_unlock(&tracer->lock);
}

/* On the tracing thread: ends tracing for `end`, then detaches, which
 * takes a while (every uprobe goes) and delivers what is still buffered. */
static void detach(struct heap_tracer *tracer, enum heap_end end)
{
	/* Readers see the end at once, and take the counts from here on. */
	pthread_mutex_lock(&tracer->lock);
	struct heap_collector *collector = tracer->collector;
	heap_collector_read_stats(collector, &tracer->counts);
	tracer->collector = NULL;
	tracer->end = end;
	tracer->ended = true;
	tracer->ended_ns = end == END_EXEC && tracer->exec_ns != 0 ? tracer->exec_ns : monotonic_ns();
	tracer->set_cpu_at_end = end == END_FINISHED ? traced_set_cpu_ns(tracer->set) : -1;
	pthread_cond_broadcast(&tracer->changed);
	pthread_mutex_unlock(&tracer->lock);

	struct heap_collector_stats counts;
	heap_collector_stop(collector, &counts); /* delivers through on_record, which locks */

	pthread_mutex_lock(&tracer->lock);
	tracer->counts = counts;
	tracer->detached = true;
	pthread_cond_broadcast(&tracer->changed);
	pthread_mutex_unlock(&tracer->lock);
}

/* With the set locked: whether process's allocator has probes now, or
 * never will; what changed goes into found (the tracer's lock comes after
 * the set's is let go: a mark takes them the other way round). */
static bool cover_process(struct heap_tracer *tracer, struct traced_process *process, uint64_t since_ns,
			  struct allocator_coverage *found)
{
	char allocator[256], err[256];

	if (process->exited || process->maps == NULL)
		return true;
	enum heap_cover cover = heap_collector_cover(tracer->collector, process->handle.pid, process->maps, allocator,
						     sizeof(allocator), err, sizeof(err));
	if (cover == HEAP_COVERED_NOW) {
		size_t used = strlen(found->allocators);
		snprintf(found->allocators + used, sizeof(found->allocators) - used, ", %s", allocator);
		fprintf(stderr, "bpfprof: heap: PID %d (%s) allocates with %s: probed too\n", (int)process->handle.pid,
			process->handle.comm, allocator);
	} else if (cover == HEAP_COVER_FAILED && found->failure[0] == '\0') {
		snprintf(found->failure, sizeof(found->failure), "PID %d: %s", (int)process->handle.pid, err);
	} else if (cover == HEAP_NO_ALLOCATOR && monotonic_ns() - since_ns > ALLOCATOR_WAIT_NS) {
		found->without_allocator++;
		cover = HEAP_COVER_FAILED;
	}
	return cover != HEAP_NO_ALLOCATOR;
}

/* On the tracing thread, for a set: the processes that joined it since the
 * last tick get probes on their allocator when it is a file none of the
 * others use; one that maps none yet is looked at again for a while. */
static void cover_newcomers(struct heap_tracer *tracer)
{
	struct traced_set *set = tracer->set;
	struct allocator_coverage found = {.allocators = ""};

	traced_set_lock(set);
	for (; tracer->checked < set->n_processes; tracer->checked++) {
		struct waiting_process *arrived = ARRAY_PUSH(tracer->waiting, tracer->n_waiting, tracer->cap_waiting);
		if (arrived == NULL)
			break; /* out of memory: the next tick tries again */
		*arrived = (struct waiting_process){.index = tracer->checked, .since_ns = monotonic_ns()};
	}
	size_t kept = 0;
	for (size_t i = 0; i < tracer->n_waiting; i++) {
		struct traced_process *process = set->processes[tracer->waiting[i].index];
		if (cover_process(tracer, process, tracer->waiting[i].since_ns, &found))
			continue;
		traced_set_look_again(set, process);
		tracer->waiting[kept++] = tracer->waiting[i];
	}
	tracer->n_waiting = kept;
	traced_set_unlock(set);

	pthread_mutex_lock(&tracer->lock);
	struct allocator_coverage *coverage = &tracer->coverage;
	size_t used = strlen(coverage->allocators);
	snprintf(coverage->allocators + used, sizeof(coverage->allocators) - used, "%s", found.allocators);
	coverage->without_allocator += found.without_allocator;
	if (coverage->failure[0] == '\0')
		snprintf(coverage->failure, sizeof(coverage->failure), "%s", found.failure);
	pthread_mutex_unlock(&tracer->lock);
}

static void *tracing_loop(void *arg)
{
	struct heap_tracer *tracer = arg;
	enum heap_end end = END_NONE;

	while (end == END_NONE) {
		/* Only this thread clears the pointer, so it reads it unlocked. */
		if (heap_collector_poll(tracer->collector, POLL_MS) < 0) {
			end = END_FINISHED;
			break;
		}
		pthread_mutex_lock(&tracer->lock);
		if (tracer->exec_ns == 0)
			tracer->exec_ns = heap_collector_exec_time(tracer->collector);
		end = tracer->stop_requested ? END_FINISHED : tracer->exec_ns != 0 ? END_EXEC : END_NONE;
		pthread_mutex_unlock(&tracer->lock);
		if (end == END_NONE && !traced_set_alive(tracer->set))
			end = END_EXITED;

		if (end == END_NONE && tracer->whole_set)
			cover_newcomers(tracer);
		if (end == END_NONE)
			traced_set_refresh_if_asked(tracer->set);
	}
	detach(tracer, end);
	return NULL;
}

struct heap_tracer *heap_tracer_start(struct traced_set *set, uint64_t rate, bool inject, char *err, size_t err_len)
{
	struct heap_tracer *tracer = calloc(1, sizeof(*tracer));

	bool whole_set = traced_set_single(set) == NULL;

	if (tracer == NULL || (tracer->heap = heap_profile_new(rate, whole_set)) == NULL) {
		free(tracer);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	tracer->set = set;
	tracer->whole_set = whole_set;
	tracer->rate = rate;
	tracer->inject = inject;
	if (set->first->maps == NULL) {
		snprintf(err, err_len, "cannot read the memory maps of PID %d", (int)set->first->handle.pid);
		heap_profile_free(tracer->heap);
		free(tracer);
		return NULL;
	}
	pthread_mutex_init(&tracer->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&tracer->changed, &attr);
	pthread_condattr_destroy(&attr);
	/* The first process's allocator must be found; a set's others get
	 * their own where they use another file. */
	tracer->collector = heap_collector_start(
		set->first->handle.pid, tracer->whole_set, set->tracker, set->first->maps, set->unwinder, rate, inject,
		on_record, tracer, tracer->coverage.allocators, sizeof(tracer->coverage.allocators), err, err_len);
	if (tracer->collector == NULL)
		goto fail;
	tracer->load = *heap_collector_program_load(tracer->collector);
	if (tracer->whole_set)
		cover_newcomers(tracer);
	tracer->attached_ns = monotonic_ns();
	tracer->set_cpu_at_attach = traced_set_cpu_ns(set);
	if (pthread_create(&tracer->thread, NULL, tracing_loop, tracer) != 0) {
		snprintf(err, err_len, "cannot start the heap tracing thread: %s", strerror(errno));
		heap_collector_stop(tracer->collector, NULL);
		goto fail;
	}
	return tracer;
fail:
	pthread_cond_destroy(&tracer->changed);
	pthread_mutex_destroy(&tracer->lock);
	heap_profile_free(tracer->heap);
	free(tracer->waiting);
	free(tracer);
	return NULL;
}

/* Waits up to timeout_ms for *flag; its value then. */
static bool wait_for(struct heap_tracer *tracer, const bool *flag, int timeout_ms)
{
	struct timespec until = monotonic_after_ms(timeout_ms);

	pthread_mutex_lock(&tracer->lock);
	while (!*flag && pthread_cond_timedwait(&tracer->changed, &tracer->lock, &until) != ETIMEDOUT)
		;
	bool flagged = *flag;
	pthread_mutex_unlock(&tracer->lock);
	return flagged;
}

void heap_tracer_finish(struct heap_tracer *tracer)
{
	pthread_mutex_lock(&tracer->lock);
	tracer->stop_requested = true;
	pthread_mutex_unlock(&tracer->lock);
	while (!wait_for(tracer, &tracer->detached, 1000))
		;
}

void heap_tracer_free(struct heap_tracer *tracer)
{
	if (tracer == NULL)
		return;
	heap_tracer_finish(tracer);
	pthread_join(tracer->thread, NULL);
	pthread_cond_destroy(&tracer->changed);
	pthread_mutex_destroy(&tracer->lock);
	heap_profile_free(tracer->heap);
	free(tracer->waiting);
	free(tracer);
}

bool heap_tracer_ended(struct heap_tracer *tracer)
{
	pthread_mutex_lock(&tracer->lock);
	bool ended = tracer->ended;
	pthread_mutex_unlock(&tracer->lock);
	return ended;
}

static const char *end_reason(enum heap_end end)
{
	switch (end) {
	case END_EXITED: return "exited";
	case END_EXEC: return "called exec";
	default: return NULL;
	}
}

const char *heap_tracer_end_reason(struct heap_tracer *tracer, double *after_seconds)
{
	pthread_mutex_lock(&tracer->lock);
	const char *reason = end_reason(tracer->end);
	*after_seconds = reason != NULL ? (double)(tracer->ended_ns - tracer->attached_ns) / 1e9 : 0;
	pthread_mutex_unlock(&tracer->lock);
	return reason;
}

uint64_t heap_tracer_rate(const struct heap_tracer *tracer)
{
	return tracer->rate;
}

/* With `lock` held. */
static void read_counts(struct heap_tracer *tracer, struct heap_collector_stats *counts)
{
	if (tracer->collector != NULL)
		heap_collector_read_stats(tracer->collector, counts);
	else
		*counts = tracer->counts;
}

/* Every sampled call that did not make it into the profile. */
static uint64_t heap_lost(const struct heap_collector_stats *c, const struct heap_profile_stats *h)
{
	return c->lost_ringbuf_full + c->live_full + c->threads_full + h->agent_memory;
}

void heap_tracer_counts(struct heap_tracer *tracer, uint64_t *calls, uint64_t *sampled, uint64_t *lost)
{
	struct heap_collector_stats counts;
	struct heap_profile_stats stats;

	pthread_mutex_lock(&tracer->lock);
	read_counts(tracer, &counts);
	heap_profile_read_stats(tracer->heap, &stats);
	pthread_mutex_unlock(&tracer->lock);
	*calls = counts.calls;
	*sampled = counts.sampled;
	*lost = heap_lost(&counts, &stats);
}

struct heap_mark *heap_tracer_mark(struct heap_tracer *tracer)
{
	struct heap_mark *mark = calloc(1, sizeof(*mark));

	if (mark == NULL)
		return NULL;
	pthread_mutex_lock(&tracer->lock);
	const struct stack_table *stacks = heap_profile_stacks(tracer->heap);
	mark->n_stacks = stack_table_count(stacks);
	mark->values = stack_table_copy_values(stacks);
	mark->taken_ns = monotonic_ns();
	struct heap_collector_stats counts;
	read_counts(tracer, &counts);
	mark->calls = counts.calls;
	mark->set_cpu_ns = traced_set_cpu_ns(tracer->set);
	pthread_mutex_unlock(&tracer->lock);
	if (mark->n_stacks > 0 && mark->values == NULL) {
		free(mark);
		return NULL;
	}
	return mark;
}

void heap_mark_free(struct heap_mark *mark)
{
	if (mark == NULL)
		return;
	free(mark->values);
	free(mark);
}

/* With `lock` held: the stacks and values the profile shows. */
static struct stack_table *select_stacks(struct heap_tracer *tracer, enum heap_view view,
					 const struct heap_mark *since, uint64_t min_age_ns, uint64_t now)
{
	const struct stack_table *stacks = heap_profile_stacks(tracer->heap);

	if (view == HEAP_VIEW_LEAKS)
		return heap_profile_leaks(tracer->heap, now > min_age_ns ? now - min_age_ns : 0);
	size_t n_stacks = stack_table_count(stacks);
	int64_t *values = stack_table_copy_values(stacks);
	if (n_stacks > 0 && values == NULL)
		return NULL;
	for (size_t i = 0; since != NULL && i < since->n_stacks * HEAP_VALUES; i++)
		values[i] -= since->values[i];
	struct stack_table *selected = stack_table_with_values(stacks, values, HEAP_VALUES);
	free(values);
	return selected;
}

static const char *const view_names[] = {
	[HEAP_VIEW_HEAP] = "heap",
	[HEAP_VIEW_ALLOCS] = "allocs",
	[HEAP_VIEW_LEAKS] = "leak",
};

static void describe(struct profile *profile, struct heap_tracer *tracer, enum heap_view view,
		     const struct heap_mark *since, uint64_t min_age_ns, const struct heap_collector_stats *c,
		     const struct heap_profile_stats *h, const struct allocator_coverage *coverage, enum heap_end end,
		     double traced_seconds)
{
	char what[32];
	snprintf(what, sizeof(what), "%s profile", view_names[view]);
	profile_comments_add_set(profile, tracer->set, what);
	if (tracer->inject)
		profile_add_comment(profile, "allocator: the malloc family, sampled inside the process by %s "
					     "(--heap-inject: only sampled calls and their frees reach the kernel; calls are "
					     "counted up to each thread's last sampled call); one sample every %llu bytes on "
					     "average (--heap-rate), values scaled back as Go does",
				    coverage->allocators, (unsigned long long)tracer->rate);
	else
		profile_add_comment(profile, "allocator: the malloc family of %s; one sample every %llu bytes on "
					     "average (--heap-rate), values scaled back as Go does",
				    coverage->allocators, (unsigned long long)tracer->rate);
	profile_add_comment(profile, "in use = allocated since bpfprof attached and not freed since; allocations "
				     "made before attach are invisible to it");
	if (tracer->whole_set) {
		profile_add_comment(profile, "a set of processes: the allocator's probes are the file's, so every "
					     "process mapping %s pays their trap and only the set's are kept; %llu of the "
					     "set exec'd a new program, their in-use bytes let go; a process that exited "
					     "keeps its in-use bytes as of its exit; %llu mapped no allocator (not traced)",
				    coverage->allocators, (unsigned long long)h->execs,
				    (unsigned long long)coverage->without_allocator);
		if (coverage->failure[0] != '\0')
			profile_add_comment(profile, "an allocator of the set could not be probed, its allocations are "
						     "missing: %s",
					    coverage->failure);
	}
	if (view == HEAP_VIEW_LEAKS)
		profile_add_comment(profile, "leaks: allocations still in use that were made more than %.1f s before "
					     "the %s",
				    (double)min_age_ns / 1e9, end != END_NONE ? "end of tracing" : "profile");
	else if (since != NULL)
		profile_add_comment(profile, "delta: what changed over the last %.1f s (as Go's ?seconds=N); "
					     "negative in-use values are frees of older allocations",
				    (double)(monotonic_ns() - since->taken_ns) / 1e9);
	unwinder_describe(tracer->set->unwinder, tracer->load.mode, profile, h->user_stack_ends);
	profile_add_comment(profile,
			    "allocation calls: %llu seen, %llu sampled (%llu returned NULL); %llu frees of sampled "
			    "allocations; lost: %llu (ring buffer full), %llu (live-allocation map full), %llu (thread "
			    "map full), %llu (agent out of memory); %llu sampled calls never returned; %llu stacks "
			    "unreadable",
			    (unsigned long long)c->calls, (unsigned long long)c->sampled, (unsigned long long)h->failed,
			    (unsigned long long)h->frees, (unsigned long long)c->lost_ringbuf_full,
			    (unsigned long long)c->live_full, (unsigned long long)c->threads_full,
			    (unsigned long long)h->agent_memory, (unsigned long long)h->unfinished,
			    (unsigned long long)h->stack_errors);
	bpf_counters_describe(profile, "heap.bpf.c", heap_counter_descriptions, c->counters, HEAP_COUNTER_MAX);
	program_load_describe(&tracer->load, profile);
	if (end == END_EXITED)
		profile_add_comment(profile, "the target exited after %.1f s of tracing: the profile is as of its exit",
				    traced_seconds);
	else if (end == END_EXEC)
		profile_add_comment(profile, "the target called exec after %.1f s of tracing: the profile is as of the "
					     "exec; the new program is not traced (attach again to profile it)",
				    traced_seconds);
	int64_t cpu_then = since != NULL ? since->set_cpu_ns : tracer->set_cpu_at_attach;
	int64_t cpu_now = end == END_NONE ? traced_set_cpu_ns(tracer->set) : tracer->set_cpu_at_end;
	uint64_t lost = heap_lost(c, h);
	char probe[1100];
	snprintf(probe, sizeof(probe), "the uprobes on the malloc family of %s", coverage->allocators);
	window_health_check(profile, &(struct window_activity){
					     .events = "allocation calls",
					     .probe = probe,
					     .fired = c->calls - (since != NULL ? since->calls : 0),
					     .kept = c->sampled > lost ? c->sampled - lost : 0,
					     .lost = lost,
					     .set_cpu_ns = process_handle_cpu_between(cpu_then, cpu_now),
					     .busy_cpu_ns = 100000000, /* a tenth of a second */
					     .seconds = since != NULL ? (double)(monotonic_ns() - since->taken_ns) / 1e9
								      : traced_seconds,
				     });
}

struct profile *heap_tracer_profile(struct heap_tracer *tracer, enum heap_view view, const struct heap_mark *since,
				    uint64_t min_age_ns)
{
	struct profile *profile = profile_new();
	struct heap_collector_stats counts;
	struct heap_profile_stats stats;
	struct allocator_coverage coverage;

	if (profile == NULL)
		return NULL;
	pthread_mutex_lock(&tracer->lock);
	coverage = tracer->coverage;
	enum heap_end end = tracer->end;
	uint64_t now = end != END_NONE ? tracer->ended_ns : monotonic_ns();
	struct stack_table *stacks = select_stacks(tracer, view, view == HEAP_VIEW_LEAKS ? NULL : since, min_age_ns, now);
	read_counts(tracer, &counts);
	heap_profile_read_stats(tracer->heap, &stats);
	pthread_mutex_unlock(&tracer->lock);
	if (stacks == NULL) {
		profile_free(profile);
		return NULL;
	}

	heap_profile_conventions(profile, tracer->rate, view == HEAP_VIEW_LEAKS);
	if (view == HEAP_VIEW_ALLOCS)
		profile->default_sample_type = "alloc_space";
	profile->time_nanos = wall_ns();
	profile->duration_nanos =
		(int64_t)(since != NULL && view != HEAP_VIEW_LEAKS ? monotonic_ns() - since->taken_ns : now - tracer->attached_ns);
	describe(profile, tracer, view, view == HEAP_VIEW_LEAKS ? NULL : since, min_age_ns, &counts, &stats, &coverage,
		 end, (double)(now - tracer->attached_ns) / 1e9);
	int rc = traced_set_add_stacks(tracer->set, profile, stacks);
	stack_table_free(stacks);
	if (rc != 0) {
		profile_free(profile);
		return NULL;
	}
	return profile;
}
