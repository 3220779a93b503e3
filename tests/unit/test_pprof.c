/*
 * test_pprof.c: the pprof encoder, checked by decoding its output the way a
 * reader would: gunzip, unpack with the generated code, compare with the model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pprof.h"
#include "profile.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;

/* Gunzips and unpacks an encoding; fails the test when either step fails. */
static pb_profile *decode(const struct pprof_buffer *buf)
{
	z_stream z = {0};
	size_t cap = 4096, len = 0;
	unsigned char *out = malloc(cap);
	int rc;

	assert_non_null(out);
	/* 15 + 32 detects the framing as pprof readers do; output_is_gzip pins it to gzip. */
	assert_int_equal(inflateInit2(&z, 15 + 32), Z_OK);
	z.next_in = buf->data;
	z.avail_in = (uInt)buf->len;
	do {
		if (len == cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		z.next_out = out + len;
		z.avail_out = (uInt)(cap - len);
		rc = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		assert_true(rc == Z_OK || rc == Z_STREAM_END);
	} while (rc != Z_STREAM_END);
	assert_int_equal(z.avail_in, 0);
	inflateEnd(&z);

	pb_profile *msg = perftools__profiles__profile__unpack(NULL, len, out);
	free(out);
	assert_non_null(msg);
	return msg;
}

static pb_profile *encode_and_decode(const struct profile *profile)
{
	struct pprof_buffer buf;

	assert_int_equal(pprof_encode(profile, &buf), 0);
	assert_non_null(buf.data);
	pb_profile *msg = decode(&buf);
	free(buf.data);
	return msg;
}

/* The table entry at index, checked to be in range. */
static const char *str(const pb_profile *msg, int64_t index)
{
	assert_true(index >= 0 && (size_t)index < msg->n_string_table);
	return msg->string_table[index];
}

static void assert_strings_unique(const pb_profile *msg)
{
	assert_true(msg->n_string_table >= 1);
	assert_string_equal(msg->string_table[0], "");
	for (size_t i = 0; i < msg->n_string_table; i++)
		for (size_t j = i + 1; j < msg->n_string_table; j++)
			assert_string_not_equal(msg->string_table[i], msg->string_table[j]);
}

enum { M_APP, M_KERNEL };
enum { F_MAIN, F_COMPUTE, F_SQUARE, F_SYSCALL };
enum { L_INLINED, L_MAIN, L_KERNEL, L_UNMAPPED };

/* Two mappings (one the kernel's), an inlined call, an unmapped location,
 * string and numeric labels, and strings shared between fields. */
static struct profile *sample_profile(void)
{
	struct profile *p = profile_new();
	assert_non_null(p);

	profile_add_sample_type(p, "samples", "count");
	profile_add_sample_type(p, "cpu", "nanoseconds");
	/* Not the interned copy: the encoder must dedupe by content. */
	p->default_sample_type = "cpu";
	p->period_type = (struct value_type){profile_string(p, "cpu"), profile_string(p, "nanoseconds")};
	p->period = 10101010;
	p->time_nanos = 1700000000123456789;
	p->duration_nanos = 5000000000;
	profile_add_comment(p, "bpfprof %s", "test");
	profile_add_comment(p, "cpus=%d", 4);

	struct profile_mapping app = {
		.start = 0x400000, .limit = 0x500000, .offset = 0x1000,
		.filename = "/usr/bin/app", .build_id = "abcdef0123456789",
		.has_functions = true, .has_filenames = true, .has_line_numbers = true, .has_inline_frames = true,
	};
	struct profile_mapping kernel = {
		.start = 0xffffffff81000000, .limit = 0xffffffff82000000,
		.filename = "[kernel.kallsyms]", .has_functions = true, .is_kernel = true,
	};
	assert_int_equal(profile_add_mapping(p, &app), M_APP);
	assert_int_equal(profile_add_mapping(p, &kernel), M_KERNEL);

	assert_int_equal(profile_intern_function(p, "main", NULL, "app.c", 10), F_MAIN);
	assert_int_equal(profile_intern_function(p, "compute", "_Z7computev", "app.c", 20), F_COMPUTE);
	assert_int_equal(profile_intern_function(p, "square", NULL, "app.c", 30), F_SQUARE);
	assert_int_equal(profile_intern_function(p, "do_syscall_64", NULL, NULL, 0), F_SYSCALL);

	const struct profile_line inlined[] = {{F_SQUARE, 31}, {F_COMPUTE, 25}};
	const struct profile_line in_main[] = {{F_MAIN, 12}};
	const struct profile_line in_kernel[] = {{F_SYSCALL, 0}};
	assert_int_equal(profile_add_location(p, 0x401234, M_APP, FRAME_NATIVE, inlined, 2), L_INLINED);
	assert_int_equal(profile_add_location(p, 0x401100, M_APP, FRAME_NATIVE, in_main, 1), L_MAIN);
	assert_int_equal(profile_add_location(p, 0xffffffff81001234, M_KERNEL, FRAME_KERNEL, in_kernel, 1), L_KERNEL);
	assert_int_equal(profile_add_location(p, 0x1234, -1, FRAME_NATIVE, NULL, 0), L_UNMAPPED);

	const uint32_t stack0[] = {L_INLINED, L_MAIN}, stack1[] = {L_KERNEL, L_MAIN}, stack2[] = {L_UNMAPPED};
	const int64_t values0[] = {3, 30303030}, values1[] = {1, 10101010}, values2[] = {2, 20202020};
	const struct profile_label labels0[] = {{.key = "thread", .str = "worker"}, {.key = "tid", .num = 42}};
	const struct profile_label labels1[] = {{.key = "size", .num = 4096, .num_unit = "bytes"}};
	assert_int_equal(profile_add_sample(p, stack0, 2, values0, labels0, 2), 0);
	assert_int_equal(profile_add_sample(p, stack1, 2, values1, labels1, 1), 0);
	assert_int_equal(profile_add_sample(p, stack2, 1, values2, NULL, 0), 0);
	return p;
}

static void header_round_trips(void **state)
{
	struct profile *p = sample_profile();
	pb_profile *msg = encode_and_decode(p);
	(void)state;

	assert_strings_unique(msg);
	assert_int_equal(msg->n_sample_type, 2);
	assert_string_equal(str(msg, msg->sample_type[0]->type), "samples");
	assert_string_equal(str(msg, msg->sample_type[0]->unit), "count");
	assert_string_equal(str(msg, msg->sample_type[1]->type), "cpu");
	assert_string_equal(str(msg, msg->sample_type[1]->unit), "nanoseconds");
	assert_non_null(msg->period_type);
	assert_string_equal(str(msg, msg->period_type->type), "cpu");
	assert_string_equal(str(msg, msg->period_type->unit), "nanoseconds");
	assert_int_equal(msg->period, 10101010);
	assert_int_equal(msg->time_nanos, 1700000000123456789);
	assert_int_equal(msg->duration_nanos, 5000000000);
	assert_string_equal(str(msg, msg->default_sample_type), "cpu");
	assert_int_equal(msg->default_sample_type, msg->sample_type[1]->type);
	assert_int_equal(msg->n_comment, 2);
	assert_string_equal(str(msg, msg->comment[0]), "bpfprof test");
	assert_string_equal(str(msg, msg->comment[1]), "cpus=4");
	assert_int_equal(msg->drop_frames, 0);
	assert_int_equal(msg->keep_frames, 0);

	perftools__profiles__profile__free_unpacked(msg, NULL);
	profile_free(p);
}

static void mappings_round_trip(void **state)
{
	struct profile *p = sample_profile();
	pb_profile *msg = encode_and_decode(p);
	(void)state;

	assert_int_equal(msg->n_mapping, 2);
	const Perftools__Profiles__Mapping *app = msg->mapping[M_APP], *kernel = msg->mapping[M_KERNEL];
	assert_int_equal(app->id, M_APP + 1);
	assert_int_equal(app->memory_start, 0x400000);
	assert_int_equal(app->memory_limit, 0x500000);
	assert_int_equal(app->file_offset, 0x1000);
	assert_string_equal(str(msg, app->filename), "/usr/bin/app");
	assert_string_equal(str(msg, app->build_id), "abcdef0123456789");
	assert_true(app->has_functions && app->has_filenames && app->has_line_numbers && app->has_inline_frames);

	assert_int_equal(kernel->id, M_KERNEL + 1);
	assert_int_equal(kernel->memory_start, 0xffffffff81000000);
	assert_int_equal(kernel->memory_limit, 0xffffffff82000000);
	assert_int_equal(kernel->file_offset, 0);
	assert_string_equal(str(msg, kernel->filename), "[kernel.kallsyms]");
	assert_int_equal(kernel->build_id, 0);
	assert_true(kernel->has_functions);
	assert_false(kernel->has_filenames || kernel->has_line_numbers || kernel->has_inline_frames);

	perftools__profiles__profile__free_unpacked(msg, NULL);
	profile_free(p);
}

static void functions_round_trip(void **state)
{
	struct profile *p = sample_profile();
	pb_profile *msg = encode_and_decode(p);
	(void)state;

	assert_int_equal(msg->n_function, 4);
	for (size_t i = 0; i < msg->n_function; i++)
		assert_int_equal(msg->function[i]->id, i + 1);
	const Perftools__Profiles__Function *compute = msg->function[F_COMPUTE], *syscall = msg->function[F_SYSCALL];
	assert_string_equal(str(msg, compute->name), "compute");
	assert_string_equal(str(msg, compute->system_name), "_Z7computev");
	assert_string_equal(str(msg, compute->filename), "app.c");
	assert_int_equal(compute->start_line, 20);
	assert_string_equal(str(msg, msg->function[F_MAIN]->system_name), "main");
	assert_int_equal(msg->function[F_MAIN]->filename, compute->filename);
	assert_string_equal(str(msg, syscall->name), "do_syscall_64");
	assert_int_equal(syscall->filename, 0);
	assert_int_equal(syscall->start_line, 0);

	perftools__profiles__profile__free_unpacked(msg, NULL);
	profile_free(p);
}

static void locations_round_trip(void **state)
{
	struct profile *p = sample_profile();
	pb_profile *msg = encode_and_decode(p);
	(void)state;

	assert_int_equal(msg->n_location, 4);
	for (size_t i = 0; i < msg->n_location; i++)
		assert_int_equal(msg->location[i]->id, i + 1);

	const Perftools__Profiles__Location *inlined = msg->location[L_INLINED];
	assert_int_equal(inlined->mapping_id, M_APP + 1);
	assert_int_equal(inlined->address, 0x401234);
	assert_int_equal(inlined->n_line, 2);
	/* Innermost first: the inlined callee, then its caller. */
	assert_int_equal(inlined->line[0]->function_id, F_SQUARE + 1);
	assert_int_equal(inlined->line[0]->line, 31);
	assert_int_equal(inlined->line[1]->function_id, F_COMPUTE + 1);
	assert_int_equal(inlined->line[1]->line, 25);
	assert_false(inlined->is_folded);

	assert_int_equal(msg->location[L_MAIN]->n_line, 1);
	assert_int_equal(msg->location[L_MAIN]->line[0]->function_id, F_MAIN + 1);
	assert_int_equal(msg->location[L_MAIN]->line[0]->line, 12);
	assert_int_equal(msg->location[L_KERNEL]->mapping_id, M_KERNEL + 1);
	assert_int_equal(msg->location[L_KERNEL]->address, 0xffffffff81001234);
	assert_int_equal(msg->location[L_KERNEL]->line[0]->function_id, F_SYSCALL + 1);
	assert_int_equal(msg->location[L_UNMAPPED]->mapping_id, 0);
	assert_int_equal(msg->location[L_UNMAPPED]->address, 0x1234);
	assert_int_equal(msg->location[L_UNMAPPED]->n_line, 0);

	perftools__profiles__profile__free_unpacked(msg, NULL);
	profile_free(p);
}

static void samples_round_trip(void **state)
{
	struct profile *p = sample_profile();
	pb_profile *msg = encode_and_decode(p);
	(void)state;

	assert_int_equal(msg->n_sample, 3);
	for (size_t i = 0; i < msg->n_sample; i++)
		assert_int_equal(msg->sample[i]->n_value, 2);

	const Perftools__Profiles__Sample *s0 = msg->sample[0], *s1 = msg->sample[1], *s2 = msg->sample[2];
	assert_int_equal(s0->n_location_id, 2);
	assert_int_equal(s0->location_id[0], L_INLINED + 1);
	assert_int_equal(s0->location_id[1], L_MAIN + 1);
	assert_int_equal(s0->value[0], 3);
	assert_int_equal(s0->value[1], 30303030);
	assert_int_equal(s0->n_label, 2);
	assert_string_equal(str(msg, s0->label[0]->key), "thread");
	assert_string_equal(str(msg, s0->label[0]->str), "worker");
	assert_int_equal(s0->label[0]->num, 0);
	assert_string_equal(str(msg, s0->label[1]->key), "tid");
	assert_int_equal(s0->label[1]->str, 0);
	assert_int_equal(s0->label[1]->num, 42);
	assert_int_equal(s0->label[1]->num_unit, 0);

	assert_int_equal(s1->n_location_id, 2);
	assert_int_equal(s1->location_id[0], L_KERNEL + 1);
	assert_int_equal(s1->location_id[1], L_MAIN + 1);
	assert_int_equal(s1->value[1], 10101010);
	assert_int_equal(s1->n_label, 1);
	assert_string_equal(str(msg, s1->label[0]->key), "size");
	assert_int_equal(s1->label[0]->num, 4096);
	assert_string_equal(str(msg, s1->label[0]->num_unit), "bytes");

	assert_int_equal(s2->n_location_id, 1);
	assert_int_equal(s2->location_id[0], L_UNMAPPED + 1);
	assert_int_equal(s2->value[0], 2);
	assert_int_equal(s2->value[1], 20202020);
	assert_int_equal(s2->n_label, 0);

	perftools__profiles__profile__free_unpacked(msg, NULL);
	profile_free(p);
}

static void empty_profile_round_trips(void **state)
{
	struct profile *p = profile_new();
	(void)state;

	assert_non_null(p);
	pb_profile *msg = encode_and_decode(p);
	assert_int_equal(msg->n_string_table, 1);
	assert_string_equal(msg->string_table[0], "");
	assert_int_equal(msg->n_sample_type, 0);
	assert_int_equal(msg->n_sample + msg->n_mapping + msg->n_location + msg->n_function, 0);
	assert_int_equal(msg->n_comment, 0);
	assert_int_equal(msg->default_sample_type, 0);
	assert_int_equal(msg->period, 0);
	perftools__profiles__profile__free_unpacked(msg, NULL);

	/* A collector that saw nothing still declares its types. */
	profile_add_sample_type(p, "samples", "count");
	profile_add_sample_type(p, "cpu", "nanoseconds");
	p->period_type = p->sample_types[1];
	p->period = 10101010;
	msg = encode_and_decode(p);
	assert_strings_unique(msg);
	assert_int_equal(msg->n_sample, 0);
	assert_int_equal(msg->n_sample_type, 2);
	assert_string_equal(str(msg, msg->sample_type[1]->type), "cpu");
	assert_int_equal(msg->period_type->unit, msg->sample_type[1]->unit);
	assert_int_equal(msg->period, 10101010);
	perftools__profiles__profile__free_unpacked(msg, NULL);
	profile_free(p);
}

static void output_is_gzip(void **state)
{
	struct profile *p = sample_profile();
	struct pprof_buffer buf;
	(void)state;

	assert_int_equal(pprof_encode(p, &buf), 0);
	assert_true(buf.len > 18); /* gzip header and trailer */
	assert_int_equal(buf.data[0], 0x1f);
	assert_int_equal(buf.data[1], 0x8b);
	assert_int_equal(buf.data[2], 8); /* deflate */
	free(buf.data);
	profile_free(p);
}

static void writes_the_encoding_to_a_file(void **state)
{
	struct profile *p = sample_profile();
	struct pprof_buffer buf;
	char path[] = "/tmp/test_pprof.XXXXXX";
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pprof_write_file(p, path), 0);
	assert_int_equal(pprof_encode(p, &buf), 0);

	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	unsigned char *read_back = malloc(buf.len + 1);
	assert_non_null(read_back);
	/* One byte more than expected, to catch a longer file. */
	assert_int_equal(fread(read_back, 1, buf.len + 1, f), buf.len);
	fclose(f);
	unlink(path);
	assert_memory_equal(read_back, buf.data, buf.len);
	free(read_back);
	free(buf.data);
	profile_free(p);
}

static void write_to_unwritable_path_fails(void **state)
{
	struct profile *p = sample_profile();
	(void)state;

	errno = 0;
	assert_int_equal(pprof_write_file(p, "/nonexistent-bpfprof-dir/profile.pb.gz"), -1);
	assert_int_equal(errno, ENOENT);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_round_trips),
		cmocka_unit_test(mappings_round_trip),
		cmocka_unit_test(functions_round_trip),
		cmocka_unit_test(locations_round_trip),
		cmocka_unit_test(samples_round_trip),
		cmocka_unit_test(empty_profile_round_trips),
		cmocka_unit_test(output_is_gzip),
		cmocka_unit_test(writes_the_encoding_to_a_file),
		cmocka_unit_test(write_to_unwritable_path_fails),
	};

	return cmocka_run_group_tests_name("pprof", tests, NULL, NULL);
}
