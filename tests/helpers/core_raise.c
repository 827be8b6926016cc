/* SPDX-License-Identifier: MIT
 * Test payload: `core_raise SIGNUM` dies of signal SIGNUM (default
 * disposition, unblocked), without a core dump.  Exits 3 if it survives. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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
	sigaction((int)sig, &sa, NULL);
	/* The C library refuses 32-34, which it keeps for itself, and they may
	 * come in ignored (GNU make's recipes run with 32 and 33 ignored):
	 * reset them with the raw call, in the kernel's struct sigaction. */
	{
		struct { void (*h)(int); unsigned long flags; void (*r)(void);
			unsigned long mask; } k = { SIG_DFL, 0, NULL, 0 };
		syscall(SYS_rt_sigaction, (int)sig, &k, NULL, 8UL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	kill(getpid(), (int)sig);
	return 3;
}
