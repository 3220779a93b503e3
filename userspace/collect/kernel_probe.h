/*
 * kernel_probe.h: what the running kernel offers of kernel_features.h's
 * table, found once by asking the kernel itself (BTF, libbpf's program,
 * map and helper probes, a two-instruction atomic program), never by its
 * version number: distributions backport.
 */
#ifndef KERNEL_PROBE_H
#define KERNEL_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A mask of 1 << enum kernel_feature; probed on the first call. */
uint32_t kernel_features_present(void);
/* The same, exact for the features in wanted (a mask): features found
 * only by parsing the kernel's BTF are probed when wanted asks for one. */
uint32_t kernel_features_present_of(uint32_t wanted);

/* The running kernel's release (uname -r). */
const char *kernel_release(void);

/* Whether we may load BPF at all: without, every probe fails, and the
 * privilege check says why better than a missing feature would. */
bool kernel_probe_permitted(void);

#endif
