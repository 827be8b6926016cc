/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * Signals: the blocked set, the one wait, forwarding with rewriting, and
 * signal names. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pidone.h"

static const char *const names[] = {
	[SIGHUP] = "HUP", [SIGINT] = "INT", [SIGQUIT] = "QUIT",
	[SIGILL] = "ILL", [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",
	[SIGBUS] = "BUS", [SIGFPE] = "FPE", [SIGKILL] = "KILL",
	[SIGUSR1] = "USR1", [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE", [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
#ifdef SIGSTKFLT	/* MIPS has none */
	[SIGSTKFLT] = "STKFLT",
#endif
	[SIGCHLD] = "CHLD", [SIGCONT] = "CONT",
	[SIGSTOP] = "STOP", [SIGTSTP] = "TSTP", [SIGTTIN] = "TTIN",
	[SIGTTOU] = "TTOU", [SIGURG] = "URG", [SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",
	[SIGWINCH] = "WINCH", [SIGIO] = "IO", [SIGPWR] = "PWR",
	[SIGSYS] = "SYS",
};

/* Every signal but the ones the kernel raises for pidone's own faults: those
 * it force-delivers anyway, and a blocked one would only hide a crash.
 * Built by hand: musl's sigfillset leaves out 32-34, which it keeps for
 * its threads, and pidone must catch those too. */
static void
wait_set(sigset_t *set)
{
	static const int faults[] = {
		SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS
	};
	unsigned i;

	memset(set, 0xff, sizeof *set);
	for (i = 0; i < sizeof faults / sizeof *faults; i++)
		sigdelset(set, faults[i]);
}

/* The raw call: musl's sigprocmask hides 32-34 from the old mask, and the
 * payload must get back exactly the mask pidone got.  The kernel's set has
 * a bit for each of 1..NSIG-1: 8 bytes, 16 on MIPS (NSIG 128). */
void
signals_setmask(const sigset_t *set, sigset_t *old)
{
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, set, old, (NSIG + 6) / 8);
}

/* Block everything pidone waits for, keeping the mask it got for the
 * payload.  An inherited SIG_IGN of SIGCHLD would have the kernel reap
 * pidone's children before it sees their status: pidone takes the default
 * for itself and gives the payload the SIG_IGN back. */
void
signals_block(struct state *st)
{
	struct sigaction dfl, old;

	wait_set(&st->blocked);
	signals_setmask(&st->blocked, &st->orig_mask);
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	st->chld_ignored = sigaction(SIGCHLD, &dfl, &old) == 0 &&
	    old.sa_handler == SIG_IGN;
}

/* The drain's clock.  A plain syscall: it runs once or twice per drain,
 * and the vDSO lookup would cost a kilobyte of code.  32-bit musl has no
 * SYS_clock_gettime (its time_t is 64-bit: clock_gettime64, Linux 5.1):
 * there libc's call, which falls back to the old one on older kernels. */
long long
now_ns(void)
{
	struct timespec ts;

#ifdef SYS_clock_gettime
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The only place pidone sleeps.  Without a drain deadline it blocks with no
 * timeout, so an idle pidone never wakes.  Returns the signal, 0 when the
 * deadline passed (si->si_signo is then 0 too), -1 on an unexpected error. */
int
signals_wait(struct state *st, siginfo_t *si)
{
	struct timespec ts, *timeout = NULL;
	long long left;
	int sig;

	if (st->phase == DRAIN_TERM) {
		left = st->deadline_ns - now_ns();
		if (left <= 0) {
			si->si_signo = 0;
			return 0;
		}
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		timeout = &ts;
	}
	sig = sigtimedwait(&st->blocked, si, timeout);
	if (sig > 0)
		return sig;
	if (errno == EAGAIN) {
		si->si_signo = 0;
		return 0;
	}
	say(L_WARNING, "sigtimedwait: %s", strerror(errno));
	return -1;
}

void
signals_forward(struct state *st, const siginfo_t *si)
{
	const struct config *cfg = st->cfg;
	int sig = si->si_signo, to = st->relay ? sig : cfg->rewrite[sig];
	pid_t target;
	int r;

	/* Signals pidone raised itself are not the payload's business: a
	 * SIGPIPE from its own write, the SIGHUP and SIGCONT the kernel sends
	 * in its name when it gives up the TTY (forwarding those killed
	 * shells at start). */
	if (si->si_code == SI_USER && si->si_pid == st->self) {
		say(L_DEBUG, "not forwarding SIG%s that pidone raised itself",
		    sig_name(sig));
		return;
	}
	if (!st->payload) {
		say(L_DEBUG, "SIG%s: no payload to forward it to", sig_name(sig));
		return;
	}
	if (!to) {
		say(L_DEBUG, "dropping SIG%s (rewritten to 0)", sig_name(sig));
		return;
	}
	say(L_TRACE, "forwarding SIG%s as SIG%s", sig_name(sig), sig_name(to));
	target = !st->relay && (cfg->pgroup || cfg->setsid) ?
	    -st->payload : st->payload;
	if (st->pidfd >= 0)
		r = (int)syscall(SYS_pidfd_send_signal, st->pidfd, to, NULL, 0);
	else
		r = kill(target, to);
	/* ESRCH: the payload's group emptied while the signal was on its
	 * way; its SIGCHLD is pending, nothing is lost. */
	if (r < 0 && errno != ESRCH)
		say(L_WARNING, "kill %d SIG%s: %s", (int)target, sig_name(to),
		    strerror(errno));
	/* A TTY stop in setsid mode stops the session and then pidone, so the
	 * shell above sees the job stop; SIGCONT brings both back. */
	if (!st->relay && cfg->setsid &&
	    (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
		kill(getpid(), SIGSTOP);
}

/* A name (TERM, SIGTERM, sigterm, RTMIN+2) or a number, to a signal number;
 * -1 if it is neither. */
int
sig_parse(const char *s)
{
	int i, n = 0, base, sign = 1;
	const char *p;

	if (*s >= '0' && *s <= '9') {
		for (p = s; *p >= '0' && *p <= '9'; p++)
			if ((n = n * 10 + (*p - '0')) >= NSIG)
				return -1;
		return *p || n == 0 ? -1 : n;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (i = 1; i < (int)(sizeof names / sizeof *names); i++)
		if (names[i] && !strcasecmp(s, names[i]))
			return i;
	if (!strcasecmp(s, "IOT"))
		return SIGABRT;
	if (!strcasecmp(s, "POLL"))
		return SIGIO;
	if (!strcasecmp(s, "CLD"))
		return SIGCHLD;
	if (!strncasecmp(s, "RTMIN", 5))
		base = SIGRTMIN;
	else if (!strncasecmp(s, "RTMAX", 5))
		base = SIGRTMAX, sign = -1;
	else
		return -1;
	p = s + 5;
	if (*p) {
		if (*p++ != (sign > 0 ? '+' : '-') || !*p)
			return -1;
		for (; *p >= '0' && *p <= '9'; p++)
			if ((n = n * 10 + (*p - '0')) >= NSIG)
				return -1;
		if (*p)
			return -1;
	}
	n = base + sign * n;
	return n >= SIGRTMIN && n <= SIGRTMAX ? n : -1;
}

const char *
sig_name(int sig)
{
	if (sig > 0 && sig < (int)(sizeof names / sizeof *names) && names[sig])
		return names[sig];
	return sig >= SIGRTMIN && sig <= SIGRTMAX ? "RT" : "?";
}
