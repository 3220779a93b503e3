/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counter_list.h: how a program's x.h lists its counters, once, as
 * X(NAME, "what it counts"). BPF_COUNTER_ENUM turns the list into
 * the enum the kernel side counts into (counters.bpf.h); the agent turns
 * the same list into the words its profile comments give every counter
 * (userspace/collect/bpf_counters.h), so none goes unreported.
 */
#ifndef BPFPROF_COUNTER_LIST_H
#define BPFPROF_COUNTER_LIST_H

#define BPF_COUNTER_ENUM(name, description) name,

#endif
