/* SPDX-License-Identifier: MIT
 * Test payload: `orphans N` leaves N orphans for the init to reap (double
 * fork, each grandchild exits at once), prints "done", then waits for a
 * signal to kill it. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t
fork_retry(void)
{
	pid_t pid;
	int tries;

	/* A burst of forks may hit a transient EAGAIN (pid or task limits
	 * while the init is still reaping); retry briefly. */
	for (tries = 0; tries < 500; tries++) {
		pid = fork();
		if (pid >= 0 || errno != EAGAIN)
			return pid;
		usleep(10000);
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t none;
	char *end;
	long n, i;
	pid_t pid;
	int st, sig;

	if (argc != 2) {
		fprintf(stderr, "usage: orphans N\n");
		return 2;
	}
	errno = 0;
	n = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || n < 0 || n > 100000) {
		fprintf(stderr, "orphans: bad count: %s\n", argv[1]);
		return 2;
	}
	for (i = 0; i < n; i++) {
		pid = fork_retry();
		if (pid < 0) {
			perror("orphans: fork");
			return 1;
		}
		if (pid == 0) {
			/* The middle process exits at once, so the grandchild
			 * is re-parented to the nearest subreaper or init. */
			if (fork_retry() < 0)
				_exit(1);
			_exit(0);
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR) {
				perror("orphans: waitpid");
				return 1;
			}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "orphans: fork in child %ld failed\n", i);
			return 1;
		}
	}
	/* Every middle process is reaped, so every grandchild now belongs to
	 * the init (re-parenting happens before the middle one exits). */
	if (write(STDOUT_FILENO, "done\n", 5) != 5)
		return 1;

	/* Die of whatever signal comes: default dispositions, nothing
	 * blocked, whatever state we were started with. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;)
		pause();
}
