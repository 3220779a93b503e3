/*
 * fuzz_pprof.c: the pprof encoder's round trip. The input is a small
 * program that builds a profile through profile.h (sample types, mappings,
 * functions, locations with inlined lines, samples with labels, comments,
 * any strings); the profile is encoded, gunzipped and unpacked with the
 * protobuf-c code generated from profile.proto, and everything a reader
 * sees must be what the model held: values, ids and their references,
 * strings, and a string table that starts with "" and holds each string once.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "expect.h"
#include "hashmap.h"
#include "pprof.h"
#include "profile.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;

/* The input, consumed front to back; reads past its end give zeros. */
struct program {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct program *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes; i++)
		if (in->left > 0) {
			v |= (uint64_t)*in->p++ << (8 * i);
			in->left--;
		}
	return v;
}

#define STRING_MAX 48

/* A string of up to STRING_MAX bytes of the input, any byte but NUL (C
 * strings end there; the rest is skipped). */
static void take_string(struct program *in, char *out)
{
	size_t len = take(in, 1) % (STRING_MAX + 1), n = 0;

	for (size_t i = 0; i < len && in->left > 0; i++) {
		char c = (char)take(in, 1);
		if (c != '\0')
			out[n++] = c;
	}
	out[n] = '\0';
}

/* Interned into the profile, so the string outlives the input buffer. */
static const char *take_text(struct program *in, struct profile *profile)
{
	char text[STRING_MAX + 1];

	take_string(in, text);
	return profile_string(profile, text);
}

#define MAX_ITEMS  64 /* of each kind: enough to share and reference, small enough to run fast */
#define MAX_LINES  4
#define MAX_DEPTH  8
#define MAX_LABELS 3

static void build(struct program *in, struct profile *profile)
{
	while (in->left > 0) {
		switch (take(in, 1) % 8) {
		case 0: {
			const char *type = take_text(in, profile);
			profile_add_sample_type(profile, type, take_text(in, profile));
			break;
		}
		case 1: {
			if (profile->n_mappings >= MAX_ITEMS)
				break;
			/* One statement per read: initializers run in no set order. */
			struct profile_mapping m = {0};
			m.start = take(in, 8);
			m.limit = take(in, 8);
			m.offset = take(in, 8);
			uint8_t flags = (uint8_t)take(in, 1);
			m.filename = flags & 0x20 ? NULL : take_text(in, profile);
			m.build_id = flags & 0x40 ? NULL : take_text(in, profile);
			m.has_functions = flags & 1;
			m.has_filenames = flags & 2;
			m.has_line_numbers = flags & 4;
			m.has_inline_frames = flags & 8;
			m.is_kernel = flags & 16;
			EXPECT(profile_add_mapping(profile, &m) == (int32_t)profile->n_mappings - 1);
			break;
		}
		case 2: {
			if (profile->n_functions >= MAX_ITEMS)
				break;
			uint8_t flags = (uint8_t)take(in, 1);
			const char *name = take_text(in, profile);
			const char *system_name = flags & 1 ? NULL : take_text(in, profile);
			const char *filename = flags & 2 ? NULL : take_text(in, profile);
			size_t before = profile->n_functions;
			int32_t id =
				profile_intern_function(profile, name, system_name, filename, (int64_t)take(in, 8));
			EXPECT(id >= 0 && (size_t)id < profile->n_functions && profile->n_functions <= before + 1);
			break;
		}
		case 3: {
			if (profile->n_locations >= MAX_ITEMS)
				break;
			uint64_t address = take(in, 8);
			uint8_t pick = (uint8_t)take(in, 1);
			int32_t mapping =
				profile->n_mappings > 0 && pick < 200 ? pick % (int32_t)profile->n_mappings : -1;
			struct profile_line lines[MAX_LINES];
			size_t n = profile->n_functions > 0 ? take(in, 1) % (MAX_LINES + 1) : 0;
			for (size_t i = 0; i < n; i++) {
				lines[i].function = (uint32_t)(take(in, 1) % profile->n_functions);
				lines[i].line = (int64_t)take(in, 4) - INT32_MAX;
			}
			enum frame_kind kind = (enum frame_kind)(pick % (FRAME_JIT + 1));
			EXPECT(profile_add_location(profile, address, mapping, kind, n > 0 ? lines : NULL, n) ==
			       (int32_t)profile->n_locations - 1);
			break;
		}
		case 4: {
			if (profile->n_samples >= MAX_ITEMS)
				break;
			uint32_t locations[MAX_DEPTH];
			int64_t values[PROFILE_MAX_VALUES];
			struct profile_label labels[MAX_LABELS];
			size_t depth = profile->n_locations > 0 ? take(in, 1) % (MAX_DEPTH + 1) : 0;
			for (size_t i = 0; i < depth; i++)
				locations[i] = (uint32_t)(take(in, 1) % profile->n_locations);
			for (size_t i = 0; i < PROFILE_MAX_VALUES; i++)
				values[i] = (int64_t)take(in, 8);
			size_t n_labels = take(in, 1) % (MAX_LABELS + 1);
			for (size_t i = 0; i < n_labels; i++) {
				uint8_t kind = (uint8_t)take(in, 1);
				labels[i] = (struct profile_label){.key = take_text(in, profile)};
				labels[i].num = (int64_t)take(in, 8);
				if (kind & 1)
					labels[i].str = take_text(in, profile);
				else if (kind & 2)
					labels[i].num_unit = take_text(in, profile);
			}
			EXPECT(profile_add_sample(profile, depth > 0 ? locations : NULL, depth, values,
						  n_labels > 0 ? labels : NULL, n_labels) == 0);
			break;
		}
		case 5: {
			char text[STRING_MAX + 1];
			take_string(in, text);
			profile_add_comment(profile, "%s", text);
			break;
		}
		case 6:
			profile->period_type.type = take_text(in, profile);
			profile->period_type.unit = take_text(in, profile);
			profile->period = (int64_t)take(in, 8);
			profile->time_nanos = (int64_t)take(in, 8);
			profile->duration_nanos = (int64_t)take(in, 8);
			break;
		case 7:
			/* As the sources set it: one of the types, or a name of none. */
			profile->default_sample_type = take(in, 1) & 1 ? NULL : take_text(in, profile);
			break;
		}
	}
}

/* Gunzips the encoding the way pprof readers do (gzip framing only). */
static unsigned char *gunzip(const struct pprof_buffer *buf, size_t *len)
{
	z_stream z = {0};
	size_t cap = 4096;
	unsigned char *out = malloc(cap);
	int rc = Z_OK;

	EXPECT(out != NULL && inflateInit2(&z, 16 + 15) == Z_OK);
	z.next_in = buf->data;
	z.avail_in = (uInt)buf->len;
	*len = 0;
	while (rc != Z_STREAM_END) {
		if (*len == cap) {
			cap *= 2;
			out = realloc(out, cap);
			EXPECT(out != NULL);
		}
		z.next_out = out + *len;
		z.avail_out = (uInt)(cap - *len);
		rc = inflate(&z, Z_NO_FLUSH);
		EXPECT(rc == Z_OK || rc == Z_STREAM_END);
		*len = cap - z.avail_out;
	}
	EXPECT(z.avail_in == 0);
	inflateEnd(&z);
	return out;
}

/* The string at a table index, which must be in the table. */
static const char *at(const pb_profile *msg, int64_t index)
{
	EXPECT(index >= 0 && (uint64_t)index < msg->n_string_table);
	return msg->string_table[index];
}

/* The encoder writes NULL as "" (index 0). */
static bool same(const pb_profile *msg, int64_t index, const char *want)
{
	return strcmp(at(msg, index), want != NULL ? want : "") == 0;
}

static void check_strings(const pb_profile *msg)
{
	struct hashmap *seen = hashmap_new();

	EXPECT(seen != NULL && msg->n_string_table >= 1 && msg->string_table[0][0] == '\0');
	for (size_t i = 0; i < msg->n_string_table; i++) {
		bool added;
		const char *s = msg->string_table[i];
		EXPECT(hashmap_upsert(seen, s, strlen(s), &added) != NULL && added);
	}
	hashmap_free(seen);
}

static void check(const struct profile *p, const pb_profile *msg)
{
	check_strings(msg);
	EXPECT(msg->n_sample_type == p->n_sample_types);
	for (size_t i = 0; i < p->n_sample_types; i++)
		EXPECT(same(msg, msg->sample_type[i]->type, p->sample_types[i].type) &&
		       same(msg, msg->sample_type[i]->unit, p->sample_types[i].unit));
	EXPECT(msg->period_type != NULL && same(msg, msg->period_type->type, p->period_type.type) &&
	       same(msg, msg->period_type->unit, p->period_type.unit));
	EXPECT(msg->period == p->period && msg->time_nanos == p->time_nanos &&
	       msg->duration_nanos == p->duration_nanos);
	EXPECT(same(msg, msg->default_sample_type, p->default_sample_type));
	EXPECT(msg->n_comment == p->n_comments);
	for (size_t i = 0; i < p->n_comments; i++)
		EXPECT(same(msg, msg->comment[i], p->comments[i]));

	EXPECT(msg->n_mapping == p->n_mappings);
	for (size_t i = 0; i < p->n_mappings; i++) {
		const Perftools__Profiles__Mapping *m = msg->mapping[i];
		const struct profile_mapping *want = &p->mappings[i];
		EXPECT(m->id == i + 1 && m->memory_start == want->start && m->memory_limit == want->limit &&
		       m->file_offset == want->offset);
		EXPECT(same(msg, m->filename, want->filename) && same(msg, m->build_id, want->build_id));
		EXPECT(m->has_functions == want->has_functions && m->has_filenames == want->has_filenames &&
		       m->has_line_numbers == want->has_line_numbers &&
		       m->has_inline_frames == want->has_inline_frames);
	}
	EXPECT(msg->n_function == p->n_functions);
	for (size_t i = 0; i < p->n_functions; i++) {
		const Perftools__Profiles__Function *f = msg->function[i];
		const struct profile_function *want = &p->functions[i];
		EXPECT(f->id == i + 1 && f->start_line == want->start_line);
		EXPECT(same(msg, f->name, want->name) && same(msg, f->system_name, want->system_name) &&
		       same(msg, f->filename, want->filename));
	}
	EXPECT(msg->n_location == p->n_locations);
	for (size_t i = 0; i < p->n_locations; i++) {
		const Perftools__Profiles__Location *l = msg->location[i];
		const struct profile_location *want = &p->locations[i];
		EXPECT(l->id == i + 1 && l->address == want->address);
		EXPECT(l->mapping_id == (uint64_t)(want->mapping + 1) && l->mapping_id <= msg->n_mapping);
		EXPECT(l->n_line == want->n_lines);
		for (size_t j = 0; j < l->n_line; j++) {
			const struct profile_line *line = &p->lines[want->first_line + j];
			EXPECT(l->line[j]->function_id == line->function + 1 &&
			       l->line[j]->function_id <= msg->n_function);
			EXPECT(l->line[j]->line == line->line);
		}
	}
	EXPECT(msg->n_sample == p->n_samples);
	for (size_t i = 0; i < p->n_samples; i++) {
		const Perftools__Profiles__Sample *s = msg->sample[i];
		const struct profile_sample *want = &p->samples[i];
		EXPECT(s->n_value == p->n_sample_types);
		for (size_t j = 0; j < s->n_value; j++)
			EXPECT(s->value[j] == want->values[j]);
		EXPECT(s->n_location_id == want->n_locations);
		for (size_t j = 0; j < s->n_location_id; j++)
			EXPECT(s->location_id[j] == (uint64_t)p->sample_locations[want->first_location + j] + 1 &&
			       s->location_id[j] <= msg->n_location);
		EXPECT(s->n_label == want->n_labels);
		for (size_t j = 0; j < s->n_label; j++) {
			const Perftools__Profiles__Label *l = s->label[j];
			const struct profile_label *label = &p->labels[want->first_label + j];
			EXPECT(same(msg, l->key, label->key));
			/* pprof takes a label as text or as a number, never both. */
			if (label->str != NULL)
				EXPECT(same(msg, l->str, label->str) && l->num == 0 && l->num_unit == 0);
			else
				EXPECT(l->str == 0 && l->num == label->num && same(msg, l->num_unit, label->num_unit));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct program in = {data, size};
	struct profile *profile = profile_new();
	struct pprof_buffer buf;
	size_t len;

	EXPECT(profile != NULL);
	build(&in, profile);
	EXPECT(pprof_encode(profile, &buf) == 0);
	unsigned char *packed = gunzip(&buf, &len);
	pb_profile *msg = perftools__profiles__profile__unpack(NULL, len, packed);
	EXPECT(msg != NULL);
	check(profile, msg);
	perftools__profiles__profile__free_unpacked(msg, NULL);
	free(packed);
	free(buf.data);
	profile_free(profile);
	return 0;
}
