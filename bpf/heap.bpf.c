// SPDX-License-Identifier: GPL-2.0
/*
 * heap.bpf.c: sampled allocation tracing. Uprobes on the target's malloc
 * family count every call against the calling thread's countdown
 * (heap.h); only a sampled call walks its stack and writes a record, and
 * its address is remembered so that its free, and only its free, is
 * reported. An unsampled call costs the probe hit and a counter update.
 * With --heap-inject the countdown runs inside the target instead
 * (sampler/heap_sampler.c) and only sampler_note runs, for sampled calls
 * and the frees of sampled blocks.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "heap.h"
#include "maps.bpf.h"
#include "traced_pids.bpf.h"
#include "user_stack.bpf.h"

#define BPF_COUNTER_MAX HEAP_COUNTER_MAX
#include "counters.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 sample_rate = 512 * 1024;
const volatile bool whole_set = false; /* several processes: an exec is an event, not the end */
const volatile __u32 draw_table[HEAP_DRAW_TABLE] = {}; /* -ln(u), filled by the agent */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* A thread's countdown, and whether its allocation in flight was sampled. */
struct heap_thread {
	struct heap_countdown countdown;
	__u64 pending_size; /* the sampled call's size until it returns; 0: none */
	__u64 pending_sp;   /* its stack pointer at entry: the return that matches it has sp + 8 */
	__u64 pending_out;  /* posix_memalign: where the address will be stored; 0: it is returned */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid */
	__type(value, struct heap_thread);
} threads SEC(".maps");

/* Sampled allocations still live: address -> size. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20); /* sized by the agent */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct heap_live_key);
	__type(value, __u64);
} live SEC(".maps");

static __always_inline struct heap_thread *thread_state(__u32 tid)
{
	struct heap_thread *thread = bpf_map_lookup_elem(&threads, &tid);

	if (thread != NULL)
		return thread;
	/* A new thread starts at a random point of its first distance. */
	struct heap_thread fresh = {
		.countdown.bytes_left =
			(__s64)heap_next_distance((const __u32 *)draw_table, sample_rate, bpf_get_prandom_u32()),
	};
	return map_lookup_or_init(&threads, &tid, &fresh);
}

/* A sampled allocation's record: its size and the stack that made it, walked
 * from the thread's registers or (the in-process sampler) from start. */
static __always_inline int send_allocation(void *ctx, const struct user_start *start, __u64 pid_tgid, __u64 size)
{
	struct heap_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (event == NULL) {
		count(HEAP_COUNTER_RINGBUF_FULL);
		return -1;
	}
	event->header = (struct heap_event_header){
		.kind = HEAP_EVENT_ALLOC, .tid = (__u32)pid_tgid, .tgid = pid_tgid >> 32, .size = size};
	event->time_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event->header.user_depth =
		unwind_user_stack_from(ctx, start, event->user_stack, &event->header.user_stack_end);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/* out: where the call stores the new address (posix_memalign), or 0 when
 * it returns it. */
static __always_inline int on_allocation(void *ctx, __u64 size, __u64 out)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!is_traced(pid_tgid >> 32))
		return 0;
	struct heap_thread *thread = thread_state((__u32)pid_tgid);
	if (thread == NULL) {
		count(HEAP_COUNTER_THREADS_FULL);
		return 0;
	}
	/* A tail call of a sampled call (glibc's reallocarray jumps to
	 * realloc) is the same allocation: one call, one return. */
	__u64 sp = PT_REGS_SP((struct pt_regs *)ctx);
	if (thread->pending_size != 0 && thread->pending_sp == sp)
		return 0;
	count(HEAP_COUNTER_CALLS);
	if (!heap_countdown_take(&thread->countdown, (const __u32 *)draw_table, sample_rate, size,
				 bpf_get_prandom_u32()))
		return 0;
	count(HEAP_COUNTER_SAMPLED);
	/* glibc's allocators call each other (realloc may malloc): the
	 * return is matched by stack pointer, not by order. */
	thread->pending_size = size > 0 ? size : 1;
	thread->pending_sp = sp;
	thread->pending_out = out;

	if (send_allocation(ctx, NULL, pid_tgid, size) != 0)
		thread->pending_size = 0;
	return 0;
}

static __always_inline void send_header(__u8 kind, __u64 pid_tgid, __u64 address, __u64 size)
{
	struct heap_event_header event = {
		.kind = kind, .tid = (__u32)pid_tgid, .tgid = pid_tgid >> 32, .address = address, .size = size};

	if (bpf_ringbuf_output(&events, &event, sizeof(event), 0) != 0)
		count(HEAP_COUNTER_RINGBUF_FULL);
}

/* Frees of addresses never sampled end here, at one hash lookup. */
static __always_inline void forget_live(__u64 pid_tgid, __u64 address)
{
	struct heap_live_key key = {.address = address, .tgid = pid_tgid >> 32};

	if (bpf_map_delete_elem(&live, &key) == 0)
		send_header(HEAP_EVENT_FREE, pid_tgid, address, 0);
}

static __always_inline void on_free(__u64 address)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!is_traced(pid_tgid >> 32) || address == 0)
		return;
	forget_live(pid_tgid, address);
}

/* malloc, valloc, pvalloc */
SEC("uprobe")
int BPF_KPROBE(malloc_entry, __u64 size)
{
	return on_allocation(ctx, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(calloc_entry, __u64 count, __u64 size)
{
	return on_allocation(ctx, count * size, 0);
}

SEC("uprobe")
int BPF_KPROBE(realloc_entry, __u64 address, __u64 size)
{
	on_free(address);
	return on_allocation(ctx, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(reallocarray_entry, __u64 address, __u64 count, __u64 size)
{
	on_free(address);
	return on_allocation(ctx, count * size, 0);
}

/* aligned_alloc, memalign */
SEC("uprobe")
int BPF_KPROBE(memalign_entry, __u64 alignment, __u64 size)
{
	return on_allocation(ctx, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_entry, __u64 out, __u64 alignment, __u64 size)
{
	return on_allocation(ctx, size, out);
}

SEC("uprobe")
int BPF_KPROBE(free_entry, __u64 address)
{
	on_free(address);
	return 0;
}

/* When the traced process (a set of one) called exec (0: not yet): its heap and its code are
 * then another program's, so the agent stops tracing there. */
volatile __u64 exec_time_ns = 0;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!is_traced((__u32)task->tgid))
		return 0;
	if (whole_set)
		send_header(HEAP_EVENT_EXEC, (__u64)task->tgid << 32 | (__u32)task->pid, 0, 0);
	else if (exec_time_ns == 0)
		exec_time_ns = bpf_ktime_get_ns();
	return 0;
}

/* A sampled allocation returned: its address (0: it failed), remembered
 * until its free. */
static __always_inline void remember_live(__u64 pid_tgid, __u64 address, __u64 size)
{
	struct heap_live_key key = {.address = address, .tgid = pid_tgid >> 32};

	if (address != 0 && bpf_map_update_elem(&live, &key, &size, BPF_ANY) != 0)
		count(HEAP_COUNTER_LIVE_FULL);
	send_header(HEAP_EVENT_DONE, pid_tgid, address, size);
}

/* Every allocation function's return: only a sampled call has work. */
SEC("uretprobe")
int BPF_KRETPROBE(allocation_return, __u64 address)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!is_traced(pid_tgid >> 32))
		return 0;
	__u32 tid = (__u32)pid_tgid;
	struct heap_thread *thread = bpf_map_lookup_elem(&threads, &tid);
	if (thread == NULL || thread->pending_size == 0 || PT_REGS_SP(ctx) != thread->pending_sp + 8)
		return 0;
	__u64 size = thread->pending_size;
	thread->pending_size = 0;
	/* posix_memalign returns 0 and stores the address. */
	if (thread->pending_out != 0 &&
	    (address != 0 || bpf_probe_read_user(&address, sizeof(address), (const void *)thread->pending_out) != 0))
		address = 0;
	remember_live(pid_tgid, address, size);
	return 0;
}

/* The in-process sampler's note (--heap-inject): the sampling was decided
 * in the target, and only sampled calls and the frees of sampled blocks
 * come here. */
SEC("uprobe")
int BPF_KPROBE(sampler_note, const struct heap_sampler_note *user_note)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct heap_sampler_note note;

	if (!is_traced(pid_tgid >> 32) || bpf_probe_read_user(&note, sizeof(note), user_note) != 0)
		return 0;
	count_many(HEAP_COUNTER_CALLS, note.calls);
	if (note.kind == HEAP_EVENT_FREE) {
		forget_live(pid_tgid, note.address);
		return 0;
	}
	count(HEAP_COUNTER_SAMPLED);
	struct user_start start = {.pc = note.function, .sp = note.entry_sp, .bp = note.caller_bp};
	if (send_allocation(ctx, &start, pid_tgid, note.size) != 0)
		return 0;
	if (note.flags & HEAP_NOTE_UNTRACKED) {
		count(HEAP_COUNTER_LIVE_FULL);
		send_header(HEAP_EVENT_DONE, pid_tgid, note.address, note.size);
	} else {
		remember_live(pid_tgid, note.address, note.size);
	}
	return 0;
}
