// SPDX-License-Identifier: GPL-2.0
/*
 * cpu.bpf.c: on-CPU sampling. Attached to a cpu-clock perf event on every
 * CPU; keeps only the threads of the traced processes (so threads and
 * processes born after attach are sampled too) and sends each sample's stacks to user space.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cpu.h"
#include "maps.bpf.h"
#include "target_set.bpf.h"
#include "user_stack.bpf.h"

#define BPF_COUNTER_MAX CPU_COUNTER_MAX
#include "counters.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the agent before load: how full the ring buffer may get before a
 * sample wakes the reader. */
const volatile __u64 ringbuf_wakeup_bytes = 1 << 20;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024); /* resized by the agent from --hz */
} samples SEC(".maps");

SEC("perf_event")
int sample_cpu(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!in_target_set(pid_tgid >> 32))
		return 0;
	count(CPU_COUNTER_SAMPLES);

	struct cpu_sample *sample = bpf_ringbuf_reserve(&samples, sizeof(*sample), 0);
	if (!sample) {
		count(CPU_COUNTER_RINGBUF_FULL);
		return 0;
	}
	sample->pid = pid_tgid >> 32;
	sample->tid = (__u32)pid_tgid;
	sample->time_ns = bpf_ktime_get_ns();
	sample->period = ctx->sample_period;
	bpf_get_current_comm(sample->comm, sizeof(sample->comm));

	sample->user_depth = unwind_user_stack(ctx, sample->user_stack, &sample->user_stack_end);
	if (sample->user_depth < 0)
		count(CPU_COUNTER_USER_STACK_ERR);

	long bytes = bpf_get_stack(ctx, sample->kernel_stack, sizeof(sample->kernel_stack), 0);
	sample->kernel_depth = bytes < 0 ? (int)bytes : (int)(bytes / sizeof(__u64));
	if (bytes < 0)
		count(CPU_COUNTER_KERNEL_STACK_ERR);
	ringbuf_submit_batched(&samples, sample, ringbuf_wakeup_bytes);
	return 0;
}
