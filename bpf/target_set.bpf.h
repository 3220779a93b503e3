/* SPDX-License-Identifier: GPL-2.0 */
/*
 * target_set.bpf.h: which processes a session traces. Every program asks
 * in_target_set() of the thread group an event is for; the agent creates
 * the map once, fills it with the processes given on its command line,
 * and every program of the session reuses it, so a process that joins
 * (forked by a member, moved into the traced cgroup; process_tracker.bpf.c
 * adds it in the kernel) is traced by all of them from its first event.
 */
#ifndef BPFPROF_TARGET_SET_BPF_H
#define BPFPROF_TARGET_SET_BPF_H

#include "process_tracker.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TARGET_SET_MAX); /* replaced by the agent's map */
	__type(key, __u32);                  /* tgid */
	__type(value, __u32);                /* the member that brought it in (0: given by the user),
						with TARGET_SET_VIA_CGROUP */
} target_set SEC(".maps");

static __always_inline bool in_target_set(__u32 tgid)
{
	return tgid != 0 && bpf_map_lookup_elem(&target_set, &tgid) != NULL;
}

#endif
