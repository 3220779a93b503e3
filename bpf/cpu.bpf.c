// SPDX-License-Identifier: GPL-2.0
/*
 * cpu.bpf.c: on-CPU sampling. Attached to a cpu-clock perf event on every
 * CPU; keeps only the threads of the traced processes (so threads and
 * processes born after attach are sampled too) and sends each sample to
 * user space whole the first time its stack is seen, without its user
 * frames when the agent holds them from a sample with other kernel frames
 * (known_user_stacks). After that, samples
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
#include "traced_pids.bpf.h"
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

/* The user frames of kernel-mode samples the agent holds, the same way. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CPU_KNOWN_USER_STACKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u64);
} known_user_stacks SEC(".maps");

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
	__u32 narrow_kernel_stack[MAX_STACK_DEPTH];
	__u8 wire[CPU_SAMPLE_MAX_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sample_scratch);
} scratch SEC(".maps");

/* The innermost frame, which references carry (cpu.h): the kernel's when
 * the tick interrupted kernel code, else the user one; 0 when neither was
 * read. */
static __always_inline __u64 leaf_frame(const struct cpu_sample *s)
{
	if (s->kernel_depth > 0)
		return s->kernel_stack[0];
	return s->user_depth > 0 ? s->user_stack[0] : 0;
}

/* A stack's hash, and a second hash of another seed that tells a
 * collision from the same stack. */
struct hashes {
	__u64 hash, check;
};

static __always_inline void mix(struct hashes *h, __u64 word)
{
	h->hash = (h->hash ^ word) * 0x100000001b3ULL;
	h->check = (h->check ^ word) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
}

static __always_inline void finish(struct hashes *h)
{
	h->check &= ~IN_FLIGHT;
	if (h->hash == 0)
		h->hash = 1;
}

/* The stack's hashes, over everything a sample is aggregated by but its
 * innermost frame, and in a kernel-mode sample the user part's (pid,
 * user_stack_end, depth, comm and every user frame: the stack's hashes
 * before the kernel's part is mixed in). The same pass over the kernel
 * frames keeps their low halves in scr->narrow_kernel_stack, for a whole
 * record, and says whether every one was in the top 4 GiB (cpu.h). One
 * loop over each kind of frame: the verifier walks every iteration at
 * every load, and a second pass cost it a fifth more time. A global
 * function: each iteration's way out ends here instead of running through
 * the rest of sample_cpu (38,583 instructions verified inline, 9,257 here). */
__noinline int hash_stack(struct sample_scratch *scr, struct hashes *stack, struct hashes *user)
{
	if (scr == NULL || stack == NULL || user == NULL)
		return -1;
	struct cpu_sample *s = &scr->sample;
	__u64 word;

	*stack = (struct hashes){0xcbf29ce484222325ULL, 0x2545f4914f6cdd1dULL};
	mix(stack, (__u64)s->pid << 32 | s->user_stack_end);
	mix(stack, (__u32)s->user_depth);
	__builtin_memcpy(&word, s->comm, sizeof(word));
	mix(stack, word);
	__builtin_memcpy(&word, s->comm + 8, sizeof(word));
	mix(stack, word);
	for (int i = s->kernel_depth > 0 ? 0 : 1; i < UNWIND_MAX_FRAMES && i < s->user_depth; i++)
		mix(stack, s->user_stack[i]);
	/* The user part's hashes are the stack's so far: no second pass. */
	*user = *stack;
	finish(user);
	if (s->kernel_depth <= 0 || s->user_depth <= 0)
		user->hash = 0; /* the user frames are the whole stack, or none: nothing to hold apart */
	mix(stack, (__u32)s->kernel_depth);
	s->wire = CPU_WIRE_KERNEL_NARROW;
	for (int i = 0; i < MAX_STACK_DEPTH && i < s->kernel_depth; i++) {
		__u64 pc = s->kernel_stack[i];
		if (i > 0)
			mix(stack, pc);
		if ((pc & KERNEL_FRAME_HIGH) != KERNEL_FRAME_HIGH)
			s->wire = 0;
		scr->narrow_kernel_stack[i] = (__u32)pc;
	}
	finish(stack);
	return 0;
}

/* Whether the agent holds what h names in known (known_stacks or
 * known_user_stacks): its record is in the ring (not in flight) and the
 * second hash agrees. */
static __always_inline bool is_held(void *known, const struct hashes *h)
{
	__u64 *value = bpf_map_lookup_elem(known, &h->hash);

	if (value == NULL || *value == (h->check | IN_FLIGHT))
		return false;
	if (*value != h->check) {
		count(CPU_COUNTER_HASH_COLLISIONS);
		return false;
	}
	return true;
}

/* Marks h in flight in known for the record about to bring it: h's hash,
 * or 0 when another record is bringing it or there is no room (counted). */
static __always_inline __u64 take_in_flight(void *known, const struct hashes *h)
{
	__u64 in_flight = h->check | IN_FLIGHT;
	int rc = bpf_map_update_elem(known, &h->hash, &in_flight, BPF_NOEXIST);

	if (rc != 0 && rc != -BPFPROF_EEXIST)
		count(CPU_COUNTER_KNOWN_FULL);
	return rc == 0 ? h->hash : 0;
}

/* Once the record is in the ring, what it brings is held and later
 * samples may name it; a record that never got there brought nothing. */
static __always_inline void settle(void *known, const struct hashes *h, __u64 taken, bool sent)
{
	if (taken == 0)
		return;
	if (sent)
		bpf_map_update_elem(known, &h->hash, &h->check, BPF_EXIST);
	else
		bpf_map_delete_elem(known, &h->hash);
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

	if (!is_traced(pid_tgid >> 32))
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

	struct hashes stack, user;
	hash_stack(scr, &stack, &user);
	COST_MARK(COST_HASH, &mark);
	if (is_held(&known_stacks, &stack)) {
		/* A pc in code the agent does not know yet goes at once: the
		 * agent loads new code's tables when a sample shows it some. */
		bool at_once = !use_totals || s->user_stack_end == UNWIND_END_UNKNOWN_PC;
		if (at_once || !add_to_total(s, stack.hash))
			send_reference(s, stack.hash);
		COST_MARK(COST_SEND_REF, &mark);
		return 0;
	}
	s->stack = take_in_flight(&known_stacks, &stack);
	bool user_held = user.hash != 0 && is_held(&known_user_stacks, &user);
	__u64 user_taken = user.hash != 0 && !user_held ? take_in_flight(&known_user_stacks, &user) : 0;
	s->user_part = user_held ? user.hash : user_taken;
	s->wire |= user_held ? CPU_WIRE_USER_HELD : 0;
	__u32 user_frames = s->user_depth > 0 && !user_held ? (__u32)s->user_depth : 0;
	__u32 kernel = s->kernel_depth > 0 ? (__u32)s->kernel_depth : 0;
	if (user_frames > UNWIND_MAX_FRAMES)
		user_frames = UNWIND_MAX_FRAMES;
	if (kernel > MAX_STACK_DEPTH)
		kernel = MAX_STACK_DEPTH;
	bool narrow = s->wire & CPU_WIRE_KERNEL_NARROW;
	__u32 user_bytes = user_frames * 8, kernel_bytes = narrow ? kernel * 4 : kernel * 8;
	bpf_probe_read_kernel(scr->wire, CPU_SAMPLE_HEAD_BYTES, s);
	bpf_probe_read_kernel(scr->wire + CPU_SAMPLE_HEAD_BYTES, user_bytes, s->user_stack);
	if (narrow)
		bpf_probe_read_kernel(scr->wire + CPU_SAMPLE_HEAD_BYTES + user_bytes, kernel_bytes, scr->narrow_kernel_stack);
	else
		bpf_probe_read_kernel(scr->wire + CPU_SAMPLE_HEAD_BYTES + user_bytes, kernel_bytes, s->kernel_stack);
	__u64 size = CPU_SAMPLE_HEAD_BYTES + user_bytes + kernel_bytes;
	if (size > CPU_SAMPLE_MAX_BYTES)
		return 0;
	__u64 waiting = bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA);
	bool sent = bpf_ringbuf_output(&samples, scr->wire, size,
				       waiting > ringbuf_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP) == 0;
	/* In the ring now, references and totals may follow; or never sent, not held. */
	settle(&known_stacks, &stack, s->stack, sent);
	settle(&known_user_stacks, &user, user_taken, sent);
	if (!sent) {
		count(CPU_COUNTER_RINGBUF_FULL);
		return 0;
	}
	if (user_held)
		count(CPU_COUNTER_USER_HELD);
	count(CPU_COUNTER_SENT_WHOLE);
	COST_MARK(COST_SEND_WHOLE, &mark);
	return 0;
}
