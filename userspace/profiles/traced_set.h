/*
 * traced_set.h: the traced set, the processes the agent profiles
 * (the PIDs given, with --children every descendant, with --cgroup every
 * process of a cgroup), each with its address space, the symbolizer over
 * them and the unwind tables loaded into the kernel, behind one lock
 * (libdwfl is not thread-safe). Objects are read and their tables built
 * once per build ID, however many processes map them.
 *
 * The set follows its processes: a watcher thread takes the kernel's word
 * (collect/process_collector.h) that a process was forked into the set,
 * joined its cgroup, exec'd or exited, reads a newcomer's image, and keeps
 * an exited process's image for the samples it left. It also owns the one
 * rule for code mapped after attach (dlopen): a stack that runs into code
 * its process's image does not hold asks for a fresh look, taken at most
 * once a second by a draining thread, and always before such a stack is
 * symbolized. The CPU sampler, the heap tracer and every window use it;
 * it uses none of them. What a profile says about the set, and naming a
 * profile's stacks through it, are profile_comments.h's.
 */
#ifndef TRACED_SET_H
#define TRACED_SET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "process_collector.h"
#include "process_handle.h"
#include "process_image.h"
#include "profile_builder.h"
#include "unwinder.h"

struct profile;
struct stack_table;

#define SET_MAX_PIDS 64        /* PIDs given on one command line */
#define SET_NAMED_PROCESSES 16 /* processes listed by name before "and N more" */

/* Which processes to trace, as the command line says it. */
struct traced_set_spec {
	pid_t pids[SET_MAX_PIDS];
	size_t n_pids;
	bool children;     /* every descendant of the PIDs too, born after attach or before */
	char cgroup[4096]; /* a cgroup v2 directory whose processes (joiners too) to trace; "" for none */
};

/* One process of the set, from when it was seen to the end of the agent. */
struct traced_process {
	struct process_handle handle;
	struct process_image *maps; /* under lock; NULL: its maps could not be read */
	pid_t parent;               /* the member it was forked by; 0 */
	bool exited;                /* under lock */
	bool left;                  /* under lock: moved out of the traced cgroup (exited set too) */
	bool new_code_seen;         /* a stack ran into code maps does not hold (atomic) */
	uint64_t last_refresh_ns;   /* under lock */
	int64_t last_cpu_ns;        /* under lock: its CPU time when last read */
};

struct traced_set {
	struct traced_set_spec spec;
	struct traced_process **processes; /* under lock; in order of arrival, the first given first */
	size_t n_processes, cap_processes;
	struct traced_process *first; /* the first given: never moved or freed while the set lives */
	struct hashmap *by_pid; /* under lock: pid -> index of its newest record */
	size_t live;            /* processes not known to have exited (atomic) */
	uint64_t joined, left, execs, gone_before_read, unreadable, not_unwound; /* under lock: how the set changed */
	struct symbolizer *symbolizer;
	struct unwinder *unwinder;
	struct process_collector *tracker;
	pthread_mutex_t lock;
	pthread_t watcher;
	bool watching, stopping;
	bool new_code_seen;          /* some process asked for a fresh look (atomic) */
	bool refreshed_while_locked; /* under lock: traced_set_cover's */
};

/* Validates the processes and our privileges, reads their mappings, loads
 * their unwind tables and starts following the set. 0, or -1 with a
 * one-line reason (nothing to close). */
int traced_set_open(struct traced_set *set, const struct traced_set_spec *spec, enum unwind_mode unwind, char *err,
		    size_t err_len);
void traced_set_close(struct traced_set *set);

/* The first process given: its command line is the profile's. */
const struct process_handle *traced_set_main(const struct traced_set *set);
/* Whether the set can grow (--children or --cgroup). */
bool traced_set_can_grow(const struct traced_set *set);
/* The one process of a set that can never grow or change (one --pid,
 * neither --children nor --cgroup), or NULL. */
struct traced_process *traced_set_single(struct traced_set *set);
/* Whether anything is left to trace: a member still runs, or the cgroup
 * that newcomers join still exists. */
bool traced_set_alive(const struct traced_set *set);
/* !traced_set_alive, as a window's clock asks it (window.h). */
bool traced_set_gone(void *set);
/* Why a window cannot open on a set no longer alive, in one line: "PID 12
 * (nginx) has exited" or "all 3 processes have exited". */
void traced_set_gone_reason(struct traced_set *set, char *err, size_t err_len);
/* CPU time the set's processes have used, the exited ones' as last read. */
int64_t traced_set_cpu_ns(struct traced_set *set);
/* What the set is, in words: "PID 12 (nginx)" or "3 processes: PID 12
 * (nginx), PID 13 (nginx), PID 14 (nginx)", with how it was chosen. */
void traced_set_name(struct traced_set *set, char *text, size_t len);

/* On a collector's thread, for each stack it receives: asks for a fresh
 * look when the stack reaches code its process's image lacks. Never waits
 * for the lock (a profile being symbolized must not stall sampling): then
 * it checks nothing. */
void traced_set_note_stack(struct traced_set *set, pid_t pid, const uint64_t *addrs, size_t n);
/* On a draining thread's tick: takes the fresh looks stacks asked for, at
 * most once a second per process, unless the set is busy (a profile
 * being named: the next tick looks). */
void traced_set_refresh_if_asked(struct traced_set *set);

/* The function holding a user address of the main process (the outermost
 * where calls were inlined, as Go's symbol endpoint names it); false when
 * nothing names it. */
bool traced_set_function_name(struct traced_set *set, uint64_t addr, char *name, size_t len);

/* For a caller that visits the processes and symbolizes frame by frame
 * (symbolize_user on a process's maps): between lock and unlock the
 * processes stay put, and cover takes in new code when addrs need it (one
 * look per hold). */
void traced_set_lock(struct traced_set *set);
void traced_set_cover(struct traced_set *set, struct traced_process *process, const uint64_t *addrs,
			size_t n);
void traced_set_unlock(struct traced_set *set);
/* Between lock and unlock: the newest record of pid, or NULL. */
struct traced_process *traced_set_process(struct traced_set *set, pid_t pid);
/* Between lock and unlock: reads process's mappings again, at most once
 * a second, for a caller waiting on what a program maps just after exec
 * (ld.so maps its libraries a moment after the exec event). */
void traced_set_look_again(struct traced_set *set, struct traced_process *process);
/* Between lock and unlock: the PIDs of the members still running; the
 * caller frees. */
pid_t *traced_set_live_pids(struct traced_set *set, size_t *n);
/* Between lock and unlock: whether process is its pid's newest record,
 * not one an exec left behind (which keeps only the samples taken before
 * it). */
bool traced_set_is_current(const struct traced_set *set, const struct traced_process *process);
/* Between lock and unlock: traced_set_name's words. */
void traced_set_name_held(const struct traced_set *set, char *text, size_t len);
/* Between lock and unlock: the rule for code mapped later, for a whole
 * table of stacks: each process whose stacks reach code its image lacks,
 * and which was not read again since since_ns, is read again. */
void traced_set_cover_stacks(struct traced_set *set, const struct stack_table *stacks, uint64_t since_ns);
/* Between lock and unlock: the profile builder's view of the process a
 * stack key names (profile_builder.h's lookup; ctx is the set). A
 * collector of one process (the heap tracer's) leaves the pid out: its
 * image is the first one's, as it was before any exec. */
bool traced_set_stack_process(void *ctx, uint32_t pid, struct stack_process *out);

#endif
