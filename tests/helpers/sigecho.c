/* SPDX-License-Identifier: MIT
 * Test payload: prints "ready", then the name of every signal it receives,
 * one per line; exits 0 after printing a name given as an argument. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const names[32] = {
	NULL, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
	"KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
	"CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
	"XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
};

/* Real-time signals are named as bash's `kill -l` names them (RTMIN is
 * 34 there, whatever the C library reserves), so a test can write
 * `kill -s RTMIN+1` and expect the line RTMIN+1. */
static void
sig_str(int sig, char *buf, size_t len)
{
	if (sig > 0 && sig < 32)
		snprintf(buf, len, "%s", names[sig]);
	else if (sig == 34)
		snprintf(buf, len, "RTMIN");
	else if (sig > 34 && sig <= 49)
		snprintf(buf, len, "RTMIN+%d", sig - 34);
	else if (sig >= 50 && sig < 64)
		snprintf(buf, len, "RTMAX-%d", 64 - sig);
	else if (sig == 64)
		snprintf(buf, len, "RTMAX");
	else
		snprintf(buf, len, "%d", sig);
}

static int
known(const char *arg)
{
	char buf[16];
	int sig;

	if (strncasecmp(arg, "SIG", 3) == 0)
		arg += 3;
	for (sig = 1; sig <= 64; sig++) {
		sig_str(sig, buf, sizeof(buf));
		if (strcasecmp(buf, arg) == 0)
			return 1;
	}
	return 0;
}

static int
wanted(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncasecmp(a, "SIG", 3) == 0)
			a += 3;
		if (strcasecmp(a, name) == 0)
			return 1;
	}
	return 0;
}

static void
say(const char *s)
{
	size_t len = strlen(s), off = 0;
	ssize_t n;

	/* A reader that went away must not stop us from reporting later
	 * signals to the exit status; SIGPIPE is blocked, so just stop. */
	while (off < len) {
		n = write(STDOUT_FILENO, s + off, len - off);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

int
main(int argc, char **argv)
{
	struct {
		unsigned long handler, flags, restorer, mask;
	} ksa;			/* the kernel's struct sigaction */
	unsigned long set = 0;	/* a kernel sigset: bit N-1 is signal N */
	siginfo_t si;
	char line[24];
	int sig, i;

	for (i = 1; i < argc; i++)
		if (!known(argv[i])) {
			fprintf(stderr, "sigecho: unknown signal name: %s\n",
			    argv[i]);
			return 2;
		}

	/* Start from defaults: a shell starts background jobs with INT and
	 * QUIT ignored, and an ignored signal would be dropped unseen.  Then
	 * block everything catchable and take it from a signal wait, which
	 * needs no handler and cannot lose a signal to a race.  Raw system
	 * calls: the C library refuses 32-34 (kept for its threads) in
	 * sigaddset and sigaction, and they must be caught too. */
	for (sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD)
			continue;
		memset(&ksa, 0, sizeof(ksa));	/* SIG_DFL */
		syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(set));
		set |= 1UL << (sig - 1);
	}
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL,
	    sizeof(set)) != 0) {
		perror("sigecho: rt_sigprocmask");
		return 2;
	}
	say("ready\n");
	for (;;) {
		sig = (int)syscall(SYS_rt_sigtimedwait, &set, &si, NULL,
		    sizeof(set));
		if (sig < 0)
			continue;
		sig_str(sig, line, sizeof(line) - 1);
		if (wanted(argc, argv, line)) {
			strcat(line, "\n");
			say(line);
			return 0;
		}
		strcat(line, "\n");
		say(line);
	}
}
