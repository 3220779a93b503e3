/*
 * profile_kinds.h: the table of profile kinds. One row says everything
 * the agent knows of a kind: its name (record --kind, the UI's kind, the
 * kernel features it needs), its /debug/pprof endpoint, its title and
 * description, how it spans time, its default seconds, whether it needs
 * heap tracing, the UI's labels, and how a window of it opens and closes.
 * `record`, the /debug/pprof routes, the /debug/pprof/ index, the snapshot
 * store and the UI's list of kinds (/api/kinds) are loops over it; a new
 * kind is a BPF program, a collector and one row here.
 */
#ifndef PROFILE_KINDS_H
#define PROFILE_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "heap_tracer.h"
#include "kernel_features.h"
#include "output_format.h"
#include "profile.h"
#include "session.h"
#include "window.h"

/* How a kind's profile spans time. */
enum kind_span {
	SPAN_WINDOW, /* what happened over a window of seconds */
	SPAN_NOW,    /* the state now, or with seconds what changed over them (Go's heap and allocs delta) */
	SPAN_AGE,    /* the state now, of what is older than an age (the leak view) */
};

/* What the UI's seconds field means for a kind. */
enum ui_seconds {
	UI_SECONDS_WINDOW, /* a window */
	UI_SECONDS_NONE,   /* taken at once */
	UI_SECONDS_AGE,	   /* the least age of what is shown */
};

/* What a caller asks of a window. */
struct window_request {
	uint64_t duration_ns;	/* the window; 0 for a profile of now */
	bool delta;		/* SPAN_NOW: only what changed over the window */
	uint64_t min_wait_ns;	/* block and mutex: the shortest wait counted */
	uint64_t older_than_ns; /* SPAN_AGE: how old what is shown must be */
};

/* What the agent holds that windows read from. */
struct profile_context {
	struct session *session;
	struct heap_tracer *heap; /* NULL: heap tracing is off */
	unsigned hz;
	struct window_slots *slots; /* serve's limit on open windows; NULL: none */
};

/* What a window tells its owner besides the profile. */
struct window_figures {
	char detail[160];   /* for record's first line: ", at 99 Hz", ... */
	char subtitle[300]; /* the SVG's */
	char summary[300];  /* what record's closing line says was recorded */
	uint64_t samples;   /* the snapshot list's figures */
	uint64_t lost;
	bool set_exited; /* the collector saw the traced set go */
	bool busy;	 /* the window was refused: every slot of ctx->slots is in use */
};

struct kind_window;

struct profile_kind {
	const char *name;	 /* record --kind, the UI's kind, the kernel features' kind */
	const char *endpoint;	 /* /debug/pprof/NAME */
	const char *alias;	 /* a second endpoint name, or NULL */
	const char *title;	 /* "CPU profile": SVG titles, messages */
	const char *activity;	 /* record's first line: "sampling", "tracing the allocations of" */
	const char *description; /* the /debug/pprof/ index */
	const char *help;	 /* its line in record --help and serve --help */
	const char *family;	 /* kinds of one family carry the same sample types: comparable */
	const char *unit;	 /* of the value folded and SVG output show */
	int output_value;	 /* that value's index; -1: the profile's default */
	enum kind_span span;
	unsigned default_seconds; /* a window's when none is asked */
	bool takes_min_wait;	  /* ?min_wait_us= and --min-wait */
	bool takes_hz;		  /* --hz: it samples on-CPU stacks */
	bool takes_event;	  /* --event: its values are the sampling event's counts */
	bool needs_heap;	  /* reads the heap tracer */
	bool recordable;	  /* bpfprof record --kind NAME */
	bool snapshot;		  /* the UI records it */
	const char *ui_option;	  /* the UI's Record menu */
	const char *ui_name;	  /* the UI's titles */
	const char *ui_button;
	enum ui_seconds ui_seconds;
	int arg;	       /* the open function's own: a heap view, an off-CPU kind */
	uint32_t kernel_needs; /* FEATURE_BIT()s of kernel_features.h its programs use */
	bool unwinds;	       /* takes user stacks in the kernel: the unwinder's needs too */
	/* NULL for a kind whose window ends in a profile; else the media type
	 * of the document it writes instead (the trace's JSON), and that
	 * document's format (record --format, the file's extension). */
	const char *document_type;
	enum output_format document_format;
	struct kind_window *(*open)(const struct profile_kind *kind, const struct profile_context *ctx,
				    const struct window_request *request, struct window_figures *figures, char *err,
				    size_t err_len);
	/* The kind's text form for ?debug=N (N > 0) where it is not the
	 * profile's top table (the threads' dump), or NULL. 0, or -1 with a
	 * one-line reason. */
	int (*write_text)(const struct profile_context *ctx, FILE *out, long debug, char *err, size_t err_len);
};

#define PROFILE_KINDS_MAX 16 /* room for every row, for arrays built from the table */
extern const struct profile_kind profile_kinds[];
extern const size_t profile_kinds_count;

/* The row named name (record --kind, the UI's kind), or NULL. */
const struct profile_kind *profile_kind_named(const char *name);
/* The row served at /debug/pprof/endpoint (or its alias), or NULL. */
const struct profile_kind *profile_kind_at(const char *endpoint);
/* "cpu, heap, leaks, block, mutex or wall": the names of the rows that
 * pass filter (recordable, snapshot), for usage errors. */
void profile_kind_names(char *out, size_t len, bool recordable_only, bool snapshot_only);

/* Every kind's kernel needs, in the table's order (kernel_features.h):
 * out has room for profile_kinds_count. */
void profile_kinds_kernel_needs(struct kernel_kind *out);
/* 0 when the running kernel has what kind needs (or when we may not load
 * BPF at all, which the privilege check reports better); else -1 with one
 * line naming what is missing and what works here. */
int profile_kind_kernel_check(const struct profile_kind *kind, bool frame_pointers_only, char *err, size_t err_len);

/* Opens a window of kind. NULL with
 * a one-line reason, e.g. the traced set is gone. */
struct kind_window *kind_window_open(const struct profile_kind *kind, const struct profile_context *ctx,
				     const struct window_request *request, struct window_figures *figures, char *err,
				     size_t err_len);
/* The clock a window is waited on: request's duration, ending early when
 * parent fires or what the window reads ends (the traced set exits; heap tracing
 * stops). */
void kind_window_start_clock(const struct kind_window *window, struct window_clock *clock,
			     const struct cancel_token *parent);
/* Ends the window of a kind without document_type (clock says how it
 * ended) and returns its profile, NULL when out of memory; fills figures
 * and frees the window. */
struct profile *kind_window_close(struct kind_window *window, const struct window_clock *clock,
				  struct window_figures *figures);
/* Ends the window of a kind with a document_type and writes its document
 * to out, or drops it when out is NULL (nobody waits for it any more);
 * fills figures and frees the window. 0, or -1 on a write error or when
 * out of memory. */
int kind_window_close_document(struct kind_window *window, const struct window_clock *clock,
			       struct window_figures *figures, FILE *out);

/* The table as the UI's JSON: {"kinds":[{name, option, ...}]} for the kinds
 * it records. */
void profile_kinds_write_json(FILE *out);

#endif
