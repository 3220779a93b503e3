/*
 * offcpu_collector.c: offcpu.bpf.c's skeleton, its tracepoints (BTF
 * tracepoints: no tracefs, no kprobes) and the read of its totals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_counters.h"
#include "offcpu.skel.h"
#include "offcpu_collector.h"

const char *const offcpu_counter_descriptions[OFFCPU_COUNTER_MAX] = {OFFCPU_COUNTERS(BPF_COUNTER_DESCRIPTION)};

struct offcpu_collector {
	struct offcpu_bpf *skel;
	enum offcpu_kind kind;
	struct bpf_link *links[2];
	int n_links;
	struct program_load load;
};

static void collector_free(struct offcpu_collector *collector)
{
	for (int i = 0; i < collector->n_links; i++)
		bpf_link__destroy(collector->links[i]);
	offcpu_bpf__destroy(collector->skel);
	free(collector);
}

static int attach(struct offcpu_collector *collector, struct bpf_program *program, char *err, size_t err_len)
{
	struct bpf_link *link = bpf_program__attach(program);

	if (link == NULL) {
		snprintf(err, err_len, "cannot attach %s: %s", bpf_program__name(program), strerror(errno));
		return -1;
	}
	collector->links[collector->n_links++] = link;
	return 0;
}

/* What opening the object needs beyond the collector. */
struct offcpu_open {
	struct offcpu_collector *collector;
	const struct process_collector *set; /* NULL: measuring the programs alone */
	const struct unwinder *unwinder;
	uint64_t min_wait_ns;
	bool include_preempted;
};

static struct bpf_object_skeleton *open_object(void *ctx, enum unwind_mode mode, char *err, size_t err_len)
{
	struct offcpu_open *open = ctx;
	struct offcpu_collector *collector = open->collector;

	collector->skel = offcpu_bpf__open();
	if (collector->skel == NULL) {
		snprintf(err, err_len, "cannot open the off-CPU tracer's BPF object: %s", strerror(errno));
		return NULL;
	}
	collector->skel->rodata->min_wait_ns = open->min_wait_ns;
	collector->skel->rodata->include_preempted = open->include_preempted;
	collector->skel->rodata->unwind_mode = mode;
	collector->skel->rodata->refuse_walk_for_test = program_load_refuse_walk_for_test();
	/* Only the programs this kind needs are loaded: a block profile never
	 * pays for system-call tracing, a mutex profile never for switches. */
	bool block = collector->kind == OFFCPU_BLOCK;
	bpf_program__set_autoload(collector->skel->progs.block_switch, block);
	bpf_program__set_autoload(collector->skel->progs.futex_enter, !block);
	bpf_program__set_autoload(collector->skel->progs.futex_exit, !block);
	if (process_collector_share_maps(open->set, open->unwinder, collector->skel->obj, err, err_len) != 0)
		return NULL;
	return collector->skel->skeleton;
}

static void close_object(void *ctx)
{
	struct offcpu_collector *collector = ((struct offcpu_open *)ctx)->collector;
	offcpu_bpf__destroy(collector->skel);
	collector->skel = NULL;
}

static const struct program_load_steps load_steps = {
	"offcpu.bpf.c", "the off-CPU tracer", open_object, close_object,
};

int offcpu_collector_measure(enum offcpu_kind kind, enum unwind_mode mode, struct program_load *load, char *err,
			     size_t err_len)
{
	struct offcpu_collector collector = {.kind = kind};
	struct offcpu_open open = {&collector, NULL, NULL, 0, false};
	int rc = program_load(&load_steps, &open, mode, load, err, err_len);

	offcpu_bpf__destroy(collector.skel);
	return rc;
}

const struct program_load *offcpu_collector_program_load(const struct offcpu_collector *collector)
{
	return &collector->load;
}

struct offcpu_collector *offcpu_collector_start(const struct process_collector *set, enum offcpu_kind kind,
						uint64_t min_wait_ns,
						bool include_preempted, const struct unwinder *unwinder, char *err,
						size_t err_len)
{
	struct offcpu_collector *collector = calloc(1, sizeof(*collector));

	if (collector == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	collector->kind = kind;
	struct offcpu_open open = {collector, set, unwinder, min_wait_ns, include_preempted};
	if (program_load(&load_steps, &open, unwinder_mode(unwinder), &collector->load, err, err_len) != 0)
		goto fail;
	bool block = kind == OFFCPU_BLOCK;
	struct offcpu_bpf *skel = collector->skel;
	int rc = block ? attach(collector, skel->progs.block_switch, err, err_len)
		       : attach(collector, skel->progs.futex_enter, err, err_len);
	if (rc == 0 && !block)
		rc = attach(collector, skel->progs.futex_exit, err, err_len);
	if (rc != 0)
		goto fail;
	return collector;
fail:
	collector_free(collector);
	return NULL;
}

/* Adds one total to stacks under its stack; false when the stack is not
 * there (it cannot happen: a total is made only after its stack) or out of memory. */
static bool read_total(int stacks_fd, const struct offcpu_key *key, const struct offcpu_total *total,
		       struct stack_table *stacks, uint64_t *user_stack_ends)
{
	struct offcpu_stack stack;

	if (bpf_map_lookup_elem(stacks_fd, &key->stack, &stack) != 0)
		return false;
	struct stack_key stack_key = {
		.user = (const uint64_t *)stack.user_stack,
		.n_user = stack.user_depth > 0 ? (uint32_t)stack.user_depth : 0,
		.kernel = (const uint64_t *)stack.kernel_stack,
		.n_kernel = stack.kernel_depth > 0 ? (uint32_t)stack.kernel_depth : 0,
	};
	if (stack_key.n_user > UNWIND_MAX_FRAMES)
		stack_key.n_user = UNWIND_MAX_FRAMES;
	if (stack_key.n_kernel > OFFCPU_KERNEL_DEPTH)
		stack_key.n_kernel = OFFCPU_KERNEL_DEPTH;
	memcpy(stack_key.thread, stack.comm, sizeof(stack_key.thread));
	stack_key.pid = stack.tgid;
	if (stack.user_stack_end < UNWIND_END_MAX)
		user_stack_ends[stack.user_stack_end] += total->count;
	int64_t values[2] = {(int64_t)total->count, (int64_t)total->ns};
	return stack_table_add(stacks, &stack_key, values) == 0;
}

void offcpu_collector_stop(struct offcpu_collector *collector, struct stack_table *stacks,
			   struct offcpu_collector_stats *stats)
{
	for (int i = 0; i < collector->n_links; i++)
		bpf_link__destroy(collector->links[i]);
	collector->n_links = 0;

	int totals_fd = bpf_map__fd(collector->skel->maps.totals);
	int stacks_fd = bpf_map__fd(collector->skel->maps.stacks);
	struct offcpu_key key, next;
	uint64_t unread = 0, ends[UNWIND_END_MAX] = {0};
	for (int rc = bpf_map_get_next_key(totals_fd, NULL, &next); rc == 0;
	     rc = bpf_map_get_next_key(totals_fd, &key, &next)) {
		key = next;
		struct offcpu_total total;
		if (key.kind != collector->kind || bpf_map_lookup_elem(totals_fd, &key, &total) != 0)
			continue;
		if (stacks == NULL || !read_total(stacks_fd, &key, &total, stacks, ends))
			unread += total.count;
	}
	if (stats != NULL) {
		uint64_t counts[OFFCPU_COUNTER_MAX];
		bpf_counters_sum(bpf_map__fd(collector->skel->maps.counters), counts, OFFCPU_COUNTER_MAX);
		*stats = (struct offcpu_collector_stats){
			.waits = counts[OFFCPU_COUNTER_BLOCKS],
			/* a wait long enough to count whose total had no room is lost, not counted */
			.counted = counts[OFFCPU_COUNTER_COUNTED] - counts[OFFCPU_COUNTER_TOTALS_FULL],
			.lost = counts[OFFCPU_COUNTER_STACK_BUSY] + counts[OFFCPU_COUNTER_STACKS_FULL] +
				counts[OFFCPU_COUNTER_TOTALS_FULL] + counts[OFFCPU_COUNTER_THREADS_FULL],
			.stack_errors = counts[OFFCPU_COUNTER_USER_STACK_ERR],
			.unread = unread,
			.seen = collector->skel->bss->probe_fired,
		};
		memcpy(stats->user_stack_ends, ends, sizeof(ends));
		memcpy(stats->counters, counts, sizeof(counts));
	}
	collector_free(collector);
}
