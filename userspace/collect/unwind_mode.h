/*
 * unwind_mode.h: how user stacks are walked (enum unwind_mode of
 * bpf/unwind.h: frame pointers, .eh_frame tables where objects have them,
 * or tables only), by the names --unwind takes. The collectors choose
 * their programs' walk by it and fall back to frame pointers from it.
 * Pure, unit-tested alone.
 */
#ifndef UNWIND_MODE_H
#define UNWIND_MODE_H

#include <stddef.h>

#include <linux/types.h>

#include "unwind.h"

/* --unwind: "auto", "fp" or "dwarf". 0, or -1 with a reason. */
int parse_unwind_mode(const char *text, enum unwind_mode *mode, char *err, size_t err_len);
const char *unwind_mode_name(enum unwind_mode mode);

#endif
