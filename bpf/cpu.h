/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu.h: records shared by cpu.bpf.c and the agent's CPU collector.
 */
#ifndef BPFPROF_CPU_H
#define BPFPROF_CPU_H

#include "counter_list.h"
#include "unwind.h"

#define MAX_STACK_DEPTH 127 /* kernel frames: the kernel's default perf_event_max_stack */
#define TASK_COMM_LEN 16
#define CPU_KNOWN_STACKS 16384 /* stacks the agent holds, sent once each, then totalled */
#define CPU_KNOWN_USER_STACKS 16384 /* kernel-mode samples' user frames the agent holds */
#define CPU_TOTALS 8192         /* (stack, innermost frame) pairs totalled in the kernel between drains */
#define CPU_TOTALS_MAX (1U << 20)

/* One on-CPU sample of a target thread, stacks and all, as the agent
 * holds it. A stack length is the number of frames read, or a negative
 * errno when the read failed (counted too). */
struct cpu_sample {
	__u32 pid;
	__u32 tid;
	__u64 period; /* the event's count this sample stands for: ns of cpu-clock, cycles, ... */
	__s32 user_depth;
	__s32 kernel_depth;
	char comm[TASK_COMM_LEN];
	__u8 user_stack_end; /* enum unwind_end: why the user stack stops where it does */
	__u8 wire; /* CPU_WIRE_*: how the frames travelled (the wire only) */
	__u8 pad[6];
	__u64 stack; /* the agent keeps this sample's stack (with pid, comm and
			user_stack_end) under this hash, which later samples'
			totals and references name with their innermost frame;
			0: use it once (a hash collision, no room) */
	__u64 user_part; /* a kernel-mode sample's user frames (with pid, comm and
			    user_stack_end) are held under this hash too: a later
			    sample with the same user frames and new kernel ones
			    sends the kernel frames alone; 0: not to be held */
	__u64 user_stack[UNWIND_MAX_FRAMES];
	__u64 kernel_stack[MAX_STACK_DEPTH];
};

/* On the wire, a sample of a stack the agent does not hold yet is the
 * head of a struct cpu_sample (all but its frame arrays) followed by the
 * user frames read, unless the agent holds them (CPU_WIRE_USER_HELD: a
 * system call reached by one path runs through many kernel paths), then
 * the kernel frames read: a few hundred bytes instead of the arrays' 2
 * KiB. x86-64 runs all kernel code (its text,
 * modules, BPF programs) in the top 2 GiB of the address space, so kernel
 * frames go as their low 32 bits (CPU_WIRE_KERNEL_NARROW), the upper half
 * being KERNEL_FRAME_HIGH; a stack with any other address goes in 8 bytes
 * a frame. */
#define CPU_SAMPLE_HEAD_BYTES __builtin_offsetof(struct cpu_sample, user_stack)
#define CPU_SAMPLE_MAX_BYTES (CPU_SAMPLE_HEAD_BYTES + (UNWIND_MAX_FRAMES + MAX_STACK_DEPTH) * 8)
#define KERNEL_FRAME_HIGH 0xffffffff00000000ULL
#define CPU_WIRE_KERNEL_NARROW 1 /* kernel frames as their low 32 bits */
#define CPU_WIRE_USER_HELD 2	 /* no user frames: the agent holds them under user_part */

/* A sample of a stack the agent holds, when the totals have no room for
 * it or its user stack stops in code the agent does not know yet: 32
 * bytes. Told apart from a whole sample by its size (a head alone is
 * longer). Stacks are held
 * without their innermost frame (the kernel's when the tick interrupted
 * kernel code, else the user one): that pc differs at almost every tick of
 * a busy function, and carried here it lets every tick of one call path
 * share one held stack. */
struct cpu_sample_ref {
	__u64 stack; /* the hash a struct cpu_sample brought it under */
	__u64 period;
	__u64 leaf; /* the innermost frame, in place of the held stack's */
	__u32 tid;
	__u32 pad;
};

/* Samples of a stack the agent holds are first totalled in the kernel,
 * per innermost frame, and the agent drains the totals: a pair seen many
 * times between two drains crosses once. References are the fallback
 * when the totals have no room. */
struct cpu_total_key {
	__u64 stack; /* the hash a struct cpu_sample brought it under */
	__u64 leaf;
};

struct cpu_total {
	__u64 samples;
	__u64 period; /* their periods' sum */
};

_Static_assert(sizeof(struct cpu_sample_ref) < CPU_SAMPLE_HEAD_BYTES, "the two records are told apart by size");

/* Per-CPU counters, so nothing is dropped silently, each with what it
 * counts, as profile comments say it (counter_list.h). */
#define CPU_COUNTERS(X) \
	X(CPU_COUNTER_SAMPLES, "target samples seen by the program") \
	X(CPU_COUNTER_RINGBUF_FULL, "samples with no room in the ring buffer") \
	X(CPU_COUNTER_USER_STACK_ERR, "samples whose user stack could not be read") \
	X(CPU_COUNTER_KERNEL_STACK_ERR, "samples whose kernel stack could not be read") \
	X(CPU_COUNTER_SENT_WHOLE, "samples sent with their stacks") \
	X(CPU_COUNTER_SENT_BY_REFERENCE, "samples sent by reference to a stack sent before") \
	X(CPU_COUNTER_HASH_COLLISIONS, "samples whose stack hash was another stack's (sent with their stacks)") \
	X(CPU_COUNTER_KNOWN_FULL, "samples of new stacks beyond the ones held (sent with their stacks)") \
	X(CPU_COUNTER_TOTALLED, "samples totalled in the kernel per stack") \
	X(CPU_COUNTER_TOTALS_MADE, "totals begun (a stack and innermost frame not seen since the last read)") \
	X(CPU_COUNTER_TOTALS_FULL, "samples with no room in the totals (sent by reference)") \
	X(CPU_COUNTER_USER_HELD, "samples sent with their kernel frames alone (their user frames sent before)")
enum cpu_counter { CPU_COUNTERS(BPF_COUNTER_ENUM) CPU_COUNTER_MAX };

#endif
