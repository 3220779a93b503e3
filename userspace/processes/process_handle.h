/*
 * process_handle.h: one process being profiled: validating the PID,
 * checking that we may profile it, telling it apart from a recycled PID,
 * and what we say about it (name, command line, start, CPU time).
 */
#ifndef PROCESS_HANDLE_H
#define PROCESS_HANDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct process_handle {
	pid_t pid;
	char comm[16];      /* /proc/PID/comm */
	char exe[256];      /* /proc/PID/exe */
	char cmdline[1024]; /* arguments joined by spaces, for titles and comments */
	char *argv;         /* arguments joined by NUL, as /proc/PID/cmdline has them */
	size_t argv_len;
	uint64_t start_ticks; /* start time in clock ticks since boot: tells PID reuse apart */
	int pidfd;            /* readable once the process exits; -1 where pidfd_open is missing */
};

/* Parses a PID argument; 0, or -1 with a one-line reason. */
int process_handle_parse_pid(const char *text, pid_t *pid, char *err, size_t err_len);

/* Checks pid is a live user-space process other than ourselves and reads
 * what we show about it. 0, or -1 with a one-line reason. */
int process_handle_open(pid_t pid, struct process_handle *process, char *err, size_t err_len);
/* Once the process has exited: closes what only a live process needs (its
 * pidfd), so a set whose members come and go holds no descriptor per
 * exited member; what was read about it stays. */
void process_handle_note_exited(struct process_handle *process);
void process_handle_close(struct process_handle *process);

/* Whether the same process (not a recycled PID) still runs. */
bool process_handle_alive(const struct process_handle *process);

/* CPU time the process's threads have used so far (user + system, in
 * clock ticks' resolution), or -1 when it is gone. */
int64_t process_handle_cpu_ns(const struct process_handle *process);
/* The CPU used between two such readings; -1 when either is unknown. */
int64_t process_handle_cpu_between(int64_t then_ns, int64_t now_ns);

/* How many threads the process has now, or -1 when it is gone. */
int process_handle_thread_count(const struct process_handle *process);
/* Seconds since the process started, or -1 when it is gone. */
long process_handle_uptime_seconds(const struct process_handle *process);

/* Checks the capabilities BPF profiling needs (CAP_BPF and CAP_PERFMON, or
 * CAP_SYS_ADMIN) and that we may read the process's memory maps. 0, or -1
 * with a sentence naming exactly what is missing. */
int process_handle_check_privileges(const struct process_handle *process, char *err, size_t err_len);

#endif
