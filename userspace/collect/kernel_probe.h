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

/* The running kernel's release (uname -r). */
const char *kernel_release(void);

/* 0 when the running kernel has what kind needs (or when we may not load
 * BPF at all, which the privilege check reports better); else -1 with the
 * one-line reason kernel_features_require gives. */
int kernel_check(const char *kind, bool frame_pointers_only, char *err, size_t err_len);

/* `bpfprof features [--markdown]`: each feature and whether this kernel has
 * it, then each profile kind and whether it works here; --markdown prints
 * the static table docs/kernels.md holds. */
int features_main(int argc, char **argv);

#endif
