/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps.bpf.h: adding a key to a hash map when it is absent, the one map
 * pattern every program repeats, with the error check that is right on
 * every kernel bpfprof runs on.
 *
 * Until Linux 6.4 a map's update operation returned int: the helper's
 * 32-bit -EEXIST arrives zero-extended in a 64-bit register, so a result
 * kept in a `long` never equals -17 there (Debian 12's 6.1 counted every
 * stack seen before as a failed insert). Kept in an int, only the low 32
 * bits are compared, which is right before and after that change.
 */
#ifndef BPFPROF_MAPS_BPF_H
#define BPFPROF_MAPS_BPF_H

#define BPFPROF_EEXIST 17

/* Puts value under key unless the key is there already; true when the key
 * is in the map afterwards, whoever put it there. */
static __always_inline bool map_insert_absent(void *map, const void *key, const void *value)
{
	int rc = bpf_map_update_elem(map, key, value, BPF_NOEXIST);

	return rc == 0 || rc == -BPFPROF_EEXIST;
}

/* The value under key, first set to *init when absent; NULL when the map
 * has no room (or an LRU map evicted it at once). */
static __always_inline void *map_lookup_or_init(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value != NULL)
		return value;
	if (!map_insert_absent(map, key, init))
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

#endif
