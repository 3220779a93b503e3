/*
 * kernel_features.c: the kernel features table, and checking a kind's
 * needs against what a kernel has (kernel_features.h).
 */
#include "kernel_features.h"

#include <string.h>

#define BIT(f) FEATURE_BIT(f)

const struct kernel_feature_info kernel_feature_table[FEATURE_COUNT] = {
	[FEATURE_BTF] = {"kernel BTF (/sys/kernel/btf/vmlinux)", "5.4", "CO-RE field offsets, typed tracepoints"},
	[FEATURE_TP_BTF] = {"BTF-typed tracepoints (tp_btf)", "5.5", "scheduler, system-call and exec events"},
	[FEATURE_PREV_STATE] = {"sched_switch's prev_state argument", "5.18",
				"telling a sleep from a preemption at a switch"},
	[FEATURE_PERF_EVENT] = {"BPF programs on perf events", "4.9", "the cpu-clock sampler"},
	[FEATURE_UPROBE] = {"the uprobe perf PMU", "4.17", "probes on the target's malloc family"},
	[FEATURE_RINGBUF] = {"BPF ring buffer", "5.8", "samples and events to the agent"},
	[FEATURE_ATOMICS] = {"BPF atomic fetch-and-add", "5.12", "per-CPU walk guards, wait totals"},
	[FEATURE_CURRENT_TASK_BTF] = {"bpf_get_current_task_btf()", "5.11", "the user stack unwinder"},
	[FEATURE_TASK_PT_REGS] = {"bpf_task_pt_regs()", "5.15", "user registers at any probe, for the unwinder"},
	[FEATURE_LOOP] = {"bpf_loop()", "5.17", "the DWARF unwinder's frame loop"},
};

/* The table-driven (DWARF) unwinder; frame pointers need none of these. */
#define UNWINDER_NEEDS (BIT(FEATURE_CURRENT_TASK_BTF) | BIT(FEATURE_TASK_PT_REGS) | BIT(FEATURE_LOOP))

uint32_t kernel_features_needed(const struct kernel_kind *kind, bool frame_pointers_only)
{
	return kind->needs | (kind->unwinds && !frame_pointers_only ? UNWINDER_NEEDS : 0);
}

int kernel_features_require(const struct kernel_kind *kinds, size_t n, const struct kernel_kind *kind,
			    bool frame_pointers_only, uint32_t present, const char *release, char *err, size_t err_len)
{
	uint32_t missing = kernel_features_needed(kind, frame_pointers_only) & ~present;

	if (missing == 0)
		return 0;
	enum kernel_feature first = 0;
	while (!(missing & BIT(first)))
		first++;
	char working[160] = "";
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if ((kernel_features_needed(&kinds[i], frame_pointers_only) & ~present) != 0)
			continue;
		int wrote = snprintf(working + used, sizeof(working) - used, "%s%s", used ? ", " : "", kinds[i].name);
		if (wrote > 0 && (size_t)wrote < sizeof(working) - used)
			used += (size_t)wrote;
	}
	const char *fp_hint =
		!frame_pointers_only && (missing & UNWINDER_NEEDS) == missing ? " (--unwind fp does without it)" : "";
	snprintf(err, err_len,
		 "the %s profile needs %s (Linux %s+), which this kernel (%s) lacks%s; what works here: %s", kind->name,
		 kernel_feature_table[first].name, kernel_feature_table[first].since, release, fp_hint,
		 used ? working : "nothing");
	return -1;
}

/* The kinds whose needs (with or without the DWARF unwinder) include f. */
static void print_kinds(FILE *out, const struct kernel_kind *kinds, size_t n, enum kernel_feature f,
			bool frame_pointers_only, bool only_through_unwinder)
{
	const char *sep = "";

	for (size_t i = 0; i < n; i++) {
		bool plain = kernel_features_needed(&kinds[i], true) & BIT(f);
		bool needed = kernel_features_needed(&kinds[i], frame_pointers_only) & BIT(f);
		if (needed && plain != only_through_unwinder) {
			fprintf(out, "%s%s", sep, kinds[i].name);
			sep = ", ";
		}
	}
}

void kernel_features_markdown(FILE *out, const struct kernel_kind *kinds, size_t n)
{
	fputs("| feature | since Linux | used for | needed by |\n|---|---|---|---|\n", out);
	for (int f = 0; f < FEATURE_COUNT; f++) {
		fprintf(out, "| %s | %s | %s | ", kernel_feature_table[f].name, kernel_feature_table[f].since,
			kernel_feature_table[f].why);
		if (BIT(f) & UNWINDER_NEEDS) {
			fputs("the DWARF unwinder (`--unwind auto`, `dwarf`) of ", out);
			print_kinds(out, kinds, n, f, false, true);
		} else {
			print_kinds(out, kinds, n, f, true, false);
		}
		fputs(" |\n", out);
	}
}
