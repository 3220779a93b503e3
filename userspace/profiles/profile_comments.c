/*
 * profile_comments.c: what a profile says about the traced set and takes
 * from it: the comments every profile starts with (which processes, the
 * command line, how the set changed), the stacks named through the set's
 * images with the comments naming them earns (debug info found in the
 * background, objects held, debug copies, what each process gave), and
 * the hint that a quiet parent's children may be doing the work.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bpf_counters.h"
#include "clock.h"
#include "hashmap.h"
#include "process_tree.h"
#include "profile_builder.h"
#include "profile_comments.h"
#include "stack_table.h"
#include "version.h"
#include "window_health.h"

#define FEW_SAMPLES 10 /* a profile this thin of a parent hints that its children work */

/* With the lock held: what each process gave, when there are several. */
static void describe_processes(struct traced_set *set, struct profile *profile, const struct stack_table *stacks)
{
	struct hashmap *totals = hashmap_new();
	size_t cursor = 0, value = profile_default_value(profile);
	struct stack_key key;
	const int64_t *values;
	char text[2048];
	size_t used = 0;

	if (totals == NULL)
		return;
	while (stack_table_next(stacks, &cursor, &key, &values)) {
		bool added;
		struct hashmap_entry *entry = hashmap_upsert(totals, &key.pid, sizeof(key.pid), &added);
		if (entry != NULL)
			entry->value += (uint64_t)values[value];
	}
	struct hashmap_entry *entry;
	size_t listed = 0;
	for (size_t i = 0; i < set->n_processes && used < sizeof(text); i++) {
		uint32_t pid = (uint32_t)set->processes[i]->handle.pid;
		if (!traced_set_is_current(set, set->processes[i]))
			continue; /* an exec'd program's record: its pid is counted once */
		entry = hashmap_find(totals, &pid, sizeof(pid));
		if (entry == NULL || listed++ >= SET_NAMED_PROCESSES * 4)
			continue;
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%sPID %u (%s) %" PRIu64, used > 0 ? ", " : "",
					 pid, set->processes[i]->handle.comm, entry->value);
	}
	if (used > 0)
		profile_add_comment(profile, "%s/%s by process: %s", profile->sample_types[value].type,
				    profile->sample_types[value].unit, text);
	hashmap_free(totals);
}

/* With the lock held: a lone process that did next to nothing, while
 * children of its did the work (nginx's master, PostgreSQL's postmaster),
 * says so rather than leave an empty profile unexplained. */
static void hint_at_children(struct traced_set *set, struct profile *profile, const struct stack_table *stacks)
{
	size_t cursor = 0, n_children = 0;
	struct stack_key key;
	const int64_t *values;
	int64_t total = 0;

	while (stack_table_next(stacks, &cursor, &key, &values))
		total += values[0];
	if (total >= FEW_SAMPLES || set->first->exited)
		return;
	pid_t pid = set->first->handle.pid, *parents = NULL;
	pid_t *children = process_tree_descendants(&pid, 1, &parents, &n_children);
	free(children);
	free(parents);
	if (n_children > 0)
		profile_add_comment(profile,
				    WARNING_PREFIX "PID %d has %zu child process%s and did little itself: the work may "
						   "be theirs; --children profiles them too",
				    (int)pid, n_children, n_children == 1 ? "" : "es");
}

int traced_set_add_stacks(struct traced_set *set, struct profile *profile, const struct stack_table *stacks)
{
	uint64_t started = monotonic_ns();

	traced_set_lock(set);
	symbolizer_take_debuginfo(set->symbolizer);
	char debuginfo[1024];
	if (symbolizer_describe_debuginfo(set->symbolizer, debuginfo, sizeof(debuginfo)))
		profile_add_comment(profile, "%s", debuginfo);
	traced_set_cover_stacks(set, stacks, started);
	struct symbolizer_stats objects;
	symbolizer_read_stats(set->symbolizer, &objects);
	if (objects.idle > 0 || objects.dropped > 0)
		profile_add_comment(profile,
				    "objects read: %zu held, %zu of them mapped by no process now; %" PRIu64
				    " freed after their last mapping went",
				    objects.objects, objects.idle, objects.dropped);
	if (set->n_processes > 1 || traced_set_can_grow(set))
		describe_processes(set, profile, stacks);
	else
		hint_at_children(set, profile, stacks);
	int rc = profile_add_stacks(profile, stacks, traced_set_stack_process, set, set->first->maps,
				    set->symbolizer);
	symbolizer_read_stats(set->symbolizer, &objects); /* naming the stacks may have copied debug files */
	if (objects.debug_copies_read + objects.debug_copies_written + objects.debug_copy_failures > 0)
		profile_add_comment(profile,
				    "debug files: %" PRIu64 " read from the cache's uncompressed copies, %" PRIu64
				    " copied into it%s",
				    objects.debug_copies_read, objects.debug_copies_written,
				    objects.debug_copy_failures > 0 ? ", some not (a write failed)" : "");
	traced_set_unlock(set);
	return rc;
}

void profile_comments_add_set(struct profile *profile, struct traced_set *set, const char *what)
{
	char name[4096];

	traced_set_lock(set);
	traced_set_name_held(set, name, sizeof(name));
	profile_add_comment(profile, "bpfprof %s: %s of %s", BPFPROF_VERSION, what, name);
	profile_add_comment(profile, "command: %s", traced_set_main(set)->cmdline);
	if (traced_set_can_grow(set)) {
		size_t exited = 0;
		for (size_t i = 0; i < set->n_processes; i++)
			exited += set->processes[i]->exited && !set->processes[i]->left &&
				  traced_set_is_current(set, set->processes[i]);
		char moved_out[96] = "";
		if (set->spec.cgroup[0] != '\0')
			snprintf(moved_out, sizeof(moved_out),
				 ", %" PRIu64 " moved out of the cgroup (their samples until then kept)", set->left);
		profile_add_comment(profile,
				    "processes: %zu seen, %" PRIu64 " of them joined after attach, %zu exited%s, %" PRIu64
				    " exec'd a new program; %" PRIu64 " left before they could be read, %" PRIu64
				    " whose maps could not be read, %" PRIu64 " not unwound by tables (no room)",
				    set->n_processes - set->execs, set->joined, exited, moved_out, set->execs,
				    set->gone_before_read, set->unreadable, set->not_unwound);
		uint64_t counters[PROCESS_COUNTER_MAX];
		process_collector_read_counters(set->tracker, counters);
		bpf_counters_describe(profile, "process_tracker.bpf.c", process_counter_descriptions, counters,
				      PROCESS_COUNTER_MAX);
	}
	traced_set_unlock(set);
}
