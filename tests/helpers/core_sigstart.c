/* SPDX-License-Identifier: MIT
 * Test wrapper: `core_sigstart [-b SIGNUM]... [-i SIGNUM]... -- CMD [ARGS]`
 * resets every disposition to default and empties the mask, then blocks
 * each -b and ignores each -i signal, then execs CMD: a known signal state
 * to start the init under test with, whatever the test runner inherited.
 * Raw system calls, so that 32-34 (which the C libraries keep for their
 * threads and refuse in sigaddset/sigaction) can be set too. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sigaction on x86-64 and the other 64-bit ports that
 * have no sa_restorer quirk; only SIG_DFL and SIG_IGN are ever set here. */
struct ksigaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	unsigned long mask;
};

static int
set_disposition(int sig, unsigned long handler)
{
	struct ksigaction ksa;

	memset(&ksa, 0, sizeof(ksa));
	ksa.handler = handler;
	return (int)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
}

static int
signum(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || end == s || n < 1 || n > 64 || n == SIGKILL ||
	    n == SIGSTOP)
		return -1;
	return (int)n;
}

int
main(int argc, char **argv)
{
	unsigned long mask = 0;
	int i, sig;

	for (sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    set_disposition(sig, (unsigned long)SIG_DFL) != 0) {
			perror("core_sigstart: rt_sigaction");
			return 125;
		}

	for (i = 1; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		sig = signum(argv[i + 1]);
		if (sig < 0 || (strcmp(argv[i], "-b") != 0 &&
		    strcmp(argv[i], "-i") != 0)) {
			fprintf(stderr, "core_sigstart: bad argument: %s %s\n",
			    argv[i], argv[i + 1]);
			return 125;
		}
		if (argv[i][1] == 'b')
			mask |= 1UL << (sig - 1);
		else if (set_disposition(sig, (unsigned long)SIG_IGN) != 0) {
			fprintf(stderr, "core_sigstart: ignore %d: %s\n", sig,
			    strerror(errno));
			return 125;
		}
	}
	if (i >= argc - 1 || strcmp(argv[i], "--") != 0) {
		fprintf(stderr, "usage: core_sigstart [-b SIGNUM]..."
		    " [-i SIGNUM]... -- CMD [ARGS...]\n");
		return 125;
	}
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL,
	    sizeof(mask)) != 0) {
		perror("core_sigstart: rt_sigprocmask");
		return 125;
	}
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "core_sigstart: exec %s: %s\n", argv[i + 1],
	    strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
