/*
 * kernel_probe.c: probing the running kernel for the features bpfprof
 * needs (kernel_probe.h).
 */
#include "kernel_probe.h"

#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel_features.h"

#define BIT(f) (1u << (f))

static pthread_once_t probed = PTHREAD_ONCE_INIT, typed = PTHREAD_ONCE_INIT;
static uint32_t present, typed_present; /* typed_present: what only parsing the kernel's BTF tells */
static bool permitted; /* whether we may load BPF at all: without, nothing can be probed */
static struct utsname uts;

/* The typed tracepoint's prototype: void (*)(void *ctx, args...); NULL-safe. */
static int sched_switch_arguments(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(btf, id);
	t = t != NULL ? btf__type_by_id(btf, t->type) : NULL; /* the pointer */
	t = t != NULL && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	return t != NULL && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

/* Loads the smallest tracing program there is (a socket filter would load
 * unprivileged where the sysctl allows it); false when we may not. */
static bool may_load_programs(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_PERF_EVENT, NULL, "GPL", insns, sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		return errno != EPERM && errno != EACCES;
	close(fd);
	return true;
}

static bool atomic_fetch_add_loads(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8, .imm = 0},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1},
		{.code = BPF_STX | BPF_DW | BPF_ATOMIC,
		 .dst_reg = BPF_REG_10,
		 .src_reg = BPF_REG_1,
		 .off = -8,
		 .imm = BPF_ADD | BPF_FETCH},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool helper(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_PERF_EVENT, id, NULL) == 1;
}

/* Parsing the kernel's BTF takes 50 ms and more (6 MB of types): only
 * kinds that use typed tracepoints wait for it, or a kernel whose BTF is
 * not in sysfs (libbpf also looks in /boot and /lib/modules). */
static void probe_btf_types(void)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (btf == NULL)
		return;
	typed_present |= BIT(FEATURE_BTF);
	int arguments = sched_switch_arguments(btf);
	if (arguments > 0)
		typed_present |= BIT(FEATURE_TP_BTF);
	if (arguments >= 5) /* ctx, preempt, prev, next, prev_state */
		typed_present |= BIT(FEATURE_PREV_STATE);
	btf__free(btf);
}

static void probe(void)
{
	uname(&uts);
	permitted = may_load_programs();
	if (!permitted)
		return;
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		present |= BIT(FEATURE_BTF);
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_PERF_EVENT, NULL) == 1)
		present |= BIT(FEATURE_PERF_EVENT);
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK) == 0)
		present |= BIT(FEATURE_UPROBE);
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1)
		present |= BIT(FEATURE_RINGBUF);
	if (atomic_fetch_add_loads())
		present |= BIT(FEATURE_ATOMICS);
	if (helper(BPF_FUNC_get_current_task_btf))
		present |= BIT(FEATURE_CURRENT_TASK_BTF);
	if (helper(BPF_FUNC_task_pt_regs))
		present |= BIT(FEATURE_TASK_PT_REGS);
	if (helper(BPF_FUNC_loop))
		present |= BIT(FEATURE_LOOP);
}

uint32_t kernel_features_present_of(uint32_t wanted)
{
	pthread_once(&probed, probe);
	bool btf_missing = (wanted & BIT(FEATURE_BTF)) != 0 && (present & BIT(FEATURE_BTF)) == 0;
	if (permitted && (btf_missing || (wanted & (BIT(FEATURE_TP_BTF) | BIT(FEATURE_PREV_STATE))) != 0))
		pthread_once(&typed, probe_btf_types);
	return present | typed_present;
}

uint32_t kernel_features_present(void)
{
	return kernel_features_present_of(~0u);
}

const char *kernel_release(void)
{
	pthread_once(&probed, probe);
	return uts.release;
}

bool kernel_probe_permitted(void)
{
	pthread_once(&probed, probe);
	return permitted;
}
