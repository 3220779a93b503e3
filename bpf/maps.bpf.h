/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps.bpf.h: the map patterns every program repeats: adding a key to a
 * hash map when it is absent, with the error check that is right on every
 * kernel bpfprof runs on, and handing a record to the agent's ring buffer
 * without waking it for each one.
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

/* Submits a reserved ring buffer record. Waking the reader for every record
 * makes it preempt the traced thread, whose next switch is traced and wakes
 * the reader again: the tracing storm slows the target to a crawl. The
 * reader drains on its own timer; a wakeup is forced only once more than
 * wakeup_bytes wait. */
static __always_inline void ringbuf_submit_batched(void *ringbuf, void *record, __u64 wakeup_bytes)
{
	__u64 waiting = bpf_ringbuf_query(ringbuf, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(record, waiting > wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

#endif
