/*
 * options.h: the flags of bpfprof's commands, parsed in one place. Each
 * flag is described once (its names, how its value is read, its help); a
 * command says which it takes, and gets one struct of their values and a
 * --help written from those rows.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "command_line.h"
#include "cpu_collector.h"
#include "http_server.h"
#include "listen.h"
#include "profile_kinds.h"
#include "traced_set.h"
#include "unwind_mode.h"

enum agent_flag {
	FLAG_PID,
	FLAG_CHILDREN,
	FLAG_CGROUP,
	FLAG_KIND,
	FLAG_DURATION,
	FLAG_HZ,
	FLAG_OUTPUT,
	FLAG_FORMAT,
	FLAG_EVENT,
	FLAG_UNWIND,
	FLAG_HEAP,
	FLAG_HEAP_RATE,
	FLAG_HEAP_INJECT,
	FLAG_OLDER_THAN,
	FLAG_MIN_WAIT,
	FLAG_LISTEN,
	FLAG_MAX_WINDOWS,
	FLAG_MAX_CONNECTIONS,
	FLAG_SNAPSHOT_MEMORY,
	FLAG_SAMPLE_INDEX,
	FLAG_COUNT,
};

#define TAKES(flag) (1u << (flag))

struct agent_options {
	struct traced_set_spec set_spec;     /* --pid (repeatable, comma lists), --children, --cgroup */
	const struct profile_kind *kind;     /* --kind, or --type (default cpu) */
	uint64_t duration_ns;		     /* --duration (default 30 s) */
	unsigned hz;			     /* --hz (default 99) */
	const char *output;		     /* --output, or NULL */
	enum output_format format;	     /* --format, or FORMAT_UNKNOWN */
	const struct cpu_event *event;	     /* --event (default cpu-clock) */
	enum unwind_mode unwind;	     /* --unwind (default auto) */
	bool heap;			     /* --heap, or --heap-rate given */
	uint64_t heap_rate;		     /* --heap-rate (default Go's 524288) */
	bool heap_inject;		     /* --heap-inject: sample inside the target */
	uint64_t older_than_ns;		     /* --older-than (default 10 s) */
	uint64_t min_wait_ns;		     /* --min-wait (default 1 us) */
	struct listen_address listen_at;     /* --listen (default 127.0.0.1:6060) */
	struct server_limits limits;	     /* --max-windows, --max-connections, --snapshot-memory */
	const char *sample_index;	     /* --sample-index: the value folded and SVG output draw, or NULL */
	uint32_t given;			     /* TAKES() of each flag on the command line */
};

/* A command's flags and the prose of its --help around them. */
struct command_help {
	const char *name;	      /* bpfprof NAME */
	const enum agent_flag *flags; /* the flags it takes, in the order its help lists them */
	size_t n_flags;
	void (*write_about)(FILE *out); /* what it does: between the usage line and the flags */
	const char *notes;		/* after the flags, or NULL */
};

/* Reads `bpfprof command`'s flags (argv[0] is the command), accepting those
 * it takes and --help, which prints its help and exits 0. --pid or --cgroup
 * is required. 0, or 2 after a one-line usage error on stderr. */
int agent_options_parse(const struct command_help *command, int argc, char **argv, struct agent_options *opts);
/* The command's --help: a usage line and a line or more a flag, from the
 * flags' rows, and the command's own prose. */
void agent_options_write_help(const struct command_help *command, FILE *out);
/* One entry of a --help list: left from column indent, text from the
 * flags' help column on, wrapped to it. */
void agent_options_write_row(FILE *out, size_t indent, const char *left, const char *text);
/* The flag's long name, without its dashes. */
const char *agent_flag_name(enum agent_flag flag);

#endif
