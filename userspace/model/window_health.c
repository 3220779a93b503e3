/*
 * window_health.c: the warnings for windows that saw nothing or lost
 * everything (window_health.h). Pure: counts in, comments out.
 */
#include "window_health.h"

#include <string.h>

/* A window this short may honestly pass without a switch or system call. */
#define MACHINE_WIDE_MIN_SECONDS 0.1

static bool silent(const struct window_activity *a)
{
	if (a->fired != 0)
		return false;
	if (a->machine_wide)
		return a->seconds >= MACHINE_WIDE_MIN_SECONDS;
	return a->set_cpu_ns >= 0 && a->set_cpu_ns >= a->busy_cpu_ns;
}

bool window_health_check(struct profile *profile, const struct window_activity *a)
{
	if (silent(a)) {
		if (a->machine_wide)
			profile_add_comment(profile,
					    WARNING_PREFIX "%s never fired in %.1f s, although it runs for every task "
							   "on the machine: no %s could be seen, so this empty profile "
							   "says nothing about the target",
					    a->probe, a->seconds, a->events);
		else
			profile_add_comment(profile,
					    WARNING_PREFIX
					    "no %s in %.1f s although the target used %.2f s of CPU: %s "
					    "never fired for it (it may not call them, or they do not work "
					    "here), so this empty profile may say nothing about the target",
					    a->events, a->seconds, (double)a->set_cpu_ns / 1e9, a->probe);
		return true;
	}
	if (a->lost > 0 && a->kept == 0) {
		profile_add_comment(profile,
				    WARNING_PREFIX "every one of the %llu %s of this window was lost (see the counts "
						   "above): the profile is empty because of the losses, not the target",
				    (unsigned long long)a->lost, a->events);
		return true;
	}
	if (a->lost > a->kept) {
		profile_add_comment(profile,
				    WARNING_PREFIX "most %s of this window were lost (%llu lost, %llu kept): the "
						   "profile shows the smaller part of what happened",
				    a->events, (unsigned long long)a->lost, (unsigned long long)a->kept);
		return true;
	}
	return false;
}

const char *profile_warning(const struct profile *profile, size_t index)
{
	size_t prefix = strlen(WARNING_PREFIX);

	for (size_t i = 0; profile != NULL && i < profile->n_comments; i++)
		if (strncmp(profile->comments[i], WARNING_PREFIX, prefix) == 0 && index-- == 0)
			return profile->comments[i] + prefix;
	return NULL;
}
