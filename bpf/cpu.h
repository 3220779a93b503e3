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

/* One on-CPU sample of a target thread. A stack length is the number of
 * frames read, or a negative errno when the read failed (counted too). */
struct cpu_sample {
	__u32 pid;
	__u32 tid;
	__u64 time_ns;
	__u64 period; /* the event's count this sample stands for: ns of cpu-clock, cycles, ... */
	__s32 user_depth;
	__s32 kernel_depth;
	char comm[TASK_COMM_LEN];
	__u8 user_stack_end; /* enum unwind_end: why the user stack stops where it does */
	__u8 pad[7];
	__u64 user_stack[UNWIND_MAX_FRAMES];
	__u64 kernel_stack[MAX_STACK_DEPTH];
};

/* Per-CPU counters, so nothing is dropped silently, each with what it
 * counts, as profile comments say it (counter_list.h). */
#define CPU_COUNTERS(X) \
	X(CPU_COUNTER_SAMPLES, "target samples seen by the program") \
	X(CPU_COUNTER_RINGBUF_FULL, "samples with no room in the ring buffer") \
	X(CPU_COUNTER_USER_STACK_ERR, "samples whose user stack could not be read") \
	X(CPU_COUNTER_KERNEL_STACK_ERR, "samples whose kernel stack could not be read")
enum cpu_counter { CPU_COUNTERS(BPF_COUNTER_ENUM) CPU_COUNTER_MAX };

#endif
