/* session.c: attaching to a target, and letting go of it. */
#include <stdio.h>
#include <string.h>

#include "profile_builder.h"
#include "session.h"

int session_open(struct session *session, pid_t pid, const struct cpu_event *event, unsigned hz,
		 enum unwind_mode unwind, char *err, size_t err_len)
{
	memset(session, 0, sizeof(*session));
	pthread_mutex_init(&session->symbols, NULL);
	if (target_open(pid, &session->target, err, err_len) != 0)
		return -1;
	if (target_check_privileges(&session->target, err, err_len) != 0)
		goto fail;
	session->symbolizer = symbolizer_new();
	if (session->symbolizer == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	session->image = process_image_open(session->symbolizer, pid, err, err_len);
	if (session->image == NULL)
		goto fail;
	session->unwinder = unwinder_new(unwind);
	if (session->unwinder == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	if (unwinder_load_process(session->unwinder, session->image, pid, err, err_len) != 0)
		goto fail;
	session->cpu = cpu_sampler_new(session, event, hz);
	if (session->cpu == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	return 0;
fail:
	session_close(session);
	return -1;
}

void session_close(struct session *session)
{
	cpu_sampler_free(session->cpu);
	unwinder_free(session->unwinder);
	process_image_free(session->image);
	symbolizer_free(session->symbolizer);
	target_close(&session->target);
	pthread_mutex_destroy(&session->symbols);
	memset(session, 0, sizeof(*session));
	session->target.pidfd = -1;
}

bool session_image_covers(const struct session *session, const uint64_t *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (process_image_mapping(session->image, addrs[i]) == NULL)
			return false;
	return true;
}

void session_refresh_image(struct session *session)
{
	char err[256];

	if (process_image_refresh(session->image) != 0)
		return; /* the target is gone: nothing new can have been mapped */
	if (unwinder_load_process(session->unwinder, session->image, session->target.pid, err, sizeof(err)) != 0)
		fprintf(stderr, "bpfprof: warning: %s\n", err);
}

/* With `symbols` held. */
static bool image_covers_stacks(const struct session *session, const struct stack_table *stacks)
{
	size_t cursor = 0;
	struct stack_key key;
	const int64_t *values;

	while (stack_table_next(stacks, &cursor, &key, &values))
		if (!session_image_covers(session, key.user, key.n_user))
			return false;
	return true;
}

int session_add_stacks(struct session *session, struct profile *profile, const struct stack_table *stacks)
{
	pthread_mutex_lock(&session->symbols);
	if (!image_covers_stacks(session, stacks))
		session_refresh_image(session);
	int rc = profile_add_stacks(profile, stacks, session->image, session->symbolizer);
	pthread_mutex_unlock(&session->symbols);
	return rc;
}
