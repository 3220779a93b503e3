/*
 * frameless.c: a CPU-bound target built without frame pointers, for the
 * DWARF (.eh_frame) unwinder. A frame-pointer walk breaks on its first
 * frame; a table-driven walk should find the whole chain.
 *
 *   frameless [--mode split|deep|qsort|crypto|signal|dlopen] [--seconds N]
 *
 * split   work_a, work_b and work_c share one leaf, burn(), 5:3:2.
 * deep    the same split at the bottom of 64 frames of descend(), each
 *         holding 1 KiB: more stack than perf's largest DWARF copy.
 * qsort   libc's qsort() calling back into compare_ints(), under
 *         sort_by_callback().
 * crypto  libcrypto's SHA-256 (hand-written asm) under hash_blocks().
 * signal  the split, interrupted every 4 ms of CPU by a SIGPROF handler,
 *         on_tick(), that burns too: its callers are behind the kernel's
 *         signal trampoline.
 * dlopen   the split for 1.5 s, then zlib, opened with dlopen() only then,
 *         compressing under compress_blocks(): code mapped after attach.
 *
 * Prints "frameless: pid N" at start and "frameless: R rounds in S s" at
 * exit, a round being one pass of the mode's main loop, so a benchmark
 * can measure how much a profiler slows it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#define UNIT 100000 /* iterations of burn(): about a tenth of a millisecond */
/* Per share of the split: a round of a, b, c takes about 50 ms. A round
 * near the 999 Hz sampling period aliased with it, and the split drifted by
 * points from run to run as the machine's speed moved the two together. */
#define SPLIT_UNIT (50 * UNIT)
#define DEPTH 64 /* frames of descend() */
#define FRAME_BYTES 1024 /* stack each descend() frame holds */
#define SORT_COUNT 100000 /* ints sorted per round */
#define BLOCK_BYTES (64 * 1024) /* bytes hashed at a time */
#define HASHES_PER_ROUND 16

enum mode { MODE_SPLIT, MODE_DEEP, MODE_QSORT, MODE_CRYPTO, MODE_SIGNAL, MODE_DLOPEN };

static const char *const mode_names[] = {
	[MODE_SPLIT] = "split",
	[MODE_DEEP] = "deep",
	[MODE_QSORT] = "qsort",
	[MODE_CRYPTO] = "crypto",
	[MODE_SIGNAL] = "signal",
	[MODE_DLOPEN] = "dlopen",
};

volatile uint64_t sink;

/* A true leaf: it needs no frame, so its CFA is just %rsp + 8. */
__attribute__((noinline)) uint64_t burn(uint64_t iterations)
{
	uint64_t x = sink;

	for (uint64_t i = 0; i < iterations; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

/*
 * The volatile array gives each worker a real frame (a sub from %rsp the
 * unwinder must undo), and storing burn()'s result into it afterwards
 * keeps the call a call, never a tail jump.
 */
__attribute__((noinline)) void work_a(void)
{
	volatile uint64_t results[4];

	results[0] = burn(5 * SPLIT_UNIT);
	sink += results[0];
}

__attribute__((noinline)) void work_b(void)
{
	volatile uint64_t results[4];

	results[0] = burn(3 * SPLIT_UNIT);
	sink += results[0];
}

__attribute__((noinline)) void work_c(void)
{
	volatile uint64_t results[4];

	results[0] = burn(2 * SPLIT_UNIT);
	sink += results[0];
}

/*
 * Each level touches both ends of its 1 KiB so the space is really
 * reserved, and reads it again after the recursive call so the call
 * cannot become a jump: all DEPTH frames are live while burn() runs.
 */
__attribute__((noinline)) uint64_t descend(int depth)
{
	volatile char frame[FRAME_BYTES];

	frame[0] = (char)depth;
	frame[FRAME_BYTES - 1] = (char)depth;
	if (depth > 1) {
		descend(depth - 1);
	} else {
		work_a();
		work_b();
		work_c();
	}
	return (uint64_t)frame[0] + (uint64_t)frame[FRAME_BYTES - 1];
}

static int values[SORT_COUNT];
static uint64_t shuffle_state = 0x9e3779b97f4a7c15ULL;

/* Fresh xorshift values each round: far cheaper than the sort itself. */
__attribute__((noinline)) void shuffle_values(void)
{
	uint64_t x = shuffle_state;

	for (int i = 0; i < SORT_COUNT; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		values[i] = (int)x;
	}
	shuffle_state = x;
}

/* An invertible mix of the bits, so ordering by it is still a total order. */
static inline uint32_t sort_key(int value)
{
	uint32_t k = (uint32_t)value;

	k ^= k >> 16;
	k *= 0x45d9f3bU;
	k ^= k >> 16;
	k *= 0x45d9f3bU;
	k ^= k >> 16;
	return k;
}

/* Sorting by the mixed key rather than the plain value puts most of
 * each comparison's cost here, in our code, below libc's frames. */
__attribute__((noinline)) int compare_ints(const void *a, const void *b)
{
	uint32_t ka = sort_key(*(const int *)a);
	uint32_t kb = sort_key(*(const int *)b);

	return (ka > kb) - (ka < kb);
}

__attribute__((noinline)) void sort_by_callback(void)
{
	shuffle_values();
	qsort(values, SORT_COUNT, sizeof(values[0]), compare_ints);
	sink += (uint64_t)values[0];
}

static unsigned char block[BLOCK_BYTES];
static EVP_MD_CTX *md_ctx;
static EVP_MD *sha256;

static void die_crypto(const char *what)
{
	fprintf(stderr, "frameless: %s failed\n", what);
	exit(1);
}

/* Fetch the digest once, so rounds spend their time hashing, not looking
 * up providers. */
static void crypto_setup(void)
{
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (unsigned char)(i * 131);
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_ctx = EVP_MD_CTX_new();
	if (!sha256 || !md_ctx)
		die_crypto("EVP_MD_fetch(SHA256)");
}

static void crypto_teardown(void)
{
	EVP_MD_CTX_free(md_ctx);
	EVP_MD_free(sha256);
}

/* Each digest feeds the next block, so no hash can be skipped. */
__attribute__((noinline)) void hash_blocks(void)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length;

	for (int i = 0; i < HASHES_PER_ROUND; i++) {
		if (!EVP_DigestInit_ex2(md_ctx, sha256, NULL) ||
		    !EVP_DigestUpdate(md_ctx, block, sizeof(block)) ||
		    !EVP_DigestFinal_ex(md_ctx, digest, &length))
			die_crypto("SHA-256");
		memcpy(block, digest, length);
	}
	sink += block[0];
}

/* Runs on the interrupted thread's stack, called from the kernel's
 * signal frame: a walk must cross the trampoline to reach main. */
__attribute__((noinline)) void on_tick(int signo)
{
	volatile uint64_t results[2];

	(void)signo;
	results[0] = burn(2 * UNIT);
	sink += results[0];
}

static void signal_setup(void)
{
	struct sigaction action = {.sa_handler = on_tick, .sa_flags = SA_RESTART};
	struct itimerval every_4ms = {.it_interval = {0, 4000}, .it_value = {0, 4000}};

	sigaction(SIGPROF, &action, NULL);
	setitimer(ITIMER_PROF, &every_4ms, NULL);
}

typedef int (*compress_fn)(unsigned char *dest, unsigned long *dest_len, const unsigned char *source,
			   unsigned long source_len, int level);
static compress_fn zlib_compress2;
static unsigned char plain[BLOCK_BYTES], packed[BLOCK_BYTES * 2];

/* Opens zlib only now, long after a profiler attached to this process. */
static void dlopen_zlib(void)
{
	void *zlib = dlopen("libz.so.1", RTLD_NOW);

	zlib_compress2 = zlib != NULL ? (compress_fn)dlsym(zlib, "compress2") : NULL;
	if (zlib_compress2 == NULL) {
		fprintf(stderr, "frameless: cannot load zlib: %s\n", dlerror());
		exit(1);
	}
	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (unsigned char)((i * 7) ^ (i >> 5));
}

__attribute__((noinline)) void compress_blocks(void)
{
	unsigned long length = sizeof(packed);

	zlib_compress2(packed, &length, plain, sizeof(plain), 9);
	sink += length;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage_error(const char *message, const char *arg)
{
	fprintf(stderr, "frameless: %s%s (usage: frameless [--mode split|deep|qsort|crypto|signal|dlopen] [--seconds N])\n",
		message, arg);
	exit(2);
}

static enum mode parse_mode(const char *name)
{
	for (size_t m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
		if (strcmp(name, mode_names[m]) == 0)
			return (enum mode)m;
	usage_error("unknown mode ", name);
	return MODE_SPLIT;
}

static double parse_seconds(const char *text)
{
	char *end;
	double seconds;

	errno = 0;
	seconds = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(seconds) || seconds <= 0)
		usage_error("bad --seconds ", text);
	return seconds;
}

int main(int argc, char **argv)
{
	enum mode mode = MODE_SPLIT;
	double seconds = 30;
	unsigned long rounds = 0;

	for (int i = 1; i < argc; i += 2) {
		int is_mode = strcmp(argv[i], "--mode") == 0;

		if (!is_mode && strcmp(argv[i], "--seconds") != 0)
			usage_error("unknown argument ", argv[i]);
		if (i + 1 >= argc)
			usage_error("missing value for ", argv[i]);
		if (is_mode)
			mode = parse_mode(argv[i + 1]);
		else
			seconds = parse_seconds(argv[i + 1]);
	}
	if (mode == MODE_CRYPTO)
		crypto_setup();
	if (mode == MODE_SIGNAL)
		signal_setup();
	printf("frameless: pid %d\n", (int)getpid());
	fflush(stdout);

	/* The calls sit in main itself, not behind a per-mode helper, so
	 * main is the direct caller in every expected stack. */
	double start = now(), end = start + seconds;
	while (now() < end) {
		switch (mode) {
		case MODE_DLOPEN:
			if (now() - start >= 1.5) {
				if (zlib_compress2 == NULL)
					dlopen_zlib();
				compress_blocks();
				break;
			}
			__attribute__((fallthrough)); /* the split until then */
		case MODE_SPLIT:
		case MODE_SIGNAL:
			work_a();
			work_b();
			work_c();
			break;
		case MODE_DEEP:
			descend(DEPTH);
			break;
		case MODE_QSORT:
			sort_by_callback();
			break;
		case MODE_CRYPTO:
			hash_blocks();
			break;
		}
		rounds++;
	}
	printf("frameless: %lu rounds in %.3f s\n", rounds, now() - start);
	if (mode == MODE_CRYPTO)
		crypto_teardown();
	return 0;
}
