// SPDX-License-Identifier: GPL-2.0
/*
 * timeline.bpf.c: every switch in and out of the target's threads, and
 * every wake-up of one, as records (timeline.h) for the trace endpoint.
 * No stacks: a timeline of a busy server is many thousand events a second.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "traced_pids.bpf.h"
#include "timeline.h"

#define BPF_COUNTER_MAX TIMELINE_COUNTER_MAX
#include "counters.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the agent before load: how much may wait in the ring buffer
 * before an event wakes the reader. */
const volatile __u64 ringbuf_wakeup_bytes = 4 * 1024 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

static __always_inline void send(enum timeline_kind kind, struct task_struct *task, __u32 other_tid,
				 __u32 other_tgid, __u32 state)
{
	count(TIMELINE_COUNTER_EVENTS);
	struct timeline_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (event == NULL) {
		count(TIMELINE_COUNTER_RINGBUF_FULL);
		return;
	}
	event->time_ns = bpf_ktime_get_ns();
	event->tid = (__u32)task->pid;
	event->tgid = (__u32)task->tgid;
	event->other_tid = other_tid;
	event->other_tgid = other_tgid;
	event->state = state;
	event->cpu = (__u16)bpf_get_smp_processor_id();
	event->kind = kind;
	event->pad = 0;
	bpf_probe_read_kernel_str(event->comm, sizeof(event->comm), task->comm);
	ringbuf_submit_batched(&events, event, ringbuf_wakeup_bytes);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(timeline_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	if (is_traced((__u32)prev->tgid))
		send(TIMELINE_SWITCH_OUT, prev, 0, 0, prev_state);
	if (is_traced((__u32)next->tgid))
		send(TIMELINE_SWITCH_IN, next, 0, 0, 0);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(timeline_wakeup, struct task_struct *task)
{
	if (!is_traced((__u32)task->tgid))
		return 0;
	__u64 waker = bpf_get_current_pid_tgid();
	send(TIMELINE_WAKEUP, task, (__u32)waker, (__u32)(waker >> 32), 0);
	return 0;
}
