/* traced_set.c: the traced set: reading its processes, following the
 * set as it changes (the watcher), and reading a process again when its
 * code changes (the refresh rule). What a profile says about the set is
 * profile_comments.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "hashmap.h"
#include "process_tree.h"
#include "profile_builder.h"
#include "stack_table.h"
#include "traced_set.h"

#define REFRESH_INTERVAL_NS 1000000000ULL
#define WATCH_POLL_MS 100
#define LIVENESS_SWEEP_NS 1000000000ULL
#define SET_MAX_PROCESSES 256 /* unwound at once when the set can grow */

static bool set_can_grow(const struct traced_set_spec *spec)
{
	return spec->children || spec->cgroup[0] != '\0';
}

/* With the lock held: the newest record of pid, or NULL. */
static struct traced_process *find_process(const struct traced_set *set, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	struct hashmap_entry *entry = hashmap_find(set->by_pid, &key, sizeof(key));

	return entry != NULL ? set->processes[entry->value] : NULL;
}

bool traced_set_is_current(const struct traced_set *set, const struct traced_process *process)
{
	return find_process(set, process->handle.pid) == process;
}

static void note_exit(struct traced_set *set, struct traced_process *process)
{
	if (process->exited)
		return;
	process->exited = true;
	process_handle_note_exited(&process->handle);
	__atomic_sub_fetch(&set->live, 1, __ATOMIC_RELAXED);
	unwinder_forget_process(set->unwinder, process->handle.pid);
}

/* A process moved out of the traced cgroup is not traced any more; what
 * it gave stays, as an exited one's. */
static void note_left(struct traced_set *set, struct traced_process *process)
{
	note_exit(set, process);
	process->left = true;
	set->left++;
}

/* With the lock held: reads pid's image into a new record; a child just
 * forked by `from` has its layout, copied rather than read again. 0; -1
 * with a reason when the process cannot be traced (gone, a thread, ...). */
static int add_process(struct traced_set *set, pid_t pid, pid_t parent, const struct traced_process *from,
		       char *err, size_t err_len)
{
	struct traced_process *process = calloc(1, sizeof(*process));

	if (process == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (process_handle_open(pid, &process->handle, err, err_len) != 0) {
		free(process);
		return -1;
	}
	process->parent = parent;
	process->last_cpu_ns = process_handle_cpu_ns(&process->handle);
	process->maps = from != NULL && from->maps != NULL ? process_image_fork(from->maps, pid)
							   : process_image_open(set->symbolizer, pid, err, err_len);
	if (process->maps == NULL)
		set->unreadable++; /* its samples stay, named by address */
	else if (unwinder_load_process(set->unwinder, process->maps, pid, err, err_len) != 0)
		set->not_unwound++; /* no slot left: its stacks end at their first frame, said in the comments */
	uint32_t key = (uint32_t)pid;
	bool added;
	struct hashmap_entry *entry = NULL;
	struct traced_process **slot = ARRAY_PUSH(set->processes, set->n_processes, set->cap_processes);
	if (slot != NULL && (entry = hashmap_upsert(set->by_pid, &key, sizeof(key), &added)) == NULL)
		set->n_processes--;
	if (slot == NULL || entry == NULL) {
		process_image_free(process->maps);
		process_handle_close(&process->handle);
		free(process);
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	*slot = process;
	entry->value = set->n_processes - 1;
	if (set->first == NULL)
		set->first = process;
	__atomic_add_fetch(&set->live, 1, __ATOMIC_RELAXED);
	return 0;
}

/* With the lock held: a process the kernel put into the set. */
static void welcome(struct traced_set *set, pid_t pid, pid_t parent, bool forked)
{
	char err[256];
	struct traced_process *known = find_process(set, pid);

	if (known != NULL && !known->exited)
		return; /* found by the scan at attach as well */
	const struct traced_process *from = find_process(set, parent);
	if (from != NULL && from->exited)
		from = NULL;
	if (add_process(set, pid, parent, forked ? from : NULL, err, sizeof(err)) != 0)
		set->gone_before_read++;
	else
		set->joined++;
}

/* Called by the tracker for each change of the set, on the watcher. */
static void on_process_event(void *ctx, const struct process_event *event)
{
	struct traced_set *set = ctx;
	pid_t pid = (pid_t)event->tgid;
	char err[256];

	pthread_mutex_lock(&set->lock);
	struct traced_process *process = find_process(set, pid);
	switch (event->kind) {
	case PROCESS_FORKED:
	case PROCESS_JOINED:
		welcome(set, pid, (pid_t)event->parent, event->kind == PROCESS_FORKED);
		break;
	case PROCESS_EXECED:
		/* A new program: the old record keeps the samples it had. */
		if (process != NULL)
			note_exit(set, process);
		if (add_process(set, pid, process != NULL ? process->parent : 0, NULL, err, sizeof(err)) != 0)
			set->gone_before_read++;
		else if (process != NULL)
			set->execs++;
		break;
	case PROCESS_EXITED:
		if (process != NULL)
			note_exit(set, process);
		break;
	case PROCESS_LEFT:
		if (process != NULL && !process->exited)
			note_left(set, process);
		break;
	}
	pthread_mutex_unlock(&set->lock);
}

/* An exit whose event was lost (a full ring) is still seen, a second late. */
static void sweep_exited(struct traced_set *set)
{
	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < set->n_processes; i++)
		if (!set->processes[i]->exited && !process_handle_alive(&set->processes[i]->handle))
			note_exit(set, set->processes[i]);
	pthread_mutex_unlock(&set->lock);
}

static void *watch_set(void *arg)
{
	struct traced_set *set = arg;
	uint64_t last_sweep = monotonic_ns();

	while (!__atomic_load_n(&set->stopping, __ATOMIC_RELAXED)) {
		if (process_collector_poll(set->tracker, WATCH_POLL_MS) < 0)
			usleep(WATCH_POLL_MS * 1000);
		if (monotonic_ns() - last_sweep > LIVENESS_SWEEP_NS) {
			sweep_exited(set);
			last_sweep = monotonic_ns();
		}
	}
	return NULL;
}

/* The processes found at attach beyond those given: descendants, cgroup
 * members (via_cgroup). */
static void add_found(struct traced_set *set, const pid_t *pids, const pid_t *parents, size_t n, bool via_cgroup)
{
	char err[256];

	for (size_t i = 0; i < n; i++) {
		if (find_process(set, pids[i]) != NULL)
			continue;
		if (process_collector_add(set->tracker, pids[i], parents != NULL ? parents[i] : 0, via_cgroup) != 0 ||
		    add_process(set, pids[i], parents != NULL ? parents[i] : 0, NULL, err, sizeof(err)) != 0) {
			/* Gone already, or not a user process (a kernel thread in a cgroup). */
			process_collector_remove(set->tracker, pids[i]);
			set->gone_before_read++;
		}
	}
}

/* A member moved out of the cgroup between the scan that found it and its
 * entry into the set was seen by no tracepoint: a second look finds it. */
static void drop_moved_out(struct traced_set *set)
{
	size_t n = 0;
	pid_t *members = process_tree_cgroup_members(set->spec.cgroup, &n);

	for (size_t i = 0; i < set->n_processes; i++) {
		struct traced_process *process = set->processes[i];
		pid_t pid = process->handle.pid;
		if (process->exited || process_tree_listed(members, n, pid) ||
		    process_tree_listed(set->spec.pids, set->spec.n_pids, pid))
			continue;
		process_collector_remove(set->tracker, pid);
		note_left(set, process);
	}
	free(members);
}

static int open_set(struct traced_set *set, const struct traced_set_spec *spec, enum unwind_mode unwind, char *err,
		    size_t err_len)
{
	uint64_t cgroup_id = 0;
	char cgroup_path[sizeof(spec->cgroup)];

	/* Every PID given is checked before anything is loaded: a wrong one
	 * or missing privileges are the user's first answer. */
	for (size_t i = 0; i < spec->n_pids; i++) {
		struct process_handle probe;
		if (process_handle_open(spec->pids[i], &probe, err, err_len) != 0)
			return -1;
		int rc = process_handle_check_privileges(&probe, err, err_len);
		process_handle_close(&probe);
		if (rc != 0)
			return -1;
	}
	if (spec->cgroup[0] != '\0' &&
	    process_tree_cgroup(spec->cgroup, cgroup_path, sizeof(cgroup_path), &cgroup_id, err, err_len) != 0)
		return -1;
	if (spec->cgroup[0] != '\0')
		snprintf(set->spec.cgroup, sizeof(set->spec.cgroup), "%s", cgroup_path);
	set->unwinder = unwinder_new(unwind, set_can_grow(spec) ? SET_MAX_PROCESSES : (uint32_t)spec->n_pids);
	if (set->unwinder == NULL) {
		snprintf(err, err_len, "cannot create the unwinder's maps: %s", strerror(errno));
		return -1;
	}
	set->tracker = process_collector_start(spec->children, cgroup_id, set->unwinder, on_process_event, set,
						 err, err_len);
	if (set->tracker == NULL)
		return -1;
	/* The tracker first: whatever forks or joins from now on, it sees;
	 * whatever did before, the scans below find. */
	for (size_t i = 0; i < spec->n_pids; i++) {
		if (find_process(set, spec->pids[i]) != NULL)
			continue;
		if (add_process(set, spec->pids[i], 0, NULL, err, err_len) != 0)
			return -1;
		if (process_collector_add(set->tracker, spec->pids[i], 0, false) != 0) {
			snprintf(err, err_len, "cannot add PID %d to the traced set: %s", (int)spec->pids[i],
				 strerror(errno));
			return -1;
		}
	}
	size_t n = 0;
	if (spec->cgroup[0] != '\0') {
		pid_t *members = process_tree_cgroup_members(set->spec.cgroup, &n);
		add_found(set, members, NULL, n, true);
		free(members);
		drop_moved_out(set);
	}
	if (spec->children) {
		pid_t *roots = malloc((set->n_processes + 1) * sizeof(*roots)), *parents = NULL;
		for (size_t i = 0; roots != NULL && i < set->n_processes; i++)
			roots[i] = set->processes[i]->handle.pid;
		pid_t *descendants =
			roots != NULL ? process_tree_descendants(roots, set->n_processes, &parents, &n) : NULL;
		add_found(set, descendants, parents, n, false);
		free(descendants);
		free(parents);
		free(roots);
	}
	set->joined = 0; /* found at attach: not joiners */
	/* A profile names its first process (its command line, mapping[0]):
	 * an empty cgroup has none to name yet. */
	if (set->n_processes == 0) {
		snprintf(err, err_len, "--cgroup %s has no process in it yet: profile it once one runs",
			 set->spec.cgroup);
		return -1;
	}
	if (pthread_create(&set->watcher, NULL, watch_set, set) != 0) {
		snprintf(err, err_len, "cannot start the thread that follows the processes: %s", strerror(errno));
		return -1;
	}
	set->watching = true;
	return 0;
}

int traced_set_open(struct traced_set *set, const struct traced_set_spec *spec, enum unwind_mode unwind, char *err,
		    size_t err_len)
{
	memset(set, 0, sizeof(*set));
	pthread_mutex_init(&set->lock, NULL);
	set->spec = *spec;
	set->by_pid = hashmap_new();
	set->symbolizer = symbolizer_new();
	if (set->by_pid == NULL || set->symbolizer == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	pthread_mutex_lock(&set->lock);
	int rc = open_set(set, spec, unwind, err, err_len);
	pthread_mutex_unlock(&set->lock);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	traced_set_close(set);
	return -1;
}

void traced_set_close(struct traced_set *set)
{
	if (set->watching) {
		__atomic_store_n(&set->stopping, true, __ATOMIC_RELAXED);
		pthread_join(set->watcher, NULL);
	}
	process_collector_stop(set->tracker);
	unwinder_free(set->unwinder);
	for (size_t i = 0; i < set->n_processes; i++) {
		process_image_free(set->processes[i]->maps);
		process_handle_close(&set->processes[i]->handle);
		free(set->processes[i]);
	}
	free(set->processes);
	hashmap_free(set->by_pid);
	symbolizer_free(set->symbolizer);
	pthread_mutex_destroy(&set->lock);
	memset(set, 0, sizeof(*set));
}

const struct process_handle *traced_set_main(const struct traced_set *set)
{
	return &set->first->handle;
}

bool traced_set_can_grow(const struct traced_set *set)
{
	return set_can_grow(&set->spec);
}

struct traced_process *traced_set_single(struct traced_set *set)
{
	return set->spec.n_pids == 1 && !set_can_grow(&set->spec) ? set->first : NULL;
}

bool traced_set_alive(const struct traced_set *set)
{
	if (set->spec.cgroup[0] != '\0')
		return access(set->spec.cgroup, F_OK) == 0;
	/* A fixed set never grows, so its records stay put: their pidfds say
	 * at once whether any still runs. */
	if (!process_collector_follows(set->tracker)) {
		for (size_t i = 0; i < set->n_processes; i++)
			if (process_handle_alive(&set->processes[i]->handle))
				return true;
		return false;
	}
	/* The kernel's exit event arrives as the last thread exits. */
	return __atomic_load_n(&set->live, __ATOMIC_RELAXED) > 0;
}

bool traced_set_gone(void *set)
{
	return !traced_set_alive(set);
}

void traced_set_gone_reason(struct traced_set *set, char *err, size_t err_len)
{
	const struct process_handle *main = traced_set_main(set);

	if (set->spec.cgroup[0] != '\0')
		snprintf(err, err_len, "cgroup %s is gone", set->spec.cgroup);
	else if (set->n_processes == 1)
		snprintf(err, err_len, "PID %d (%s) has exited", (int)main->pid, main->comm);
	else
		snprintf(err, err_len, "all %zu processes of PID %d (%s)'s set have exited", set->n_processes,
			 (int)main->pid, main->comm);
}

int64_t traced_set_cpu_ns(struct traced_set *set)
{
	int64_t total = -1;

	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < set->n_processes; i++) {
		struct traced_process *process = set->processes[i];
		if (!process->exited) {
			int64_t now = process_handle_cpu_ns(&process->handle);
			if (now >= 0)
				process->last_cpu_ns = now;
		}
		if (process->last_cpu_ns >= 0)
			total = (total < 0 ? 0 : total) + process->last_cpu_ns;
	}
	pthread_mutex_unlock(&set->lock);
	return total;
}

void traced_set_name_held(const struct traced_set *set, char *text, size_t len)
{
	const struct process_handle *main = traced_set_main(set);
	size_t used = 0;

	if (set->n_processes == 1 && !set_can_grow(&set->spec)) {
		snprintf(text, len, "PID %d (%s)", (int)main->pid, main->comm);
		return;
	}
	size_t distinct = set->n_processes - set->execs;
	used += (size_t)snprintf(text, len, "%zu process%s", distinct, distinct == 1 ? "" : "es");
	if (set->spec.cgroup[0] != '\0')
		used += (size_t)snprintf(text + used, used < len ? len - used : 0, " of cgroup %s", set->spec.cgroup);
	else if (set->spec.children)
		used += (size_t)snprintf(text + used, used < len ? len - used : 0, " (PID%s %d%s and descendants)",
					 set->spec.n_pids > 1 ? "s" : "", (int)set->spec.pids[0],
					 set->spec.n_pids > 1 ? ", ..." : "");
	size_t named = 0;
	for (size_t i = 0; i < set->n_processes && named < SET_NAMED_PROCESSES && used < len; i++) {
		const struct traced_process *process = set->processes[i];
		if (!traced_set_is_current(set, process))
			continue; /* it exec'd: named by its newest record */
		used += (size_t)snprintf(text + used, len - used, "%s PID %d (%s)", named++ == 0 ? ":" : ",",
					 (int)process->handle.pid, process->handle.comm);
	}
	if (distinct > named && used < len)
		snprintf(text + used, len - used, " and %zu more", distinct - named);
}

void traced_set_name(struct traced_set *set, char *text, size_t len)
{
	pthread_mutex_lock(&set->lock);
	traced_set_name_held(set, text, len);
	pthread_mutex_unlock(&set->lock);
}

/* With the lock held. */
static bool covers(const struct traced_process *process, const uint64_t *addrs, size_t n)
{
	if (process->maps == NULL)
		return true; /* nothing to refresh */
	for (size_t i = 0; i < n; i++)
		if (process_image_mapping(process->maps, addrs[i]) == NULL)
			return false;
	return true;
}

/* With the lock held: the process's image looks again and unwind tables
 * load for objects mapped since. */
static void refresh(struct traced_set *set, struct traced_process *process)
{
	char err[256];

	process->last_refresh_ns = monotonic_ns();
	__atomic_store_n(&process->new_code_seen, false, __ATOMIC_RELAXED);
	if (process->exited || process->maps == NULL || process_image_refresh(process->maps) != 0)
		return; /* gone: nothing new can have been mapped */
	if (unwinder_load_process(set->unwinder, process->maps, process->handle.pid, err, sizeof(err)) != 0)
		fprintf(stderr, "bpfprof: warning: %s\n", err);
}

void traced_set_note_stack(struct traced_set *set, pid_t pid, const uint64_t *addrs, size_t n)
{
	if (pthread_mutex_trylock(&set->lock) != 0)
		return;
	struct traced_process *process = find_process(set, pid);
	if (process != NULL && !__atomic_load_n(&process->new_code_seen, __ATOMIC_RELAXED) &&
	    !covers(process, addrs, n)) {
		__atomic_store_n(&process->new_code_seen, true, __ATOMIC_RELAXED);
		__atomic_store_n(&set->new_code_seen, true, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&set->lock);
}

void traced_set_refresh_if_asked(struct traced_set *set)
{
	if (!__atomic_load_n(&set->new_code_seen, __ATOMIC_RELAXED))
		return;
	/* Never behind a profile being named (which may be fetching debug
	 * info from a debuginfod server): the draining thread tries again on
	 * its next tick. */
	if (pthread_mutex_trylock(&set->lock) != 0)
		return;
	bool waiting = false;
	uint64_t now = monotonic_ns();
	for (size_t i = 0; i < set->n_processes; i++) {
		struct traced_process *process = set->processes[i];
		if (!__atomic_load_n(&process->new_code_seen, __ATOMIC_RELAXED))
			continue;
		if (now - process->last_refresh_ns > REFRESH_INTERVAL_NS)
			refresh(set, process);
		else
			waiting = true;
	}
	__atomic_store_n(&set->new_code_seen, waiting, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&set->lock);
}

void traced_set_lock(struct traced_set *set)
{
	pthread_mutex_lock(&set->lock);
	set->refreshed_while_locked = false;
}

void traced_set_cover(struct traced_set *set, struct traced_process *process, const uint64_t *addrs,
			size_t n)
{
	/* Once per hold: code no look can find (a JIT's) must not cost a
	 * refresh per stack. */
	if (!set->refreshed_while_locked && !covers(process, addrs, n)) {
		refresh(set, process);
		set->refreshed_while_locked = true;
	}
}

void traced_set_look_again(struct traced_set *set, struct traced_process *process)
{
	if (monotonic_ns() - process->last_refresh_ns > REFRESH_INTERVAL_NS)
		refresh(set, process);
}

void traced_set_unlock(struct traced_set *set)
{
	pthread_mutex_unlock(&set->lock);
}

struct traced_process *traced_set_process(struct traced_set *set, pid_t pid)
{
	return find_process(set, pid);
}

pid_t *traced_set_live_pids(struct traced_set *set, size_t *n)
{
	pid_t *pids = malloc((set->n_processes + 1) * sizeof(*pids));

	*n = 0;
	for (size_t i = 0; pids != NULL && i < set->n_processes; i++)
		if (!set->processes[i]->exited)
			pids[(*n)++] = set->processes[i]->handle.pid;
	return pids;
}

/* With the lock held: the process a stack key names. A collector of one
 * process (the heap tracer's) leaves the pid out: its image is the first
 * one's, as it was before any exec. */
static struct traced_process *stack_owner(struct traced_set *set, uint32_t pid)
{
	return pid != 0 ? find_process(set, (pid_t)pid) : set->first;
}

bool traced_set_stack_process(void *ctx, uint32_t pid, struct stack_process *out)
{
	struct traced_process *process = stack_owner(ctx, pid);

	if (process == NULL)
		return false;
	*out = (struct stack_process){.maps = process->maps, .comm = process->handle.comm};
	return true;
}

bool traced_set_function_name(struct traced_set *set, uint64_t addr, char *name, size_t len)
{
	struct symbolization symbols = {.n_frames = 0};

	pthread_mutex_lock(&set->lock);
	symbolizer_take_debuginfo(set->symbolizer);
	if (set->first->maps != NULL)
		symbolize_user(set->first->maps, addr, &symbols);
	if (symbols.n_frames > 0)
		snprintf(name, len, "%s", symbols.frames[symbols.n_frames - 1].function);
	pthread_mutex_unlock(&set->lock);
	return symbols.n_frames > 0;
}

void traced_set_cover_stacks(struct traced_set *set, const struct stack_table *stacks, uint64_t since_ns)
{
	size_t cursor = 0;
	struct stack_key key;
	const int64_t *values;

	while (stack_table_next(stacks, &cursor, &key, &values)) {
		struct traced_process *process = stack_owner(set, key.pid);
		if (process != NULL && process->last_refresh_ns < since_ns && !covers(process, key.user, key.n_user))
			refresh(set, process);
	}
}
