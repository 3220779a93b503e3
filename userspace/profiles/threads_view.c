/* threads_view.c: thread stacks into the threads profile and its texts. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "profile_builder.h"
#include "profile_comments.h"
#include "threads_view.h"

static void thread_key(const struct thread_stack *thread, struct stack_key *key)
{
	*key = (struct stack_key){.user = thread->pcs, .n_user = (uint32_t)thread->n_pcs, .pid = (uint32_t)thread->pid};
	memcpy(key->thread, thread->name, sizeof(key->thread));
}

int threads_take(struct traced_set *set, struct thread_stacks *threads, char *err, size_t err_len)
{
	size_t n;

	traced_set_lock(set);
	pid_t *pids = traced_set_live_pids(set, &n);
	traced_set_unlock(set);
	*threads = (struct thread_stacks){0};
	if (pids == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	/* Walked without the set's lock: ptrace stops each process in
	 * turn, and sampling goes on meanwhile. */
	size_t walked = 0;
	char first_err[256] = "";
	for (size_t i = 0; i < n; i++) {
		if (thread_stacks_take(pids[i], threads, err, err_len) == 0)
			walked++;
		else if (first_err[0] == '\0')
			snprintf(first_err, sizeof(first_err), "%s", err);
	}
	free(pids);
	if (walked == 0) {
		snprintf(err, err_len, "%s", first_err[0] != '\0' ? first_err : "no process left to walk");
		thread_stacks_free(threads);
		return -1;
	}
	return 0;
}

static size_t count_errors(const struct thread_stacks *threads)
{
	size_t errors = 0;

	for (size_t i = 0; i < threads->count; i++)
		errors += threads->threads[i].error[0] != '\0';
	return errors;
}

/* With `symbols` held: code mapped since attach (dlopen) is read before naming. */
struct profile *threads_profile(struct traced_set *set, const struct thread_stacks *threads)
{
	struct profile *profile = profile_new();
	struct stack_table *stacks = stack_table_new(1);
	int rc = profile != NULL && stacks != NULL ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < threads->count; i++) {
		struct stack_key key;
		int64_t one = 1;
		thread_key(&threads->threads[i], &key);
		rc = stack_table_add(stacks, &key, &one);
	}
	if (rc == 0) {
		profile_add_sample_type(profile, "goroutine", "count");
		profile->period_type = (struct value_type){
			.type = profile_string(profile, "goroutine"),
			.unit = profile_string(profile, "count"),
		};
		profile->period = 1;
		profile->time_nanos = wall_ns();
		profile_comments_add_set(profile, set, "threads");
		profile_add_comment(profile, "%zu threads, each counted once by its user stack and name (Go's "
					     "goroutine profile, a thread for a goroutine)",
				    threads->count);
		profile_add_comment(profile, "stacks walked with libdwfl through ptrace, each thread stopped for "
					     "its walk; %zu threads could not be walked",
				    count_errors(threads));
		rc = traced_set_add_stacks(set, profile, stacks);
	}
	stack_table_free(stacks);
	if (rc != 0) {
		profile_free(profile);
		return NULL;
	}
	return profile;
}

/* One frame's functions (inlined ones first), Go's debug=2 way:
 * "function()\n\tfile:line\n". With `symbols` held. */
static void write_frame(FILE *out, struct traced_process *process, uint64_t pc, bool leaf, bool as_list)
{
	struct symbolization symbols = {.n_frames = 0};
	uint64_t lookup = leaf ? pc : pc - 1; /* a return address: the call is the byte before */

	if (process != NULL && process->maps != NULL)
		symbolize_user(process->maps, lookup, &symbols);
	if (symbols.n_frames == 0) {
		if (as_list)
			fprintf(out, "#\t%#llx\t?\n", (unsigned long long)pc);
		else
			fprintf(out, "%#llx\n\t?\n", (unsigned long long)pc);
		return;
	}
	for (size_t i = 0; i < symbols.n_frames; i++) {
		const struct symbol_frame *f = &symbols.frames[i];
		if (as_list)
			fprintf(out, "#\t%#llx\t%s\t%s:%d\n", (unsigned long long)pc, f->function,
				f->file[0] != '\0' ? f->file : "?", f->line);
		else
			fprintf(out, "%s()\n\t%s:%d\n", f->function, f->file[0] != '\0' ? f->file : "?", f->line);
	}
}

static bool same_stack(const struct thread_stack *a, const struct thread_stack *b)
{
	return a->pid == b->pid && a->n_pcs == b->n_pcs &&
	       memcmp(a->pcs, b->pcs, a->n_pcs * sizeof(a->pcs[0])) == 0 && strcmp(a->name, b->name) == 0;
}

/* debug=1: each distinct (stack, name) once, with how many threads share it. */
static void write_grouped(FILE *out, struct traced_set *set, const struct thread_stacks *threads, bool several)
{
	bool *done = calloc(threads->count > 0 ? threads->count : 1, sizeof(*done));

	if (done == NULL)
		return;
	fprintf(out, "threads profile: total %zu\n", threads->count);
	for (size_t i = 0; i < threads->count; i++) {
		if (done[i])
			continue;
		const struct thread_stack *t = &threads->threads[i];
		size_t same = 0;
		for (size_t j = i; j < threads->count; j++)
			if (!done[j] && same_stack(t, &threads->threads[j])) {
				done[j] = true;
				same++;
			}
		fprintf(out, "%zu @", same);
		for (size_t k = 0; k < t->n_pcs; k++)
			fprintf(out, " %#llx", (unsigned long long)t->pcs[k]);
		struct traced_process *process = traced_set_process(set, t->pid);
		fprintf(out, "\n# labels: {\"thread\":\"%s\"", t->name);
		if (several)
			fprintf(out, ", \"pid\":\"%d\", \"comm\":\"%s\"", (int)t->pid,
				process != NULL ? process->handle.comm : "");
		fputs("}\n", out);
		for (size_t k = 0; k < t->n_pcs; k++)
			write_frame(out, process, t->pcs[k], k == 0, true);
		if (t->error[0] != '\0')
			fprintf(out, "#\t(stack unavailable: %s)\n", t->error);
		fputc('\n', out);
	}
	free(done);
}

/* debug=2: one block a thread, as Go prints each goroutine. */
static void write_each(FILE *out, struct traced_set *set, const struct thread_stacks *threads, bool several)
{
	for (size_t i = 0; i < threads->count; i++) {
		const struct thread_stack *t = &threads->threads[i];
		struct traced_process *process = traced_set_process(set, t->pid);
		fprintf(out, "thread %d \"%s\" [%s%s%s]", (int)t->tid, t->name, thread_state_name(t->state),
			t->wchan[0] != '\0' ? " in " : "", t->wchan);
		if (several)
			fprintf(out, " of PID %d (%s)", (int)t->pid, process != NULL ? process->handle.comm : "?");
		fputs(":\n", out);
		for (size_t k = 0; k < t->n_pcs; k++)
			write_frame(out, process, t->pcs[k], k == 0, false);
		if (t->error[0] != '\0')
			fprintf(out, "(stack unavailable: %s)\n", t->error);
		fputc('\n', out);
	}
}

void threads_write_text(FILE *out, struct traced_set *set, const struct thread_stacks *threads, long debug)
{
	bool several = false;

	traced_set_lock(set);
	for (size_t i = 0; i < threads->count; i++) {
		struct traced_process *process = traced_set_process(set, threads->threads[i].pid);
		several |= threads->threads[i].pid != threads->threads[0].pid;
		if (process != NULL)
			traced_set_cover(set, process, threads->threads[i].pcs, threads->threads[i].n_pcs);
	}
	if (debug >= 2)
		write_each(out, set, threads, several);
	else
		write_grouped(out, set, threads, several);
	traced_set_unlock(set);
}
