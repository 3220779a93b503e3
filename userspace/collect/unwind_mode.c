/* unwind_mode.c: --unwind's names. */
#include <stdio.h>
#include <string.h>

#include "unwind_mode.h"

static const char *const unwind_mode_names[] = {
	[UNWIND_MODE_FP] = "fp",
	[UNWIND_MODE_AUTO] = "auto",
	[UNWIND_MODE_DWARF] = "dwarf",
};

int parse_unwind_mode(const char *text, enum unwind_mode *mode, char *err, size_t err_len)
{
	for (size_t i = 0; i < sizeof(unwind_mode_names) / sizeof(unwind_mode_names[0]); i++)
		if (strcmp(text, unwind_mode_names[i]) == 0) {
			*mode = (enum unwind_mode)i;
			return 0;
		}
	snprintf(err, err_len, "--unwind must be auto, fp or dwarf, not '%s'", text);
	return -1;
}

const char *unwind_mode_name(enum unwind_mode mode)
{
	return (size_t)mode < sizeof(unwind_mode_names) / sizeof(unwind_mode_names[0]) ? unwind_mode_names[mode]
											 : "?";
}
