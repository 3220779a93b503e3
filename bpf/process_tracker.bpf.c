// SPDX-License-Identifier: GPL-2.0
/*
 * process_tracker.bpf.c: keeps the traced set (traced_pids.bpf.h) as its
 * processes change, from the scheduler's own tracepoints: a member's fork
 * adds the child (with --children or --cgroup), a move into the traced
 * cgroup adds the mover (--cgroup), and a member's last thread leaving
 * takes it out, so a recycled PID is never traced by mistake; so does a
 * move out of the traced cgroup of a process that was there because of it.
 * Each change
 * is also an event for the agent (process_tracker.h). A forked child is
 * unwound with its parent's mappings (unwind_slots.bpf.h) from its first
 * sample, until the agent has read its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "process_tracker.h"
#include "traced_pids.bpf.h"
#include "unwind_slots.bpf.h"

#define BPF_COUNTER_MAX PROCESS_COUNTER_MAX
#include "counters.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 traced_cgroup_id = 0; /* the cgroup v2 directory's id (its inode); 0: none */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} process_events SEC(".maps");

static __always_inline void send(enum process_event_kind kind, __u32 tgid, __u32 parent)
{
	count(PROCESS_COUNTER_EVENTS);
	struct process_event *event = bpf_ringbuf_reserve(&process_events, sizeof(*event), 0);
	if (event == NULL) {
		count(PROCESS_COUNTER_RINGBUF_FULL);
		return;
	}
	*event = (struct process_event){.time_ns = bpf_ktime_get_ns(), .kind = kind, .tgid = tgid, .parent = parent};
	/* Few and the agent acts on each at once: no batching. */
	bpf_ringbuf_submit(event, 0);
}

/* value: the member that brought tgid in, with TRACED_VIA_CGROUP. */
static __always_inline void add_member(enum process_event_kind kind, __u32 tgid, __u32 value)
{
	if (bpf_map_update_elem(&traced_pids, &tgid, &value, BPF_NOEXIST) != 0) {
		if (!is_traced(tgid))
			count(PROCESS_COUNTER_SET_FULL);
		return;
	}
	send(kind, tgid, value & ~TRACED_VIA_CGROUP);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(member_forked, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = (__u32)parent->tgid, child_tgid = (__u32)child->tgid;
	__u32 *parent_value = bpf_map_lookup_elem(&traced_pids, &parent_tgid);

	/* A new thread of a process is already traced with it. */
	if (child->pid != child->tgid || parent_tgid == 0 || parent_value == NULL)
		return 0;
	__u32 value = parent_tgid | (*parent_value & TRACED_VIA_CGROUP);
	struct unwind_slot *slot = bpf_map_lookup_elem(&unwind_slots, &parent_tgid);
	if (slot != NULL) {
		struct unwind_slot borrowed = *slot;
		bpf_map_update_elem(&unwind_slots, &child_tgid, &borrowed, BPF_NOEXIST);
	}
	add_member(PROCESS_FORKED, child_tgid, value);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(member_execed, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	if (is_traced((__u32)task->tgid))
		send(PROCESS_EXECED, (__u32)task->tgid, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(member_exited, struct task_struct *task)
{
	__u32 tgid = (__u32)task->tgid;

	/* signal->live drops to 0 as the last thread starts exiting, before
	 * this tracepoint. */
	if (!is_traced(tgid) || BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&traced_pids, &tgid);
	send(PROCESS_EXITED, tgid, 0);
	return 0;
}

/* Only cgroup v2 counts: ids are unique within a hierarchy, and a v1
 * hierarchy (hybrid systems mount both) may reuse the number; a move
 * between v1 groups says nothing of the v2 one. */
static __always_inline bool on_unified_hierarchy(struct cgroup *cgroup)
{
	return BPF_CORE_READ(cgroup, root, hierarchy_id) == 0;
}

/* Whether cgroup (of the v2 hierarchy) is the traced one or below it. */
static __always_inline bool in_traced_cgroup(struct cgroup *cgroup)
{
	for (int level = 0; level < PROCESS_CGROUP_DEPTH && cgroup != NULL; level++) {
		if (BPF_CORE_READ(cgroup, kn, id) == traced_cgroup_id)
			return true;
		cgroup = (struct cgroup *)BPF_CORE_READ(cgroup, self.parent);
	}
	return false;
}

/* After a move: cgroup is where the task now is. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(joined_cgroup, struct cgroup *cgroup, const char *path, struct task_struct *task, bool threadgroup)
{
	__u32 tgid = (__u32)task->tgid;

	if (traced_cgroup_id == 0 || !on_unified_hierarchy(cgroup))
		return 0;
	if (in_traced_cgroup(cgroup)) {
		add_member(PROCESS_JOINED, tgid, TRACED_VIA_CGROUP);
		return 0;
	}
	/* A whole process moved out (one thread moving, in a threaded
	 * subtree, leaves the others in). */
	__u32 *value = bpf_map_lookup_elem(&traced_pids, &tgid);
	if (!threadgroup || tgid == 0 || value == NULL || !(*value & TRACED_VIA_CGROUP))
		return 0;
	bpf_map_delete_elem(&traced_pids, &tgid);
	send(PROCESS_LEFT, tgid, 0);
	return 0;
}
