/* SPDX-License-Identifier: GPL-2.0 */
/*
 * traced_pids.bpf.h: which processes a session traces. Every program asks
 * is_traced() of the thread group an event is for; the agent creates
 * the map once, fills it with the processes given on its command line,
 * and every program of the session reuses it, so a process that joins
 * (forked by a member, moved into the traced cgroup; process_tracker.bpf.c
 * adds it in the kernel) is traced by all of them from its first event.
 */
#ifndef BPFPROF_TRACED_PIDS_BPF_H
#define BPFPROF_TRACED_PIDS_BPF_H

#include "process_tracker.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACED_PIDS_MAX); /* replaced by the agent's map */
	__type(key, __u32);		      /* tgid */
	__type(value, __u32);		      /* the member that brought it in (0: given by the user),
						 with TRACED_VIA_CGROUP */
} traced_pids SEC(".maps");

static __always_inline bool is_traced(__u32 tgid)
{
	return tgid != 0 && bpf_map_lookup_elem(&traced_pids, &tgid) != NULL;
}

#endif
