/*
 * process_collector.h: the thin glue around process_tracker.bpf.c. It owns
 * the traced set every program of a session filters by (the traced_pids
 * map of bpf/traced_pids.bpf.h): the agent adds the processes it was given,
 * the kernel adds forked children and cgroup joiners and takes out the
 * exited, and each such change reaches a sink here.
 */
#ifndef PROCESS_COLLECTOR_H
#define PROCESS_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "process_tracker.h"
#include "program_load.h"
#include "unwinder.h"

struct process_collector;
struct bpf_object;

extern const char *const process_counter_descriptions[PROCESS_COUNTER_MAX];

typedef void (*process_event_sink)(void *ctx, const struct process_event *event);

/* Creates the set and, for a set that grows, attaches the tracepoints that
 * keep it: children follow their parent in with follow_children, cgroup
 * joiners with a cgroup_id (the cgroup v2 directory's inode; 0: none), and
 * a child is lent its parent's slot of unwinder. A fixed set gets no
 * events (its exits are the agent's to see). NULL with a one-line reason. */
struct process_collector *process_collector_start(bool follow_children, uint64_t cgroup_id,
						  const struct unwinder *unwinder, process_event_sink sink, void *sink_ctx,
						  char *err, size_t err_len);
/* Loads every program of the tracker alone (no set, no attach), to
 * measure them; 0 with load filled, or -1 with err. */
int process_collector_measure(struct program_load *load, char *err, size_t err_len);
void process_collector_stop(struct process_collector *collector);
/* Whether the kernel reports the set's changes (a set that can grow). */
bool process_collector_follows(const struct process_collector *collector);

/* Puts pid into the set (parent: the member it came from, 0 for none;
 * via_cgroup: there because it is in the traced cgroup, so it leaves the
 * set when it is moved out); 0, or -1 when the set is full. */
int process_collector_add(struct process_collector *collector, pid_t pid, pid_t parent, bool via_cgroup);
/* Takes pid out: the agent saw it exit, or it was never to be traced. */
void process_collector_remove(struct process_collector *collector, pid_t pid);

/* Delivers the pending changes to the sink, waiting up to timeout_ms for
 * the first (a fixed set just waits). The records read, or -1 on error. */
int process_collector_poll(struct process_collector *collector, int timeout_ms);

/* Before a BPF object that includes traced_pids.bpf.h is loaded: makes it
 * filter by this set. 0, or -1 with a reason. */
int process_collector_share_set(const struct process_collector *collector, struct bpf_object *object, char *err,
			      size_t err_len);
/* Both maps a profile's object shares before it is loaded: the set's (set
 * may be NULL) and the unwinder's (unwinder may be NULL). 0, or -1 with a
 * reason. */
int process_collector_share_maps(const struct process_collector *set, const struct unwinder *unwinder,
				 struct bpf_object *object, char *err, size_t err_len);

void process_collector_read_counters(const struct process_collector *collector, uint64_t counters[PROCESS_COUNTER_MAX]);

#endif
