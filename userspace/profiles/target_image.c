/* target_image.c: reading the set's processes, following the set as it
 * changes, and reading a process again when its code changes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "bpf_counters.h"
#include "clock.h"
#include "hashmap.h"
#include "process_tree.h"
#include "profile_builder.h"
#include "stack_table.h"
#include "target_image.h"
#include "window_health.h"

#define REFRESH_INTERVAL_NS 1000000000ULL
#define WATCH_POLL_MS 100
#define LIVENESS_SWEEP_NS 1000000000ULL
#define SET_MAX_PROCESSES 256 /* unwound at once when the set can grow */
#define NAMED_IN_COMMENTS 16  /* processes listed by name before "and N more" */
#define FEW_SAMPLES 10        /* a profile this thin of a parent hints that its children work */

int target_spec_add_pids(struct target_spec *spec, const char *text, char *err, size_t err_len)
{
	char copy[1024];
	char *save = NULL;

	if (strlen(text) >= sizeof(copy) || text[0] == '\0') {
		snprintf(err, err_len, "--pid takes process IDs separated by commas, not '%s'", text);
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		pid_t pid;
		if (target_parse_pid(item, &pid, err, err_len) != 0)
			return -1;
		if (spec->n_pids == TARGET_MAX_PIDS) {
			snprintf(err, err_len, "--pid: at most %d processes; use --children or --cgroup for more",
				 TARGET_MAX_PIDS);
			return -1;
		}
		spec->pids[spec->n_pids++] = pid;
	}
	return 0;
}

static bool set_can_grow(const struct target_spec *spec)
{
	return spec->children || spec->cgroup[0] != '\0';
}

/* With the lock held: the newest record of pid, or NULL. */
static struct traced_process *find_process(const struct target_image *image, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	struct hashmap_entry *entry = hashmap_find(image->by_pid, &key, sizeof(key));

	return entry != NULL ? image->processes[entry->value] : NULL;
}

/* With the lock held: whether process is its pid's newest record, not one
 * an exec left behind (which keeps only the samples taken before it). */
static bool is_current(const struct target_image *image, const struct traced_process *process)
{
	return find_process(image, process->target.pid) == process;
}

static void note_exit(struct target_image *image, struct traced_process *process)
{
	if (process->exited)
		return;
	process->exited = true;
	target_note_exited(&process->target);
	__atomic_sub_fetch(&image->live, 1, __ATOMIC_RELAXED);
	unwinder_forget_process(image->unwinder, process->target.pid);
}

/* A process moved out of the traced cgroup is not traced any more; what
 * it gave stays, as an exited one's. */
static void note_left(struct target_image *image, struct traced_process *process)
{
	note_exit(image, process);
	process->left = true;
	image->left++;
}

/* With the lock held: reads pid's image into a new record; a child just
 * forked by `from` has its layout, copied rather than read again. 0; -1
 * with a reason when the process cannot be traced (gone, a thread, ...). */
static int add_process(struct target_image *image, pid_t pid, pid_t parent, const struct traced_process *from,
		       char *err, size_t err_len)
{
	struct traced_process *process = calloc(1, sizeof(*process));

	if (process == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (target_open(pid, &process->target, err, err_len) != 0) {
		free(process);
		return -1;
	}
	process->parent = parent;
	process->last_cpu_ns = target_cpu_ns(&process->target);
	process->maps = from != NULL && from->maps != NULL ? process_image_fork(from->maps, pid)
							   : process_image_open(image->symbolizer, pid, err, err_len);
	if (process->maps == NULL)
		image->unreadable++; /* its samples stay, named by address */
	else if (unwinder_load_process(image->unwinder, process->maps, pid, err, err_len) != 0)
		image->not_unwound++; /* no slot left: its stacks end at their first frame, said in the comments */
	uint32_t key = (uint32_t)pid;
	bool added;
	struct hashmap_entry *entry = NULL;
	struct traced_process **slot = ARRAY_PUSH(image->processes, image->n_processes, image->cap_processes);
	if (slot != NULL && (entry = hashmap_upsert(image->by_pid, &key, sizeof(key), &added)) == NULL)
		image->n_processes--;
	if (slot == NULL || entry == NULL) {
		process_image_free(process->maps);
		target_close(&process->target);
		free(process);
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	*slot = process;
	entry->value = image->n_processes - 1;
	if (image->first == NULL)
		image->first = process;
	__atomic_add_fetch(&image->live, 1, __ATOMIC_RELAXED);
	return 0;
}

/* With the lock held: a process the kernel put into the set. */
static void welcome(struct target_image *image, pid_t pid, pid_t parent, bool forked)
{
	char err[256];
	struct traced_process *known = find_process(image, pid);

	if (known != NULL && !known->exited)
		return; /* found by the scan at attach as well */
	const struct traced_process *from = find_process(image, parent);
	if (from != NULL && from->exited)
		from = NULL;
	if (add_process(image, pid, parent, forked ? from : NULL, err, sizeof(err)) != 0)
		image->gone_before_read++;
	else
		image->joined++;
}

/* Called by the tracker for each change of the set, on the watcher. */
static void on_process_event(void *ctx, const struct process_event *event)
{
	struct target_image *image = ctx;
	pid_t pid = (pid_t)event->tgid;
	char err[256];

	pthread_mutex_lock(&image->lock);
	struct traced_process *process = find_process(image, pid);
	switch (event->kind) {
	case PROCESS_FORKED:
	case PROCESS_JOINED:
		welcome(image, pid, (pid_t)event->parent, event->kind == PROCESS_FORKED);
		break;
	case PROCESS_EXECED:
		/* A new program: the old record keeps the samples it had. */
		if (process != NULL)
			note_exit(image, process);
		if (add_process(image, pid, process != NULL ? process->parent : 0, NULL, err, sizeof(err)) != 0)
			image->gone_before_read++;
		else if (process != NULL)
			image->execs++;
		break;
	case PROCESS_EXITED:
		if (process != NULL)
			note_exit(image, process);
		break;
	case PROCESS_LEFT:
		if (process != NULL && !process->exited)
			note_left(image, process);
		break;
	}
	pthread_mutex_unlock(&image->lock);
}

/* An exit whose event was lost (a full ring) is still seen, a second late. */
static void sweep_exited(struct target_image *image)
{
	pthread_mutex_lock(&image->lock);
	for (size_t i = 0; i < image->n_processes; i++)
		if (!image->processes[i]->exited && !target_alive(&image->processes[i]->target))
			note_exit(image, image->processes[i]);
	pthread_mutex_unlock(&image->lock);
}

static void *watch_set(void *arg)
{
	struct target_image *image = arg;
	uint64_t last_sweep = monotonic_ns();

	while (!__atomic_load_n(&image->stopping, __ATOMIC_RELAXED)) {
		if (process_collector_poll(image->tracker, WATCH_POLL_MS) < 0)
			usleep(WATCH_POLL_MS * 1000);
		if (monotonic_ns() - last_sweep > LIVENESS_SWEEP_NS) {
			sweep_exited(image);
			last_sweep = monotonic_ns();
		}
	}
	return NULL;
}

/* The processes found at attach beyond those given: descendants, cgroup
 * members (via_cgroup). */
static void add_found(struct target_image *image, const pid_t *pids, const pid_t *parents, size_t n, bool via_cgroup)
{
	char err[256];

	for (size_t i = 0; i < n; i++) {
		if (find_process(image, pids[i]) != NULL)
			continue;
		if (process_collector_add(image->tracker, pids[i], parents != NULL ? parents[i] : 0, via_cgroup) != 0 ||
		    add_process(image, pids[i], parents != NULL ? parents[i] : 0, NULL, err, sizeof(err)) != 0) {
			/* Gone already, or not a user process (a kernel thread in a cgroup). */
			process_collector_remove(image->tracker, pids[i]);
			image->gone_before_read++;
		}
	}
}

/* A member moved out of the cgroup between the scan that found it and its
 * entry into the set was seen by no tracepoint: a second look finds it. */
static void drop_moved_out(struct target_image *image)
{
	size_t n = 0;
	pid_t *members = process_tree_cgroup_members(image->spec.cgroup, &n);

	for (size_t i = 0; i < image->n_processes; i++) {
		struct traced_process *process = image->processes[i];
		pid_t pid = process->target.pid;
		if (process->exited || process_tree_listed(members, n, pid) ||
		    process_tree_listed(image->spec.pids, image->spec.n_pids, pid))
			continue;
		process_collector_remove(image->tracker, pid);
		note_left(image, process);
	}
	free(members);
}

static int open_set(struct target_image *image, const struct target_spec *spec, enum unwind_mode unwind, char *err,
		    size_t err_len)
{
	uint64_t cgroup_id = 0;
	char cgroup_path[sizeof(spec->cgroup)];

	/* Every PID given is checked before anything is loaded: a wrong one
	 * or missing privileges are the user's first answer. */
	for (size_t i = 0; i < spec->n_pids; i++) {
		struct target probe;
		if (target_open(spec->pids[i], &probe, err, err_len) != 0)
			return -1;
		int rc = target_check_privileges(&probe, err, err_len);
		target_close(&probe);
		if (rc != 0)
			return -1;
	}
	if (spec->cgroup[0] != '\0' &&
	    process_tree_cgroup(spec->cgroup, cgroup_path, sizeof(cgroup_path), &cgroup_id, err, err_len) != 0)
		return -1;
	if (spec->cgroup[0] != '\0')
		snprintf(image->spec.cgroup, sizeof(image->spec.cgroup), "%s", cgroup_path);
	image->unwinder = unwinder_new(unwind, set_can_grow(spec) ? SET_MAX_PROCESSES : (uint32_t)spec->n_pids);
	if (image->unwinder == NULL) {
		snprintf(err, err_len, "cannot create the unwinder's maps: %s", strerror(errno));
		return -1;
	}
	image->tracker = process_collector_start(spec->children, cgroup_id, image->unwinder, on_process_event, image,
						 err, err_len);
	if (image->tracker == NULL)
		return -1;
	/* The tracker first: whatever forks or joins from now on, it sees;
	 * whatever did before, the scans below find. */
	for (size_t i = 0; i < spec->n_pids; i++) {
		if (find_process(image, spec->pids[i]) != NULL)
			continue;
		if (add_process(image, spec->pids[i], 0, NULL, err, err_len) != 0)
			return -1;
		if (process_collector_add(image->tracker, spec->pids[i], 0, false) != 0) {
			snprintf(err, err_len, "cannot add PID %d to the traced set: %s", (int)spec->pids[i],
				 strerror(errno));
			return -1;
		}
	}
	size_t n = 0;
	if (spec->cgroup[0] != '\0') {
		pid_t *members = process_tree_cgroup_members(image->spec.cgroup, &n);
		add_found(image, members, NULL, n, true);
		free(members);
		drop_moved_out(image);
	}
	if (spec->children) {
		pid_t *roots = malloc((image->n_processes + 1) * sizeof(*roots)), *parents = NULL;
		for (size_t i = 0; roots != NULL && i < image->n_processes; i++)
			roots[i] = image->processes[i]->target.pid;
		pid_t *descendants =
			roots != NULL ? process_tree_descendants(roots, image->n_processes, &parents, &n) : NULL;
		add_found(image, descendants, parents, n, false);
		free(descendants);
		free(parents);
		free(roots);
	}
	image->joined = 0; /* found at attach: not joiners */
	/* A profile names its first process (its command line, mapping[0]):
	 * an empty cgroup has none to name yet. */
	if (image->n_processes == 0) {
		snprintf(err, err_len, "--cgroup %s has no process in it yet: profile it once one runs",
			 image->spec.cgroup);
		return -1;
	}
	if (pthread_create(&image->watcher, NULL, watch_set, image) != 0) {
		snprintf(err, err_len, "cannot start the thread that follows the processes: %s", strerror(errno));
		return -1;
	}
	image->watching = true;
	return 0;
}

int target_image_open(struct target_image *image, const struct target_spec *spec, enum unwind_mode unwind,
		      char *err, size_t err_len)
{
	memset(image, 0, sizeof(*image));
	pthread_mutex_init(&image->lock, NULL);
	image->spec = *spec;
	image->by_pid = hashmap_new();
	image->symbolizer = symbolizer_new();
	if (image->by_pid == NULL || image->symbolizer == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	pthread_mutex_lock(&image->lock);
	int rc = open_set(image, spec, unwind, err, err_len);
	pthread_mutex_unlock(&image->lock);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	target_image_close(image);
	return -1;
}

void target_image_close(struct target_image *image)
{
	if (image->watching) {
		__atomic_store_n(&image->stopping, true, __ATOMIC_RELAXED);
		pthread_join(image->watcher, NULL);
	}
	process_collector_stop(image->tracker);
	unwinder_free(image->unwinder);
	for (size_t i = 0; i < image->n_processes; i++) {
		process_image_free(image->processes[i]->maps);
		target_close(&image->processes[i]->target);
		free(image->processes[i]);
	}
	free(image->processes);
	hashmap_free(image->by_pid);
	symbolizer_free(image->symbolizer);
	pthread_mutex_destroy(&image->lock);
	memset(image, 0, sizeof(*image));
}

const struct target *target_image_main(const struct target_image *image)
{
	return &image->first->target;
}

struct traced_process *target_image_single(struct target_image *image)
{
	return image->spec.n_pids == 1 && !set_can_grow(&image->spec) ? image->first : NULL;
}

bool target_image_alive(const struct target_image *image)
{
	if (image->spec.cgroup[0] != '\0')
		return access(image->spec.cgroup, F_OK) == 0;
	/* A fixed set never grows, so its records stay put: their pidfds say
	 * at once whether any still runs. */
	if (!process_collector_follows(image->tracker)) {
		for (size_t i = 0; i < image->n_processes; i++)
			if (target_alive(&image->processes[i]->target))
				return true;
		return false;
	}
	/* The kernel's exit event arrives as the last thread exits. */
	return __atomic_load_n(&image->live, __ATOMIC_RELAXED) > 0;
}

bool target_image_gone(void *image)
{
	return !target_image_alive(image);
}

void target_image_gone_reason(struct target_image *image, char *err, size_t err_len)
{
	const struct target *main = target_image_main(image);

	if (image->spec.cgroup[0] != '\0')
		snprintf(err, err_len, "cgroup %s is gone", image->spec.cgroup);
	else if (image->n_processes == 1)
		snprintf(err, err_len, "PID %d (%s) has exited", (int)main->pid, main->comm);
	else
		snprintf(err, err_len, "all %zu processes of PID %d (%s)'s set have exited", image->n_processes,
			 (int)main->pid, main->comm);
}

int64_t target_image_cpu_ns(struct target_image *image)
{
	int64_t total = -1;

	pthread_mutex_lock(&image->lock);
	for (size_t i = 0; i < image->n_processes; i++) {
		struct traced_process *process = image->processes[i];
		if (!process->exited) {
			int64_t now = target_cpu_ns(&process->target);
			if (now >= 0)
				process->last_cpu_ns = now;
		}
		if (process->last_cpu_ns >= 0)
			total = (total < 0 ? 0 : total) + process->last_cpu_ns;
	}
	pthread_mutex_unlock(&image->lock);
	return total;
}

/* With the lock held. */
static void name_set(const struct target_image *image, char *text, size_t len)
{
	const struct target *main = target_image_main(image);
	size_t used = 0;

	if (image->n_processes == 1 && !set_can_grow(&image->spec)) {
		snprintf(text, len, "PID %d (%s)", (int)main->pid, main->comm);
		return;
	}
	size_t distinct = image->n_processes - image->execs;
	used += (size_t)snprintf(text, len, "%zu process%s", distinct, distinct == 1 ? "" : "es");
	if (image->spec.cgroup[0] != '\0')
		used += (size_t)snprintf(text + used, used < len ? len - used : 0, " of cgroup %s", image->spec.cgroup);
	else if (image->spec.children)
		used += (size_t)snprintf(text + used, used < len ? len - used : 0, " (PID%s %d%s and descendants)",
					 image->spec.n_pids > 1 ? "s" : "", (int)image->spec.pids[0],
					 image->spec.n_pids > 1 ? ", ..." : "");
	size_t named = 0;
	for (size_t i = 0; i < image->n_processes && named < NAMED_IN_COMMENTS && used < len; i++) {
		const struct traced_process *process = image->processes[i];
		if (!is_current(image, process))
			continue; /* it exec'd: named by its newest record */
		used += (size_t)snprintf(text + used, len - used, "%s PID %d (%s)", named++ == 0 ? ":" : ",",
					 (int)process->target.pid, process->target.comm);
	}
	if (distinct > named && used < len)
		snprintf(text + used, len - used, " and %zu more", distinct - named);
}

void target_image_name(struct target_image *image, char *text, size_t len)
{
	pthread_mutex_lock(&image->lock);
	name_set(image, text, len);
	pthread_mutex_unlock(&image->lock);
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
static void refresh(struct target_image *image, struct traced_process *process)
{
	char err[256];

	process->last_refresh_ns = monotonic_ns();
	__atomic_store_n(&process->new_code_seen, false, __ATOMIC_RELAXED);
	if (process->exited || process->maps == NULL || process_image_refresh(process->maps) != 0)
		return; /* gone: nothing new can have been mapped */
	if (unwinder_load_process(image->unwinder, process->maps, process->target.pid, err, sizeof(err)) != 0)
		fprintf(stderr, "bpfprof: warning: %s\n", err);
}

void target_image_note_stack(struct target_image *image, pid_t pid, const uint64_t *addrs, size_t n)
{
	if (pthread_mutex_trylock(&image->lock) != 0)
		return;
	struct traced_process *process = find_process(image, pid);
	if (process != NULL && !__atomic_load_n(&process->new_code_seen, __ATOMIC_RELAXED) &&
	    !covers(process, addrs, n)) {
		__atomic_store_n(&process->new_code_seen, true, __ATOMIC_RELAXED);
		__atomic_store_n(&image->new_code_seen, true, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&image->lock);
}

void target_image_refresh_if_asked(struct target_image *image)
{
	if (!__atomic_load_n(&image->new_code_seen, __ATOMIC_RELAXED))
		return;
	/* Never behind a profile being named (which may be fetching debug
	 * info from a debuginfod server): the draining thread tries again on
	 * its next tick. */
	if (pthread_mutex_trylock(&image->lock) != 0)
		return;
	bool waiting = false;
	uint64_t now = monotonic_ns();
	for (size_t i = 0; i < image->n_processes; i++) {
		struct traced_process *process = image->processes[i];
		if (!__atomic_load_n(&process->new_code_seen, __ATOMIC_RELAXED))
			continue;
		if (now - process->last_refresh_ns > REFRESH_INTERVAL_NS)
			refresh(image, process);
		else
			waiting = true;
	}
	__atomic_store_n(&image->new_code_seen, waiting, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&image->lock);
}

void target_image_lock(struct target_image *image)
{
	pthread_mutex_lock(&image->lock);
	image->refreshed_while_locked = false;
}

void target_image_cover(struct target_image *image, struct traced_process *process, const uint64_t *addrs,
			size_t n)
{
	/* Once per hold: code no look can find (a JIT's) must not cost a
	 * refresh per stack. */
	if (!image->refreshed_while_locked && !covers(process, addrs, n)) {
		refresh(image, process);
		image->refreshed_while_locked = true;
	}
}

void target_image_look_again(struct target_image *image, struct traced_process *process)
{
	if (monotonic_ns() - process->last_refresh_ns > REFRESH_INTERVAL_NS)
		refresh(image, process);
}

void target_image_unlock(struct target_image *image)
{
	pthread_mutex_unlock(&image->lock);
}

struct traced_process *target_image_process(struct target_image *image, pid_t pid)
{
	return find_process(image, pid);
}

pid_t *target_image_live_pids(struct target_image *image, size_t *n)
{
	pid_t *pids = malloc((image->n_processes + 1) * sizeof(*pids));

	*n = 0;
	for (size_t i = 0; pids != NULL && i < image->n_processes; i++)
		if (!image->processes[i]->exited)
			pids[(*n)++] = image->processes[i]->target.pid;
	return pids;
}

/* With the lock held: the process a stack key names. A collector of one
 * process (the heap tracer's) leaves the pid out: its image is the first
 * one's, as it was before any exec. */
static struct traced_process *stack_owner(struct target_image *image, uint32_t pid)
{
	return pid != 0 ? find_process(image, (pid_t)pid) : image->first;
}

/* With the lock held: the builder's view of a stack's process. */
static bool lookup_process(void *ctx, uint32_t pid, struct stack_process *out)
{
	struct traced_process *process = stack_owner(ctx, pid);

	if (process == NULL)
		return false;
	*out = (struct stack_process){.maps = process->maps, .comm = process->target.comm};
	return true;
}

/* With the lock held: what each process gave, when there are several. */
static void describe_processes(struct target_image *image, struct profile *profile, const struct stack_table *stacks)
{
	struct hashmap *totals = hashmap_new();
	size_t cursor = 0, value = profile_default_value(profile);
	struct stack_key key;
	const int64_t *values;
	char text[2048];
	size_t used = 0;

	if (totals == NULL)
		return;
	while (stack_table_next(stacks, &cursor, &key, &values)) {
		bool added;
		struct hashmap_entry *entry = hashmap_upsert(totals, &key.pid, sizeof(key.pid), &added);
		if (entry != NULL)
			entry->value += (uint64_t)values[value];
	}
	struct hashmap_entry *entry;
	size_t listed = 0;
	for (size_t i = 0; i < image->n_processes && used < sizeof(text); i++) {
		uint32_t pid = (uint32_t)image->processes[i]->target.pid;
		if (!is_current(image, image->processes[i]))
			continue; /* an exec'd program's record: its pid is counted once */
		entry = hashmap_find(totals, &pid, sizeof(pid));
		if (entry == NULL || listed++ >= NAMED_IN_COMMENTS * 4)
			continue;
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%sPID %u (%s) %" PRIu64, used > 0 ? ", " : "",
					 pid, image->processes[i]->target.comm, entry->value);
	}
	if (used > 0)
		profile_add_comment(profile, "%s/%s by process: %s", profile->sample_types[value].type,
				    profile->sample_types[value].unit, text);
	hashmap_free(totals);
}

/* With the lock held: a lone process that did next to nothing, while
 * children of its did the work (nginx's master, PostgreSQL's postmaster),
 * says so rather than leave an empty profile unexplained. */
static void hint_at_children(struct target_image *image, struct profile *profile, const struct stack_table *stacks)
{
	size_t cursor = 0, n_children = 0;
	struct stack_key key;
	const int64_t *values;
	int64_t total = 0;

	while (stack_table_next(stacks, &cursor, &key, &values))
		total += values[0];
	if (total >= FEW_SAMPLES || image->first->exited)
		return;
	pid_t pid = image->first->target.pid, *parents = NULL;
	pid_t *children = process_tree_descendants(&pid, 1, &parents, &n_children);
	free(children);
	free(parents);
	if (n_children > 0)
		profile_add_comment(profile,
				    WARNING_PREFIX "PID %d has %zu child process%s and did little itself: the work may "
						   "be theirs; --children profiles them too",
				    (int)pid, n_children, n_children == 1 ? "" : "es");
}

int target_image_add_stacks(struct target_image *image, struct profile *profile, const struct stack_table *stacks)
{
	size_t cursor = 0;
	struct stack_key key;
	const int64_t *values;
	uint64_t started = monotonic_ns();

	pthread_mutex_lock(&image->lock);
	symbolizer_take_debuginfo(image->symbolizer);
	char debuginfo[1024];
	if (symbolizer_describe_debuginfo(image->symbolizer, debuginfo, sizeof(debuginfo)))
		profile_add_comment(profile, "%s", debuginfo);
	while (stack_table_next(stacks, &cursor, &key, &values)) {
		struct traced_process *process = stack_owner(image, key.pid);
		if (process != NULL && process->last_refresh_ns < started && !covers(process, key.user, key.n_user))
			refresh(image, process);
	}
	struct symbolizer_stats objects;
	symbolizer_read_stats(image->symbolizer, &objects);
	if (objects.idle > 0 || objects.dropped > 0)
		profile_add_comment(profile,
				    "objects read: %zu held, %zu of them mapped by no process now; %" PRIu64
				    " freed after their last mapping went",
				    objects.objects, objects.idle, objects.dropped);
	if (image->n_processes > 1 || set_can_grow(&image->spec))
		describe_processes(image, profile, stacks);
	else
		hint_at_children(image, profile, stacks);
	int rc = profile_add_stacks(profile, stacks, lookup_process, image, image->first->maps,
				    image->symbolizer);
	symbolizer_read_stats(image->symbolizer, &objects); /* naming the stacks may have copied debug files */
	if (objects.debug_copies_read + objects.debug_copies_written + objects.debug_copy_failures > 0)
		profile_add_comment(profile,
				    "debug files: %" PRIu64 " read from the cache's uncompressed copies, %" PRIu64
				    " copied into it%s",
				    objects.debug_copies_read, objects.debug_copies_written,
				    objects.debug_copy_failures > 0 ? ", some not (a write failed)" : "");
	pthread_mutex_unlock(&image->lock);
	return rc;
}

bool target_image_function_name(struct target_image *image, uint64_t addr, char *name, size_t len)
{
	struct symbolization symbols = {.n_frames = 0};

	pthread_mutex_lock(&image->lock);
	symbolizer_take_debuginfo(image->symbolizer);
	if (image->first->maps != NULL)
		symbolize_user(image->first->maps, addr, &symbols);
	if (symbols.n_frames > 0)
		snprintf(name, len, "%s", symbols.frames[symbols.n_frames - 1].function);
	pthread_mutex_unlock(&image->lock);
	return symbols.n_frames > 0;
}

void target_describe(struct profile *profile, struct target_image *image, const char *what)
{
	char name[4096];

	pthread_mutex_lock(&image->lock);
	name_set(image, name, sizeof(name));
	profile_add_comment(profile, "bpfprof %s: %s of %s", BPFPROF_VERSION, what, name);
	profile_add_comment(profile, "command: %s", target_image_main(image)->cmdline);
	if (set_can_grow(&image->spec)) {
		size_t exited = 0;
		for (size_t i = 0; i < image->n_processes; i++)
			exited += image->processes[i]->exited && !image->processes[i]->left &&
				  is_current(image, image->processes[i]);
		char moved_out[96] = "";
		if (image->spec.cgroup[0] != '\0')
			snprintf(moved_out, sizeof(moved_out),
				 ", %" PRIu64 " moved out of the cgroup (their samples until then kept)", image->left);
		profile_add_comment(profile,
				    "processes: %zu seen, %" PRIu64 " of them joined after attach, %zu exited%s, %" PRIu64
				    " exec'd a new program; %" PRIu64 " left before they could be read, %" PRIu64
				    " whose maps could not be read, %" PRIu64 " not unwound by tables (no room)",
				    image->n_processes - image->execs, image->joined, exited, moved_out, image->execs,
				    image->gone_before_read, image->unreadable, image->not_unwound);
		uint64_t counters[PROCESS_COUNTER_MAX];
		process_collector_read_counters(image->tracker, counters);
		bpf_counters_describe(profile, "process_tracker.bpf.c", process_counter_descriptions, counters,
				      PROCESS_COUNTER_MAX);
	}
	pthread_mutex_unlock(&image->lock);
}
