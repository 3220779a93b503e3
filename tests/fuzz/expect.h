/*
 * expect.h: the harnesses' check. A broken promise aborts, which libFuzzer
 * takes as a crash: the run stops and the input is saved.
 */
#ifndef FUZZ_EXPECT_H
#define FUZZ_EXPECT_H

#include <stdio.h>
#include <stdlib.h>

#define EXPECT(cond)                                                                                                   \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                            \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

#endif
