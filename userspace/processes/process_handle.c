/* process_handle.c: everything the agent reads from /proc about one
 * process it profiles. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "process_handle.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

int process_handle_parse_pid(const char *text, pid_t *pid, char *err, size_t err_len)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || errno != 0 || value <= 0 || value > 4194304) {
		snprintf(err, err_len, "--pid must be a process ID (a positive whole number), not '%s'", text);
		return -1;
	}
	*pid = (pid_t)value;
	return 0;
}

/* Reads a whole small /proc file; returns its length or -1. */
static ssize_t read_proc_file(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t total = 0, got;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)total < len && (got = read(fd, buf + total, len - (size_t)total)) > 0)
		total += got;
	close(fd);
	return total;
}

/* What bpfprof reads of /proc/PID/stat. */
struct proc_stat {
	int state;
	uint64_t cpu_ticks;   /* utime + stime, fields 14 and 15 */
	uint64_t start_ticks; /* field 22 */
};

/* Fields after the parenthesised name, which may itself hold spaces and
 * parentheses. */
static int read_stat(pid_t pid, struct proc_stat *out)
{
	char stat[1024];
	ssize_t len = read_proc_file(pid, "stat", stat, sizeof(stat) - 1);

	if (len <= 0)
		return -1;
	stat[len] = '\0';
	char *after_name = strrchr(stat, ')');
	if (after_name == NULL)
		return -1;
	char state;
	unsigned long long utime, stime, start;
	if (sscanf(after_name + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
		   &state, &utime, &stime, &start) != 4)
		return -1;
	*out = (struct proc_stat){.state = state, .cpu_ticks = utime + stime, .start_ticks = start};
	return 0;
}

static pid_t read_tgid(pid_t pid)
{
	char status[4096];
	ssize_t len = read_proc_file(pid, "status", status, sizeof(status) - 1);

	if (len <= 0)
		return -1;
	status[len] = '\0';
	const char *line = strstr(status, "\nTgid:");
	return line != NULL ? (pid_t)strtol(line + 6, NULL, 10) : -1;
}

int process_handle_open(pid_t pid, struct process_handle *process, char *err, size_t err_len)
{
	memset(process, 0, sizeof(*process));
	process->pid = pid;
	process->pidfd = -1;
	if (pid == getpid()) {
		snprintf(err, err_len, "PID %d is bpfprof itself; profile another process", (int)pid);
		return -1;
	}
	struct proc_stat stat;
	if (read_stat(pid, &stat) != 0) {
		snprintf(err, err_len, "no process with PID %d", (int)pid);
		return -1;
	}
	process->start_ticks = stat.start_ticks;
	if (stat.state == 'Z') {
		snprintf(err, err_len, "PID %d is a zombie: it has exited and has nothing left to profile", (int)pid);
		return -1;
	}
	pid_t tgid = read_tgid(pid);
	if (tgid > 0 && tgid != pid) {
		snprintf(err, err_len, "PID %d is a thread of process %d; pass --pid %d", (int)pid, (int)tgid, (int)tgid);
		return -1;
	}

	ssize_t len = read_proc_file(pid, "comm", process->comm, sizeof(process->comm) - 1);
	process->comm[len > 0 ? len - 1 : 0] = '\0'; /* drop the newline */
	char link[64];
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	len = readlink(link, process->exe, sizeof(process->exe) - 1);
	if (len < 0 && errno == ENOENT) {
		snprintf(err, err_len, "PID %d (%s) is a kernel thread; bpfprof profiles user-space processes", (int)pid,
			 process->comm);
		return -1;
	}
	process->exe[len > 0 ? len : 0] = '\0';

	char args[sizeof(process->cmdline)];
	len = read_proc_file(pid, "cmdline", args, sizeof(args) - 1);
	if (len <= 0 && process->exe[0] == '\0') {
		snprintf(err, err_len, "PID %d (%s) is a kernel thread; bpfprof profiles user-space processes", (int)pid,
			 process->comm);
		return -1;
	}
	process->argv_len = len > 0 ? (size_t)len : 0;
	if (process->argv_len > 0 && args[process->argv_len - 1] == '\0')
		process->argv_len--;
	process->argv = malloc(process->argv_len + 1);
	if (process->argv == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	memcpy(process->argv, args, process->argv_len);
	process->argv[process->argv_len] = '\0';
	for (size_t i = 0; i < process->argv_len; i++)
		process->cmdline[i] = args[i] == '\0' ? ' ' : args[i];
	process->cmdline[process->argv_len] = '\0';

	/* A pidfd tells of the exit without a /proc read per check; opened
	 * after the start time was read, it is checked to be the same process. */
	process->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (process->pidfd >= 0 && (read_stat(pid, &stat) != 0 || stat.start_ticks != process->start_ticks)) {
		snprintf(err, err_len, "PID %d exited while bpfprof was attaching", (int)pid);
		process_handle_close(process);
		return -1;
	}
	return 0;
}

void process_handle_note_exited(struct process_handle *process)
{
	if (process->pidfd >= 0)
		close(process->pidfd);
	process->pidfd = -1;
}

void process_handle_close(struct process_handle *process)
{
	free(process->argv);
	process->argv = NULL;
	process_handle_note_exited(process);
}

bool process_handle_alive(const struct process_handle *process)
{
	struct proc_stat stat;

	if (process->pidfd >= 0) {
		struct pollfd exited = {.fd = process->pidfd, .events = POLLIN};
		return poll(&exited, 1, 0) == 0;
	}
	return read_stat(process->pid, &stat) == 0 && stat.start_ticks == process->start_ticks && stat.state != 'Z';
}

int64_t process_handle_cpu_between(int64_t then_ns, int64_t now_ns)
{
	return then_ns >= 0 && now_ns >= 0 ? now_ns - then_ns : -1;
}

int64_t process_handle_cpu_ns(const struct process_handle *process)
{
	struct proc_stat stat;

	if (read_stat(process->pid, &stat) != 0 || stat.start_ticks != process->start_ticks)
		return -1;
	return (int64_t)(stat.cpu_ticks * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK)));
}

int process_handle_thread_count(const struct process_handle *process)
{
	char path[64];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)process->pid);
	DIR *tasks = process_handle_alive(process) ? opendir(path) : NULL;
	if (tasks == NULL)
		return -1;
	for (struct dirent *entry; (entry = readdir(tasks)) != NULL;)
		n += entry->d_name[0] != '.';
	closedir(tasks);
	return n;
}

long process_handle_uptime_seconds(const struct process_handle *process)
{
	double since_boot;
	FILE *uptime = fopen("/proc/uptime", "re");

	if (uptime == NULL || !process_handle_alive(process) || fscanf(uptime, "%lf", &since_boot) != 1) {
		if (uptime != NULL)
			fclose(uptime);
		return -1;
	}
	fclose(uptime);
	return (long)(since_boot - (double)process->start_ticks / (double)sysconf(_SC_CLK_TCK));
}

/* Yama's ptrace_scope as the file says it ("3" forbids every attach), or
 * "absent". */
static const char *yama_ptrace_scope(void)
{
	static char scope[8];
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");

	snprintf(scope, sizeof(scope), "absent");
	if (f != NULL) {
		if (fgets(scope, sizeof(scope), f) != NULL)
			scope[strcspn(scope, "\n")] = '\0';
		fclose(f);
	}
	return scope;
}

static bool has_capability(const struct __user_cap_data_struct caps[2], int cap)
{
	return (caps[cap / 32].effective & (1U << (cap % 32))) != 0;
}

int process_handle_check_privileges(const struct process_handle *process, char *err, size_t err_len)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct caps[2];

	if (syscall(SYS_capget, &header, caps) != 0) {
		snprintf(err, err_len, "cannot read our capabilities: %s", strerror(errno));
		return -1;
	}
	bool admin = has_capability(caps, CAP_SYS_ADMIN);
	bool bpf = has_capability(caps, CAP_BPF), perfmon = has_capability(caps, CAP_PERFMON);
	if (!admin && !(bpf && perfmon)) {
		snprintf(err, err_len,
			 "missing privileges: need %s%s%s (or CAP_SYS_ADMIN) to load BPF programs and sample CPUs; "
			 "run as root or grant them with setcap cap_bpf,cap_perfmon,cap_sys_ptrace+ep",
			 bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "", perfmon ? "" : "CAP_PERFMON");
		return -1;
	}
	/* The maps name the code (CAP_PERFMON alone may read another user's);
	 * its files are read through the process's root, which takes ptrace
	 * access: both, or the objects could not be symbolized. */
	char path[64];
	int why = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)process->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		snprintf(path, sizeof(path), "/proc/%d/root/", (int)process->pid);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
	}
	why = errno;
	if (!has_capability(caps, CAP_SYS_PTRACE))
		snprintf(err, err_len, "cannot read %s (%s): need CAP_SYS_PTRACE or the target's user to symbolize it",
			 path, strerror(why));
	else
		/* We have the capability: something above it says no. */
		snprintf(err, err_len,
			 "cannot read %s (%s) although we have CAP_SYS_PTRACE: a security module forbids it (Yama's "
			 "kernel.yama.ptrace_scope is %s; AppArmor or SELinux may also deny ptrace), or the process "
			 "belongs to a user namespace we are not in",
			 path, strerror(why), yama_ptrace_scope());
	return -1;
}
