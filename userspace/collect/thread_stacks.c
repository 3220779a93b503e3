/*
 * thread_stacks.c: libdwfl's ptrace unwinder over the target's threads,
 * plus what /proc says of each (name, state, wait channel). libdwfl is the
 * field's tool for this (it is what eu-stack runs); the BPF unwinder
 * cannot help, since a sleeping thread runs no program to walk from.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdwfl.h>

#include "array.h"
#include "debuginfo_fetcher.h"
#include "thread_stacks.h"

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};
/* With debuginfod servers named, the walk (the target's threads stopped
 * meanwhile) must not wait on them: .eh_frame and local files only. */
static const Dwfl_Callbacks proc_callbacks_offline = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_build_id_find_debuginfo,
};

struct walk {
	struct thread_stacks *out;
	pid_t pid;
};

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Name, state and wait channel from /proc/PID/task/TID. */
static void describe_thread(pid_t pid, struct thread_stack *thread)
{
	char path[96], stat[512];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)thread->tid);
	read_line(path, thread->name, sizeof(thread->name));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)thread->tid);
	read_line(path, stat, sizeof(stat));
	const char *after_name = strrchr(stat, ')'); /* the name may hold spaces and parentheses */
	thread->state = after_name != NULL && after_name[1] == ' ' ? after_name[2] : '?';
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", (int)pid, (int)thread->tid);
	read_line(path, thread->wchan, sizeof(thread->wchan));
	if (strcmp(thread->wchan, "0") == 0)
		thread->wchan[0] = '\0';
}

static int on_frame(Dwfl_Frame *frame, void *arg)
{
	struct thread_stack *thread = arg;
	Dwarf_Addr pc;

	if (thread->n_pcs == THREAD_STACK_MAX_FRAMES || !dwfl_frame_pc(frame, &pc, NULL))
		return DWARF_CB_ABORT;
	thread->pcs[thread->n_pcs++] = pc;
	return DWARF_CB_OK;
}

static int on_thread(Dwfl_Thread *dwfl_thread, void *arg)
{
	struct walk *walk = arg;
	struct thread_stack *thread = ARRAY_PUSH(walk->out->threads, walk->out->count, walk->out->cap);

	if (thread == NULL)
		return DWARF_CB_ABORT;
	thread->pid = walk->pid;
	thread->tid = dwfl_thread_tid(dwfl_thread);
	describe_thread(walk->pid, thread);
	/* The walk ends with an error at the outermost frame more often than
	 * not (no CFI says "no caller"): only an empty stack is a failure. */
	if (dwfl_thread_getframes(dwfl_thread, on_frame, thread) != 0 && thread->n_pcs == 0)
		snprintf(thread->error, sizeof(thread->error), "%s", dwfl_errmsg(-1));
	return DWARF_CB_OK;
}

static int take_stacks(pid_t pid, struct thread_stacks *out, char *err, size_t err_len)
{
	Dwfl *dwfl = dwfl_begin(debuginfo_fetcher_wanted() ? &proc_callbacks_offline : &proc_callbacks);
	struct walk walk = {.out = out, .pid = pid};
	size_t before = out->count;
	int rc = -1;

	if (dwfl == NULL) {
		snprintf(err, err_len, "libdwfl: %s", dwfl_errmsg(-1));
		return -1;
	}
	int report = dwfl_linux_proc_report(dwfl, pid);
	if (report != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0) {
		snprintf(err, err_len, "cannot read the mappings of PID %d: %s", (int)pid,
			 report > 0 ? strerror(report) : dwfl_errmsg(-1));
		goto out;
	}
	int attach = dwfl_linux_proc_attach(dwfl, pid, false);
	if (attach != 0) {
		snprintf(err, err_len, "cannot attach to PID %d with ptrace to walk its threads: %s", (int)pid,
			 attach > 0 ? strerror(attach) : dwfl_errmsg(-1));
		goto out;
	}
	if (dwfl_getthreads(dwfl, on_thread, &walk) != 0 && out->count == before) {
		snprintf(err, err_len, "cannot list the threads of PID %d: %s", (int)pid, dwfl_errmsg(-1));
		goto out;
	}
	/* Not one thread walked: that is ptrace refused, not a view to show. */
	size_t walked = 0;
	for (size_t i = before; i < out->count; i++)
		walked += out->threads[i].error[0] == '\0';
	if (out->count > before && walked == 0) {
		snprintf(err, err_len, "cannot attach to PID %d with ptrace to walk its threads: %s (another tracer, "
				       "such as gdb or strace, may hold it)",
			 (int)pid, out->threads[before].error);
		goto out;
	}
	rc = 0;
out:
	dwfl_end(dwfl); /* detaches from every thread */
	if (rc != 0)
		out->count = before;
	return rc;
}

/* A thread has one ptrace tracer at a time: a second walk of the same
 * threads while one runs would be refused (EPERM) thread by thread, so
 * walks (concurrent HTTP requests for the threads view) take turns. */
static pthread_mutex_t one_walk_at_a_time = PTHREAD_MUTEX_INITIALIZER;

int thread_stacks_take(pid_t pid, struct thread_stacks *out, char *err, size_t err_len)
{
	pthread_mutex_lock(&one_walk_at_a_time);
	int rc = take_stacks(pid, out, err, err_len);
	pthread_mutex_unlock(&one_walk_at_a_time);
	return rc;
}

int threads_list(pid_t pid, struct thread_stacks *out)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *tasks = opendir(path);
	if (tasks == NULL)
		return -1;
	for (struct dirent *entry; (entry = readdir(tasks)) != NULL;) {
		if (entry->d_name[0] == '.')
			continue;
		struct thread_stack *thread = ARRAY_PUSH(out->threads, out->count, out->cap);
		if (thread == NULL)
			break;
		thread->pid = pid;
		thread->tid = (pid_t)atoi(entry->d_name);
		describe_thread(pid, thread);
	}
	closedir(tasks);
	return 0;
}

void thread_stacks_free(struct thread_stacks *stacks)
{
	free(stacks->threads);
	memset(stacks, 0, sizeof(*stacks));
}

const char *thread_state_name(char state)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk sleep";
	case 'T': return "stopped";
	case 't': return "tracing stop";
	case 'Z': return "zombie";
	case 'X': return "dead";
	case 'I': return "idle";
	default: return "unknown";
	}
}
