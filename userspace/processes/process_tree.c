/* process_tree.c: /proc's parent links and cgroup.procs files, read once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "array.h"
#include "process_tree.h"

#define CGROUP2_MAGIC 0x63677270

struct process_link {
	pid_t pid, parent;
};

static pid_t parent_of(pid_t pid)
{
	char path[64], stat[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t len = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	stat[len] = '\0';
	/* The name in parentheses may hold anything: fields follow the last ')'. */
	const char *after_name = strrchr(stat, ')');
	int parent = 0;
	if (after_name == NULL || sscanf(after_name + 2, "%*c %d", &parent) != 1)
		return 0;
	return (pid_t)parent;
}

/* Every process's parent, as /proc lists them now. */
static struct process_link *read_links(size_t *n)
{
	DIR *proc = opendir("/proc");
	struct process_link *links = NULL;
	size_t cap = 0;
	struct dirent *entry;

	*n = 0;
	if (proc == NULL)
		return NULL;
	while ((entry = readdir(proc)) != NULL) {
		char *end;
		long pid = strtol(entry->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		struct process_link *link = ARRAY_PUSH(links, *n, cap);
		if (link == NULL)
			break;
		*link = (struct process_link){.pid = (pid_t)pid, .parent = parent_of((pid_t)pid)};
	}
	closedir(proc);
	return links;
}

bool process_tree_listed(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

pid_t *process_tree_descendants(const pid_t *roots, size_t n_roots, pid_t **parents, size_t *n_out)
{
	size_t n_links, n = 0, cap = 0, parents_cap = 0;
	struct process_link *links = read_links(&n_links);
	pid_t *found = NULL;

	*parents = NULL;
	/* Generation by generation: a pass adds the children of what is
	 * known, until a pass adds nothing. */
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < n_links; i++) {
			pid_t pid = links[i].pid, parent = links[i].parent;
			if (process_tree_listed(roots, n_roots, pid) || process_tree_listed(found, n, pid))
				continue;
			if (!process_tree_listed(roots, n_roots, parent) && !process_tree_listed(found, n, parent))
				continue;
			size_t at = n;
			pid_t *slot = ARRAY_PUSH(found, n, cap);
			pid_t *parent_slot = slot != NULL ? ARRAY_PUSH(*parents, at, parents_cap) : NULL;
			if (slot == NULL || parent_slot == NULL) {
				free(links);
				free(found);
				free(*parents);
				*parents = NULL;
				*n_out = 0;
				return NULL;
			}
			*slot = pid;
			*parent_slot = parent;
			grew = true;
		}
	}
	free(links);
	*n_out = n;
	return found;
}

/* Where cgroup v2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified
 * where v1 hierarchies share the machine (hybrid systemd setups). */
static void cgroup2_mount(char *mount, size_t len)
{
	FILE *mounts = fopen("/proc/self/mounts", "re");
	char line[4096];

	snprintf(mount, len, "/sys/fs/cgroup");
	while (mounts != NULL && fgets(line, sizeof(line), mounts) != NULL) {
		char where[4096], type[64];
		if (sscanf(line, "%*s %4095s %63s", where, type) == 2 && strcmp(type, "cgroup2") == 0) {
			snprintf(mount, len, "%s", where);
			break;
		}
	}
	if (mounts != NULL)
		fclose(mounts);
}

int process_tree_cgroup(const char *arg, char *path, size_t path_len, uint64_t *id, char *err, size_t err_len)
{
	struct stat st;
	struct statfs fs;
	char mount[4096];

	cgroup2_mount(mount, sizeof(mount));
	if (arg[0] == '/')
		snprintf(path, path_len, "%s", arg);
	else
		snprintf(path, path_len, "%s/%s", mount, arg);
	if (stat(path, &st) != 0) {
		snprintf(err, err_len, "--cgroup %s: %s", arg, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || statfs(path, &fs) != 0 || fs.f_type != CGROUP2_MAGIC) {
		snprintf(err, err_len, "--cgroup %s: not a cgroup v2 directory (such as %s/system.slice/nginx.service)",
			 arg, mount);
		return -1;
	}
	*id = (uint64_t)st.st_ino;
	return 0;
}

/* nftw has no context argument: the walk runs on one thread at a time. */
static pthread_mutex_t walk_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t *walk_pids;
static size_t walk_n, walk_cap;

static int read_procs(const char *dir, const struct stat *st, int kind, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (kind != FTW_D)
		return 0;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	FILE *procs = fopen(path, "re");
	if (procs == NULL)
		return 0;
	int pid;
	while (fscanf(procs, "%d", &pid) == 1) {
		pid_t *slot = ARRAY_PUSH(walk_pids, walk_n, walk_cap);
		if (slot != NULL)
			*slot = (pid_t)pid;
	}
	fclose(procs);
	return 0;
}

pid_t *process_tree_cgroup_members(const char *path, size_t *n_out)
{
	pthread_mutex_lock(&walk_lock);
	walk_pids = NULL;
	walk_n = walk_cap = 0;
	nftw(path, read_procs, 16, FTW_PHYS);
	pid_t *pids = walk_pids;
	*n_out = walk_n;
	walk_pids = NULL;
	pthread_mutex_unlock(&walk_lock);
	return pids;
}
