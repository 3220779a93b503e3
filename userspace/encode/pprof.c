/*
 * pprof.c: the pprof encoder. It mirrors the profile model into protobuf-c
 * messages (arrays it owns for the duration of one call), builds the string
 * table, packs the message and gzips it.
 */
#define ZLIB_CONST
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "array.h"
#include "fd_io.h"
#include "hashmap.h"
#include "pprof.h"
#include "profile.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_value_type;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Label pb_label;
typedef Perftools__Profiles__Mapping pb_mapping;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

/* Enough for every array one encoding allocates (see the encode_* functions). */
#define MAX_ALLOCS 24

struct encoder {
	struct hashmap *string_ids; /* string with its NUL -> index in strings */
	char **strings;             /* the string table; entries are the map's keys */
	size_t n_strings, cap_strings;
	void *allocs[MAX_ALLOCS];
	size_t n_allocs;
	/* Sticky, so that building needs no error path per string: one check
	 * after everything is built is enough. */
	bool failed;
};

/* An array of n zeroed items, freed with the encoder; NULL when n is 0 or on failure. */
static void *enc_alloc(struct encoder *enc, size_t n, size_t size)
{
	if (n == 0 || enc->failed)
		return NULL;
	void *items = enc->n_allocs < MAX_ALLOCS ? calloc(n, size) : NULL;
	if (items == NULL) {
		enc->failed = true;
		return NULL;
	}
	enc->allocs[enc->n_allocs++] = items;
	return items;
}

#define ENC_NEW(enc, n, type) ((type *)enc_alloc((enc), (n), sizeof(type)))

/* base + first, without forming an offset from NULL when a run is empty. */
#define RUN(base, first, n) ((n) != 0 ? (base) + (first) : NULL)

/* The string's index in the table, adding it on first use; NULL is "" (index 0). */
static int64_t intern(struct encoder *enc, const char *s)
{
	if (s == NULL)
		return 0;
	bool added;
	struct hashmap_entry *entry = hashmap_upsert(enc->string_ids, s, strlen(s) + 1, &added);
	if (entry == NULL) {
		enc->failed = true;
		return 0;
	}
	if (added) {
		char **slot = ARRAY_PUSH(enc->strings, enc->n_strings, enc->cap_strings);
		if (slot == NULL) {
			enc->failed = true;
			return 0;
		}
		/* protobuf-c's field is char **, but packing never writes through it. */
		*slot = (char *)entry->key;
		entry->value = enc->n_strings - 1;
	}
	return (int64_t)entry->value;
}

static void encoder_free(struct encoder *enc)
{
	for (size_t i = 0; i < enc->n_allocs; i++)
		free(enc->allocs[i]);
	free(enc->strings);
	hashmap_free(enc->string_ids);
}

static void encode_value_type(struct encoder *enc, pb_value_type *out, const struct value_type *in)
{
	perftools__profiles__value_type__init(out);
	out->type = intern(enc, in->type);
	out->unit = intern(enc, in->unit);
}

static int encode_header(struct encoder *enc, const struct profile *p, pb_profile *msg)
{
	/* One more value type than sample types: the last is the period type. */
	pb_value_type *types = ENC_NEW(enc, p->n_sample_types + 1, pb_value_type);
	pb_value_type **type_ptrs = ENC_NEW(enc, p->n_sample_types, pb_value_type *);
	int64_t *comments = ENC_NEW(enc, p->n_comments, int64_t);
	if (enc->failed)
		return -1;

	for (size_t i = 0; i < p->n_sample_types; i++) {
		encode_value_type(enc, &types[i], &p->sample_types[i]);
		type_ptrs[i] = &types[i];
	}
	msg->n_sample_type = p->n_sample_types;
	msg->sample_type = type_ptrs;
	encode_value_type(enc, &types[p->n_sample_types], &p->period_type);
	msg->period_type = &types[p->n_sample_types];
	msg->period = p->period;
	msg->time_nanos = p->time_nanos;
	msg->duration_nanos = p->duration_nanos;
	for (size_t i = 0; i < p->n_comments; i++)
		comments[i] = intern(enc, p->comments[i]);
	msg->n_comment = p->n_comments;
	msg->comment = comments;
	msg->default_sample_type = intern(enc, p->default_sample_type);
	return 0;
}

static int encode_samples(struct encoder *enc, const struct profile *p, pb_profile *msg)
{
	size_t n_values = p->n_sample_types;
	pb_sample *samples = ENC_NEW(enc, p->n_samples, pb_sample);
	pb_sample **sample_ptrs = ENC_NEW(enc, p->n_samples, pb_sample *);
	uint64_t *location_ids = ENC_NEW(enc, p->n_sample_locations, uint64_t);
	int64_t *values = ENC_NEW(enc, p->n_samples * n_values, int64_t);
	pb_label *labels = ENC_NEW(enc, p->n_labels, pb_label);
	pb_label **label_ptrs = ENC_NEW(enc, p->n_labels, pb_label *);
	if (enc->failed)
		return -1;

	for (size_t i = 0; i < p->n_sample_locations; i++)
		location_ids[i] = (uint64_t)p->sample_locations[i] + 1;
	for (size_t i = 0; i < p->n_labels; i++) {
		const struct profile_label *in = &p->labels[i];
		pb_label *out = &labels[i];
		perftools__profiles__label__init(out);
		out->key = intern(enc, in->key);
		/* pprof wants one of str and num, never both. */
		if (in->str != NULL) {
			out->str = intern(enc, in->str);
		} else {
			out->num = in->num;
			out->num_unit = intern(enc, in->num_unit);
		}
		label_ptrs[i] = out;
	}
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *in = &p->samples[i];
		pb_sample *out = &samples[i];
		perftools__profiles__sample__init(out);
		out->n_location_id = in->n_locations;
		out->location_id = RUN(location_ids, in->first_location, in->n_locations);
		out->n_value = n_values;
		out->value = RUN(values, i * n_values, n_values);
		if (n_values != 0)
			memcpy(out->value, in->values, n_values * sizeof(*out->value));
		out->n_label = in->n_labels;
		out->label = RUN(label_ptrs, in->first_label, in->n_labels);
		sample_ptrs[i] = out;
	}
	msg->n_sample = p->n_samples;
	msg->sample = sample_ptrs;
	return 0;
}

static int encode_mappings(struct encoder *enc, const struct profile *p, pb_profile *msg)
{
	pb_mapping *mappings = ENC_NEW(enc, p->n_mappings, pb_mapping);
	pb_mapping **mapping_ptrs = ENC_NEW(enc, p->n_mappings, pb_mapping *);
	if (enc->failed)
		return -1;

	for (size_t i = 0; i < p->n_mappings; i++) {
		const struct profile_mapping *in = &p->mappings[i];
		pb_mapping *out = &mappings[i];
		perftools__profiles__mapping__init(out);
		out->id = i + 1;
		out->memory_start = in->start;
		out->memory_limit = in->limit;
		out->file_offset = in->offset;
		out->filename = intern(enc, in->filename);
		out->build_id = intern(enc, in->build_id);
		out->has_functions = in->has_functions;
		out->has_filenames = in->has_filenames;
		out->has_line_numbers = in->has_line_numbers;
		out->has_inline_frames = in->has_inline_frames;
		mapping_ptrs[i] = out;
	}
	msg->n_mapping = p->n_mappings;
	msg->mapping = mapping_ptrs;
	return 0;
}

static int encode_locations(struct encoder *enc, const struct profile *p, pb_profile *msg)
{
	pb_location *locations = ENC_NEW(enc, p->n_locations, pb_location);
	pb_location **location_ptrs = ENC_NEW(enc, p->n_locations, pb_location *);
	pb_line *lines = ENC_NEW(enc, p->n_lines, pb_line);
	pb_line **line_ptrs = ENC_NEW(enc, p->n_lines, pb_line *);
	if (enc->failed)
		return -1;

	for (size_t i = 0; i < p->n_lines; i++) {
		perftools__profiles__line__init(&lines[i]);
		lines[i].function_id = (uint64_t)p->lines[i].function + 1;
		lines[i].line = p->lines[i].line;
		line_ptrs[i] = &lines[i];
	}
	for (size_t i = 0; i < p->n_locations; i++) {
		const struct profile_location *in = &p->locations[i];
		pb_location *out = &locations[i];
		perftools__profiles__location__init(out);
		out->id = i + 1;
		out->mapping_id = in->mapping < 0 ? 0 : (uint64_t)in->mapping + 1;
		out->address = in->address;
		out->n_line = in->n_lines;
		out->line = RUN(line_ptrs, in->first_line, in->n_lines);
		location_ptrs[i] = out;
	}
	msg->n_location = p->n_locations;
	msg->location = location_ptrs;
	return 0;
}

static int encode_functions(struct encoder *enc, const struct profile *p, pb_profile *msg)
{
	pb_function *functions = ENC_NEW(enc, p->n_functions, pb_function);
	pb_function **function_ptrs = ENC_NEW(enc, p->n_functions, pb_function *);
	if (enc->failed)
		return -1;

	for (size_t i = 0; i < p->n_functions; i++) {
		const struct profile_function *in = &p->functions[i];
		pb_function *out = &functions[i];
		perftools__profiles__function__init(out);
		out->id = i + 1;
		out->name = intern(enc, in->name);
		out->system_name = intern(enc, in->system_name);
		out->filename = intern(enc, in->filename);
		out->start_line = in->start_line;
		function_ptrs[i] = out;
	}
	msg->n_function = p->n_functions;
	msg->function = function_ptrs;
	return 0;
}

/* gzip framing (not zlib's), which is what pprof readers expect. */
static int gzip(const unsigned char *in, size_t len, struct pprof_buffer *out)
{
	z_stream z = {0};

	/* zlib counts in uInt; a profile this large is a bug upstream. */
	if (len > UINT_MAX)
		return -1;
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	/* deflateBound is enough for a single deflate(Z_FINISH) call. */
	uLong cap = deflateBound(&z, (uLong)len);
	unsigned char *data = cap <= UINT_MAX ? malloc(cap) : NULL;
	int rc = Z_MEM_ERROR;
	if (data != NULL) {
		z.next_in = in;
		z.avail_in = (uInt)len;
		z.next_out = data;
		z.avail_out = (uInt)cap;
		rc = deflate(&z, Z_FINISH);
	}
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(data);
		return -1;
	}
	out->data = data;
	out->len = z.total_out;
	return 0;
}

int pprof_encode(const struct profile *profile, struct pprof_buffer *buf)
{
	struct encoder enc = {0};
	pb_profile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
	unsigned char *packed = NULL;
	int rc = -1;

	buf->data = NULL;
	buf->len = 0;
	enc.string_ids = hashmap_new();
	if (enc.string_ids == NULL)
		goto out;
	intern(&enc, ""); /* index 0, as pprof requires */
	if (encode_header(&enc, profile, &msg) != 0 || encode_samples(&enc, profile, &msg) != 0 ||
	    encode_mappings(&enc, profile, &msg) != 0 || encode_locations(&enc, profile, &msg) != 0 ||
	    encode_functions(&enc, profile, &msg) != 0 || enc.failed)
		goto out;
	/* Only now is the table complete (and its array done moving). */
	msg.n_string_table = enc.n_strings;
	msg.string_table = enc.strings;

	size_t len = perftools__profiles__profile__get_packed_size(&msg);
	packed = malloc(len); /* never 0: the table's "" alone takes two bytes */
	if (packed == NULL)
		goto out;
	perftools__profiles__profile__pack(&msg, packed);
	rc = gzip(packed, len, buf);
out:
	free(packed);
	encoder_free(&enc);
	if (rc != 0)
		errno = ENOMEM;
	return rc;
}

int pprof_write_file(const struct profile *profile, const char *path)
{
	struct pprof_buffer buf;

	if (pprof_encode(profile, &buf) != 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = fd < 0 ? -1 : fd_write_full(fd, buf.data, buf.len);
	int saved = errno;
	/* close can report a failed write (NFS, quota), so it counts. */
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	free(buf.data);
	errno = saved;
	return rc;
}
