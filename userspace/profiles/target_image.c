/* target_image.c: reading the target, and reading it again when its code changes. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "profile_builder.h"
#include "target_image.h"

#define REFRESH_INTERVAL_NS 1000000000ULL

int target_image_open(struct target_image *image, pid_t pid, enum unwind_mode unwind, char *err, size_t err_len)
{
	memset(image, 0, sizeof(*image));
	pthread_mutex_init(&image->lock, NULL);
	if (target_open(pid, &image->target, err, err_len) != 0)
		return -1;
	if (target_check_privileges(&image->target, err, err_len) != 0)
		goto fail;
	image->symbolizer = symbolizer_new();
	if (image->symbolizer == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	image->maps = process_image_open(image->symbolizer, pid, err, err_len);
	if (image->maps == NULL)
		goto fail;
	image->unwinder = unwinder_new(unwind);
	if (image->unwinder == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	if (unwinder_load_process(image->unwinder, image->maps, pid, err, err_len) != 0)
		goto fail;
	return 0;
fail:
	target_image_close(image);
	return -1;
}

void target_image_close(struct target_image *image)
{
	unwinder_free(image->unwinder);
	process_image_free(image->maps);
	symbolizer_free(image->symbolizer);
	target_close(&image->target);
	pthread_mutex_destroy(&image->lock);
	memset(image, 0, sizeof(*image));
	image->target.pidfd = -1;
}

/* With the lock held. */
static bool covers(const struct target_image *image, const uint64_t *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (process_image_mapping(image->maps, addrs[i]) == NULL)
			return false;
	return true;
}

/* With the lock held: the image looks again and unwind tables load for
 * objects mapped since. */
static void refresh(struct target_image *image)
{
	char err[256];

	image->last_refresh_ns = monotonic_ns();
	__atomic_store_n(&image->new_code_seen, false, __ATOMIC_RELAXED);
	if (process_image_refresh(image->maps) != 0)
		return; /* the target is gone: nothing new can have been mapped */
	if (unwinder_load_process(image->unwinder, image->maps, image->target.pid, err, sizeof(err)) != 0)
		fprintf(stderr, "bpfprof: warning: %s\n", err);
}

void target_image_note_stack(struct target_image *image, const uint64_t *addrs, size_t n)
{
	if (__atomic_load_n(&image->new_code_seen, __ATOMIC_RELAXED) || pthread_mutex_trylock(&image->lock) != 0)
		return;
	bool known = covers(image, addrs, n);
	pthread_mutex_unlock(&image->lock);
	if (!known)
		__atomic_store_n(&image->new_code_seen, true, __ATOMIC_RELAXED);
}

void target_image_refresh_if_asked(struct target_image *image)
{
	if (!__atomic_load_n(&image->new_code_seen, __ATOMIC_RELAXED) || !target_alive(&image->target))
		return;
	/* Never behind a profile being named (which may be fetching debug
	 * info from a debuginfod server): the draining thread tries again on
	 * its next tick. */
	if (pthread_mutex_trylock(&image->lock) != 0)
		return;
	if (monotonic_ns() - image->last_refresh_ns > REFRESH_INTERVAL_NS)
		refresh(image);
	pthread_mutex_unlock(&image->lock);
}

void target_image_lock(struct target_image *image)
{
	pthread_mutex_lock(&image->lock);
	image->refreshed_while_locked = false;
}

void target_image_cover(struct target_image *image, const uint64_t *addrs, size_t n)
{
	/* Once per hold: code no look can find (a JIT's) must not cost a
	 * refresh per stack. */
	if (!image->refreshed_while_locked && !covers(image, addrs, n)) {
		refresh(image);
		image->refreshed_while_locked = true;
	}
}

void target_image_unlock(struct target_image *image)
{
	pthread_mutex_unlock(&image->lock);
}

int target_image_add_stacks(struct target_image *image, struct profile *profile, const struct stack_table *stacks)
{
	size_t cursor = 0;
	struct stack_key key;
	const int64_t *values;

	pthread_mutex_lock(&image->lock);
	while (stack_table_next(stacks, &cursor, &key, &values))
		if (!covers(image, key.user, key.n_user)) {
			refresh(image);
			break;
		}
	int rc = profile_add_stacks(profile, stacks, image->maps, image->symbolizer);
	pthread_mutex_unlock(&image->lock);
	return rc;
}

bool target_image_function_name(struct target_image *image, uint64_t addr, char *name, size_t len)
{
	struct symbolization symbols;

	pthread_mutex_lock(&image->lock);
	symbolize_user(image->maps, addr, &symbols);
	if (symbols.n_frames > 0)
		snprintf(name, len, "%s", symbols.frames[symbols.n_frames - 1].function);
	pthread_mutex_unlock(&image->lock);
	return symbols.n_frames > 0;
}

void target_describe(struct profile *profile, const struct target *target, const char *what)
{
	profile_add_comment(profile, "bpfprof %s: %s of PID %d (%s)", BPFPROF_VERSION, what, (int)target->pid,
			    target->comm);
	profile_add_comment(profile, "command: %s", target->cmdline);
}
