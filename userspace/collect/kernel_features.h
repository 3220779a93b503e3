/*
 * kernel_features.h: the kernel features bpfprof's BPF programs use, since
 * which Linux release each exists, and the one-line refusal when a kind
 * needs one the kernel lacks. Each kind's needs are in its row of the
 * profile table (profile_kinds.c), which hands them here as kernel_kind
 * records: the agent checks them before loading anything, `bpfprof
 * features` prints them, and docs/kernels.md is checked against that by
 * the kernel-matrix suite. Pure: what the running kernel has is found by
 * kernel_probe.c.
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

#define FEATURE_BIT(f) (1u << (f))

/* What a profile kind needs: a mask of FEATURE_BIT()s, plus the table-driven
 * unwinder's own when it takes user stacks. */
struct kernel_kind {
	const char *name;
	uint32_t needs;
	bool unwinds;
};

/* The features kind needs; the unwinder's are added unless
 * frame_pointers_only. */
uint32_t kernel_features_needed(const struct kernel_kind *kind, bool frame_pointers_only);

/* 0 when every feature kind needs is in present; otherwise -1 and one line
 * naming the first missing feature, the release that has it, this kernel's
 * release and which of kinds[0..n) still work here. */
int kernel_features_require(const struct kernel_kind *kinds, size_t n, const struct kernel_kind *kind,
			    bool frame_pointers_only, uint32_t present, const char *release, char *err, size_t err_len);

/* The table as markdown (docs/kernels.md holds it verbatim): per feature its
 * release and which of kinds[0..n) need it. */
void kernel_features_markdown(FILE *out, const struct kernel_kind *kinds, size_t n);

#endif
