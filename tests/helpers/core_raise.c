/* SPDX-License-Identifier: MIT
 * Test payload: `core_raise SIGNUM` dies of signal SIGNUM (default
 * disposition, unblocked), without a core dump.  Exits 3 if it survives. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t none;
	char *end;
	long sig;

	if (argc != 2) {
		fprintf(stderr, "usage: core_raise SIGNUM\n");
		return 2;
	}
	sig = strtol(argv[1], &end, 10);
	if (*end || sig < 1 || sig > 64) {
		fprintf(stderr, "core_raise: bad signal number: %s\n", argv[1]);
		return 2;
	}
	/* Not dumpable: no core file for SIGQUIT, SIGSEGV and the like,
	 * whatever core_pattern says. */
	prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction((int)sig, &sa, NULL);	/* libc-reserved ones: already default */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	kill(getpid(), (int)sig);
	return 3;
}
