/*
 * heap_sampler.c: the opt-in in-process heap sampler (`--heap-inject`).
 * The agent loads this library into a running process (dlopen through
 * ptrace, userspace/collect/heap_injector.c) and calls
 * bpfprof_heap_sampler_start(). From then on the malloc family's GOT slots
 * of every loaded object point here: each call counts its bytes against
 * the thread's countdown (the sampling of bpf/heap.h, shared with the
 * uprobe mode) without leaving the process, and only a sampled call, or
 * the free of a sampled block, reaches the kernel, through a call to
 * bpfprof_heap_sampled() where the agent's uprobe reads the note and walks
 * the caller's stack. bpfprof_heap_sampler_stop() puts every slot back.
 *
 * Why a GOT and not a patch of malloc's code: a slot is one aligned 8-byte
 * store, atomic for a thread calling through it, and put back the same way;
 * code patching would race threads executing the bytes being rewritten.
 * The library is never unloaded: a thread may be inside one of its
 * functions at any moment, and unmapping code under it would crash the
 * target. Stopped, it is inert.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/types.h>

#include "heap.h"
#include "heap_sampling.h"

#define EXPORTED __attribute__((visibility("default"), noinline, used))

/* The allocator as the process had it: the global definitions, which is
 * what its own calls reached through the slots we take over. */
static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*reallocarray)(void *, size_t, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	void *(*dlopen)(const char *, int);
} real;

static volatile bool sampling; /* between start and stop */
static bool every_free;	       /* rate 1: every free is reported, the kernel matches them */
static uint64_t sample_rate;
static uint32_t draw_table[HEAP_DRAW_TABLE];
static volatile uint32_t epoch; /* starts so far: a thread's countdown drawn before the last is redrawn */

/* ---- The kernel's doorway ---- */

/* The agent's uprobe sits on this function's first instruction and reads
 * the note rdi points at; without the probe it is a call that does nothing.
 * The nop is that instruction: the kernel emulates a nop rather than
 * single-stepping it (a bare ret it would step, several times slower). */
EXPORTED void bpfprof_heap_sampled(const struct heap_sampler_note *note)
{
	__asm__ volatile("nop" : : "r"(note) : "memory");
}

/* ---- Per-thread countdown ---- */

/* initial-exec TLS: a dlopened library gets it from glibc's static TLS
 * surplus, and unlike the dynamic model its first touch in a thread calls
 * nothing, in particular not malloc. */
static __thread struct sampler_thread {
	struct heap_countdown countdown;
	uint64_t calls; /* allocation calls since this thread's last note */
	uint64_t random;
	uint32_t epoch; /* the start its countdown was drawn for */
} thread_state __attribute__((tls_model("initial-exec")));

static uint32_t next_random(struct sampler_thread *thread)
{
	uint64_t x = thread->random; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	thread->random = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

static struct sampler_thread *this_thread(void)
{
	struct sampler_thread *thread = &thread_state;

	if (thread->epoch != epoch) {
		/* A new thread, or a new start (perhaps at another rate), begins
		 * at a random point of its first distance, as in the kernel's
		 * countdown. */
		thread->random = ((uint64_t)(uintptr_t)thread * 0x9E3779B97F4A7C15ULL) ^ __builtin_ia32_rdtsc();
		thread->random |= 1;
		thread->countdown.bytes_left =
			(int64_t)heap_next_distance(draw_table, sample_rate, next_random(thread));
		thread->calls = 0;
		thread->epoch = epoch;
	}
	return thread;
}

/* ---- Sampled blocks still live ----
 * The free of a sampled block must reach the kernel, every other free must
 * not: a counting filter answers "certainly not sampled" with one load for
 * almost every free, and a locked exact set settles the rest. Both live in
 * memory mapped here, never in the heap being measured. */

#define FILTER_SLOTS (1u << 18)
#define SET_BUCKETS  (1u << 16)
#define SET_NODES    (1u << 18) /* live sampled blocks tracked; beyond it a free goes unseen, and is counted */

struct set_node {
	uint64_t address;
	uint32_t next; /* index + 1; 0 ends a chain */
};

static uint8_t *filter;	    /* FILTER_SLOTS counts, saturating */
static uint32_t *set_heads; /* SET_BUCKETS chains */
static struct set_node *set_nodes;
static uint32_t set_free_head; /* nodes given back, chained the same way */
static uint32_t set_fresh;     /* nodes never used start here: pages are touched only as needed */
static size_t tables_bytes;
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t mix(uint64_t address)
{
	address ^= address >> 33;
	address *= 0xff51afd7ed558ccdULL;
	return address ^ (address >> 33);
}

static bool maybe_sampled(const void *address)
{
	return __atomic_load_n(&filter[mix((uintptr_t)address) & (FILTER_SLOTS - 1)], __ATOMIC_RELAXED) != 0;
}

static bool set_insert(const void *address)
{
	uint64_t h = mix((uintptr_t)address);
	bool stored = false;

	pthread_mutex_lock(&set_lock);
	uint32_t node = UINT32_MAX;
	if (set_free_head != 0) {
		node = set_free_head - 1;
		set_free_head = set_nodes[node].next;
	} else if (set_fresh < SET_NODES) {
		node = set_fresh++;
	}
	if (node != UINT32_MAX) {
		set_nodes[node] =
			(struct set_node){.address = (uintptr_t)address, .next = set_heads[h & (SET_BUCKETS - 1)]};
		set_heads[h & (SET_BUCKETS - 1)] = node + 1;
		uint8_t *count = &filter[h & (FILTER_SLOTS - 1)];
		if (*count != UINT8_MAX)
			__atomic_store_n(count, *count + 1, __ATOMIC_RELAXED);
		stored = true;
	}
	pthread_mutex_unlock(&set_lock);
	return stored;
}

static bool set_remove(const void *address)
{
	uint64_t h = mix((uintptr_t)address);
	bool removed = false;

	pthread_mutex_lock(&set_lock);
	for (uint32_t *link = &set_heads[h & (SET_BUCKETS - 1)]; *link != 0; link = &set_nodes[*link - 1].next) {
		uint32_t node = *link - 1;
		if (set_nodes[node].address != (uintptr_t)address)
			continue;
		*link = set_nodes[node].next;
		set_nodes[node].next = set_free_head;
		set_free_head = node + 1;
		/* A saturated count stays: the exact set still answers. */
		uint8_t *count = &filter[h & (FILTER_SLOTS - 1)];
		if (*count != UINT8_MAX)
			__atomic_store_n(count, *count - 1, __ATOMIC_RELAXED);
		removed = true;
		break;
	}
	pthread_mutex_unlock(&set_lock);
	return removed;
}

/* Mapped once, never freed (the library is never unloaded); untouched
 * pages cost nothing. */
static int map_tables(void)
{
	tables_bytes = FILTER_SLOTS + SET_BUCKETS * sizeof(uint32_t) + SET_NODES * sizeof(struct set_node);
	uint8_t *memory = mmap(NULL, tables_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (memory == MAP_FAILED)
		return -errno;
	filter = memory;
	set_heads = (uint32_t *)(memory + FILTER_SLOTS);
	set_nodes = (struct set_node *)(memory + FILTER_SLOTS + SET_BUCKETS * sizeof(uint32_t));
	return 0;
}

/* Empty again, and the pages given back to the kernel. */
static void clear_tables(void)
{
	madvise(filter, tables_bytes, MADV_DONTNEED);
	set_free_head = 0;
	set_fresh = 0;
}

/* ---- Notes ---- */

/* The caller's frame as the function it called would have seen it at its
 * entry: the return address is at frame + 8, the caller's rbp at frame.
 * Inlined, so that bpfprof_heap_sampled is called from the hook's own
 * frame: a frame-pointer walk from its entry then goes straight to the
 * caller. */
static __attribute__((always_inline)) inline void send_note(struct sampler_thread *thread, __u32 kind,
							    const void *address, uint64_t size, void (*function)(void),
							    void **frame, __u32 flags)
{
	struct heap_sampler_note note = {
		.kind = kind,
		.flags = flags,
		.address = (uintptr_t)address,
		.size = size,
		.function = (uintptr_t)function,
		.entry_sp = (uintptr_t)(frame + 1),
		.caller_bp = (uintptr_t)frame[0],
		.calls = thread->calls,
	};
	thread->calls = 0;
	bpfprof_heap_sampled(&note);
}

/* Every allocation that returned a block (address NULL: it failed, and a
 * failed call is still a call). */
static __attribute__((always_inline)) inline void account(uint64_t size, void *address, void (*function)(void),
							  void **frame)
{
	if (!sampling)
		return;
	struct sampler_thread *thread = this_thread();
	thread->calls++;
	if (!heap_countdown_take(&thread->countdown, draw_table, sample_rate, size, next_random(thread)) ||
	    address == NULL)
		return;
	__u32 flags = every_free || set_insert(address) ? 0 : HEAP_NOTE_UNTRACKED;
	send_note(thread, HEAP_EVENT_ALLOC, address, size > 0 ? size : 1, function, frame, flags);
}

/* Before the block is given back: once it is, another thread may be handed
 * the same address and sample it. */
static __attribute__((always_inline)) inline void release(void *address, void (*function)(void), void **frame)
{
	if (!sampling || address == NULL)
		return;
	if (every_free || (maybe_sampled(address) && set_remove(address)))
		send_note(this_thread(), HEAP_EVENT_FREE, address, 0, function, frame, 0);
}

#define FRAME	       ((void **)__builtin_frame_address(0))
#define AS_FUNCTION(f) ((void (*)(void))(f))

static void *sampled_malloc(size_t size)
{
	void *address = real.malloc(size);
	account(size, address, AS_FUNCTION(real.malloc), FRAME);
	return address;
}

static void sampled_free(void *address)
{
	release(address, AS_FUNCTION(real.free), FRAME);
	real.free(address);
}

static void *sampled_calloc(size_t count, size_t size)
{
	void *address = real.calloc(count, size);
	account((uint64_t)count * size, address, AS_FUNCTION(real.calloc), FRAME);
	return address;
}

/* As the uprobe mode does at realloc's entry: the old block counts as
 * freed, the new one as a new allocation. */
static void *sampled_realloc(void *old, size_t size)
{
	release(old, AS_FUNCTION(real.realloc), FRAME);
	void *address = real.realloc(old, size);
	if (old == NULL || size > 0)
		account(size, address, AS_FUNCTION(real.realloc), FRAME);
	return address;
}

static void *sampled_reallocarray(void *old, size_t count, size_t size)
{
	release(old, AS_FUNCTION(real.reallocarray), FRAME);
	void *address = real.reallocarray(old, count, size);
	account((uint64_t)count * size, address, AS_FUNCTION(real.reallocarray), FRAME);
	return address;
}

static int sampled_posix_memalign(void **out, size_t alignment, size_t size)
{
	int rc = real.posix_memalign(out, alignment, size);
	account(size, rc == 0 ? *out : NULL, AS_FUNCTION(real.posix_memalign), FRAME);
	return rc;
}

static void *sampled_aligned_alloc(size_t alignment, size_t size)
{
	void *address = real.aligned_alloc(alignment, size);
	account(size, address, AS_FUNCTION(real.aligned_alloc), FRAME);
	return address;
}

static void *sampled_memalign(size_t alignment, size_t size)
{
	void *address = real.memalign(alignment, size);
	account(size, address, AS_FUNCTION(real.memalign), FRAME);
	return address;
}

static void *sampled_valloc(size_t size)
{
	void *address = real.valloc(size);
	account(size, address, AS_FUNCTION(real.valloc), FRAME);
	return address;
}

static void *sampled_pvalloc(size_t size)
{
	void *address = real.pvalloc(size);
	account(size, address, AS_FUNCTION(real.pvalloc), FRAME);
	return address;
}

static int patch_loaded_objects(void);

/* A library loaded while sampling gets its slots too. */
static void *sampled_dlopen(const char *file, int mode)
{
	void *handle = real.dlopen(file, mode);
	if (handle != NULL && sampling)
		patch_loaded_objects();
	return handle;
}

/* ---- GOT slots ---- */

static const struct hook {
	const char *name;
	void **real;
	void *replacement;
} hooks[] = {
	{"malloc", (void **)&real.malloc, (void *)sampled_malloc},
	{"free", (void **)&real.free, (void *)sampled_free},
	{"calloc", (void **)&real.calloc, (void *)sampled_calloc},
	{"realloc", (void **)&real.realloc, (void *)sampled_realloc},
	{"reallocarray", (void **)&real.reallocarray, (void *)sampled_reallocarray},
	{"posix_memalign", (void **)&real.posix_memalign, (void *)sampled_posix_memalign},
	{"aligned_alloc", (void **)&real.aligned_alloc, (void *)sampled_aligned_alloc},
	{"memalign", (void **)&real.memalign, (void *)sampled_memalign},
	{"valloc", (void **)&real.valloc, (void *)sampled_valloc},
	{"pvalloc", (void **)&real.pvalloc, (void *)sampled_pvalloc},
	{"dlopen", (void **)&real.dlopen, (void *)sampled_dlopen},
};
#define N_HOOKS (sizeof(hooks) / sizeof(hooks[0]))

#define PATCHED_MAX 4096
static struct patched_slot {
	void **slot;
	void *original;
	bool read_only;
} patched[PATCHED_MAX];
static size_t n_patched;
static uint64_t slots_left_out; /* past PATCHED_MAX: not taken over, so never wrong on stop */
static pthread_mutex_t patch_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct hook *hook_named(const char *name)
{
	for (size_t i = 0; i < N_HOOKS; i++)
		if (strcmp(hooks[i].name, name) == 0)
			return &hooks[i];
	return NULL;
}

static bool is_replacement(const void *value)
{
	for (size_t i = 0; i < N_HOOKS; i++)
		if (hooks[i].replacement == value)
			return true;
	return false;
}

/* ld.so makes the RELRO part read-only after relocation: whole pages. */
struct relro {
	uintptr_t start, end;
};

static uintptr_t page_of(const void *address)
{
	return (uintptr_t)address & ~(uintptr_t)(getpagesize() - 1);
}

/* A slot in a read-only page gets the page writable for the store and
 * read-only again after, as ld.so left it. */
static void store_slot(void **slot, void *value, bool read_only)
{
	if (read_only && mprotect((void *)page_of(slot), getpagesize(), PROT_READ | PROT_WRITE) != 0)
		return;
	__atomic_store_n(slot, value, __ATOMIC_RELEASE);
	if (read_only)
		mprotect((void *)page_of(slot), getpagesize(), PROT_READ);
}

struct dynamic_tables {
	const Elf64_Sym *symbols;
	const char *strings;
	const Elf64_Rela *relocations[2];
	size_t sizes[2];
};

/* .dynamic's addresses are already relocated by ld.so on x86-64; the
 * vDSO's are not. */
static uintptr_t dynamic_address(uintptr_t value, uintptr_t base)
{
	return value < base ? value + base : value;
}

static void read_dynamic(const ElfW(Dyn) * dynamic, uintptr_t base, struct dynamic_tables *tables)
{
	for (; dynamic->d_tag != DT_NULL; dynamic++) {
		uintptr_t value = dynamic->d_un.d_ptr;
		switch (dynamic->d_tag) {
		case DT_SYMTAB:
			tables->symbols = (const Elf64_Sym *)dynamic_address(value, base);
			break;
		case DT_STRTAB:
			tables->strings = (const char *)dynamic_address(value, base);
			break;
		case DT_JMPREL:
			tables->relocations[0] = (const Elf64_Rela *)dynamic_address(value, base);
			break;
		case DT_PLTRELSZ:
			tables->sizes[0] = dynamic->d_un.d_val;
			break;
		case DT_RELA:
			tables->relocations[1] = (const Elf64_Rela *)dynamic_address(value, base);
			break;
		case DT_RELASZ:
			tables->sizes[1] = dynamic->d_un.d_val;
			break;
		}
	}
}

static void patch_object(uintptr_t base, const struct dynamic_tables *tables, const struct relro *relro)
{
	for (int table = 0; table < 2; table++) {
		const Elf64_Rela *rela = tables->relocations[table];
		for (size_t i = 0; rela != NULL && i < tables->sizes[table] / sizeof(*rela); i++) {
			uint32_t type = ELF64_R_TYPE(rela[i].r_info);
			if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
				continue;
			const struct hook *hook =
				hook_named(tables->strings + tables->symbols[ELF64_R_SYM(rela[i].r_info)].st_name);
			void **slot = (void **)(base + rela[i].r_offset);
			if (hook == NULL || is_replacement(*slot))
				continue;
			if (n_patched == PATCHED_MAX) {
				slots_left_out++;
				continue;
			}
			bool read_only = page_of(slot) >= relro->start && page_of(slot) < relro->end;
			patched[n_patched++] =
				(struct patched_slot){.slot = slot, .original = *slot, .read_only = read_only};
			store_slot(slot, hook->replacement, read_only);
		}
	}
}

static int patch_one(struct dl_phdr_info *info, size_t size, void *self)
{
	(void)size;
	const ElfW(Dyn) *dynamic = NULL;
	struct relro relro = {0};
	uintptr_t page = (uintptr_t)getpagesize();

	if (info->dlpi_addr == (uintptr_t)self || strstr(info->dlpi_name, "linux-vdso") != NULL)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_DYNAMIC)
			dynamic = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		if (ph->p_type == PT_GNU_RELRO) {
			relro.start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
			relro.end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(page - 1);
		}
	}
	if (dynamic == NULL)
		return 0;
	struct dynamic_tables tables = {0};
	read_dynamic(dynamic, info->dlpi_addr, &tables);
	if (tables.symbols != NULL && tables.strings != NULL)
		patch_object(info->dlpi_addr, &tables, &relro);
	return 0;
}

/* This library's own load address: its slots stay as they are. */
static uintptr_t own_base(void)
{
	Dl_info info;

	return dladdr((void *)own_base, &info) != 0 ? (uintptr_t)info.dli_fbase : 0;
}

static int patch_loaded_objects(void)
{
	pthread_mutex_lock(&patch_lock);
	dl_iterate_phdr(patch_one, (void *)own_base());
	int count = (int)n_patched;
	pthread_mutex_unlock(&patch_lock);
	return count;
}

/* ---- What the agent calls ---- */

/* Starts sampling one allocation every rate bytes on average (1: every
 * one). Sampling left running by an agent that died is taken over, from
 * empty tables. The number of slots taken over, or a negative errno. */
EXPORTED int bpfprof_heap_sampler_start(uint64_t rate)
{
	sampling = false;
	for (size_t i = 0; i < N_HOOKS; i++)
		if (*hooks[i].real == NULL)
			*hooks[i].real = dlsym(RTLD_DEFAULT, hooks[i].name);
	if (real.malloc == NULL || real.free == NULL || real.calloc == NULL || real.realloc == NULL)
		return -ENOENT;
	pthread_mutex_lock(&set_lock);
	int rc = filter == NULL ? map_tables() : (clear_tables(), 0);
	pthread_mutex_unlock(&set_lock);
	if (rc != 0)
		return rc;
	sample_rate = rate > 0 ? rate : 1;
	every_free = sample_rate == 1;
	heap_fill_draw_table(draw_table);
	epoch++;
	sampling = true;
	return patch_loaded_objects();
}

/* Puts back every slot taken; the blocks sampled so far are forgotten, so
 * a later start begins clean. The number of slots put back. */
EXPORTED int bpfprof_heap_sampler_stop(void)
{
	pthread_mutex_lock(&patch_lock);
	sampling = false;
	int count = (int)n_patched;
	for (size_t i = 0; i < n_patched; i++)
		store_slot(patched[i].slot, patched[i].original, patched[i].read_only);
	n_patched = 0;
	pthread_mutex_unlock(&patch_lock);
	pthread_mutex_lock(&set_lock);
	if (filter != NULL)
		clear_tables();
	pthread_mutex_unlock(&set_lock);
	return count;
}
