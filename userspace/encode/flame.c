/*
 * flame.c: a profile's samples as root-first stacks of frame names, and
 * the folded-stacks encoder that writes them.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
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
			out->frames[out->n_frames++] = (struct flame_frame){.name = process, .kind = FLAME_PROCESS};
			stack->depth++;
		}
		const char *state = sample_state(profile, sample);
		if (state != NULL) {
			out->frames[out->n_frames++] = (struct flame_frame){.name = state, .kind = FLAME_STATE};
			stack->depth++;
		}
		/* Locations are stored leaf first and their lines innermost
		 * first: walk both backwards to go from the root down. */
		for (uint32_t i = sample->n_locations; i-- > 0;) {
			const struct profile_location *loc =
				&profile->locations[profile->sample_locations[sample->first_location + i]];
			bool kernel = loc->mapping >= 0 && profile->mappings[loc->mapping].is_kernel;
			for (uint32_t l = loc->n_lines; l-- > 0;) {
				const struct profile_line *line = &profile->lines[loc->first_line + l];
				struct flame_frame *frame = &out->frames[out->n_frames++];
				frame->name = profile->functions[line->function].name;
				frame->kind = kernel ? FLAME_KERNEL : l + 1 < loc->n_lines ? FLAME_INLINED : FLAME_USER;
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

static const char *const kind_suffix[] = {
	[FLAME_USER] = "",
	[FLAME_KERNEL] = "_[k]",
	[FLAME_INLINED] = "_[i]",
	[FLAME_STATE] = "",
	[FLAME_PROCESS] = "",
};

struct folded_line {
	const char *stack;
	int64_t value;
};

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

/* Appends a stack's "root;...;leaf" text to buf, NUL-terminated. */
static int fold_stack(const struct flame_stack *stack, char **buf, size_t *cap)
{
	size_t len = 0;

	for (size_t i = 0; i < stack->depth; i++) {
		const struct flame_frame *frame = &stack->frames[i];
		size_t name_len = strlen(frame->name), suffix_len = strlen(kind_suffix[frame->kind]);
		if (array_reserve((void **)buf, cap, len + name_len + suffix_len + 2, 1) != 0)
			return -1;
		if (i > 0)
			(*buf)[len++] = ';';
		memcpy(*buf + len, frame->name, name_len);
		memcpy(*buf + len + name_len, kind_suffix[frame->kind], suffix_len);
		len += name_len + suffix_len;
	}
	if (array_reserve((void **)buf, cap, len + 1, 1) != 0)
		return -1;
	(*buf)[len] = '\0';
	return 0;
}

int folded_write(FILE *out, const struct flame_stacks *stacks)
{
	struct hashmap *merged = hashmap_new();
	struct folded_line *lines = NULL;
	char *buf = NULL;
	size_t cap = 0, n_lines = 0, cursor = 0;
	int rc = merged != NULL ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < stacks->n_stacks; i++) {
		struct hashmap_entry *entry = NULL;
		if (fold_stack(&stacks->stacks[i], &buf, &cap) != 0 ||
		    (entry = hashmap_upsert(merged, buf, strlen(buf) + 1, NULL)) == NULL)
			rc = -1;
		else
			entry->value += (uint64_t)stacks->stacks[i].value;
	}
	if (rc == 0 && (lines = calloc(hashmap_count(merged) + 1, sizeof(*lines))) == NULL)
		rc = -1;
	struct hashmap_entry *entry;
	while (rc == 0 && (entry = hashmap_next(merged, &cursor)) != NULL)
		lines[n_lines++] = (struct folded_line){.stack = entry->key, .value = (int64_t)entry->value};
	if (rc == 0) {
		/* Sorted, so equal profiles give equal files and diffs stay small. */
		qsort(lines, n_lines, sizeof(*lines), by_stack);
		for (size_t i = 0; i < n_lines; i++)
			if (fprintf(out, "%s %lld\n", lines[i].stack, (long long)lines[i].value) < 0)
				rc = -1;
	}
	free(lines);
	free(buf);
	hashmap_free(merged);
	return rc;
}
