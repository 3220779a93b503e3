/* bpf_counters.c: the loss and event counters every BPF program keeps. */
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_counters.h"

void bpf_counters_sum(int map_fd, uint64_t *totals, uint32_t n)
{
	int n_cpus = libbpf_num_possible_cpus();
	uint64_t per_cpu[n_cpus > 0 ? n_cpus : 1];

	memset(totals, 0, n * sizeof(*totals));
	for (uint32_t counter = 0; counter < n; counter++) {
		if (bpf_map_lookup_elem(map_fd, &counter, per_cpu) != 0)
			continue;
		for (int cpu = 0; cpu < n_cpus; cpu++)
			totals[counter] += per_cpu[cpu];
	}
}

void bpf_counters_describe(struct profile *profile, const char *program, const char *const *descriptions,
			   const uint64_t *values, uint32_t n)
{
	char text[1024];
	size_t used = 0;

	for (uint32_t i = 0; i < n && used < sizeof(text); i++) {
		int wrote = snprintf(text + used, sizeof(text) - used, "%s%llu %s", i > 0 ? "; " : "",
				     (unsigned long long)values[i], descriptions[i]);
		used += wrote > 0 ? (size_t)wrote : 0;
	}
	profile_add_comment(profile, "counters of %s: %s", program, text);
}
