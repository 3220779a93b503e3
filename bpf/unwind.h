/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unwind.h: records shared by the user-stack unwinder (user_stack.bpf.h) and
 * the agent that fills its maps (userspace/collect/unwinder.c).
 *
 * The agent compiles each object's call frame information into rows and
 * loads every object's rows once into one BPF array, where an object owns a
 * contiguous range; each traced process gets a sorted list of its
 * executable mappings naming the range of the object behind each one.
 * x86-64: the return address is always at CFA - 8.
 */
#ifndef BPFPROF_UNWIND_H
#define BPFPROF_UNWIND_H

#define UNWIND_MAX_FRAMES 128    /* user frames per stack; a power of two */
#define UNWIND_MAX_MAPPINGS 512  /* executable mappings of one process */
#define UNWIND_MAPPING_SEARCH 10 /* binary-search steps: 2^10 > UNWIND_MAX_MAPPINGS */
#define UNWIND_ROW_SEARCH 24     /* binary-search steps: objects of up to 16M rows */
#define UNWIND_MAX_PROCESSES 16  /* the programs' declared size; the agent sizes the maps it shares */
#define UNWIND_NO_SLOT 0xffffffffu /* a process without a slot: past the end of any processes map */
#define UNWIND_PAGE_SHIFT 12     /* the row index has an entry per 4 KiB of code */
#define UNWIND_PAGE_SEARCH 16    /* binary-search steps within one page's rows */
#define UNWIND_ROW_CACHE_BITS 7  /* rows remembered per CPU: 128, 4 KiB */
#define UNWIND_ROW_CACHE (1u << UNWIND_ROW_CACHE_BITS)

/* Where the signal frame's interrupted registers sit, from the stack
 * pointer at the trampoline (x86-64 rt_sigframe: ucontext, then its
 * mcontext's gregs r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip). */
#define UNWIND_SIGFRAME_RBP 120
#define UNWIND_SIGFRAME_RSP 160
#define UNWIND_SIGFRAME_RIP 168

enum unwind_mode {
	UNWIND_MODE_FP,    /* frame pointers only, through bpf_get_stack() */
	UNWIND_MODE_AUTO,  /* CFI rows where an object has them, frame pointers elsewhere */
	UNWIND_MODE_DWARF, /* CFI rows only: stop where there are none */
};

/* How to find the caller's frame (the CFA) from a pc covered by the row. */
enum unwind_cfa_kind {
	UNWIND_CFA_RSP,         /* CFA = rsp + cfa_offset */
	UNWIND_CFA_RBP,         /* CFA = rbp + cfa_offset */
	UNWIND_CFA_RSP_DEREF,   /* CFA = *(rsp + cfa_offset) + cfa_addend (realigned stacks, OpenSSL's asm) */
	UNWIND_CFA_RBP_DEREF,   /* CFA = *(rbp + cfa_offset) + cfa_addend */
	UNWIND_CFA_REG,         /* CFA = register cfa_reg + cfa_offset: known only in the interrupted frame */
	UNWIND_CFA_PLT,         /* a PLT stub: CFA = rsp + cfa_offset, + 8 once (pc & 15) >= cfa_addend */
	UNWIND_CFA_SIGNAL,      /* a signal trampoline: the interrupted registers are in the ucontext at rsp */
	UNWIND_CFA_END,         /* the return address is undefined: the thread's outermost frame */
	UNWIND_CFA_NONE,        /* no CFI covers this code: follow the frame pointer */
	UNWIND_CFA_UNSUPPORTED, /* a DWARF expression the unwinder does not run: stop here */
};

enum unwind_rbp_kind {
	UNWIND_RBP_SAME,        /* rbp still holds the caller's value */
	UNWIND_RBP_AT_CFA,      /* the caller's rbp is saved at CFA + rbp_offset */
	UNWIND_RBP_UNSUPPORTED, /* saved some other way, or undefined: the caller's rbp is unknown */
};

/* One row of an object's table: its rules hold from pc to the next row's pc. */
struct unwind_entry {
	__u32 pc; /* link-time address */
	__s32 cfa_offset;
	__s16 rbp_offset;
	__s16 cfa_addend;
	__u8 cfa_kind; /* enum unwind_cfa_kind */
	__u8 rbp_kind; /* enum unwind_rbp_kind */
	__u8 cfa_reg;  /* UNWIND_CFA_REG: the DWARF register number */
	__u8 pad;
};

/* What the walker and the table builder rely on, checked where both compile. */
_Static_assert((UNWIND_MAX_FRAMES & (UNWIND_MAX_FRAMES - 1)) == 0, "the walker masks depths with UNWIND_MAX_FRAMES");
_Static_assert((1 << UNWIND_MAPPING_SEARCH) > UNWIND_MAX_MAPPINGS, "too few search steps for the mappings");
_Static_assert(sizeof(struct unwind_entry) == 16, "rows are 16 bytes in the kernel's map and in the docs");

/* One executable mapping of a process, as the walker looks pcs up. A
 * binary search over all of a big object's rows misses the cache at every
 * step; the page index narrows it to the rows of one 4 KiB page first. */
struct unwind_mapping {
	__u64 start, end;  /* runtime addresses */
	__u64 bias;        /* runtime address minus link-time address */
	__u32 first_row;   /* the object's first row in the rows array */
	__u32 n_rows;      /* 0: no table for this object; use frame pointers */
	__u32 first_page;  /* the object's first entry in the page index */
	__u32 n_pages;     /* 0: no page index; search all the object's rows */
	__u32 page_base;   /* the link-time address of page 0 */
	__u32 object;      /* the object's serial, never reused for another (its low 32 bits); 0: none */
};

/* A row found for an object's link-time pc, remembered so the next walk
 * through that return address reads one cache line instead of searching
 * the page index and the rows (each step a likely miss: at 99 Hz the
 * target has evicted the tables between two samples). The cache is
 * direct-mapped, one slice per CPU so a walk never sees another CPU's
 * half-written entry, and small: every page a sample touches costs a TLB
 * miss, and a slice of one page ran faster than one of eight (87 % of
 * rows found against 92 % on the demo server, make bench-sampler). An
 * object's rows never change while it is mapped, and its serial is never
 * given to another object, so an entry is right for as long as it is
 * found. */
struct unwind_cached_row {
	__u32 object; /* 0: empty */
	__u32 pc;     /* the link-time pc looked up */
	__u64 pad;
	struct unwind_entry row; /* cfa_kind UNWIND_CFA_NONE: no row covers pc */
};
_Static_assert(sizeof(struct unwind_cached_row) == 32, "two cached rows per cache line");

/* Go's stack switches (userspace/objects/go_runtime.h): a frame in
 * runtime.systemstack or morestack on a thread's g0 stack continues at
 * the goroutine's saved context (m.curg's g.sched), at the caller of
 * sched.pc (after morestack sched.pc is itself a frame: the function whose
 * prologue asked for stack); one in runtime.mcall continues at sched.pc.
 * Stacks end, as Go's traceback ends them, at the functions no frame calls
 * (enum unwind_go_root): whatever lies above their frame is not a caller. */
enum unwind_go_switch {
	UNWIND_GO_SYSTEMSTACK,
	UNWIND_GO_MORESTACK,
	UNWIND_GO_MCALL,
	UNWIND_GO_NANOTIME, /* runtime.nanotime1 and walltime move SP to g0 for the vDSO call, */
	UNWIND_GO_WALLTIME, /* keeping their caller's pc and sp in m.vdsoPC and m.vdsoSP */
	UNWIND_GO_SIGRETURN, /* the signal restorer: the interrupted registers are in the ucontext */
	UNWIND_GO_SWITCHES,
};

enum unwind_go_root {
	UNWIND_GO_ROOT_GOEXIT, /* a goroutine's: its entry function returns into it */
	UNWIND_GO_ROOT_MSTART, /* a thread's g0 */
	UNWIND_GO_ROOT_RT0,    /* the first thread's, runtime.rt0_go */
	UNWIND_GO_ROOTS,
};

struct unwind_go {
	__s64 g_tls; /* the current g's address minus the fs base; 0: not a Go program */
	__u32 g_m, g_sched, m_curg, gobuf_sp, gobuf_pc, gobuf_bp;
	__u32 m_vdso_sp, m_vdso_pc; /* 0: this Go keeps no vDSO context */
	__u64 switch_start[UNWIND_GO_SWITCHES], switch_end[UNWIND_GO_SWITCHES]; /* runtime addresses */
	__u64 root_start[UNWIND_GO_ROOTS], root_end[UNWIND_GO_ROOTS];
};

/* A process's slot in the processes array: looked up by tgid once per
 * stack (a hash lookup), then by index at every frame (an array lookup the
 * verifier inlines). */
struct unwind_process {
	__u32 tgid; /* whose slot this is, checked by the walker */
	__u32 n_mappings;
	struct unwind_go go;
	struct unwind_mapping mappings[UNWIND_MAX_MAPPINGS]; /* sorted by start, disjoint */
};

/* Where the walker finds a process's mappings: its slot, and whose
 * mappings the slot holds. A child forked into the set borrows its
 * parent's (the same layout at fork) until the agent loads its own; a
 * borrowed slot given to another process since is seen, not used. */
struct unwind_slot {
	__u32 slot;  /* index in the processes array */
	__u32 owner; /* the tgid the slot was loaded for */
};

/* Why a user stack ended, kept with every sample. */
enum unwind_end {
	UNWIND_END_ROOT,       /* reached the thread's outermost frame */
	UNWIND_END_NO_RULE,    /* code whose CFI the tables cannot express, or no table in dwarf mode */
	UNWIND_END_UNKNOWN_PC, /* a pc in no executable mapping the agent knows (JIT code, a new dlopen) */
	UNWIND_END_DEPTH,      /* more frames than a record holds */
	UNWIND_END_READ_FAULT, /* the stack could not be read (paged out, or a wrong rule) */
	UNWIND_END_BAD_FRAME,  /* the caller's frame was not above the callee's: a corrupt or foreign stack */
	UNWIND_END_FP,         /* frame-pointer mode: bpf_get_stack() does not say why it stopped */
	UNWIND_END_MAX,
};

#endif
