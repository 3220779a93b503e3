/*
 * process_collector.c: process_tracker.bpf.c's skeleton, its tracepoints and
 * the ring buffer of set changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_counters.h"
#include "process_tracker.skel.h"
#include "process_collector.h"
#include "ring_reader.h"

struct process_collector {
	int set_fd;			  /* the traced_pids map, the agent's own */
	struct process_tracker_bpf *skel; /* NULL while the set cannot grow */
	struct ring_buffer *ring;
	process_event_sink sink;
	void *sink_ctx;
};

const char *const process_counter_descriptions[PROCESS_COUNTER_MAX] = {PROCESS_COUNTERS(BPF_COUNTER_DESCRIPTION)};

static int on_event(void *ctx, void *data, size_t size)
{
	struct process_collector *collector = ctx;

	if (size >= sizeof(struct process_event))
		collector->sink(collector->sink_ctx, data);
	return 0;
}

/* What opening the tracker needs beyond the collector. */
struct tracker_open {
	struct process_collector *collector;
	bool follow_children;
	uint64_t cgroup_id;
	const struct unwinder *unwinder; /* NULL: measuring the programs alone */
};

static struct bpf_object_skeleton *open_object(void *ctx, enum unwind_mode mode, char *err, size_t err_len)
{
	struct tracker_open *open = ctx;
	struct process_collector *collector = open->collector;

	(void)mode; /* the tracker walks no stack */
	collector->skel = process_tracker_bpf__open();
	if (collector->skel == NULL) {
		snprintf(err, err_len, "cannot open the process tracker's BPF object: %s", strerror(errno));
		return NULL;
	}
	collector->skel->rodata->traced_cgroup_id = open->cgroup_id;
	/* A cgroup's members fork too: their children stay in it. */
	bpf_program__set_autoload(collector->skel->progs.member_forked, open->follow_children || open->cgroup_id != 0);
	bpf_program__set_autoload(collector->skel->progs.joined_cgroup, open->cgroup_id != 0);
	if (open->unwinder != NULL && (process_collector_share_set(collector, collector->skel->obj, err, err_len) != 0 ||
				       unwinder_share_maps(open->unwinder, collector->skel->obj, err, err_len) != 0))
		return NULL;
	return collector->skel->skeleton;
}

static void close_object(void *ctx)
{
	struct process_collector *collector = ((struct tracker_open *)ctx)->collector;
	process_tracker_bpf__destroy(collector->skel);
	collector->skel = NULL;
}

static const struct program_load_steps load_steps = {
	"process_tracker.bpf.c", "the process tracker", open_object, close_object,
};

int process_collector_measure(struct program_load *load, char *err, size_t err_len)
{
	struct process_collector collector = {0};
	struct tracker_open open = {&collector, true, 1, NULL};
	int rc = program_load(&load_steps, &open, UNWIND_MODE_FP, load, err, err_len);

	process_tracker_bpf__destroy(collector.skel);
	return rc;
}

/* The tracker's programs, for a set that grows: loading a BPF object reads
 * the kernel's whole BTF, a cost a fixed set of processes need not pay. */
static int start_tracker(struct process_collector *collector, bool follow_children, uint64_t cgroup_id,
			 const struct unwinder *unwinder, char *err, size_t err_len)
{
	struct tracker_open open = {collector, follow_children, cgroup_id, unwinder};
	struct program_load load;
	if (program_load(&load_steps, &open, UNWIND_MODE_FP, &load, err, err_len) != 0)
		return -1;
	if (process_tracker_bpf__attach(collector->skel) != 0) {
		snprintf(err, err_len, "cannot attach the process tracker to the scheduler's tracepoints: %s",
			 strerror(errno));
		return -1;
	}
	collector->ring = ring_buffer__new(bpf_map__fd(collector->skel->maps.process_events), on_event, collector, NULL);
	if (collector->ring == NULL) {
		snprintf(err, err_len, "cannot read the process tracker's ring buffer: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct process_collector *process_collector_start(bool follow_children, uint64_t cgroup_id,
						  const struct unwinder *unwinder, process_event_sink sink, void *sink_ctx,
						  char *err, size_t err_len)
{
	struct process_collector *collector = calloc(1, sizeof(*collector));

	if (collector == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	collector->sink = sink;
	collector->sink_ctx = sink_ctx;
	collector->set_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "traced_pids", sizeof(uint32_t), sizeof(uint32_t),
					   TRACED_PIDS_MAX, NULL);
	if (collector->set_fd < 0) {
		snprintf(err, err_len, "cannot create the traced set's map: %s", strerror(errno));
		free(collector);
		return NULL;
	}
	if ((follow_children || cgroup_id != 0) &&
	    start_tracker(collector, follow_children, cgroup_id, unwinder, err, err_len) != 0) {
		process_collector_stop(collector);
		return NULL;
	}
	return collector;
}

void process_collector_stop(struct process_collector *collector)
{
	if (collector == NULL)
		return;
	ring_buffer__free(collector->ring);
	process_tracker_bpf__destroy(collector->skel);
	close(collector->set_fd);
	free(collector);
}

bool process_collector_follows(const struct process_collector *collector)
{
	return collector->skel != NULL;
}

int process_collector_add(struct process_collector *collector, pid_t pid, pid_t parent, bool via_cgroup)
{
	uint32_t key = (uint32_t)pid, value = (uint32_t)parent | (via_cgroup ? TRACED_VIA_CGROUP : 0);

	return bpf_map_update_elem(collector->set_fd, &key, &value, BPF_ANY);
}

void process_collector_remove(struct process_collector *collector, pid_t pid)
{
	uint32_t key = (uint32_t)pid;

	bpf_map_delete_elem(collector->set_fd, &key);
}

int process_collector_poll(struct process_collector *collector, int timeout_ms)
{
	if (collector->ring == NULL) {
		usleep((useconds_t)timeout_ms * 1000);
		return 0;
	}
	return ring_read(collector->ring, timeout_ms);
}

int process_collector_share_set(const struct process_collector *collector, struct bpf_object *object, char *err,
			      size_t err_len)
{
	struct bpf_map *map = bpf_object__find_map_by_name(object, "traced_pids");

	if (map == NULL || bpf_map__reuse_fd(map, collector->set_fd) != 0) {
		snprintf(err, err_len, "cannot hand the traced set to a BPF program: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void process_collector_read_counters(const struct process_collector *collector, uint64_t counters[PROCESS_COUNTER_MAX])
{
	memset(counters, 0, PROCESS_COUNTER_MAX * sizeof(*counters));
	if (collector->skel != NULL)
		bpf_counters_sum(bpf_map__fd(collector->skel->maps.counters), counters, PROCESS_COUNTER_MAX);
}

int process_collector_share_maps(const struct process_collector *set, const struct unwinder *unwinder,
				 struct bpf_object *object, char *err, size_t err_len)
{
	if (set != NULL && process_collector_share_set(set, object, err, err_len) != 0)
		return -1;
	return unwinder != NULL ? unwinder_share_maps(unwinder, object, err, err_len) : 0;
}
