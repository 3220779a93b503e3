/* ui_api.c: routes of the UI's page, assets and JSON API. */
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "flame_tree.h"
#include "http_reply.h"
#include "output.h"
#include "text_escape.h"
#include "top.h"
#include "ui_api.h"
#include "ui_assets.h"
#include "version.h"

static enum MHD_Result serve_asset(struct MHD_Connection *conn, const char *url)
{
	for (size_t i = 0; i < ui_assets_count; i++)
		if (strcmp(ui_assets[i].path, url) == 0)
			return http_send(conn, MHD_HTTP_OK, ui_assets[i].content_type, (void *)ui_assets[i].data,
					 ui_assets[i].len, MHD_RESPMEM_PERSISTENT, NULL, NULL);
	return http_error(conn, MHD_HTTP_NOT_FOUND, "404 page not found");
}

static enum MHD_Result serve_traced_set(struct ui_context *ctx, struct MHD_Connection *conn)
{
	struct traced_set *set = &ctx->session->set;
	const struct process_handle *main = traced_set_main(set);
	char *buf = NULL, name[4096];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (out == NULL)
		return http_json_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	bool alive = cpu_sampler_set_alive(ctx->session->cpu);
	fprintf(out, "{\"pid\":%d,\"comm\":", (int)main->pid);
	json_write_string(out, main->comm);
	fputs(",\"cmdline\":", out);
	json_write_string(out, main->cmdline);
	fprintf(out, ",\"threads\":%d,\"alive\":%s,\"uptime_seconds\":", alive ? process_handle_thread_count(main) : 0,
		alive ? "true" : "false");
	if (alive)
		fprintf(out, "%ld", process_handle_uptime_seconds(main));
	else
		fputs("null", out); /* gone: it has no uptime */
	fprintf(out, ",\"attached_unix\":%lld,\"version\":\"%s\",\"hz\":%u,\"heap_rate\":%llu",
		(long long)(ctx->attached_wall_ns / 1000000000LL),
		BPFPROF_VERSION, ctx->hz, ctx->heap != NULL ? (unsigned long long)heap_tracer_rate(ctx->heap) : 0ULL);
	/* The set: what the header lists, every process seen with its state. */
	traced_set_name(set, name, sizeof(name));
	fputs(",\"set\":", out);
	json_write_string(out, name);
	fputs(",\"processes\":[", out);
	traced_set_lock(set);
	for (size_t i = 0; i < set->n_processes; i++) {
		const struct traced_process *process = set->processes[i];
		fprintf(out, "%s{\"pid\":%d,\"parent\":%d,\"exited\":%s,\"comm\":", i > 0 ? "," : "",
			(int)process->handle.pid, (int)process->parent, process->exited ? "true" : "false");
		json_write_string(out, process->handle.comm);
		fputc('}', out);
	}
	traced_set_unlock(set);
	fputs("]}\n", out);
	return http_send_stream(conn, out, &buf, &len, 0, "application/json", NULL);
}

/* The kinds the UI records, from the table: its Record menu is built from them. */
static enum MHD_Result serve_kinds(struct MHD_Connection *conn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (out == NULL)
		return http_json_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	profile_kinds_write_json(out);
	return http_send_stream(conn, out, &buf, &len, 0, "application/json", NULL);
}

/* POST /api/snapshots?kind=NAME&seconds=N, NAME a kind the UI records
 * (profile_kinds.h): seconds is the window, or the age of a leak; a kind
 * taken at once takes none. */
static enum MHD_Result start_snapshot(struct ui_context *ctx, struct MHD_Connection *conn)
{
	const char *kind_name = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "kind");
	const struct profile_kind *kind = profile_kind_named(kind_name != NULL ? kind_name : "cpu");
	long seconds = 10;
	char err[512];
	bool gone;

	if (kind == NULL || !kind->snapshot) {
		char names[160];
		profile_kind_names(names, sizeof(names), false, true);
		return http_json_error(conn, MHD_HTTP_BAD_REQUEST, "kind must be %s", names);
	}
	if (kind->needs_heap && ctx->heap == NULL)
		return http_json_error(conn, MHD_HTTP_CONFLICT,
				       "heap tracing is off: start bpfprof serve with --heap for heap profiles");
	int has = http_query_number(conn, "seconds", &seconds);
	long least = kind->ui_seconds == UI_SECONDS_AGE ? 0 : 1;
	if (has < 0 || seconds < least || seconds > PROFILE_SECONDS_MAX)
		return http_json_error(conn, MHD_HTTP_BAD_REQUEST, "seconds must be a whole number from %ld to %d", least,
				       PROFILE_SECONDS_MAX);
	int id = snapshot_start(ctx->snapshots, kind, (unsigned)seconds, &gone, err, sizeof(err));
	if (id < 0)
		return http_json_error(conn, gone ? MHD_HTTP_GONE : MHD_HTTP_SERVICE_UNAVAILABLE, "%s", err);
	char body[64];
	int len = snprintf(body, sizeof(body), "{\"id\":%d}\n", id);
	return http_send(conn, MHD_HTTP_ACCEPTED, "application/json", body, (size_t)len, MHD_RESPMEM_MUST_COPY, NULL,
			 NULL);
}

/* The ready profile of snapshot id, held until snapshot_release (a
 * deletion meanwhile waits for the view), or NULL after answering why not. */
static const struct profile *ready_profile(struct ui_context *ctx, struct MHD_Connection *conn, long id,
					   enum MHD_Result *result)
{
	bool found;
	enum snapshot_state state;
	const struct profile *profile = snapshot_hold(ctx->snapshots, (int)id, &found, &state);

	if (profile == NULL)
		*result = !found ? http_json_error(conn, MHD_HTTP_NOT_FOUND, "no snapshot %ld", id)
			  : state == SNAPSHOT_RECORDING
				  ? http_json_error(conn, MHD_HTTP_CONFLICT, "snapshot %ld is still recording", id)
				  : http_json_error(conn, MHD_HTTP_CONFLICT, "snapshot %ld failed", id);
	return profile;
}

/* ?sample_type= as an index of the profile's sample types; -1 after answering 400. */
static long sample_type_index(const struct profile *profile, struct MHD_Connection *conn, enum MHD_Result *result)
{
	const char *name = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "sample_type");

	if (name == NULL)
		return (long)profile_default_value(profile);
	long index = profile_sample_type_index(profile, name);
	if (index >= 0)
		return index;
	*result = http_json_error(conn, MHD_HTTP_BAD_REQUEST, "this profile has no sample type \"%s\"", name);
	return -1;
}

enum snapshot_view { VIEW_FLAME, VIEW_TOP, VIEW_PPROF };

/* A view of a held profile, written to out: 0, or -1 when out of memory. */
static int write_view(const struct profile *profile, long type, enum snapshot_view view, FILE *out)
{
	int rc = -1;

	if (view == VIEW_PPROF)
		return profile_write(out, profile, FORMAT_PPROF, 0, NULL);
	const char *unit = profile->sample_types[type].unit;
	if (view == VIEW_FLAME) {
		struct flame_stacks stacks;
		if (flame_stacks_from_profile(profile, (size_t)type, &stacks) == 0) {
			rc = flame_tree_write_json(out, &stacks, unit);
			flame_stacks_free(&stacks);
		}
	} else {
		struct top_table table;
		if (top_table_build(profile, (size_t)type, &table) == 0) {
			fputs("{\"unit\":", out);
			json_write_string(out, unit);
			fprintf(out, ",\"total\":%lld,\"rows\":[", (long long)table.total);
			for (size_t i = 0; i < table.n_rows; i++) {
				fputs(i > 0 ? ",{\"function\":" : "{\"function\":", out);
				json_write_string(out, table.rows[i].function);
				fprintf(out, ",\"flat\":%lld,\"cum\":%lld}", (long long)table.rows[i].flat,
					(long long)table.rows[i].cum);
			}
			fputs("]}", out);
			top_table_free(&table);
			rc = 0;
		}
	}
	return rc;
}

static enum MHD_Result serve_view(struct ui_context *ctx, struct MHD_Connection *conn, long id,
				  enum snapshot_view view)
{
	enum MHD_Result result;
	const struct profile *profile = ready_profile(ctx, conn, id, &result);
	if (profile == NULL)
		return result;
	long type = sample_type_index(profile, conn, &result);
	char *buf = NULL, name[64];
	size_t len = 0;
	FILE *out = type >= 0 ? open_memstream(&buf, &len) : NULL;
	int rc = out != NULL ? write_view(profile, type, view, out) : -1;
	snprintf(name, sizeof(name), "%s-%ld.pb.gz", snapshot_kind_name(ctx->snapshots, (int)id), id);
	snapshot_release(ctx->snapshots, (int)id);
	if (type < 0)
		return result;
	if (out == NULL)
		return http_json_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return view == VIEW_PPROF ? http_send_stream(conn, out, &buf, &len, rc, "application/octet-stream", name)
				  : http_send_stream(conn, out, &buf, &len, rc, "application/json", NULL);
}

static enum MHD_Result serve_diff(struct ui_context *ctx, struct MHD_Connection *conn)
{
	long base_id, target_id;
	enum MHD_Result result;

	if (http_query_number(conn, "base", &base_id) != 0 || http_query_number(conn, "target", &target_id) != 0)
		return http_json_error(conn, MHD_HTTP_BAD_REQUEST, "diff needs ?base=ID&target=ID");
	const struct profile *base = ready_profile(ctx, conn, base_id, &result);
	if (base == NULL)
		return result;
	const struct profile *target = ready_profile(ctx, conn, target_id, &result);
	if (target == NULL) {
		snapshot_release(ctx->snapshots, (int)base_id);
		return result;
	}
	long base_type = sample_type_index(base, conn, &result);
	long target_type = base_type >= 0 ? sample_type_index(target, conn, &result) : -1;
	struct flame_stacks a, b;
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;
	FILE *out = target_type >= 0 ? open_memstream(&buf, &len) : NULL;
	if (out != NULL && flame_stacks_from_profile(base, (size_t)base_type, &a) == 0) {
		if (flame_stacks_from_profile(target, (size_t)target_type, &b) == 0) {
			rc = flame_diff_write_json(out, &a, &b, target->sample_types[target_type].unit);
			flame_stacks_free(&b);
		}
		flame_stacks_free(&a);
	}
	snapshot_release(ctx->snapshots, (int)base_id);
	snapshot_release(ctx->snapshots, (int)target_id);
	if (target_type < 0)
		return result;
	if (out == NULL)
		return http_json_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return http_send_stream(conn, out, &buf, &len, rc, "application/json", NULL);
}

static enum MHD_Result serve_snapshots(struct ui_context *ctx, struct MHD_Connection *conn, const char *rest,
				       const char *method)
{
	if (*rest == '\0') {
		if (strcmp(method, "POST") == 0)
			return start_snapshot(ctx, conn);
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		if (out == NULL)
			return http_json_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		snapshots_write_json(ctx->snapshots, out);
		return http_send_stream(conn, out, &buf, &len, 0, "application/json", NULL);
	}
	char *end;
	long id = strtol(rest + 1, &end, 10);
	if (rest[0] != '/' || end == rest + 1)
		return http_json_error(conn, MHD_HTTP_NOT_FOUND, "no such API path");
	if (*end == '\0' && strcmp(method, "DELETE") == 0) {
		if (!snapshot_delete(ctx->snapshots, (int)id))
			return http_json_error(conn, MHD_HTTP_NOT_FOUND, "no snapshot %ld", id);
		return http_send(conn, MHD_HTTP_NO_CONTENT, "application/json", (void *)"", 0, MHD_RESPMEM_PERSISTENT,
				 NULL, NULL);
	}
	if (strcmp(method, "DELETE") == 0)
		return http_json_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only a snapshot can be deleted");
	if (*end == '\0') {
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		if (out == NULL)
			return http_json_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		if (!snapshot_write_json(ctx->snapshots, (int)id, out)) {
			fclose(out);
			free(buf);
			return http_json_error(conn, MHD_HTTP_NOT_FOUND, "no snapshot %ld", id);
		}
		return http_send_stream(conn, out, &buf, &len, 0, "application/json", NULL);
	}
	if (strcmp(end, "/flame") == 0)
		return serve_view(ctx, conn, id, VIEW_FLAME);
	if (strcmp(end, "/top") == 0)
		return serve_view(ctx, conn, id, VIEW_TOP);
	if (strcmp(end, "/pprof") == 0)
		return serve_view(ctx, conn, id, VIEW_PPROF);
	return http_json_error(conn, MHD_HTTP_NOT_FOUND, "no such API path");
}

bool ui_api_handle(struct ui_context *ctx, struct MHD_Connection *conn, const char *url, const char *method,
		   enum MHD_Result *result)
{
	if (strcmp(url, "/ui") == 0) {
		*result = http_send(conn, MHD_HTTP_MOVED_PERMANENTLY, "text/html; charset=utf-8", (void *)"", 0,
				    MHD_RESPMEM_PERSISTENT, NULL, "/ui/");
		return true;
	}
	if (strncmp(url, "/ui/", 4) == 0) {
		*result = serve_asset(conn, url);
		return true;
	}
	if (strncmp(url, "/api/", 5) != 0)
		return false;
	if (strcmp(method, "DELETE") == 0 && strncmp(url, "/api/snapshots/", 15) != 0)
		*result = http_json_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only a snapshot can be deleted");
	else if (strcmp(url, "/api/traced-set") == 0)
		*result = serve_traced_set(ctx, conn);
	else if (strcmp(url, "/api/kinds") == 0)
		*result = serve_kinds(conn);
	else if (strncmp(url, "/api/snapshots", 14) == 0)
		*result = serve_snapshots(ctx, conn, url + 14, method);
	else if (strcmp(url, "/api/diff") == 0)
		*result = serve_diff(ctx, conn);
	else
		*result = http_json_error(conn, MHD_HTTP_NOT_FOUND, "no such API path");
	return true;
}
