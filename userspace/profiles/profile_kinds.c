/* profile_kinds.c: the kinds' rows, and how each kind's window opens and closes. */
#include <stdlib.h>
#include <string.h>

#include "kernel_probe.h"
#include "offcpu_profile.h"
#include "profile_kinds.h"
#include "text_escape.h"
#include "thread_stacks.h"
#include "threads_view.h"
#include "trace_window.h"
#include "wall_profile.h"

struct kind_window {
	const struct profile_kind *kind;
	const struct profile_context *ctx;
	struct window_request request;
	/* One of the two, as the kind's output is a profile or a document. */
	struct profile *(*close)(struct kind_window *window, const struct window_clock *clock,
				 struct window_figures *figures);
	int (*close_document)(struct kind_window *window, const struct window_clock *clock,
			      struct window_figures *figures, FILE *out);
	struct cpu_window *cpu;
	struct heap_mark *mark;
	struct offcpu_window *offcpu;
	struct wall_window *wall;
	struct thread_stacks threads;
	struct trace_window *trace;
};

static struct kind_window *
new_window(const struct profile_kind *kind, const struct profile_context *ctx, const struct window_request *request,
	   struct profile *(*close)(struct kind_window *, const struct window_clock *, struct window_figures *),
	   char *err, size_t err_len)
{
	struct kind_window *window = calloc(1, sizeof(*window));

	if (window == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	*window = (struct kind_window){.kind = kind, .ctx = ctx, .request = *request, .close = close};
	return window;
}

/* ---- cpu: the sampler's window ---- */

static struct profile *close_cpu(struct kind_window *window, const struct window_clock *clock,
				 struct window_figures *figures)
{
	const struct profile_context *ctx = window->ctx;
	struct cpu_window_result result;

	(void)clock;
	cpu_window_stop(window->cpu);
	cpu_window_close(window->cpu, &result);
	double seconds = (double)result.elapsed_ns / 1e9;
	struct profile *profile = cpu_sampler_profile(ctx->session->cpu, &result);
	snprintf(figures->subtitle, sizeof(figures->subtitle), "%.1f s at %u Hz (%s), %llu samples, %llu lost", seconds,
		 ctx->hz, cpu_sampler_event(ctx->session->cpu)->name, (unsigned long long)result.stats.received,
		 (unsigned long long)result.stats.lost_ringbuf_full);
	figures->samples = result.stats.received - result.aggregation_failures;
	figures->lost = result.stats.lost_ringbuf_full + result.aggregation_failures + result.stats.unknown_references;
	snprintf(figures->summary, sizeof(figures->summary),
		 "%llu samples in %zu stacks over %.1f s, %llu lost, %.0f bytes per sample from the kernel",
		 (unsigned long long)figures->samples, stack_table_count(result.stacks), seconds,
		 (unsigned long long)figures->lost, cpu_collector_bytes_per_sample(&result.stats));
	figures->set_exited = result.set_exited;
	stack_table_free(result.stacks);
	return profile;
}

static struct kind_window *open_cpu(const struct profile_kind *kind, const struct profile_context *ctx,
				    const struct window_request *request, struct window_figures *figures, char *err,
				    size_t err_len)
{
	struct kind_window *window = new_window(kind, ctx, request, close_cpu, err, err_len);

	if (window == NULL)
		return NULL;
	window->cpu = cpu_window_open(ctx->session->cpu, request->duration_ns, err, err_len);
	if (window->cpu == NULL) {
		free(window);
		return NULL;
	}
	snprintf(figures->detail, sizeof(figures->detail), " at %u Hz", ctx->hz);
	return window;
}

/* ---- heap, allocs, leaks: views of the heap tracer ---- */

static struct profile *close_heap(struct kind_window *window, const struct window_clock *clock,
				  struct window_figures *figures)
{
	struct heap_tracer *heap = window->ctx->heap;
	enum heap_view view = (enum heap_view)window->kind->arg;
	double seconds = window_elapsed_seconds(clock);
	struct profile *profile = heap_tracer_profile(heap, view, window->mark, window->request.older_than_ns);
	uint64_t calls, sampled, lost;

	heap_mark_free(window->mark);
	heap_tracer_counts(heap, &calls, &sampled, &lost);
	figures->samples = sampled;
	figures->lost = lost;
	if (view == HEAP_VIEW_LEAKS)
		snprintf(figures->subtitle, sizeof(figures->subtitle),
			 "bytes live for more than %.1f s at the end of %.1f s",
			 (double)window->request.older_than_ns / 1e9, seconds);
	else
		snprintf(figures->subtitle, sizeof(figures->subtitle),
			 "%s bytes after %.1f s, one sample every %llu bytes",
			 view == HEAP_VIEW_HEAP ? "in-use" : "allocated", seconds,
			 (unsigned long long)heap_tracer_rate(heap));
	snprintf(figures->summary, sizeof(figures->summary),
		 "%llu of %llu allocation calls sampled, in %zu stacks over %.1f s, %llu lost",
		 (unsigned long long)sampled, (unsigned long long)calls, profile != NULL ? profile->n_samples : 0,
		 seconds, (unsigned long long)lost);
	return profile;
}

static struct kind_window *open_heap(const struct profile_kind *kind, const struct profile_context *ctx,
				     const struct window_request *request, struct window_figures *figures, char *err,
				     size_t err_len)
{
	if (ctx->heap == NULL) {
		snprintf(err, err_len, "heap tracing is off: start bpfprof serve with --heap");
		return NULL;
	}
	struct kind_window *window = new_window(kind, ctx, request, close_heap, err, err_len);
	if (window == NULL)
		return NULL;
	if (request->delta && (window->mark = heap_tracer_mark(ctx->heap)) == NULL) {
		snprintf(err, err_len, "out of memory");
		free(window);
		return NULL;
	}
	snprintf(figures->detail, sizeof(figures->detail), ", one sample every %llu bytes,",
		 (unsigned long long)heap_tracer_rate(ctx->heap));
	return window;
}

/* ---- block, mutex: off-CPU totals; wall: CPU samples and off-CPU time merged ---- */

/* What a wait profile's summary says: its total time, and the events behind it. */
static void describe_waits(const struct profile *profile, const char *what, double seconds, bool count_samples,
			   struct window_figures *figures)
{
	size_t value = profile != NULL ? profile_default_value(profile) : 0;
	int64_t total = 0;
	uint64_t events = 0;

	for (size_t i = 0; profile != NULL && i < profile->n_samples; i++) {
		total += profile->samples[i].values[value];
		events += count_samples ? 1 : (uint64_t)profile->samples[i].values[0];
	}
	figures->samples = events;
	snprintf(figures->summary, sizeof(figures->summary), "%.3f s of %s time in %zu stacks over %.1f s",
		 (double)total / 1e9, what, profile != NULL ? profile->n_samples : 0, seconds);
}

static struct profile *close_offcpu(struct kind_window *window, const struct window_clock *clock,
				    struct window_figures *figures)
{
	double seconds = window_elapsed_seconds(clock);
	struct profile *profile = offcpu_window_close(window->offcpu, clock->end == WINDOW_SET_EXITED);

	snprintf(figures->subtitle, sizeof(figures->subtitle), "%s time over %.1f s", window->kind->name, seconds);
	describe_waits(profile, "waiting", seconds, false, figures);
	return profile;
}

static struct kind_window *open_offcpu(const struct profile_kind *kind, const struct profile_context *ctx,
				       const struct window_request *request, struct window_figures *figures, char *err,
				       size_t err_len)
{
	struct kind_window *window = new_window(kind, ctx, request, close_offcpu, err, err_len);

	if (window == NULL)
		return NULL;
	window->offcpu =
		offcpu_window_open(&ctx->session->set, (enum offcpu_kind)kind->arg, request->min_wait_ns, err, err_len);
	if (window->offcpu == NULL) {
		free(window);
		return NULL;
	}
	snprintf(figures->detail, sizeof(figures->detail), " (%s profile)", kind->name);
	return window;
}

static struct profile *close_wall(struct kind_window *window, const struct window_clock *clock,
				  struct window_figures *figures)
{
	double seconds = window_elapsed_seconds(clock);
	struct profile *profile = wall_window_close(window->wall, clock->end == WINDOW_SET_EXITED);

	snprintf(figures->subtitle, sizeof(figures->subtitle), "wall-clock time over %.1f s", seconds);
	describe_waits(profile, "on- and off-CPU", seconds, true, figures);
	return profile;
}

static struct kind_window *open_wall(const struct profile_kind *kind, const struct profile_context *ctx,
				     const struct window_request *request, struct window_figures *figures, char *err,
				     size_t err_len)
{
	struct kind_window *window = new_window(kind, ctx, request, close_wall, err, err_len);

	if (window == NULL)
		return NULL;
	window->wall = wall_window_open(ctx->session, request->duration_ns, err, err_len);
	if (window->wall == NULL) {
		free(window);
		return NULL;
	}
	snprintf(figures->detail, sizeof(figures->detail), " (wall-clock profile)");
	return window;
}

/* ---- threads: every thread's stack now ---- */

static struct profile *close_threads(struct kind_window *window, const struct window_clock *clock,
				     struct window_figures *figures)
{
	struct profile *profile = threads_profile(&window->ctx->session->set, &window->threads);

	(void)clock;
	figures->samples = window->threads.count;
	snprintf(figures->summary, sizeof(figures->summary), "%zu threads", window->threads.count);
	thread_stacks_free(&window->threads);
	return profile;
}

/* Every thread's stack now, for the profile and the text dump alike. */
static int take_threads(const struct profile_context *ctx, struct thread_stacks *threads, char *err, size_t err_len)
{
	if (!traced_set_alive(&ctx->session->set)) {
		traced_set_gone_reason(&ctx->session->set, err, err_len);
		return -1;
	}
	return threads_take(&ctx->session->set, threads, err, err_len);
}

static struct kind_window *open_threads(const struct profile_kind *kind, const struct profile_context *ctx,
					const struct window_request *request, struct window_figures *figures, char *err,
					size_t err_len)
{
	(void)figures;
	struct kind_window *window = new_window(kind, ctx, request, close_threads, err, err_len);
	if (window == NULL)
		return NULL;
	if (take_threads(ctx, &window->threads, err, err_len) != 0) {
		free(window);
		return NULL;
	}
	return window;
}

/* debug=1 groups threads by stack, debug=2 lists each (Go's goroutine text). */
static int write_threads_text(const struct profile_context *ctx, FILE *out, long debug, char *err, size_t err_len)
{
	struct thread_stacks threads;

	if (take_threads(ctx, &threads, err, err_len) != 0)
		return -1;
	threads_write_text(out, &ctx->session->set, &threads, debug);
	thread_stacks_free(&threads);
	return 0;
}

/* ---- trace: the scheduler's timeline, a document of its own ---- */

static int close_trace(struct kind_window *window, const struct window_clock *clock, struct window_figures *figures,
		       FILE *out)
{
	struct trace_figures drawn;
	int rc = trace_window_close(window->trace, clock->started_ns, clock->ended_ns, clock->end == WINDOW_SET_EXITED,
				    out, &drawn);

	figures->samples = drawn.events;
	figures->lost = drawn.lost;
	snprintf(figures->summary, sizeof(figures->summary),
		 "%zu scheduler events of %zu thread%s over %.1f s, %llu lost", drawn.events, drawn.threads,
		 drawn.threads == 1 ? "" : "s", window_elapsed_seconds(clock), (unsigned long long)drawn.lost);
	return rc;
}

static struct kind_window *open_trace(const struct profile_kind *kind, const struct profile_context *ctx,
				      const struct window_request *request, struct window_figures *figures, char *err,
				      size_t err_len)
{
	(void)figures;
	struct kind_window *window = new_window(kind, ctx, request, NULL, err, err_len);
	if (window == NULL)
		return NULL;
	window->close_document = close_trace;
	window->trace = trace_window_open(&ctx->session->set, err, err_len);
	if (window->trace == NULL) {
		free(window);
		return NULL;
	}
	return window;
}

/* ---- the table ---- */

#define NEEDS(f)   FEATURE_BIT(FEATURE_##f)
#define HEAP_NEEDS (NEEDS(BTF) | NEEDS(UPROBE) | NEEDS(TP_BTF) | NEEDS(RINGBUF) | NEEDS(ATOMICS))

const struct profile_kind profile_kinds[] = {
	{
		.name = "cpu", .endpoint = "profile", .title = "CPU profile", .activity = "sampling",
		.help = "on-CPU stacks (user and kernel) of every thread, sampled",
		.description = "CPU profile: on-CPU stacks of every thread, sampled for ?seconds=N (default 30).",
		.family = "cpu", .unit = "samples", .output_value = 0, .span = SPAN_WINDOW, .default_seconds = 30,
		.takes_hz = true, .takes_event = true, .recordable = true, .snapshot = true,
		.ui_option = "CPU", .ui_name = "CPU profile", .ui_button = "Record CPU profile",
		.ui_seconds = UI_SECONDS_WINDOW, .open = open_cpu,
		.kernel_needs = NEEDS(BTF) | NEEDS(PERF_EVENT) | NEEDS(RINGBUF) | NEEDS(ATOMICS), .unwinds = true,
	},
	{
		.name = "heap", .endpoint = "heap", .title = "Heap profile", .activity = "tracing the allocations of",
		.help = "malloc, calloc, realloc and free, sampled as Go does: bytes in use",
		.description = "Sampled allocations still in use, made since attach (inuse_space first); ?seconds=N "
			       "for a delta.",
		.family = "heap", .unit = "bytes", .output_value = -1, .span = SPAN_NOW, .needs_heap = true,
		.recordable = true, .snapshot = true,
		.ui_option = "Heap in use", .ui_name = "heap in use", .ui_button = "Take heap snapshot",
		.ui_seconds = UI_SECONDS_NONE, .arg = HEAP_VIEW_HEAP, .open = open_heap,
		.kernel_needs = HEAP_NEEDS, .unwinds = true,
	},
	{
		.name = "allocs", .endpoint = "allocs", .title = "Allocations", .activity = "tracing the allocations of",
		.help = "malloc, calloc, realloc and free, sampled as Go does: bytes allocated",
		.description = "Sampled allocations since attach (alloc_space first); ?seconds=N for the last N seconds.",
		.family = "heap", .unit = "bytes", .output_value = -1, .span = SPAN_NOW, .needs_heap = true,
		.snapshot = true,
		.ui_option = "Allocations", .ui_name = "allocations", .ui_button = "Record allocations",
		.ui_seconds = UI_SECONDS_WINDOW, .arg = HEAP_VIEW_ALLOCS, .open = open_heap,
		.kernel_needs = HEAP_NEEDS, .unwinds = true,
	},
	{
		.name = "leaks", .endpoint = "leaks", .title = "Leaks", .activity = "tracing the allocations of",
		.help = "allocations still live and older than an age (--older-than; as bcc's memleak)",
		.description = "Allocations in use for more than ?older_than=N seconds (default 10), by stack, as bcc's "
			       "memleak (bpfprof's own).",
		.family = "heap", .unit = "bytes", .output_value = -1, .span = SPAN_AGE, .needs_heap = true,
		.recordable = true, .snapshot = true,
		.ui_option = "Leaks", .ui_name = "leaks", .ui_button = "Find leaks",
		.ui_seconds = UI_SECONDS_AGE, .arg = HEAP_VIEW_LEAKS, .open = open_heap,
		.kernel_needs = HEAP_NEEDS, .unwinds = true,
	},
	{
		.name = "block", .endpoint = "block", .title = "Block profile", .activity = "tracing the off-CPU time of",
		.help = "where threads sleep off-CPU",
		.description = "Time threads spent asleep off-CPU, by the stack where they blocked, over ?seconds=N "
			       "(default 30).",
		.family = "waits", .unit = "nanoseconds", .output_value = -1, .span = SPAN_WINDOW,
		.default_seconds = 30, .takes_min_wait = true, .recordable = true, .snapshot = true,
		.ui_option = "Blocking (off-CPU)", .ui_name = "block profile", .ui_button = "Record blocking",
		.ui_seconds = UI_SECONDS_WINDOW, .arg = OFFCPU_BLOCK, .open = open_offcpu,
		.kernel_needs = NEEDS(BTF) | NEEDS(TP_BTF) | NEEDS(PREV_STATE) | NEEDS(ATOMICS), .unwinds = true,
	},
	{
		.name = "mutex", .endpoint = "mutex", .title = "Mutex profile", .activity = "tracing the lock waits of",
		.help = "where threads wait in futexes (contended locks)",
		.description = "Time threads waited on contended locks (futex waits), by the waiter's stack, over "
			       "?seconds=N (default 30).",
		.family = "waits", .unit = "nanoseconds", .output_value = -1, .span = SPAN_WINDOW,
		.default_seconds = 30, .takes_min_wait = true, .recordable = true, .snapshot = true,
		.ui_option = "Lock contention", .ui_name = "mutex profile", .ui_button = "Record lock waits",
		.ui_seconds = UI_SECONDS_WINDOW, .arg = OFFCPU_FUTEX, .open = open_offcpu,
		.kernel_needs = NEEDS(BTF) | NEEDS(TP_BTF) | NEEDS(ATOMICS), .unwinds = true,
	},
	{
		.name = "wall", .endpoint = "wall", .title = "Wall-clock profile",
		.activity = "tracing the on- and off-CPU time of",
		.help = "on- and off-CPU time in one profile (label state=on-CPU|off-CPU)",
		.description = "On-CPU and off-CPU time of every thread in one profile (label state=on-CPU|off-CPU) "
			       "over ?seconds=N (default 30): where the whole wall-clock time goes (bpfprof's own).",
		.family = "wall", .unit = "nanoseconds", .output_value = -1, .span = SPAN_WINDOW,
		.default_seconds = 30, .takes_hz = true, .recordable = true, .snapshot = true,
		.ui_option = "Wall clock (on + off CPU)", .ui_name = "wall-clock profile",
		.ui_button = "Record wall clock", .ui_seconds = UI_SECONDS_WINDOW, .open = open_wall,
		.kernel_needs = NEEDS(BTF) | NEEDS(PERF_EVENT) | NEEDS(RINGBUF) | NEEDS(TP_BTF) | NEEDS(PREV_STATE) |
				NEEDS(ATOMICS),
		.unwinds = true,
	},
	{
		.name = "threads", .endpoint = "goroutine", .alias = "threads", .title = "Threads",
		.help = "every thread's stack now",
		.description = "Every thread's current user stack, counted by stack (Go's goroutine profile: a thread "
			       "for a goroutine); debug=1 groups them as text, debug=2 lists each with its state.",
		.family = "threads", .unit = "count", .output_value = -1, .span = SPAN_NOW, .open = open_threads,
		.write_text = write_threads_text,
		.kernel_needs = 0, /* ptrace and libdwfl: no BPF */
	},
	{
		.name = "trace", .endpoint = "trace", .title = "Trace",
		.help = "each thread's timeline, as Chrome trace-event JSON for Perfetto",
		.description = "Each thread's time on CPU, asleep and runnable, with wake-ups, over ?seconds=N "
			       "(default 1), as Chrome trace-event JSON for Perfetto or chrome://tracing (not Go's "
			       "runtime trace format).",
		.family = "trace", .span = SPAN_WINDOW, .default_seconds = 1, .recordable = true,
		.activity = "tracing the scheduler events of", .document_type = "application/json",
		.document_format = FORMAT_TRACE_JSON, .open = open_trace,
		.kernel_needs = NEEDS(BTF) | NEEDS(TP_BTF) | NEEDS(PREV_STATE) | NEEDS(RINGBUF), .unwinds = false,
	},
};

const size_t profile_kinds_count = sizeof(profile_kinds) / sizeof(profile_kinds[0]);
_Static_assert(sizeof(profile_kinds) / sizeof(profile_kinds[0]) <= PROFILE_KINDS_MAX,
	       "PROFILE_KINDS_MAX has room for every row");

const struct profile_kind *profile_kind_named(const char *name)
{
	for (size_t i = 0; i < profile_kinds_count; i++)
		if (strcmp(profile_kinds[i].name, name) == 0)
			return &profile_kinds[i];
	return NULL;
}

const struct profile_kind *profile_kind_at(const char *endpoint)
{
	for (size_t i = 0; i < profile_kinds_count; i++) {
		const struct profile_kind *s = &profile_kinds[i];
		if (strcmp(s->endpoint, endpoint) == 0 || (s->alias != NULL && strcmp(s->alias, endpoint) == 0))
			return s;
	}
	return NULL;
}

void profile_kind_names(char *out, size_t len, bool recordable_only, bool snapshot_only)
{
	const char *names[sizeof(profile_kinds) / sizeof(profile_kinds[0])];
	size_t n = 0, used = 0;

	for (size_t i = 0; i < profile_kinds_count; i++)
		if ((!recordable_only || profile_kinds[i].recordable) && (!snapshot_only || profile_kinds[i].snapshot))
			names[n++] = profile_kinds[i].name;
	out[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int wrote = snprintf(out + used, len - used, "%s%s", sep, names[i]);
		used += wrote > 0 ? (size_t)wrote : 0;
	}
}

void profile_kinds_kernel_needs(struct kernel_kind *out)
{
	for (size_t i = 0; i < profile_kinds_count; i++)
		out[i] = (struct kernel_kind){profile_kinds[i].name, profile_kinds[i].kernel_needs,
					      profile_kinds[i].unwinds};
}

int profile_kind_kernel_check(const struct profile_kind *kind, bool frame_pointers_only, char *err, size_t err_len)
{
	struct kernel_kind kinds[sizeof(profile_kinds) / sizeof(profile_kinds[0])];

	if (!kernel_probe_permitted())
		return 0;
	profile_kinds_kernel_needs(kinds);
	const struct kernel_kind *needs_of = &kinds[kind - profile_kinds];
	uint32_t needed = kernel_features_needed(needs_of, frame_pointers_only);
	if ((kernel_features_present_of(needed) & needed) == needed)
		return 0;
	/* The refusal names the kinds that still work: for that, every feature. */
	return kernel_features_require(kinds, profile_kinds_count, needs_of, frame_pointers_only,
				       kernel_features_present(), kernel_release(), err, err_len);
}

struct kind_window *kind_window_open(const struct profile_kind *kind, const struct profile_context *ctx,
				     const struct window_request *request, struct window_figures *figures, char *err,
				     size_t err_len)
{
	*figures = (struct window_figures){0};
	if (ctx->slots != NULL && !window_slots_take(ctx->slots)) {
		figures->busy = true;
		snprintf(err, err_len,
			 "%u profile windows are open already, as many as this agent takes at once (--max-windows); "
			 "try again when one ends",
			 ctx->slots->max);
		return NULL;
	}
	struct kind_window *window = kind->open(kind, ctx, request, figures, err, err_len);
	if (window == NULL && ctx->slots != NULL)
		window_slots_give_back(ctx->slots);
	return window;
}

/* The heap tracer's end (the traced set exited or called exec) ends its windows. */
static bool heap_tracing_ended(void *heap)
{
	return heap_tracer_ended(heap);
}

void kind_window_start_clock(const struct kind_window *window, struct window_clock *clock,
			     const struct cancel_token *parent)
{
	const struct profile_context *ctx = window->ctx;

	/* A heap view reads what was traced, which outlives the traced set: only
	 * the end of tracing cuts its window short. */
	window_clock_start(clock, window->request.duration_ns, parent);
	if (window->kind->needs_heap) {
		clock->source_ended = heap_tracing_ended;
		clock->source = ctx->heap;
	} else {
		clock->set_gone = traced_set_gone;
		clock->set = &ctx->session->set;
	}
	if (window->trace != NULL) {
		clock->drain = trace_window_drain;
		clock->drain_ctx = window->trace;
	}
}

/* What every window does last, whatever it wrote. */
static void finish_window(struct kind_window *window, const struct window_clock *clock, struct window_figures *figures)
{
	if (clock->end == WINDOW_SET_EXITED)
		figures->set_exited = true;
	if (window->ctx->slots != NULL)
		window_slots_give_back(window->ctx->slots);
	free(window);
}

struct profile *kind_window_close(struct kind_window *window, const struct window_clock *clock,
				  struct window_figures *figures)
{
	struct profile *profile = window->close(window, clock, figures);

	finish_window(window, clock, figures);
	return profile;
}

int kind_window_close_document(struct kind_window *window, const struct window_clock *clock,
			       struct window_figures *figures, FILE *out)
{
	int rc = window->close_document(window, clock, figures, out);

	finish_window(window, clock, figures);
	return rc;
}

void profile_kinds_write_json(FILE *out)
{
	static const char *const seconds_names[] = {
		[UI_SECONDS_WINDOW] = "window", [UI_SECONDS_NONE] = "none", [UI_SECONDS_AGE] = "age"};
	bool first = true;

	fputs("{\"kinds\":[", out);
	for (size_t i = 0; i < profile_kinds_count; i++) {
		const struct profile_kind *s = &profile_kinds[i];
		if (!s->snapshot)
			continue;
		fputs(first ? "{\"name\":" : ",{\"name\":", out);
		first = false;
		json_write_string(out, s->name);
		fputs(",\"option\":", out);
		json_write_string(out, s->ui_option);
		fputs(",\"title\":", out);
		json_write_string(out, s->ui_name);
		fputs(",\"button\":", out);
		json_write_string(out, s->ui_button);
		fputs(",\"family\":", out);
		json_write_string(out, s->family);
		fprintf(out, ",\"seconds\":\"%s\",\"needs_heap\":%s}", seconds_names[s->ui_seconds],
			s->needs_heap ? "true" : "false");
	}
	fputs("]}\n", out);
}
