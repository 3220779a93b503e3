/*
 * command_line.h: the values the agent's flags take (durations, whole
 * numbers, sizes, rates) and the usage errors of a command line. Pure
 * functions, so every rule (and every error message) is unit-tested.
 */
#ifndef COMMAND_LINE_H
#define COMMAND_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HZ_MAX 10000 /* beyond this the sampler costs more than it tells */

/* Go-style durations: "30s", "1.5m", "500ms", "2h", "1m30s", from min_ns
 * to a week, as flag's value. 0, or -1 with a reason naming flag. */
int parse_duration(const char *flag, const char *text, uint64_t min_ns, uint64_t *ns, char *err, size_t err_len);
/* A whole number from min to max, as flag's value (unit names what it
 * counts, "" for nothing). 0, or -1 with a reason. */
int parse_whole_number(const char *flag, const char *unit, const char *text, unsigned long long min,
		       unsigned long long max, unsigned long long *value, char *err, size_t err_len);
/* A size in bytes, as flag's value: a whole number, with K/KiB, M/MiB or
 * G/GiB (powers of 1024); at least min. 0, or -1 with a reason. */
int parse_bytes(const char *flag, const char *text, uint64_t min, uint64_t *bytes, char *err, size_t err_len);
/* A sampling frequency from 1 to max_hz. */
int parse_hz(const char *text, unsigned max_hz, unsigned *hz, char *err, size_t err_len);
#define HEAP_RATE_MAX (1ULL << 30)

/* --heap-rate: bytes between samples on average, 1 (every allocation) to
 * HEAP_RATE_MAX. 0, or -1 with a reason. */
int parse_heap_rate(const char *text, uint64_t *rate, char *err, size_t err_len);

/* Prints "bpfprof: MESSAGE" as one line on stderr; returns status. */
int cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For getopt_long's ':' (missing value) and '?' (unknown option): the usage
 * error of `bpfprof COMMAND`, status 2. */
int cli_bad_option(int opt, const char *command, char **argv);
/* After a command's options: a stray argument or a missing --pid is a usage
 * error (status 2); otherwise 0. */
int cli_check_operands(const char *command, int argc, char **argv, bool have_pid);

#endif
