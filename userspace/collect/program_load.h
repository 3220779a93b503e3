/*
 * program_load.h: putting a BPF object into the kernel, measured and
 * explained. Every load reads what the verifier spent on each program
 * (bpf_prog_info.verified_insns and its own "verification time"), says on
 * stderr when the verifier is still working after a couple of seconds,
 * keeps the verifier's own words when it refuses, and for an object that
 * walks user stacks, loads it again with frame pointers when the kernel
 * refuses the DWARF walker: a profile with shorter stacks, said so, rather
 * than none.
 */
#ifndef PROGRAM_LOAD_H
#define PROGRAM_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>

#include "profile.h"
#include "unwind.h"

#define PROGRAM_LOAD_MAX_PROGRAMS 16
/* A tenth of the verifier's budget of 1,000,000: how far from it every
 * program must stay on every kernel (the kernel matrix checks it). */
#define PROGRAM_LOAD_INSNS_LIMIT 100000
/* When the agent says the verifier is still at work. */
#define PROGRAM_LOAD_NOTICE_SECONDS 2

struct program_cost {
	char name[48];
	uint32_t verified_insns; /* 0: this kernel does not say */
	uint64_t verify_us;      /* as the verifier reports it; 0: it did not */
};

struct program_load {
	const char *object;     /* "cpu.bpf.c" */
	const char *what;       /* "the CPU sampler" */
	enum unwind_mode wanted; /* the walk asked for */
	enum unwind_mode mode;   /* the walk the loaded programs do */
	double seconds;          /* the whole load, wall clock, a refused try included */
	size_t n_programs;
	struct program_cost programs[PROGRAM_LOAD_MAX_PROGRAMS];
	char refused[320]; /* mode != wanted: the verifier's last words on the wanted walk */
};

/* How to make one collector's object, in whichever walk is asked for. */
struct program_load_steps {
	const char *object;
	const char *what;
	/* Opens and configures the object to walk user stacks in mode: its
	 * skeleton, or NULL with err. */
	struct bpf_object_skeleton *(*open)(void *ctx, enum unwind_mode mode, char *err, size_t err_len);
	void (*close)(void *ctx); /* undoes open, ready for another */
};

/* Opens and loads the object in mode or, when the kernel refuses that,
 * with frame pointers (said on stderr at once). 0 with out filled, or -1
 * with err: "cannot load the CPU sampler into the kernel: <errno>
 * (<the verifier's last line>)". */
int program_load(const struct program_load_steps *steps, void *ctx, enum unwind_mode mode,
		 struct program_load *out, char *err, size_t err_len);

/* Whether the tests asked for a walk every verifier refuses
 * (BPFPROF_TEST_REFUSE_WALK=1, user_stack.bpf.h's refuse_walk_for_test). */
bool program_load_refuse_walk_for_test(void);

/* The programs' cost as one comment, and when the wanted walk was refused,
 * a warning saying what that lost and why. */
void program_load_describe(const struct program_load *load, struct profile *profile);

#endif
