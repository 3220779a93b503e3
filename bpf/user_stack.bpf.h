/*
 * user_stack.bpf.h: the user-stack unwinder, the one boundary every BPF
 * program reads user stacks through. Today it follows frame pointers via
 * bpf_get_stack(); table-driven DWARF unwinding replaces its body later
 * without touching the programs that call it.
 */
#ifndef BPFPROF_USER_STACK_BPF_H
#define BPFPROF_USER_STACK_BPF_H

/* Fills frames (leaf first) and returns how many, or a negative errno. */
static __always_inline int unwind_user_stack(void *ctx, __u64 *frames, __u32 max_frames)
{
	long bytes = bpf_get_stack(ctx, frames, max_frames * sizeof(__u64), BPF_F_USER_STACK);

	return bytes < 0 ? (int)bytes : (int)(bytes / sizeof(__u64));
}

#endif
