/*
 * profile.c: building a profile: interning strings and functions, and
 * appending mappings, locations and samples.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "profile.h"

struct profile *profile_new(void)
{
	struct profile *profile = calloc(1, sizeof(*profile));

	if (profile == NULL)
		return NULL;
	profile->strings = hashmap_new();
	profile->function_ids = hashmap_new();
	if (profile->strings == NULL || profile->function_ids == NULL) {
		profile_free(profile);
		return NULL;
	}
	return profile;
}

void profile_free(struct profile *profile)
{
	if (profile == NULL)
		return;
	free(profile->mappings);
	free(profile->functions);
	free(profile->lines);
	free(profile->locations);
	free(profile->sample_locations);
	free(profile->labels);
	free(profile->samples);
	free(profile->comments);
	hashmap_free(profile->strings);
	hashmap_free(profile->function_ids);
	free(profile);
}

size_t profile_memory_bytes(const struct profile *profile)
{
	return sizeof(*profile) + profile->cap_mappings * sizeof(*profile->mappings) +
	       profile->cap_functions * sizeof(*profile->functions) + profile->cap_lines * sizeof(*profile->lines) +
	       profile->cap_locations * sizeof(*profile->locations) +
	       profile->cap_sample_locations * sizeof(*profile->sample_locations) +
	       profile->cap_labels * sizeof(*profile->labels) + profile->cap_samples * sizeof(*profile->samples) +
	       profile->cap_comments * sizeof(*profile->comments) + hashmap_memory_bytes(profile->strings) +
	       hashmap_memory_bytes(profile->function_ids);
}

const char *profile_string(struct profile *profile, const char *s)
{
	if (s == NULL)
		return NULL;
	struct hashmap_entry *entry = hashmap_upsert(profile->strings, s, strlen(s) + 1, NULL);
	return entry != NULL ? entry->key : NULL;
}

void profile_add_sample_type(struct profile *profile, const char *type, const char *unit)
{
	if (profile->n_sample_types == PROFILE_MAX_VALUES)
		return;
	profile->sample_types[profile->n_sample_types++] = (struct value_type){
		.type = profile_string(profile, type),
		.unit = profile_string(profile, unit),
	};
}

long profile_sample_type_index(const struct profile *profile, const char *type)
{
	for (size_t i = 0; i < profile->n_sample_types; i++)
		if (strcmp(profile->sample_types[i].type, type) == 0)
			return (long)i;
	return -1;
}

size_t profile_default_value(const struct profile *profile)
{
	long index = profile->default_sample_type != NULL
			     ? profile_sample_type_index(profile, profile->default_sample_type)
			     : -1;

	if (index >= 0)
		return (size_t)index;
	return profile->n_sample_types > 0 ? profile->n_sample_types - 1 : 0;
}

void profile_add_comment(struct profile *profile, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	const char **slot = ARRAY_PUSH(profile->comments, profile->n_comments, profile->cap_comments);
	if (slot != NULL)
		*slot = profile_string(profile, text);
}

int32_t profile_add_mapping(struct profile *profile, const struct profile_mapping *mapping)
{
	struct profile_mapping *slot = ARRAY_PUSH(profile->mappings, profile->n_mappings, profile->cap_mappings);

	if (slot == NULL)
		return -1;
	*slot = *mapping;
	slot->filename = profile_string(profile, mapping->filename ? mapping->filename : "");
	slot->build_id = profile_string(profile, mapping->build_id ? mapping->build_id : "");
	return (int32_t)(profile->n_mappings - 1);
}

int32_t profile_intern_function(struct profile *profile, const char *name, const char *system_name,
				const char *filename, int64_t start_line)
{
	struct profile_function function = {
		.name = profile_string(profile, name),
		.system_name = profile_string(profile, system_name ? system_name : name),
		.filename = profile_string(profile, filename ? filename : ""),
		.start_line = start_line,
	};
	/* Interned strings compare by address, so the struct's bytes are a key. */
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(profile->function_ids, &function, sizeof(function), &added);

	if (entry == NULL || function.name == NULL)
		return -1;
	if (!added)
		return (int32_t)entry->value;
	struct profile_function *slot =
		ARRAY_PUSH(profile->functions, profile->n_functions, profile->cap_functions);
	if (slot == NULL)
		return -1;
	*slot = function;
	entry->value = profile->n_functions - 1;
	return (int32_t)entry->value;
}

int32_t profile_add_location(struct profile *profile, uint64_t address, int32_t mapping, enum frame_kind kind,
			     const struct profile_line *lines, size_t n_lines)
{
	if (array_reserve((void **)&profile->lines, &profile->cap_lines, profile->n_lines + n_lines,
			  sizeof(*lines)) != 0)
		return -1;
	struct profile_location *slot =
		ARRAY_PUSH(profile->locations, profile->n_locations, profile->cap_locations);
	if (slot == NULL)
		return -1;
	*slot = (struct profile_location){
		.address = address,
		.mapping = mapping,
		.kind = kind,
		.first_line = (uint32_t)profile->n_lines,
		.n_lines = (uint32_t)n_lines,
	};
	if (n_lines > 0) /* lines may be NULL then, and memcpy must not see it */
		memcpy(profile->lines + profile->n_lines, lines, n_lines * sizeof(*lines));
	profile->n_lines += n_lines;
	return (int32_t)(profile->n_locations - 1);
}

const char *frame_kind_name(enum frame_kind kind)
{
	static const char *const names[] = {
		[FRAME_NATIVE] = "native",
		[FRAME_KERNEL] = "kernel",
		[FRAME_INTERPRETED] = "interpreted",
		[FRAME_JIT] = "jit",
	};

	return (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "native";
}

int profile_add_sample(struct profile *profile, const uint32_t *locations, size_t n_locations,
		       const int64_t *values, const struct profile_label *labels, size_t n_labels)
{
	if (array_reserve((void **)&profile->sample_locations, &profile->cap_sample_locations,
			  profile->n_sample_locations + n_locations, sizeof(*locations)) != 0 ||
	    array_reserve((void **)&profile->labels, &profile->cap_labels, profile->n_labels + n_labels,
			  sizeof(*labels)) != 0)
		return -1;
	struct profile_sample *slot = ARRAY_PUSH(profile->samples, profile->n_samples, profile->cap_samples);
	if (slot == NULL)
		return -1;
	slot->first_location = (uint32_t)profile->n_sample_locations;
	slot->n_locations = (uint32_t)n_locations;
	if (n_locations > 0)
		memcpy(profile->sample_locations + profile->n_sample_locations, locations,
		       n_locations * sizeof(*locations));
	profile->n_sample_locations += n_locations;
	if (profile->n_sample_types > 0)
		memcpy(slot->values, values, profile->n_sample_types * sizeof(*values));
	slot->first_label = (uint32_t)profile->n_labels;
	slot->n_labels = (uint32_t)n_labels;
	for (size_t i = 0; i < n_labels; i++) {
		struct profile_label label = labels[i];
		label.key = profile_string(profile, label.key);
		label.str = profile_string(profile, label.str);
		label.num_unit = profile_string(profile, label.num_unit);
		profile->labels[profile->n_labels++] = label;
	}
	return 0;
}
