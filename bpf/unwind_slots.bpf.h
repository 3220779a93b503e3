/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unwind_slots.bpf.h: the map from a process to its slot of the
 * unwinder's processes array (unwind.h), shared by the walker
 * (user_stack.bpf.h), which reads it, and the process tracker, which
 * lends a forked child its parent's slot. The agent creates it and every
 * program of a session reuses it.
 */
#ifndef BPFPROF_UNWIND_SLOTS_BPF_H
#define BPFPROF_UNWIND_SLOTS_BPF_H

#include "unwind.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UNWIND_MAX_PROCESSES); /* replaced by the agent's map */
	__type(key, __u32);                        /* tgid */
	__type(value, struct unwind_slot);
} unwind_slots SEC(".maps");

#endif
