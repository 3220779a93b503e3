/*
 * window_health.h: telling an empty profile that means "nothing happened"
 * from one that means "we saw nothing". A window whose probes never fired
 * although they should have, or whose every event was lost, gets a warning
 * comment (WARNING_PREFIX) that the CLI repeats on stderr and the UI shows
 * as a warning: never a quiet empty success.
 */
#ifndef WINDOW_HEALTH_H
#define WINDOW_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define WARNING_PREFIX "WARNING: "

/* What a window's probes saw, in the collector's own words. */
struct window_activity {
	const char *events;  /* plural noun: "CPU samples", "allocation calls" */
	const char *probe;   /* what should have fired: "the perf-event sampler" */
	bool machine_wide;   /* the probe runs for every task on the machine, so any
				window of a tenth of a second sees it fire */
	uint64_t fired;	     /* times the probe ran (for the traced set, unless machine_wide) */
	uint64_t kept;	     /* events that made it into the profile */
	uint64_t lost;	     /* events counted as lost */
	int64_t set_cpu_ns;  /* CPU the traced set used over the window; -1: unknown */
	int64_t busy_cpu_ns; /* CPU after which a probe of the set alone must have fired */
	double seconds;	     /* the window's length */
};

/* Adds the warning the activity calls for, if any; returns whether it did. */
bool window_health_check(struct profile *profile, const struct window_activity *activity);

/* The warnings among a profile's comments, in order; NULL past the last.
 * Their text starts after WARNING_PREFIX. */
const char *profile_warning(const struct profile *profile, size_t index);

#endif
