/*
 * go_runtime.h: what a stack walk must know of a Go program to cross its
 * stack switches as Go's own traceback does. Go runs scheduler and GC work
 * on each thread's g0 stack (runtime.systemstack, mcall, morestack switch
 * to it), so a stack sampled there continues, past the switch, on the
 * goroutine's stack, which the goroutine's saved context (g.sched) names.
 * Read from the executable: where the current g is (the thread's TLS),
 * the field offsets of g, m and gobuf (DWARF), and where the switching
 * functions, the signal restorer and the roots (runtime.goexit for a
 * goroutine, mstart for g0, rt0_go for the first thread) are (symbols).
 * Pure: no BPF.
 */
#ifndef GO_RUNTIME_H
#define GO_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

struct go_range {
	uint64_t start, end; /* link-time addresses; end 0: not found */
};

struct go_runtime {
	int64_t g_tls; /* the current g's address minus the thread pointer (fs base) */
	uint32_t g_m, g_sched, m_curg, gobuf_sp, gobuf_pc, gobuf_bp;
	uint32_t m_vdso_sp, m_vdso_pc; /* 0 when this Go keeps no vDSO context */
	struct go_range systemstack, morestack, mcall;
	struct go_range goexit, mstart, rt0_go; /* where stacks end: no frame calls them */
	struct go_range nanotime, walltime; /* switch to g0 for their vDSO call */
	struct go_range sigreturn;          /* the signal restorer */
};

/* Reads a Go executable's runtime layout from the ELF file open on fd
 * (which stays the caller's). 0; -1 when it is not a Go program or lacks
 * what the walk needs (no symbols or DWARF: built with -ldflags=-s -w). */
int go_runtime_read(int fd, struct go_runtime *out);

#endif
