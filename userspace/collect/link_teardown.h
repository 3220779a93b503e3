/*
 * link_teardown.h: detaching many BPF links at once. Closing a uprobe's
 * link waits for an RCU grace period (about 84 ms each on this project's
 * VM), so closing a collector's dozen or more one after another took well
 * over a second; closed from threads of their own the waits overlap.
 */
#ifndef LINK_TEARDOWN_H
#define LINK_TEARDOWN_H

#include <stddef.h>

#include <bpf/libbpf.h>

/* Destroys links[0..n-1] (NULL entries skipped), concurrently where
 * threads can be had, and returns when all are gone. */
void links_destroy_all(struct bpf_link **links, size_t n);

#endif
