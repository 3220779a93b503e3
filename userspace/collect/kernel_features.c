/*
 * kernel_features.c: the kernel features table and what each profile kind
 * needs of it (kernel_features.h).
 */
#include "kernel_features.h"

#include <string.h>

#define BIT(f) (1u << (f))

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

const char *const profile_kind_names[PROFILE_KIND_COUNT] = {"cpu",   "heap", "leaks",	"block",
							    "mutex", "wall", "threads", "trace"};

/* The table-driven (DWARF) unwinder; frame pointers need none of these. */
#define UNWINDER_NEEDS (BIT(FEATURE_CURRENT_TASK_BTF) | BIT(FEATURE_TASK_PT_REGS) | BIT(FEATURE_LOOP))

struct kind_needs {
	const char *kind;
	uint32_t features;
	bool unwinds; /* takes user stacks */
};

static const struct kind_needs kind_needs[] = {
	{"cpu", BIT(FEATURE_BTF) | BIT(FEATURE_PERF_EVENT) | BIT(FEATURE_RINGBUF) | BIT(FEATURE_ATOMICS), true},
	{"heap",
	 BIT(FEATURE_BTF) | BIT(FEATURE_UPROBE) | BIT(FEATURE_TP_BTF) | BIT(FEATURE_RINGBUF) | BIT(FEATURE_ATOMICS),
	 true},
	{"leaks",
	 BIT(FEATURE_BTF) | BIT(FEATURE_UPROBE) | BIT(FEATURE_TP_BTF) | BIT(FEATURE_RINGBUF) | BIT(FEATURE_ATOMICS),
	 true},
	{"block", BIT(FEATURE_BTF) | BIT(FEATURE_TP_BTF) | BIT(FEATURE_PREV_STATE) | BIT(FEATURE_ATOMICS), true},
	{"mutex", BIT(FEATURE_BTF) | BIT(FEATURE_TP_BTF) | BIT(FEATURE_ATOMICS), true},
	{"wall",
	 BIT(FEATURE_BTF) | BIT(FEATURE_PERF_EVENT) | BIT(FEATURE_RINGBUF) | BIT(FEATURE_TP_BTF) |
		 BIT(FEATURE_PREV_STATE) | BIT(FEATURE_ATOMICS),
	 true},
	{"threads", 0, false}, /* ptrace and libdwfl: no BPF */
	{"trace", BIT(FEATURE_BTF) | BIT(FEATURE_TP_BTF) | BIT(FEATURE_PREV_STATE) | BIT(FEATURE_RINGBUF), false},
};

static const struct kind_needs *find_kind(const char *kind)
{
	for (size_t i = 0; i < sizeof(kind_needs) / sizeof(kind_needs[0]); i++)
		if (strcmp(kind_needs[i].kind, kind) == 0)
			return &kind_needs[i];
	return NULL;
}

uint32_t kernel_features_needed(const char *kind, bool frame_pointers_only)
{
	const struct kind_needs *needs = find_kind(kind);

	if (needs == NULL)
		return 0;
	return needs->features | (needs->unwinds && !frame_pointers_only ? UNWINDER_NEEDS : 0);
}

int kernel_features_require(const char *kind, bool frame_pointers_only, uint32_t present, const char *release,
			    char *err, size_t err_len)
{
	uint32_t missing = kernel_features_needed(kind, frame_pointers_only) & ~present;

	if (missing == 0)
		return 0;
	enum kernel_feature first = 0;
	while (!(missing & BIT(first)))
		first++;
	char working[160] = "";
	size_t used = 0;
	for (size_t i = 0; i < PROFILE_KIND_COUNT; i++) {
		if ((kernel_features_needed(profile_kind_names[i], frame_pointers_only) & ~present) != 0)
			continue;
		int n = snprintf(working + used, sizeof(working) - used, "%s%s", used ? ", " : "",
				 profile_kind_names[i]);
		if (n > 0 && (size_t)n < sizeof(working) - used)
			used += (size_t)n;
	}
	const char *fp_hint =
		!frame_pointers_only && (missing & UNWINDER_NEEDS) == missing ? " (--unwind fp does without it)" : "";
	snprintf(err, err_len,
		 "the %s profile needs %s (Linux %s+), which this kernel (%s) lacks%s; what works here: %s", kind,
		 kernel_feature_table[first].name, kernel_feature_table[first].since, release, fp_hint,
		 used ? working : "nothing");
	return -1;
}

/* The kinds whose needs (with or without the DWARF unwinder) include f. */
static void print_kinds(FILE *out, enum kernel_feature f, bool frame_pointers_only, bool only_through_unwinder)
{
	const char *sep = "";

	for (size_t i = 0; i < PROFILE_KIND_COUNT; i++) {
		bool plain = kernel_features_needed(profile_kind_names[i], true) & BIT(f);
		bool needed = kernel_features_needed(profile_kind_names[i], frame_pointers_only) & BIT(f);
		if (needed && plain != only_through_unwinder) {
			fprintf(out, "%s%s", sep, profile_kind_names[i]);
			sep = ", ";
		}
	}
}

void kernel_features_markdown(FILE *out)
{
	fputs("| feature | since Linux | used for | needed by |\n|---|---|---|---|\n", out);
	for (int f = 0; f < FEATURE_COUNT; f++) {
		fprintf(out, "| %s | %s | %s | ", kernel_feature_table[f].name, kernel_feature_table[f].since,
			kernel_feature_table[f].why);
		if (BIT(f) & UNWINDER_NEEDS) {
			fputs("the DWARF unwinder (`--unwind auto`, `dwarf`) of ", out);
			print_kinds(out, f, false, true);
		} else {
			print_kinds(out, f, true, false);
		}
		fputs(" |\n", out);
	}
}
