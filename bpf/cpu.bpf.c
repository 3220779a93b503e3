// SPDX-License-Identifier: GPL-2.0
/*
 * cpu.bpf.c: on-CPU sampling. Attached to a cpu-clock perf event on every
 * CPU; keeps only the threads of the traced processes (so threads and
 * processes born after attach are sampled too) and sends each sample to
 * user space whole the first time its stack is seen. After that, samples
 * of the stack (known_stacks) are totalled per innermost frame, the one
 * frame that differs from tick to tick, in a map the agent drains; only
 * when that map is full do they go as 32-byte references. A steady
 * program's samples move a few bytes each instead of 2 KiB.
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
/* Cleared by the agent to send every sample of a held stack by reference
 * (BPFPROF_CPU_TOTALS=0: to compare the two ways). */
const volatile bool use_totals = true;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024); /* resized by the agent from --hz */
} samples SEC(".maps");

/* The stacks the agent holds: each one's hash, with a second hash of
 * another seed that tells a collision from the same stack. While its
 * whole record is being written the second hash carries IN_FLIGHT, and
 * samples of that stack go whole too: a reference must never reach the
 * agent before the record that brings its stack. */
#define IN_FLIGHT (1ULL << 63)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CPU_KNOWN_STACKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u64);
} known_stacks SEC(".maps");

/* The totals: two maps, one in `totals` at a time. The agent drains by
 * putting the other in its place, which returns only once every program
 * that might still be adding to the first has finished (the kernel waits
 * for them on any update of a map of maps), so no count lands in a map
 * being read. */
struct totals_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CPU_TOTALS);
	__type(key, struct cpu_total_key);
	__type(value, struct cpu_total);
} totals_a SEC(".maps"), totals_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct totals_map);
} totals SEC(".maps") = {
	.values = {&totals_a},
};

/* The sample being taken, before it is known which record it needs, and
 * its whole record when it needs one. */
struct sample_scratch {
	struct cpu_sample sample;
	__u8 wire[CPU_SAMPLE_MAX_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sample_scratch);
} scratch SEC(".maps");

static __always_inline void mix(__u64 *hash, __u64 *check, __u64 word)
{
	*hash = (*hash ^ word) * 0x100000001b3ULL;
	*check = (*check ^ word) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
}

/* The innermost frame, which references carry (cpu.h): the kernel's when
 * the tick interrupted kernel code, else the user one; 0 when neither was
 * read. */
static __always_inline __u64 leaf_frame(const struct cpu_sample *s)
{
	if (s->kernel_depth > 0)
		return s->kernel_stack[0];
	return s->user_depth > 0 ? s->user_stack[0] : 0;
}

/* The stack's two hashes, over everything a sample is aggregated by but
 * its innermost frame. */
static __always_inline __u64 hash_stack(const struct cpu_sample *s, __u64 *check)
{
	__u64 hash = 0xcbf29ce484222325ULL, word;
	int user_from = s->kernel_depth > 0 ? 0 : 1, kernel_from = 1;

	*check = 0x2545f4914f6cdd1dULL;
	mix(&hash, check, (__u64)s->pid << 32 | s->user_stack_end);
	mix(&hash, check, (__u64)(__u32)s->user_depth << 32 | (__u32)s->kernel_depth);
	__builtin_memcpy(&word, s->comm, sizeof(word));
	mix(&hash, check, word);
	__builtin_memcpy(&word, s->comm + 8, sizeof(word));
	mix(&hash, check, word);
	for (int i = user_from; i < UNWIND_MAX_FRAMES && i < s->user_depth; i++)
		mix(&hash, check, s->user_stack[i]);
	for (int i = kernel_from; i < MAX_STACK_DEPTH && i < s->kernel_depth; i++)
		mix(&hash, check, s->kernel_stack[i]);
	*check &= ~IN_FLIGHT;
	return hash != 0 ? hash : 1;
}

/* Whether the agent holds the stack under hash: its whole record is in
 * the ring (not in flight) and the second hash agrees. */
static __always_inline bool stack_is_held(__u64 hash, __u64 check)
{
	__u64 *known = bpf_map_lookup_elem(&known_stacks, &hash);

	if (known == NULL || *known == (check | IN_FLIGHT))
		return false;
	if (*known != check) {
		count(CPU_COUNTER_HASH_COLLISIONS);
		return false;
	}
	return true;
}

/* Adds a sample of a held stack to its total; false when the totals have
 * no room for it. */
static __always_inline bool add_to_total(const struct cpu_sample *s, __u64 hash)
{
	struct cpu_total_key key = {.stack = hash, .leaf = leaf_frame(s)};
	struct cpu_total none = {};
	__u32 zero = 0;
	void *current = bpf_map_lookup_elem(&totals, &zero);
	if (current == NULL)
		return false;
	struct cpu_total *total = bpf_map_lookup_elem(current, &key);
	if (total == NULL) {
		/* Counted so the agent drains before the map fills. */
		if (map_insert_absent(current, &key, &none))
			count(CPU_COUNTER_TOTALS_MADE);
		total = bpf_map_lookup_elem(current, &key);
	}
	if (total == NULL) {
		count(CPU_COUNTER_TOTALS_FULL);
		return false;
	}
	__sync_fetch_and_add(&total->samples, 1);
	__sync_fetch_and_add(&total->period, s->period);
	count(CPU_COUNTER_TOTALLED);
	return true;
}

/* A sample of a held stack as a reference (or lost to a full ring
 * buffer, counted). */
static __always_inline void send_reference(const struct cpu_sample *s, __u64 hash)
{
	struct cpu_sample_ref *ref = bpf_ringbuf_reserve(&samples, sizeof(*ref), 0);

	if (!ref) {
		count(CPU_COUNTER_RINGBUF_FULL);
		return;
	}
	ref->stack = hash;
	ref->period = s->period;
	ref->leaf = leaf_frame(s);
	ref->tid = s->tid;
	ref->pad = 0;
	count(CPU_COUNTER_SENT_BY_REFERENCE);
	ringbuf_submit_batched(&samples, ref, ringbuf_wakeup_bytes);
}

SEC("perf_event")
int sample_cpu(struct bpf_perf_event_data *ctx)
{
	COST_START(mark);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 zero = 0;

	if (!in_target_set(pid_tgid >> 32))
		return 0;
	count(CPU_COUNTER_SAMPLES);
	COST_MARK(COST_FILTER, &mark);
	COST_COUNT(COST_SAMPLES, 1);
	struct sample_scratch *scr = bpf_map_lookup_elem(&scratch, &zero);
	if (!scr)
		return 0;
	struct cpu_sample *s = &scr->sample;
	s->pid = pid_tgid >> 32;
	s->tid = (__u32)pid_tgid;
	s->time_ns = bpf_ktime_get_ns();
	s->period = ctx->sample_period;
	__builtin_memset(s->comm, 0, sizeof(s->comm));
	bpf_get_current_comm(s->comm, sizeof(s->comm));

	COST_MARK(COST_SETUP, &mark);
	s->user_depth = unwind_user_stack(ctx, s->user_stack, &s->user_stack_end);
	if (s->user_depth < 0)
		count(CPU_COUNTER_USER_STACK_ERR);
	COST_MARK(COST_WALK, &mark);
	COST_COUNT(COST_FRAMES, s->user_depth > 0 ? s->user_depth : 0);

	/* Interrupted in user mode there is no kernel stack, and asking for
	 * it still costs a microsecond: bpf_get_stack clears the buffer. The
	 * kernel's addresses are the upper half (read from ip: pt_regs.cs
	 * became a union member after 6.1, which CO-RE cannot map back). */
	bool in_kernel = (__s64)ctx->regs.ip < 0;
	long bytes = in_kernel ? bpf_get_stack(ctx, s->kernel_stack, sizeof(s->kernel_stack), 0) : 0;
	s->kernel_depth = bytes < 0 ? (int)bytes : (int)(bytes / sizeof(__u64));
	if (bytes < 0)
		count(CPU_COUNTER_KERNEL_STACK_ERR);
	COST_MARK(COST_KERNEL_STACK, &mark);
	COST_COUNT(COST_KERNEL_SAMPLES, bytes > 0);
	COST_COUNT(COST_KERNEL_FRAMES, s->kernel_depth > 0 ? (__u32)s->kernel_depth : 0);

	__u64 check, hash = hash_stack(s, &check);
	COST_MARK(COST_HASH, &mark);
	if (stack_is_held(hash, check)) {
		/* A pc in code the agent does not know yet goes at once: the
		 * agent loads new code's tables when a sample shows it some. */
		bool at_once = !use_totals || s->user_stack_end == UNWIND_END_UNKNOWN_PC;
		if (at_once || !add_to_total(s, hash))
			send_reference(s, hash);
		COST_MARK(COST_SEND_REF, &mark);
		return 0;
	}
	__u64 in_flight = check | IN_FLIGHT;
	int rc = bpf_map_update_elem(&known_stacks, &hash, &in_flight, BPF_NOEXIST);
	s->stack = rc == 0 ? hash : 0;
	if (rc != 0 && rc != -BPFPROF_EEXIST)
		count(CPU_COUNTER_KNOWN_FULL);
	__u32 user = s->user_depth > 0 ? (__u32)s->user_depth : 0;
	__u32 kernel = s->kernel_depth > 0 ? (__u32)s->kernel_depth : 0;
	if (user > UNWIND_MAX_FRAMES)
		user = UNWIND_MAX_FRAMES;
	if (kernel > MAX_STACK_DEPTH)
		kernel = MAX_STACK_DEPTH;
	bpf_probe_read_kernel(scr->wire, CPU_SAMPLE_HEAD_BYTES, s);
	bpf_probe_read_kernel(scr->wire + CPU_SAMPLE_HEAD_BYTES, user * 8, s->user_stack);
	bpf_probe_read_kernel(scr->wire + CPU_SAMPLE_HEAD_BYTES + user * 8, kernel * 8, s->kernel_stack);
	__u64 size = CPU_SAMPLE_HEAD_BYTES + (user + kernel) * 8;
	if (size > CPU_SAMPLE_MAX_BYTES)
		return 0;
	__u64 waiting = bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA);
	if (bpf_ringbuf_output(&samples, scr->wire, size,
			       waiting > ringbuf_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP) != 0) {
		if (s->stack != 0)
			bpf_map_delete_elem(&known_stacks, &hash); /* never arrived: not held */
		count(CPU_COUNTER_RINGBUF_FULL);
		return 0;
	}
	if (s->stack != 0)
		bpf_map_update_elem(&known_stacks, &hash, &check, BPF_EXIST); /* in the ring now: references may follow */
	count(CPU_COUNTER_SENT_WHOLE);
	COST_MARK(COST_SEND_WHOLE, &mark);
	return 0;
}
