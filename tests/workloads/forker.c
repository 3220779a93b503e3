/*
 * forker.c: a parent that forks its workers after a profiler attached, as
 * pre-forking servers and per-connection backends do. On each SIGUSR1 it
 * forks --children N workers; worker i (from 0) burns CPU in
 * child_work() for --child-seconds S and exits, or with --exec first
 * exec's this program again as "forker --worker", which burns in
 * exec_work() instead: the same PID running a new image. With
 * --child-allocs B, worker i first keeps (i + 1) x B bytes, malloc'd 1000
 * at a time from child_allocates(), so a heap profile knows each worker's
 * exact bytes. The parent itself only waits (in parent_waits()), so every
 * CPU sample belongs to a worker.
 *
 * Prints "forker: ready" once, "forker: worker PID" for each worker, and
 * exits on SIGTERM, taking its workers with it.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile uint64_t sink;
static volatile sig_atomic_t fork_asked, stopping;
static pid_t workers[1024];
static int n_workers;

static void ask_fork(int signo)
{
	(void)signo;
	fork_asked = 1;
}

static void ask_stop(int signo)
{
	(void)signo;
	stopping = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void spin(double seconds)
{
	double end = now() + seconds;
	uint64_t x = sink;

	while (now() < end && !stopping)
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
}

__attribute__((noinline)) void child_work(double seconds)
{
	spin(seconds);
}

__attribute__((noinline)) void exec_work(double seconds)
{
	spin(seconds);
}

static void *volatile *kept;

__attribute__((noinline)) void child_allocates(long bytes)
{
	long blocks = bytes / 1000;

	kept = malloc((size_t)blocks * sizeof(*kept));
	for (long i = 0; kept != NULL && i < blocks; i++)
		kept[i] = malloc(1000);
}

__attribute__((noinline)) void parent_waits(void)
{
	pause();
}

int main(int argc, char **argv)
{
	int children = 3;
	double child_seconds = 2;
	long child_allocs = 0;
	bool exec_self = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--worker") == 0 && i + 1 < argc) {
			exec_work(atof(argv[i + 1]));
			return 0;
		} else if (strcmp(argv[i], "--children") == 0 && i + 1 < argc) {
			children = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--child-seconds") == 0 && i + 1 < argc) {
			child_seconds = atof(argv[++i]);
		} else if (strcmp(argv[i], "--child-allocs") == 0 && i + 1 < argc) {
			child_allocs = atol(argv[++i]);
		} else if (strcmp(argv[i], "--exec") == 0) {
			exec_self = true;
		}
	}
	struct sigaction usr1 = {.sa_handler = ask_fork}, term = {.sa_handler = ask_stop};
	sigaction(SIGUSR1, &usr1, NULL);
	sigaction(SIGTERM, &term, NULL);
	printf("forker: ready\n");
	fflush(stdout);
	while (!stopping) {
		if (!fork_asked) {
			parent_waits();
			continue;
		}
		fork_asked = 0;
		for (int i = 0; i < children; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				if (child_allocs > 0)
					child_allocates((i + 1) * child_allocs);
				if (exec_self) {
					char seconds[32];
					snprintf(seconds, sizeof(seconds), "%g", child_seconds);
					execl("/proc/self/exe", "forker", "--worker", seconds, (char *)NULL);
					_exit(127);
				}
				child_work(child_seconds);
				_exit(0);
			}
			if (n_workers < 1024)
				workers[n_workers++] = pid;
			printf("forker: worker %d\n", (int)pid);
			fflush(stdout);
		}
	}
	for (int i = 0; i < n_workers; i++)
		kill(workers[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}
