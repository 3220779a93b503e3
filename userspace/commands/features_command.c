/* features_command.c: `bpfprof features`: what this kernel offers each profile kind. */
#include <stdio.h>
#include <string.h>

#include "features_command.h"
#include "kernel_features.h"
#include "kernel_probe.h"
#include "profile_sources.h"

int features_main(int argc, char **argv)
{
	struct kernel_kind kinds[PROFILE_SOURCES_MAX];

	profile_sources_kernel_kinds(kinds);
	if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
		kernel_features_markdown(stdout, kinds, profile_sources_count);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "bpfprof features: %s (usage: bpfprof features [--markdown])\n",
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
	for (size_t i = 0; i < profile_sources_count; i++) {
		char why[512];
		bool works = profile_source_kernel_check(&profile_sources[i], false, why, sizeof(why)) == 0;
		missing += !works;
		printf("profile %-8s %s\n", profile_sources[i].name, works ? "works" : why);
	}
	return missing == 0 ? 0 : 1;
}
