/*
 * test_window_health.c: when a window's emptiness is suspicious. A probe
 * that never fired although the target ran (or, machine-wide, at all), a
 * window whose events were all or mostly lost: warned. A quiet target, a
 * short window, an unknown CPU time, a healthy window: not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "window_health.h"

/* The one warning the activity earns, or NULL; valid until the next call. */
static const char *only_warning(const struct window_activity *activity)
{
	static char text[1024];
	struct profile *profile = profile_new();

	profile_add_comment(profile, "an ordinary comment");
	bool warned = window_health_check(profile, activity);
	const char *warning = profile_warning(profile, 0);
	assert_int_equal(warned, warning != NULL);
	assert_null(profile_warning(profile, 1));
	if (warning != NULL)
		snprintf(text, sizeof(text), "%s", warning);
	profile_free(profile);
	return warning != NULL ? text : NULL;
}

static struct window_activity heap_window(uint64_t fired, int64_t set_cpu_ns)
{
	return (struct window_activity){.events = "allocation calls",
					.probe = "the uprobes on malloc",
					.fired = fired,
					.kept = fired,
					.set_cpu_ns = set_cpu_ns,
					.busy_cpu_ns = 100000000,
					.seconds = 4};
}

static void a_probe_silent_while_the_target_ran_is_warned(void **state)
{
	(void)state;
	struct window_activity a = heap_window(0, 1500000000);
	const char *warning = only_warning(&a);

	assert_non_null(warning);
	assert_non_null(strstr(warning, "no allocation calls in 4.0 s although the target used 1.50 s of CPU"));
	assert_non_null(strstr(warning, "the uprobes on malloc never fired"));
}

static void a_quiet_target_or_unknown_cpu_is_not(void **state)
{
	(void)state;
	struct window_activity idle = heap_window(0, 20000000), gone = heap_window(0, -1),
			       busy = heap_window(12, 2000000000);

	assert_null(only_warning(&idle));
	assert_null(only_warning(&gone));
	assert_null(only_warning(&busy));
}

static void a_machine_wide_probe_must_fire_in_any_window(void **state)
{
	(void)state;
	struct window_activity a = {.events = "waits",
				    .probe = "tp_btf/sched_switch",
				    .machine_wide = true,
				    .fired = 0,
				    .set_cpu_ns = 0,
				    .seconds = 2};
	const char *warning = only_warning(&a);

	assert_non_null(warning);
	assert_non_null(strstr(warning, "tp_btf/sched_switch never fired in 2.0 s"));
	a.seconds = 0.05; /* too short to be sure */
	assert_null(only_warning(&a));
	a.seconds = 2;
	a.fired = 1;
	assert_null(only_warning(&a));
}

static void every_event_lost_is_warned(void **state)
{
	(void)state;
	struct window_activity a = {.events = "waits",
				    .probe = "p",
				    .machine_wide = true,
				    .fired = 1,
				    .kept = 0,
				    .lost = 326,
				    .seconds = 3};
	const char *warning = only_warning(&a);

	assert_non_null(warning);
	assert_non_null(strstr(warning, "every one of the 326 waits of this window was lost"));
}

static void most_events_lost_is_warned_some_is_not(void **state)
{
	(void)state;
	struct window_activity a = {.events = "CPU samples",
				    .probe = "p",
				    .fired = 100,
				    .kept = 40,
				    .lost = 60,
				    .set_cpu_ns = -1,
				    .seconds = 1};

	assert_non_null(strstr(only_warning(&a), "most CPU samples of this window were lost (60 lost, 40 kept)"));
	a.kept = 90;
	a.lost = 10;
	assert_null(only_warning(&a)); /* counted in the comments, not a warning */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_probe_silent_while_the_target_ran_is_warned),
		cmocka_unit_test(a_quiet_target_or_unknown_cpu_is_not),
		cmocka_unit_test(a_machine_wide_probe_must_fire_in_any_window),
		cmocka_unit_test(every_event_lost_is_warned),
		cmocka_unit_test(most_events_lost_is_warned_some_is_not),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
