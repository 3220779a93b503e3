/* SPDX-License-Identifier: GPL-2.0 */
/*
 * user_stack.bpf.h: the user-stack unwinder, the one boundary every BPF
 * program reads user stacks through. It walks frames from the thread's
 * user registers with the CFI rows the agent loaded (unwind.h), falling
 * back to frame pointers in code without rows, or leaves the whole walk to
 * bpf_get_stack() in frame-pointer mode.
 *
 * A program including this gets the maps the agent fills (the agent
 * creates them once and every program of a session reuses them) and the
 * read-only unwind_mode it sets before load.
 */
#ifndef __TARGET_ARCH_x86
#error "bpfprof's unwinder reads x86-64 registers and frames: only x86-64 is supported"
#endif

#ifndef BPFPROF_USER_STACK_BPF_H
#define BPFPROF_USER_STACK_BPF_H

#include "unwind.h"
#include "unwind_slots.bpf.h"
#include "sample_cost.bpf.h"

const volatile __u32 unwind_mode = UNWIND_MODE_FP;
/* Set by the agent only under test (BPFPROF_TEST_REFUSE_WALK=1): the
 * walk then holds an instruction every verifier refuses, so the agent's
 * fall back to frame pointers is tested against a real refusal on every
 * kernel. Read-only data: when false the verifier never sees that path. */
const volatile bool refuse_walk_for_test = false;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* replaced by the agent's map, sized to the tables */
	__type(key, __u32);
	__type(value, struct unwind_entry);
} unwind_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* replaced by the agent's map */
	__type(key, __u32);
	__type(value, __u32); /* a row index, relative to the object's first row */
} unwind_pages SEC(".maps");


struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, UNWIND_MAX_PROCESSES);
	__type(key, __u32);
	__type(value, struct unwind_process);
} unwind_processes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* replaced by the agent's map: UNWIND_ROW_CACHE rows for each CPU */
	__type(key, __u32);
	__type(value, struct unwind_cached_row);
} unwind_row_cache SEC(".maps");

/* The walk's registers and frames: too big for the BPF stack, and
 * bpf_loop's callback can only be handed stack memory, so they live in a
 * per-CPU slot. A program stays on its CPU, but a uprobe's may be
 * preempted there by another thread hitting the same probe: `busy` lets
 * the second walk give up (counted as an unreadable stack) rather than
 * scribble over the first. */
struct user_walk {
	__u64 pc, sp, bp;
	__u32 tgid;
	__u32 slot;  /* the process's index in unwind_processes */
	__u32 busy;  /* a walk is using this slot */
	__u32 owner; /* whose mappings the slot must hold */
	__u32 depth;
	__u8 end;        /* enum unwind_end, once the walk stops */
	__u8 bp_known;   /* false after a frame whose rbp rule the tables lack */
	__u8 exact_pc;   /* pc is where execution stopped, not a return address */
	__u8 go_switched; /* the walk crossed from g0 to a goroutine's stack */
	__u32 mapping;    /* the last frame's index in the process's mappings: callers are often in the same object */
	__u32 cache_base; /* this CPU's slice of unwind_row_cache */
	__u64 fsbase;    /* the thread pointer: where a Go thread's g is found */
	__u64 frames[UNWIND_MAX_FRAMES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct user_walk);
} unwind_scratch SEC(".maps");

/* The index of pc's mapping in the process, trying the previous frame's
 * first (*last, updated): a caller is often in the same object as its
 * callee; -1 when no mapping holds pc. A global function, so the verifier
 * checks its search loop once, apart from every path of the walk. */
__noinline int unwind_find_mapping(const struct unwind_process *process, __u64 pc, __u32 *last)
{
	if (process == NULL || last == NULL)
		return -1;
	__u32 low = 0, high = process->n_mappings, hint = *last;

	/* The agent never loads more; clamping high to a constant instead
	 * would let the verifier walk every path of the search with known
	 * indexes, 16,000 instructions more. */
	if (high > UNWIND_MAX_MAPPINGS)
		return -1;
	if (hint < high && hint < UNWIND_MAX_MAPPINGS) {
		const struct unwind_mapping *mapping = &process->mappings[hint];
		if (pc >= mapping->start && pc < mapping->end)
			return hint;
	}
	for (int step = 0; step < UNWIND_MAPPING_SEARCH && low < high; step++) {
		/* mid < high <= UNWIND_MAX_MAPPINGS already; the mask gives
		 * every step's pointer one range, so the verifier's states
		 * of different steps match and it stops exploring early. */
		__u32 mid = (low + (high - low) / 2) & (UNWIND_MAX_MAPPINGS - 1);
		const struct unwind_mapping *mapping = &process->mappings[mid];
		if (pc < mapping->start) {
			high = mid;
		} else if (pc >= mapping->end) {
			low = mid + 1;
		} else {
			*last = mid;
			return mid;
		}
	}
	return -1;
}

/* The index of the last row of the mapping's object starting at or
 * below pc, or -1 when pc precedes them all. Global, like
 * unwind_find_mapping: its search is verified once. */
__noinline int unwind_find_row(const struct unwind_mapping *mapping, __u32 pc)
{
	if (mapping == NULL)
		return -1;
	__u32 low = mapping->first_row, high = mapping->first_row + mapping->n_rows;
	int steps = UNWIND_ROW_SEARCH;

	/* The page index bounds the search to the rows of pc's page. */
	__u32 page = (pc - mapping->page_base) >> UNWIND_PAGE_SHIFT;
	if (pc >= mapping->page_base && page < mapping->n_pages) {
		__u32 index = mapping->first_page + page, next = index + 1;
		__u32 *first = bpf_map_lookup_elem(&unwind_pages, &index);
		__u32 *last = page + 1 < mapping->n_pages ? bpf_map_lookup_elem(&unwind_pages, &next) : NULL;
		if (first != NULL) {
			low = mapping->first_row + *first;
			if (last != NULL)
				high = mapping->first_row + *last + 1;
			steps = UNWIND_PAGE_SEARCH;
		}
	}
	for (int step = 0; step < steps && high - low > 1; step++) {
		__u32 mid = low + (high - low) / 2;
		const struct unwind_entry *row = bpf_map_lookup_elem(&unwind_rows, &mid);
		if (row == NULL)
			return -1;
		if (row->pc <= pc)
			low = mid;
		else
			high = mid;
	}
	const struct unwind_entry *row = bpf_map_lookup_elem(&unwind_rows, &low);
	return row != NULL && row->pc <= pc ? (int)low : -1;
}

/* unwind_find_row through this CPU's slice of the row cache: the row for
 * pc, or one whose cfa_kind is UNWIND_CFA_NONE when no row covers it. */
static __always_inline const struct unwind_entry *unwind_cached_row(const struct unwind_mapping *mapping, __u32 pc,
								    __u32 cache_base)
{
	__u32 object = mapping->object;
	__u32 index = cache_base + ((pc ^ object * 0x9e3779b9u) * 0x85ebca6bu >> (32 - UNWIND_ROW_CACHE_BITS));
	struct unwind_cached_row *cached = object != 0 ? bpf_map_lookup_elem(&unwind_row_cache, &index) : NULL;

	if (cached != NULL && cached->object == object && cached->pc == pc) {
		COST_COUNT(COST_ROW_HITS, 1);
		return &cached->row;
	}
	COST_COUNT(COST_ROW_MISSES, 1);
	int found = unwind_find_row(mapping, pc);
	__u32 at = (__u32)found;
	const struct unwind_entry *row = found >= 0 ? bpf_map_lookup_elem(&unwind_rows, &at) : NULL;
	if (cached == NULL)
		return row;
	if (row != NULL)
		cached->row = *row;
	else
		cached->row = (struct unwind_entry){.cfa_kind = UNWIND_CFA_NONE};
	cached->object = object;
	cached->pc = pc;
	return &cached->row;
}

/* A register of the interrupted frame, by DWARF number; only the first
 * frame has them all (callers get back just rsp, rbp and rip). */
static __always_inline int unwind_leaf_register(__u8 reg, __u64 *value)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	if (regs == NULL)
		return -1;
	switch (reg) {
	case 0: *value = regs->ax; return 0;
	case 1: *value = regs->dx; return 0;
	case 2: *value = regs->cx; return 0;
	case 3: *value = regs->bx; return 0;
	case 4: *value = regs->si; return 0;
	case 5: *value = regs->di; return 0;
	case 8: *value = regs->r8; return 0;
	case 9: *value = regs->r9; return 0;
	case 10: *value = regs->r10; return 0;
	case 11: *value = regs->r11; return 0;
	case 12: *value = regs->r12; return 0;
	case 13: *value = regs->r13; return 0;
	case 14: *value = regs->r14; return 0;
	case 15: *value = regs->r15; return 0;
	default: return -1;
	}
}

static __always_inline int unwind_read(__u64 *value, __u64 address)
{
	return bpf_probe_read_user(value, sizeof(*value), (const void *)address);
}

/* Two adjacent words in one read: a saved rbp and the return address
 * above it. Each read is a helper call, and most frames need both. */
static __always_inline int unwind_read_pair(__u64 *low, __u64 *high, __u64 address)
{
	__u64 pair[2];

	if (bpf_probe_read_user(pair, sizeof(pair), (const void *)address) != 0)
		return -1;
	*low = pair[0];
	*high = pair[1];
	return 0;
}

/* Code without CFI: rbp points at the saved rbp, the return address above
 * it; rbp 0 is the conventional outermost frame. Moves sp and bp to the
 * caller's; 1 (stop, s->end set) or 0. */
static __always_inline int unwind_by_frame_pointer(struct user_walk *s, __u64 *return_address)
{
	__u64 saved_bp;

	if (unwind_mode == UNWIND_MODE_DWARF || !s->bp_known) {
		s->end = UNWIND_END_NO_RULE;
		return 1;
	}
	if (s->bp == 0) {
		s->end = UNWIND_END_ROOT;
		return 1;
	}
	if (s->bp < s->sp) {
		s->end = UNWIND_END_BAD_FRAME;
		return 1;
	}
	if (unwind_read_pair(&saved_bp, return_address, s->bp) != 0) {
		s->end = UNWIND_END_READ_FAULT;
		return 1;
	}
	s->sp = s->bp + 16;
	s->bp = saved_bp;
	return 0;
}

/* A signal trampoline's frame: the caller is the interrupted code, with
 * its registers and exact pc. 0, or 1 with s->end set. */
static __always_inline int unwind_signal_frame(struct user_walk *s)
{
	__u64 pc, sp, bp;

	if (unwind_read(&pc, s->sp + UNWIND_SIGFRAME_RIP) != 0 || unwind_read(&sp, s->sp + UNWIND_SIGFRAME_RSP) != 0 ||
	    unwind_read(&bp, s->sp + UNWIND_SIGFRAME_RBP) != 0) {
		s->end = UNWIND_END_READ_FAULT;
		return 1;
	}
	s->pc = pc;
	s->sp = sp;
	s->bp = bp;
	s->bp_known = 1;
	s->exact_pc = 1;
	return 0;
}

/* A frame of a Go program where the stack switches (unwind.h): 1 to
 * stop (s->end set), 0 with the registers moved past the switch, or -1
 * when it is an ordinary frame. A global function: the verifier checks it
 * once, not again on every path of the walk that calls it (which tripled
 * the walker's load time). */
__noinline int unwind_go_frame(const struct unwind_go *go, struct user_walk *s)
{
	__u64 pc, g, m, curg, sched_pc, sched_sp, sched_bp, caller;
	int kind = -1;

	if (go == NULL || s == NULL)
		return -1;
	pc = s->pc;

	/* A goroutine's stack is not zeroed above goexit's frame when it is
	 * reused: the word read there as a caller may be any stale value. */
	for (int i = 0; i < UNWIND_GO_ROOTS; i++)
		if (pc >= go->root_start[i] && pc < go->root_end[i]) {
			s->end = UNWIND_END_ROOT;
			return 1;
		}
	for (int i = 0; i < UNWIND_GO_SWITCHES; i++)
		if (pc >= go->switch_start[i] && pc < go->switch_end[i])
			kind = i;
	if (kind == UNWIND_GO_SIGRETURN)
		return unwind_signal_frame(s);
	if (kind < 0 || (s->go_switched && kind < UNWIND_GO_NANOTIME))
		return -1;
	if (unwind_read(&g, s->fsbase + go->g_tls) != 0 || unwind_read(&m, g + go->g_m) != 0) {
		s->end = UNWIND_END_READ_FAULT;
		return 1;
	}
	if (kind == UNWIND_GO_NANOTIME || kind == UNWIND_GO_WALLTIME) {
		__u64 vdso_sp, vdso_pc;
		if (go->m_vdso_sp == 0 || unwind_read(&vdso_sp, m + go->m_vdso_sp) != 0 ||
		    unwind_read(&vdso_pc, m + go->m_vdso_pc) != 0 || vdso_sp == 0)
			return -1; /* not inside the vDSO call: an ordinary frame */
		s->pc = vdso_pc;
		s->sp = vdso_sp;
		s->bp_known = 0; /* the caller's rbp is in no register we hold: its CFI finds its frame */
		s->exact_pc = 0;
		return 0;
	}
	if (unwind_read(&curg, m + go->m_curg) != 0) {
		s->end = UNWIND_END_READ_FAULT;
		return 1;
	}
	if (curg == g)
		return -1; /* still on the goroutine's stack: before the switch */
	if (curg == 0) {
		/* g0 work for no goroutine (a parked one already let go). */
		s->end = UNWIND_END_ROOT;
		return 1;
	}
	__u64 sched = curg + go->g_sched;
	if (unwind_read(&sched_pc, sched + go->gobuf_pc) != 0 || unwind_read(&sched_sp, sched + go->gobuf_sp) != 0 ||
	    unwind_read(&sched_bp, sched + go->gobuf_bp) != 0) {
		s->end = UNWIND_END_READ_FAULT;
		return 1;
	}
	s->go_switched = 1;
	s->bp = sched_bp;
	s->bp_known = 1;
	s->exact_pc = 0;
	if (kind == UNWIND_GO_MCALL) {
		s->pc = sched_pc;
		s->sp = sched_sp;
		return 0;
	}
	/* sched.pc has no frame of its own: its caller's return address is on
	 * top of the goroutine's stack. After morestack it is the function
	 * that asked for stack, in its prologue: a frame to keep. After
	 * systemstack it is Go's marker, systemstack_switch, left out (its
	 * symbol is one byte long and does not cover it). */
	if (kind == UNWIND_GO_MORESTACK) {
		if (s->depth >= UNWIND_MAX_FRAMES) {
			s->end = UNWIND_END_DEPTH;
			return 1;
		}
		s->frames[s->depth & (UNWIND_MAX_FRAMES - 1)] = sched_pc;
		s->depth++;
	}
	if (unwind_read(&caller, sched_sp) != 0) {
		s->end = UNWIND_END_READ_FAULT;
		return 1;
	}
	s->pc = caller;
	s->sp = sched_sp + 8;
	return 0;
}

/* One frame: records pc, then moves the registers to the caller's. Returns
 * 1 (stop) with s->end set, or 0 to go on. */
static long unwind_step(__u32 index, void *unused)
{
	__u32 zero = 0;
	struct user_walk *s = bpf_map_lookup_elem(&unwind_scratch, &zero);
	(void)index;
	(void)unused;

	if (s == NULL)
		return 1;
	if (s->depth >= UNWIND_MAX_FRAMES) {
		s->end = UNWIND_END_DEPTH;
		return 1;
	}
	s->frames[s->depth & (UNWIND_MAX_FRAMES - 1)] = s->pc;
	s->depth++;

	COST_START(mark);
	const struct unwind_process *process = bpf_map_lookup_elem(&unwind_processes, &s->slot);
	int found = process != NULL && process->tgid == s->owner ? unwind_find_mapping(process, s->pc, &s->mapping) : -1;
	if (found < 0 || found >= UNWIND_MAX_MAPPINGS || process == NULL) {
		s->end = UNWIND_END_UNKNOWN_PC;
		return 1;
	}
	const struct unwind_mapping *mapping = &process->mappings[found];
	if (process->go.g_tls != 0) {
		int go = unwind_go_frame(&process->go, s);
		if (go >= 0)
			return go > 0; /* the verifier wants 0 or 1 from a loop's callback */
	}
	/* A return address may be one past the function's last byte (a call
	 * to a noreturn function): the call itself is what to look up. */
	__u64 lookup = s->pc - mapping->bias - (s->exact_pc ? 0 : 1);
	COST_MARK(COST_WALK_MAPPING, &mark); /* with Go's stack switches */
	const struct unwind_entry *row =
		mapping->n_rows > 0 ? unwind_cached_row(mapping, (__u32)lookup, s->cache_base) : NULL;
	COST_MARK(COST_WALK_ROW, &mark);
	__u64 cfa, base, return_address;

	if (row == NULL || row->cfa_kind == UNWIND_CFA_NONE) {
		if (unwind_by_frame_pointer(s, &return_address) != 0)
			return 1;
		goto caller;
	}
	__u8 cfa_kind = row->cfa_kind;
	switch (cfa_kind) {
	case UNWIND_CFA_RSP:
	case UNWIND_CFA_RSP_DEREF:
	case UNWIND_CFA_RBP:
	case UNWIND_CFA_RBP_DEREF:
		if ((cfa_kind == UNWIND_CFA_RBP || cfa_kind == UNWIND_CFA_RBP_DEREF) && !s->bp_known) {
			s->end = UNWIND_END_NO_RULE;
			return 1;
		}
		cfa = (cfa_kind == UNWIND_CFA_RBP || cfa_kind == UNWIND_CFA_RBP_DEREF ? s->bp : s->sp) +
		      (__s64)row->cfa_offset;
		if (cfa_kind == UNWIND_CFA_RSP_DEREF || cfa_kind == UNWIND_CFA_RBP_DEREF) {
			if (unwind_read(&base, cfa) != 0) {
				s->end = UNWIND_END_READ_FAULT;
				return 1;
			}
			cfa = base + (__s64)row->cfa_addend;
		}
		break;
	case UNWIND_CFA_REG:
		if (s->depth != 1 || unwind_leaf_register(row->cfa_reg, &base) != 0) {
			s->end = UNWIND_END_NO_RULE;
			return 1;
		}
		cfa = base + (__s64)row->cfa_offset;
		break;
	case UNWIND_CFA_PLT:
		cfa = s->sp + (__s64)row->cfa_offset + ((s->pc & 15) >= (__u64)row->cfa_addend ? 8 : 0);
		break;
	case UNWIND_CFA_SIGNAL:
		return unwind_signal_frame(s);
	case UNWIND_CFA_END:
		s->end = UNWIND_END_ROOT;
		return 1;
	default:
		s->end = UNWIND_END_NO_RULE;
		return 1;
	}

	if (cfa <= s->sp) {
		s->end = UNWIND_END_BAD_FRAME;
		return 1;
	}
	if (row->rbp_kind == UNWIND_RBP_AT_CFA && row->rbp_offset == -16) {
		/* push rbp right after the call, the usual prologue: both
		 * words in one read. */
		if (unwind_read_pair(&base, &return_address, cfa - 16) != 0) {
			s->end = UNWIND_END_READ_FAULT;
			return 1;
		}
		s->bp = base;
		s->bp_known = 1;
	} else {
		if (unwind_read(&return_address, cfa - 8) != 0) {
			s->end = UNWIND_END_READ_FAULT;
			return 1;
		}
		if (row->rbp_kind == UNWIND_RBP_AT_CFA) {
			if (unwind_read(&base, cfa + (__s64)row->rbp_offset) != 0) {
				s->end = UNWIND_END_READ_FAULT;
				return 1;
			}
			s->bp = base;
			s->bp_known = 1;
		} else if (row->rbp_kind != UNWIND_RBP_SAME) {
			s->bp_known = 0;
		}
	}
	s->sp = cfa;
caller:
	if (return_address == 0) { /* the thread's first frame says "no caller" this way too */
		s->end = UNWIND_END_ROOT;
		return 1;
	}
	s->pc = return_address;
	s->exact_pc = 0;
	return 0;
}

/* Where a walk starts when it is not where the thread entered the kernel:
 * the in-process heap sampler names its caller's frame as the allocator
 * function saw it at its entry, so the walk skips the sampler's own frames. */
struct user_start {
	__u64 pc, sp, bp;
};

/* Fills frames (leaf first) with the current thread's user stack, from
 * start or (NULL) from the thread's registers, and returns how many, or a
 * negative errno when nothing could be read; *end says why the walk
 * stopped. */
static __always_inline int unwind_user_stack_from(void *ctx, const struct user_start *start, __u64 *frames,
						  __u8 *end)
{
	if (unwind_mode == UNWIND_MODE_FP) {
		long bytes = bpf_get_stack(ctx, frames, UNWIND_MAX_FRAMES * sizeof(__u64), BPF_F_USER_STACK);
		*end = UNWIND_END_FP;
		/* A start is always the probed function's first instruction,
		 * before its frame exists: the chain from rbp already begins
		 * at the caller, and only the first frame is to be named. */
		if (bytes > 0 && start != NULL)
			frames[0] = start->pc;
		return bytes < 0 ? (int)bytes : (int)(bytes / sizeof(__u64));
	}

	if (refuse_walk_for_test)
		asm volatile("r0 = *(u64 *)(r10 + 8)" ::: "r0"); /* above the frame: "invalid read from stack" */
	__u32 zero = 0;
	struct user_walk *s = bpf_map_lookup_elem(&unwind_scratch, &zero);
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (s == NULL || regs == NULL)
		return -22; /* EINVAL */
	if (__sync_fetch_and_add(&s->busy, 1) != 0) {
		__sync_fetch_and_add(&s->busy, -1);
		return -16; /* EBUSY */
	}
	/* The registers the thread had when it last left user mode: where it
	 * was interrupted, or the system call it is in. */
	s->pc = start != NULL ? start->pc : regs->ip;
	s->sp = start != NULL ? start->sp : regs->sp;
	s->bp = start != NULL ? start->bp : regs->bp;
	s->tgid = bpf_get_current_pid_tgid() >> 32;
	struct unwind_slot *slot = bpf_map_lookup_elem(&unwind_slots, &s->tgid);
	s->slot = slot != NULL ? slot->slot : UNWIND_NO_SLOT; /* none: every pc is unknown */
	s->owner = slot != NULL ? slot->owner : 0;
	s->depth = 0;
	s->end = UNWIND_END_DEPTH;
	s->bp_known = 1;
	s->exact_pc = 1;
	s->go_switched = 0;
	s->mapping = 0;
	s->cache_base = bpf_get_smp_processor_id() * UNWIND_ROW_CACHE;
	s->fsbase = task->thread.fsbase;
	bpf_loop(UNWIND_MAX_FRAMES + 1, unwind_step, NULL, 0);

	__u32 depth = s->depth;
	*end = s->end;
	if (depth > UNWIND_MAX_FRAMES)
		depth = UNWIND_MAX_FRAMES;
	if (depth > 0)
		bpf_probe_read_kernel(frames, (depth & (UNWIND_MAX_FRAMES * 2 - 1)) * sizeof(__u64), s->frames);
	__sync_fetch_and_add(&s->busy, -1);
	return (int)depth;
}

static __always_inline int unwind_user_stack(void *ctx, __u64 *frames, __u8 *end)
{
	return unwind_user_stack_from(ctx, NULL, frames, end);
}

#endif
