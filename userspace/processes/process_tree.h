/*
 * process_tree.h: which processes exist around a target, read from /proc
 * and the cgroup v2 filesystem: the descendants of a set of processes, and
 * the members of a cgroup directory and of those below it. What the agent
 * finds at attach; what changes after is the kernel's to tell
 * (collect/process_collector.h).
 */
#ifndef PROCESS_TREE_H
#define PROCESS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Every live process descending from one of roots (the roots left out),
 * parents before their children. n_out set; NULL with n_out 0 when there
 * are none or memory runs out. The caller frees. */
pid_t *process_tree_descendants(const pid_t *roots, size_t n_roots, pid_t **parents, size_t *n_out);

/* Resolves a cgroup argument: a cgroup v2 directory, as a path or relative
 * to the cgroup v2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified on
 * hybrid systems). Fills the full path and the
 * cgroup's id (the directory's inode, as the kernel's cgroup id). 0, or -1
 * with a one-line reason. */
int process_tree_cgroup(const char *arg, char *path, size_t path_len, uint64_t *id, char *err, size_t err_len);

/* Whether pid is one of the n in pids. */
bool process_tree_listed(const pid_t *pids, size_t n, pid_t pid);

/* The processes in the cgroup directory and every cgroup below it; NULL
 * with n_out 0 when none. The caller frees. */
pid_t *process_tree_cgroup_members(const char *path, size_t *n_out);

#endif
