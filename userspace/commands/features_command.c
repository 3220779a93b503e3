/* features_command.c: `bpfprof features`: what this kernel offers each profile kind, and what its verifier spends on each BPF program. */
#include <stdio.h>
#include <string.h>

#include "unwind_mode.h"
#include "cpu_collector.h"
#include "features_command.h"
#include "heap_collector.h"
#include "kernel_features.h"
#include "kernel_probe.h"
#include "offcpu_collector.h"
#include "process_collector.h"
#include "profile_kinds.h"
#include "program_load.h"
#include "timeline_collector.h"

/* Every BPF object the agent loads, in each walk its user stacks can take:
 * the measures `features` prints and the kernel matrix holds to
 * PROGRAM_LOAD_INSNS_LIMIT. */
enum measured_object { MEASURE_CPU, MEASURE_HEAP, MEASURE_BLOCK, MEASURE_MUTEX, MEASURE_TIMELINE, MEASURE_TRACKER };

static int measure(enum measured_object object, enum unwind_mode mode, struct program_load *load, char *err,
		   size_t err_len)
{
	switch (object) {
	case MEASURE_CPU: return cpu_collector_measure(mode, load, err, err_len);
	case MEASURE_HEAP: return heap_collector_measure(mode, load, err, err_len);
	case MEASURE_BLOCK: return offcpu_collector_measure(OFFCPU_BLOCK, mode, load, err, err_len);
	case MEASURE_MUTEX: return offcpu_collector_measure(OFFCPU_FUTEX, mode, load, err, err_len);
	case MEASURE_TIMELINE: return timeline_collector_measure(load, err, err_len);
	case MEASURE_TRACKER: return process_collector_measure(load, err, err_len);
	}
	return -1;
}

/* One line a program: object, program, walk, verified instructions, the
 * verifier's time, and the whole object's load. */
static int print_programs(void)
{
	static const struct {
		enum measured_object object;
		const char *label;
		bool walks; /* loaded once per walk: DWARF (auto) and frame pointers */
	} objects[] = {
		{MEASURE_CPU, "cpu.bpf.c", true},
		{MEASURE_HEAP, "heap.bpf.c", true},
		{MEASURE_BLOCK, "offcpu.bpf.c(block)", true},
		{MEASURE_MUTEX, "offcpu.bpf.c(mutex)", true},
		{MEASURE_TIMELINE, "timeline.bpf.c", false},
		{MEASURE_TRACKER, "process_tracker.bpf.c", false},
	};
	int failed = 0;

	printf("BPF programs as this kernel verifies them (at most %d instructions each):\n", PROGRAM_LOAD_INSNS_LIMIT);
	printf("  %-22s %-22s %-5s %13s %12s %14s\n", "object", "program", "walk", "verified", "verifier",
	       "object loaded");
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		for (int walk = 0; walk < (objects[i].walks ? 2 : 1); walk++) {
			enum unwind_mode mode = objects[i].walks && walk == 0 ? UNWIND_MODE_AUTO : UNWIND_MODE_FP;
			struct program_load load;
			char err[512];
			if (measure(objects[i].object, mode, &load, err, sizeof(err)) != 0) {
				printf("  %s: %s\n", objects[i].label, err);
				failed++;
				continue;
			}
			if (load.mode != load.wanted) {
				printf("  %s: --unwind %s refused (%s); frame pointers instead\n", objects[i].label,
				       unwind_mode_name(load.wanted), load.refused);
				failed++;
			}
			for (size_t p = 0; p < load.n_programs; p++)
				printf("  %-22s %-22s %-5s %7u insns %9.1f ms %12.3f s\n", objects[i].label,
				       load.programs[p].name, objects[i].walks ? unwind_mode_name(load.mode) : "-",
				       load.programs[p].verified_insns, (double)load.programs[p].verify_us / 1e3,
				       load.seconds);
		}
	return failed;
}

int features_main(int argc, char **argv)
{
	struct kernel_kind kinds[PROFILE_KINDS_MAX];

	profile_kinds_kernel_needs(kinds);
	if (argc == 2 && strcmp(argv[1], "--programs") == 0) {
		if (!kernel_probe_permitted()) {
			fprintf(stderr, "bpfprof features: may not load BPF programs here: run as root (or with CAP_BPF "
					"and CAP_PERFMON)\n");
			return 1;
		}
		return print_programs() == 0 ? 0 : 1;
	}
	if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
		kernel_features_markdown(stdout, kinds, profile_kinds_count);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "bpfprof features: %s (usage: bpfprof features [--markdown | --programs])\n",
			strcmp(argv[1], "--help") == 0 ? "prints what this kernel offers bpfprof" : "unknown flag");
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	uint32_t have = kernel_features_present();
	if (!kernel_probe_permitted()) {
		fprintf(stderr, "bpfprof features: may not load BPF programs here, so the kernel cannot be asked: run "
				"as root (or with CAP_BPF and CAP_PERFMON)\n");
		return 1;
	}
	printf("kernel %s\n", kernel_release());
	for (int f = 0; f < FEATURE_COUNT; f++)
		printf("  %-40s %-4s (Linux %s+)\n", kernel_feature_table[f].name, have & FEATURE_BIT(f) ? "yes" : "NO",
		       kernel_feature_table[f].since);
	int missing = 0;
	for (size_t i = 0; i < profile_kinds_count; i++) {
		char why[512];
		bool works = profile_kind_kernel_check(&profile_kinds[i], false, why, sizeof(why)) == 0;
		missing += !works;
		printf("profile %-8s %s\n", profile_kinds[i].name, works ? "works" : why);
	}
	missing += print_programs();
	return missing == 0 ? 0 : 1;
}
