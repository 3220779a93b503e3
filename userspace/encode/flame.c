/*
 * flame.c: a profile's samples as root-first stacks of frames, each named
 * and of the kind its location has in the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "hashmap.h"

/* The sample's "state" label, or NULL. */
static const char *sample_state(const struct profile *profile, const struct profile_sample *sample)
{
	for (uint32_t i = 0; i < sample->n_labels; i++) {
		const struct profile_label *label = &profile->labels[sample->first_label + i];
		if (label->str != NULL && strcmp(label->key, "state") == 0)
			return label->str;
	}
	return NULL;
}

/* The sample's pid and comm labels; false when it has no pid. */
static bool sample_process(const struct profile *profile, const struct profile_sample *sample, int64_t *pid,
			   const char **comm)
{
	bool found = false;

	*comm = "?";
	for (uint32_t i = 0; i < sample->n_labels; i++) {
		const struct profile_label *label = &profile->labels[sample->first_label + i];
		if (label->str == NULL && strcmp(label->key, "pid") == 0) {
			*pid = label->num;
			found = true;
		} else if (label->str != NULL && strcmp(label->key, "comm") == 0) {
			*comm = label->str;
		}
	}
	return found;
}

/* Whether the profile's samples come from more than one process. */
static bool several_processes(const struct profile *profile)
{
	int64_t first = 0, pid;
	const char *comm;
	bool seen = false;

	for (size_t s = 0; s < profile->n_samples; s++) {
		if (!sample_process(profile, &profile->samples[s], &pid, &comm))
			continue;
		if (seen && pid != first)
			return true;
		first = pid;
		seen = true;
	}
	return false;
}

/* The root frame's name for a sample's process, made once per pid. */
static const char *process_name(struct flame_stacks *out, const struct profile *profile,
				const struct profile_sample *sample)
{
	int64_t pid = 0;
	const char *comm;
	bool added;

	if (!sample_process(profile, sample, &pid, &comm))
		return NULL;
	struct hashmap_entry *entry = hashmap_upsert(out->process_names, &pid, sizeof(pid), &added);
	if (entry == NULL)
		return NULL;
	if (added) {
		char *name = NULL;
		if (asprintf(&name, "%s (PID %lld)", comm, (long long)pid) < 0)
			name = NULL;
		entry->value = (uint64_t)(uintptr_t)name;
	}
	return (const char *)(uintptr_t)entry->value;
}

int flame_stacks_from_profile(const struct profile *profile, size_t value_index, struct flame_stacks *out)
{
	size_t n_frames = 0, n_stacks = 0;

	memset(out, 0, sizeof(*out));
	if (several_processes(profile) && (out->process_names = hashmap_new()) == NULL)
		return -1;
	for (size_t s = 0; s < profile->n_samples; s++) {
		const struct profile_sample *sample = &profile->samples[s];
		if (sample->values[value_index] == 0)
			continue;
		n_stacks++;
		n_frames += (sample_state(profile, sample) != NULL) + (out->process_names != NULL);
		for (uint32_t i = 0; i < sample->n_locations; i++) {
			const struct profile_location *loc =
				&profile->locations[profile->sample_locations[sample->first_location + i]];
			n_frames += loc->n_lines;
		}
	}
	out->stacks = calloc(n_stacks ? n_stacks : 1, sizeof(*out->stacks));
	out->frames = calloc(n_frames ? n_frames : 1, sizeof(*out->frames));
	if (out->stacks == NULL || out->frames == NULL) {
		flame_stacks_free(out);
		return -1;
	}

	for (size_t s = 0; s < profile->n_samples; s++) {
		const struct profile_sample *sample = &profile->samples[s];
		if (sample->values[value_index] == 0)
			continue;
		struct flame_stack *stack = &out->stacks[out->n_stacks++];
		stack->frames = out->frames + out->n_frames;
		stack->value = sample->values[value_index];
		out->total += stack->value;
		const char *process = out->process_names != NULL ? process_name(out, profile, sample) : NULL;
		if (process != NULL) {
			out->frames[out->n_frames++] = (struct flame_frame){.name = process, .role = FLAME_PROCESS};
			stack->depth++;
		}
		const char *state = sample_state(profile, sample);
		if (state != NULL) {
			out->frames[out->n_frames++] = (struct flame_frame){.name = state, .role = FLAME_STATE};
			stack->depth++;
		}
		/* Locations are stored leaf first and their lines innermost
		 * first: walk both backwards to go from the root down. */
		for (uint32_t i = sample->n_locations; i-- > 0;) {
			const struct profile_location *loc =
				&profile->locations[profile->sample_locations[sample->first_location + i]];
			for (uint32_t l = loc->n_lines; l-- > 0;) {
				const struct profile_line *line = &profile->lines[loc->first_line + l];
				out->frames[out->n_frames++] = (struct flame_frame){
					.name = profile->functions[line->function].name,
					.role = FLAME_FUNCTION,
					.kind = loc->kind,
					.inlined = l + 1 < loc->n_lines,
				};
				stack->depth++;
			}
		}
	}
	return 0;
}

void flame_stacks_free(struct flame_stacks *stacks)
{
	free(stacks->stacks);
	free(stacks->frames);
	if (stacks->process_names != NULL) {
		size_t cursor = 0;
		struct hashmap_entry *entry;
		while ((entry = hashmap_next(stacks->process_names, &cursor)) != NULL)
			free((char *)(uintptr_t)entry->value);
		hashmap_free(stacks->process_names);
	}
	memset(stacks, 0, sizeof(*stacks));
}

/* Inlining before kind keeps a function's own frame next to its namesake
 * in the kernel, and its inlined copies after both. */
int flame_frame_compare(const struct flame_frame *a, const struct flame_frame *b)
{
	int by_name = strcmp(a->name, b->name);

	if (by_name != 0)
		return by_name;
	if (a->role != b->role)
		return a->role < b->role ? -1 : 1;
	if (a->inlined != b->inlined)
		return a->inlined ? 1 : -1;
	return (a->kind > b->kind) - (a->kind < b->kind);
}
