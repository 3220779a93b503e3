// SPDX-License-Identifier: GPL-2.0
/*
 * offcpu.bpf.c: where the target's threads wait, and for how long. Two
 * waits, each attached only when asked for: a thread switched out in a
 * sleeping state until it is switched back in (the block profile), and a
 * thread inside a futex wait from the system call's entry to its exit (the
 * mutex profile: pthread mutexes, condition variables and rwlocks all wait
 * there). The stack is taken where the wait starts; totals per stack are
 * kept here (offcpu.h), and the agent reads them once at the end.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "offcpu.h"
#include "maps.bpf.h"
#include "traced_pids.bpf.h"
#include "user_stack.bpf.h"

#define BPF_COUNTER_MAX OFFCPU_COUNTER_MAX
#include "counters.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define TASK_INTERRUPTIBLE 0x1
#define TASK_UNINTERRUPTIBLE 0x2
#define NR_FUTEX 202
#define NR_FUTEX_WAITV 449
#define FUTEX_CMD(op) ((op) & ~(128 | 256)) /* without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME */

const volatile __u64 min_wait_ns = 0; /* shorter waits are seen but not counted */
const volatile bool include_preempted = false; /* the wall clock counts waiting for a CPU too */

/* Set by the first run of either program: both fire for every task on the
 * machine, so a window in which this stays 0 saw nothing and says so. Read
 * before written, so the line is not bounced between CPUs on every event. */
volatile __u32 probe_fired = 0;

static __always_inline void note_fired(void)
{
	if (!probe_fired)
		probe_fired = 1;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64); /* the stack's hash */
	__type(value, struct offcpu_stack);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_total);
} totals SEC(".maps");

/* A wait in progress. */
struct wait {
	__u64 start_ns;
	__u64 stack;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* tid << 1 | kind */
	__type(value, struct wait);
} waits SEC(".maps");

/* The stack being taken: too big for the BPF stack. A system call's
 * program may be preempted on its CPU by another thread's: `busy` makes
 * the second give up (counted) rather than scribble over the first. */
struct stack_scratch {
	__u32 busy;
	__u32 pad;
	struct offcpu_stack stack;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_scratch);
} stack_scratch SEC(".maps");

static __always_inline __u64 hash_stack(const struct offcpu_stack *stack)
{
	__u64 hash = OFFCPU_HASH_SEED, word;

	for (int i = 0; i < UNWIND_MAX_FRAMES && i < stack->user_depth; i++)
		hash = offcpu_hash_word(hash, stack->user_stack[i]);
	hash = offcpu_hash_word(hash, 0); /* user and kernel frames never run together */
	for (int i = 0; i < OFFCPU_KERNEL_DEPTH && i < stack->kernel_depth; i++)
		hash = offcpu_hash_word(hash, stack->kernel_stack[i]);
	__builtin_memcpy(&word, stack->comm, sizeof(word));
	hash = offcpu_hash_word(hash, word);
	__builtin_memcpy(&word, stack->comm + 8, sizeof(word));
	hash = offcpu_hash_word(hash, word);
	hash = offcpu_hash_word(hash, stack->tgid);
	return hash != 0 ? hash : 1;
}

/* Takes the current thread's stack (its kernel part too, for block) into
 * the stacks map; its hash, or 0 when it cannot be kept (counted). */
static __always_inline __u64 take_stack(void *ctx, bool with_kernel)
{
	__u32 zero = 0;
	struct stack_scratch *s = bpf_map_lookup_elem(&stack_scratch, &zero);

	if (s == NULL)
		return 0;
	if (__sync_fetch_and_add(&s->busy, 1) != 0) {
		__sync_fetch_and_add(&s->busy, -1);
		count(OFFCPU_COUNTER_STACK_BUSY);
		return 0;
	}
	struct offcpu_stack *stack = &s->stack;
	__builtin_memset(stack->comm, 0, sizeof(stack->comm));
	bpf_get_current_comm(stack->comm, sizeof(stack->comm));
	stack->tgid = bpf_get_current_pid_tgid() >> 32;
	stack->user_depth = unwind_user_stack(ctx, stack->user_stack, &stack->user_stack_end);
	if (stack->user_depth < 0)
		count(OFFCPU_COUNTER_USER_STACK_ERR);
	stack->kernel_depth = 0;
	if (with_kernel) {
		/* The two innermost frames are this program and the kernel's
		 * tracepoint runner; the stack the thread blocked in starts after. */
		long bytes = bpf_get_stack(ctx, stack->kernel_stack, sizeof(stack->kernel_stack), 2);
		stack->kernel_depth = bytes < 0 ? (int)bytes : (int)(bytes / sizeof(__u64));
	}
	__u64 hash = hash_stack(stack);
	bool kept = map_insert_absent(&stacks, &hash, stack); /* or seen before */
	__sync_fetch_and_add(&s->busy, -1);
	if (!kept) {
		count(OFFCPU_COUNTER_STACKS_FULL);
		return 0;
	}
	return hash;
}

static __always_inline void start_wait(void *ctx, __u32 tid, enum offcpu_kind kind, bool with_kernel)
{
	struct wait wait = {.stack = take_stack(ctx, with_kernel)};
	__u64 key = (__u64)tid << 1 | kind;

	if (wait.stack == 0)
		return;
	wait.start_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&waits, &key, &wait, BPF_ANY) != 0)
		count(OFFCPU_COUNTER_THREADS_FULL);
}

static __always_inline void end_wait(__u32 tid, enum offcpu_kind kind)
{
	__u64 key = (__u64)tid << 1 | kind;
	struct wait *wait = bpf_map_lookup_elem(&waits, &key);

	if (wait == NULL)
		return; /* began before attach, or its stack could not be kept */
	__u64 delay = bpf_ktime_get_ns() - wait->start_ns;
	struct offcpu_key total_key = {.stack = wait->stack, .kind = kind};
	bpf_map_delete_elem(&waits, &key);
	count(OFFCPU_COUNTER_BLOCKS);
	if (delay < min_wait_ns)
		return;
	count(OFFCPU_COUNTER_COUNTED);
	struct offcpu_total first = {};
	struct offcpu_total *total = map_lookup_or_init(&totals, &total_key, &first);
	if (total == NULL) {
		count(OFFCPU_COUNTER_TOTALS_FULL);
		return;
	}
	__sync_fetch_and_add(&total->count, 1);
	__sync_fetch_and_add(&total->ns, delay);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(block_switch, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	/* A preempted thread still wants the CPU: only sleeps are blocking,
	 * though both are time a wall clock sees pass off CPU. */
	note_fired();
	if (is_traced((__u32)prev->tgid) &&
	    (include_preempted || (prev_state & (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)) != 0))
		start_wait(ctx, (__u32)prev->pid, OFFCPU_BLOCK, true);
	if (is_traced((__u32)next->tgid))
		end_wait((__u32)next->pid, OFFCPU_BLOCK);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(futex_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	note_fired();
	if (!is_traced(pid_tgid >> 32))
		return 0;
	if (id == NR_FUTEX) {
		/* Only the operations that wait: a wake never blocks. */
		long op = FUTEX_CMD(regs->si);
		if (op != 0 /* WAIT */ && op != 9 /* WAIT_BITSET */ && op != 6 /* LOCK_PI */ &&
		    op != 13 /* LOCK_PI2 */ && op != 11 /* WAIT_REQUEUE_PI */)
			return 0;
	} else if (id != NR_FUTEX_WAITV) {
		return 0;
	}
	start_wait(ctx, (__u32)pid_tgid, OFFCPU_FUTEX, false);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(futex_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (is_traced(pid_tgid >> 32))
		end_wait((__u32)pid_tgid, OFFCPU_FUTEX);
	return 0;
}
