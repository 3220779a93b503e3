/* timeline_collector.c: timeline.bpf.c's skeleton, tracepoints and ring buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "array.h"
#include "bpf_counters.h"
#include "ring_reader.h"
#include "timeline.skel.h"
#include "timeline_collector.h"

struct timeline_collector {
	struct timeline_bpf *skel;
	struct bpf_link *links[2];
	int n_links;
	struct ring_buffer *ring;
	struct timeline_events gathered;
	uint64_t over_cap;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct timeline_collector *collector = ctx;

	if (size < sizeof(struct timeline_event))
		return 0;
	if (collector->gathered.count == TIMELINE_EVENTS_MAX) {
		collector->over_cap++;
		return 0;
	}
	struct timeline_event *slot =
		ARRAY_PUSH(collector->gathered.events, collector->gathered.count, collector->gathered.cap);
	if (slot == NULL)
		collector->over_cap++;
	else
		memcpy(slot, data, sizeof(*slot));
	return 0;
}

static void collector_free(struct timeline_collector *collector)
{
	for (int i = 0; i < collector->n_links; i++)
		bpf_link__destroy(collector->links[i]);
	ring_buffer__free(collector->ring);
	timeline_bpf__destroy(collector->skel);
	free(collector->gathered.events);
	free(collector);
}

/* What opening the object needs beyond the collector. */
struct timeline_open {
	struct timeline_collector *collector;
	const struct process_collector *set; /* NULL: measuring the programs alone */
};

static struct bpf_object_skeleton *open_object(void *ctx, enum unwind_mode mode, char *err, size_t err_len)
{
	struct timeline_open *open = ctx;

	(void)mode; /* the timeline walks no stack */
	open->collector->skel = timeline_bpf__open();
	if (open->collector->skel == NULL) {
		snprintf(err, err_len, "cannot open the timeline's BPF object: %s", strerror(errno));
		return NULL;
	}
	if (process_collector_share_maps(open->set, NULL, open->collector->skel->obj, err, err_len) != 0)
		return NULL;
	return open->collector->skel->skeleton;
}

static void close_object(void *ctx)
{
	struct timeline_collector *collector = ((struct timeline_open *)ctx)->collector;
	timeline_bpf__destroy(collector->skel);
	collector->skel = NULL;
}

static const struct program_load_steps load_steps = {
	"timeline.bpf.c", "the timeline", open_object, close_object,
};

int timeline_collector_measure(struct program_load *load, char *err, size_t err_len)
{
	struct timeline_collector collector = {0};
	struct timeline_open open = {&collector, NULL};
	int rc = program_load(&load_steps, &open, UNWIND_MODE_FP, load, err, err_len);

	timeline_bpf__destroy(collector.skel);
	return rc;
}

struct timeline_collector *timeline_collector_start(const struct process_collector *set, char *err, size_t err_len)
{
	struct timeline_collector *collector = calloc(1, sizeof(*collector));

	if (collector == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	struct timeline_open open = {collector, set};
	struct program_load load;
	if (program_load(&load_steps, &open, UNWIND_MODE_FP, &load, err, err_len) != 0)
		goto fail;
	struct bpf_program *programs[] = {collector->skel->progs.timeline_switch, collector->skel->progs.timeline_wakeup};
	for (size_t i = 0; i < 2; i++) {
		collector->links[i] = bpf_program__attach(programs[i]);
		if (collector->links[i] == NULL) {
			snprintf(err, err_len, "cannot attach %s: %s", bpf_program__name(programs[i]), strerror(errno));
			goto fail;
		}
		collector->n_links++;
	}
	collector->ring = ring_buffer__new(bpf_map__fd(collector->skel->maps.events), on_event, collector, NULL);
	if (collector->ring == NULL) {
		snprintf(err, err_len, "cannot read the timeline's ring buffer: %s", strerror(errno));
		goto fail;
	}
	return collector;
fail:
	collector_free(collector);
	return NULL;
}

int timeline_collector_poll(struct timeline_collector *collector, int timeout_ms)
{
	return ring_read(collector->ring, timeout_ms) < 0 ? -1 : 0;
}

void timeline_collector_stop(struct timeline_collector *collector, struct timeline_events *out)
{
	uint64_t counts[TIMELINE_COUNTER_MAX];

	for (int i = 0; i < collector->n_links; i++)
		bpf_link__destroy(collector->links[i]);
	collector->n_links = 0;
	ring_buffer__consume(collector->ring);
	bpf_counters_sum(bpf_map__fd(collector->skel->maps.counters), counts, TIMELINE_COUNTER_MAX);
	*out = collector->gathered;
	out->seen = counts[TIMELINE_COUNTER_EVENTS];
	out->lost = counts[TIMELINE_COUNTER_RINGBUF_FULL] + collector->over_cap;
	collector->gathered = (struct timeline_events){0};
	collector_free(collector);
}
