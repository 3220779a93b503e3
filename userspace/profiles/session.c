/* session.c: attaching to a traced set, and letting go of it. */
#include <stdio.h>
#include <string.h>

#include "session.h"

int session_open(struct session *session, const struct traced_set_spec *spec, const struct cpu_event *event,
		 unsigned hz, enum unwind_mode unwind, char *err, size_t err_len)
{
	memset(session, 0, sizeof(*session));
	if (traced_set_open(&session->set, spec, unwind, err, err_len) != 0)
		return -1;
	session->cpu = cpu_sampler_new(&session->set, event, hz);
	if (session->cpu == NULL) {
		snprintf(err, err_len, "out of memory");
		traced_set_close(&session->set);
		return -1;
	}
	return 0;
}

void session_close(struct session *session)
{
	cpu_sampler_free(session->cpu);
	traced_set_close(&session->set);
	memset(session, 0, sizeof(*session));
}
