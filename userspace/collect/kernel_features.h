/*
 * kernel_features.h: which kernel features each profile kind needs, since
 * which Linux release each exists, and the one-line refusal when one is
 * missing. The table is the single description: the agent checks it before
 * loading anything, `bpfprof features` prints it, and docs/kernels.md is
 * checked against it by the kernel-matrix suite. Pure: what the running
 * kernel has is found by kernel_probe.c.
 */
#ifndef KERNEL_FEATURES_H
#define KERNEL_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum kernel_feature {
	FEATURE_BTF,		  /* the kernel's own BTF, for CO-RE and typed tracepoints */
	FEATURE_TP_BTF,		  /* BTF-typed tracepoint programs (tp_btf/...) */
	FEATURE_PREV_STATE,	  /* tp_btf/sched_switch's prev_state argument */
	FEATURE_PERF_EVENT,	  /* BPF programs on perf events (cpu-clock) */
	FEATURE_UPROBE,		  /* uprobes through perf_event_open's uprobe PMU */
	FEATURE_RINGBUF,	  /* the BPF ring buffer map */
	FEATURE_ATOMICS,	  /* BPF atomic fetch-and-add */
	FEATURE_CURRENT_TASK_BTF, /* bpf_get_current_task_btf() */
	FEATURE_TASK_PT_REGS,	  /* bpf_task_pt_regs(): a task's user registers anywhere */
	FEATURE_LOOP,		  /* bpf_loop(): the DWARF unwinder's frame loop */
	FEATURE_COUNT,
};

struct kernel_feature_info {
	const char *name;  /* as users know it */
	const char *since; /* the first Linux release with it */
	const char *why;   /* what bpfprof uses it for */
};

extern const struct kernel_feature_info kernel_feature_table[FEATURE_COUNT];

/* The profile kinds, in the order the agent names them. */
#define PROFILE_KIND_COUNT 8
extern const char *const profile_kind_names[PROFILE_KIND_COUNT];

/* The features a kind needs (a mask of 1 << enum kernel_feature); the
 * table-driven unwinder's own needs are added unless frame_pointers_only. */
uint32_t kernel_features_needed(const char *kind, bool frame_pointers_only);

/* 0 when every feature kind needs is in present; otherwise -1 and one line
 * naming the first missing feature, the release that has it, this kernel's
 * release and the kinds that still work here. */
int kernel_features_require(const char *kind, bool frame_pointers_only, uint32_t present, const char *release,
			    char *err, size_t err_len);

/* The table as markdown (docs/kernels.md holds it verbatim): per feature its
 * release and the kinds that need it. */
void kernel_features_markdown(FILE *out);

#endif
