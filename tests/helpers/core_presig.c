/* SPDX-License-Identifier: MIT
 * Test wrapper: `core_presig SIGNUM... -- CMD [ARGS...]` makes each SIGNUM
 * pending in this process, sent by another process, then execs CMD (the
 * init under test), which thus has the signals before it has a payload.
 *
 * Why this shape: a pending signal survives execve only while blocked, so
 * CMD starts with SIGNUM blocked (an init restores that mask for its payload,
 * which the sigecho payload does not mind: it blocks everything itself).
 * The sender is a child of ours, not ourselves, because an init may rightly
 * ignore signals whose sender is its own pid.  Pending signals are not
 * inherited across fork, so a payload that reports SIGNUM got it from the
 * init under test. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	sigset_t set, pend;
	int i, n, sig[64], st;
	pid_t pid;
	char *end;

	for (i = 1, n = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (n == 64)
			break;
		sig[n] = (int)strtol(argv[i], &end, 10);
		if (*end || sig[n] < 1 || sig[n] > 64) {
			fprintf(stderr, "core_presig: bad signal number: %s\n",
			    argv[i]);
			return 125;
		}
		n++;
	}
	if (i >= argc - 1 || n == 0) {
		fprintf(stderr, "usage: core_presig SIGNUM... -- CMD [ARGS...]\n");
		return 125;
	}
	sigemptyset(&set);
	for (i = 0; i < n; i++)
		sigaddset(&set, sig[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);

	pid = fork();
	if (pid < 0) {
		perror("core_presig: fork");
		return 125;
	}
	if (pid == 0) {
		for (i = 0; i < n; i++)
			if (kill(getppid(), sig[i]) != 0)
				_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "core_presig: sender failed\n");
		return 125;
	}
	sigpending(&pend);
	for (i = 0; i < n; i++)
		if (!sigismember(&pend, sig[i])) {
			fprintf(stderr, "core_presig: signal %d not pending\n",
			    sig[i]);
			return 125;
		}
	for (i = 1; strcmp(argv[i], "--") != 0; i++)
		;
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "core_presig: exec %s: %s\n", argv[i + 1],
	    strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
