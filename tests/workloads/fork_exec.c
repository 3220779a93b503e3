/*
 * fork_exec.c: a target whose heap changes hands. On SIGUSR1 it keeps
 * 1000 x malloc(100) from parent_keeps, then forks a child that keeps
 * 1000 x malloc(1000) from child_keeps and waits for it (another process:
 * a profiler of the parent must not count it). On SIGUSR2 it calls exec on
 * itself with --after-exec, which keeps 1000 x malloc(10000) from
 * after_exec_keeps: the same PID running a new program image.
 *
 * Prints "fork_exec: ready", "fork_exec: forked" and "fork_exec: exec'd"
 * as it goes; exits on SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define COUNT 1000

void *volatile kept[COUNT];

static volatile sig_atomic_t fork_asked, exec_asked;

static void ask_fork(int signo)
{
	(void)signo;
	fork_asked = 1;
}

static void ask_exec(int signo)
{
	(void)signo;
	exec_asked = 1;
}

__attribute__((noinline)) void keep(size_t size)
{
	for (int i = 0; i < COUNT; i++)
		kept[i] = malloc(size);
}

__attribute__((noinline)) void parent_keeps(void)
{
	keep(100);
}

__attribute__((noinline)) void child_keeps(void)
{
	keep(1000);
}

__attribute__((noinline)) void after_exec_keeps(void)
{
	keep(10000);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "--after-exec") == 0) {
		after_exec_keeps();
		printf("fork_exec: exec'd\n");
		for (;;)
			pause();
	}
	signal(SIGUSR1, ask_fork);
	signal(SIGUSR2, ask_exec);
	printf("fork_exec: ready\n");
	for (;;) {
		pause();
		if (fork_asked) {
			fork_asked = 0;
			parent_keeps();
			pid_t child = fork();
			if (child == 0) {
				child_keeps();
				_exit(0);
			}
			waitpid(child, NULL, 0);
			printf("fork_exec: forked\n");
		}
		if (exec_asked) {
			execl("/proc/self/exe", argv[0], "--after-exec", (char *)NULL);
			perror("fork_exec: exec");
			return 1;
		}
	}
}
