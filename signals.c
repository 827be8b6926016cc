/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * Signals: the blocked set, the one wait, forwarding with rewriting, and
 * signal names. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pidone.h"

/* The kernel's sigset_t is 64 bits wide (128 on MIPS, where musl's NSIG is
 * 128, not 129); the raw calls take its size in bytes. */
#define KSIGSET	((NSIG + 6) / 8)

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

/* Everything, 32-34 included (musl's sigfillset leaves those out for its
 * threads), the fault signals too: SIGSEGV & co. sent with kill() are
 * ordinary signals to forward, and blocking them hides no crash of pidone's
 * own, because the kernel force-delivers a real fault (si_code > 0) to a
 * task that blocks or ignores it: it unblocks the signal, resets it to
 * SIG_DFL and, for PID 1, clears SIGNAL_UNKILLABLE (force_sig_info_to_task
 * in kernel/signal.c).  SIGPIPE and SIGXFSZ are left out: pidone ignores
 * them, and a blocked signal is queued even when ignored. */
static void
wait_set(sigset_t *set)
{
	memset(set, 0xff, sizeof *set);
	sigdelset(set, SIGPIPE);
	sigdelset(set, SIGXFSZ);
}

/* The raw call: musl's sigprocmask hides 32-34 from the old mask, and the
 * payload must get back exactly the mask pidone got.  The kernel's set has
 * a bit for each of 1..NSIG-1: 8 bytes, 16 on MIPS (NSIG 128). */
void
signals_setmask(const sigset_t *set, sigset_t *old)
{
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, set, old, KSIGSET);
}

/* The dispositions pidone changes for itself, and gives back to the payload
 * as it found them (exec keeps SIG_IGN and resets the rest to SIG_DFL):
 * SIGCHLD takes the default, since an inherited SIG_IGN would have the
 * kernel reap pidone's children before it sees their status; SIGPIPE and
 * SIGXFSZ are ignored, so a write to a closed stderr or past RLIMIT_FSIZE
 * fails instead of raising a signal on pidone, which would come back to the
 * loop before anything else (thread-directed signals are dequeued first). */
static const int own_disp[] = { SIGCHLD, SIGPIPE, SIGXFSZ };

/* Set a disposition; true if the old one was SIG_IGN. */
static bool
disp(int sig, void (*handler)(int), struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	return sigaction(sig, &sa, old) == 0 && old && old->sa_handler == SIG_IGN;
}

void
signals_restore(const struct state *st)
{
	unsigned i;

	for (i = 0; i < sizeof own_disp / sizeof *own_disp; i++)
		disp(own_disp[i], sigismember(&st->ignored, own_disp[i]) ?
		    SIG_IGN : SIG_DFL, NULL);
	signals_setmask(&st->orig_mask, NULL);
}

/* Take sig with its default action, now: the payload's stop or death,
 * passed up.  For a stop signal: returns once continued, or at once when
 * the kernel drops the stop: PID 1 ignores its own, and an orphaned group
 * (nobody above does job control, nobody would continue it) never stops on
 * TSTP, TTIN or TTOU.  The unblock is the raw call, sized as the kernel's
 * sigset: musl's refuses 32-34. */
void
signals_raise_dfl(int sig)
{
	unsigned long one[KSIGSET / sizeof(unsigned long)] = { 0 };
	struct sigaction old;
	unsigned bits = 8 * sizeof *one;

	one[(sig - 1) / bits] = 1UL << ((sig - 1) % bits);
	disp(sig, SIG_DFL, &old);
	kill(getpid(), sig);
	/* Delivered as the unblock returns. */
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, one, NULL, KSIGSET);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, one, NULL, KSIGSET);
	sigaction(sig, &old, NULL);
}

/* Block everything pidone waits for, keeping the mask and dispositions it
 * got for the payload, and make sure the wait works: a seccomp profile may
 * refuse rt_sigtimedwait (a probe with an empty set and no timeout returns
 * EAGAIN where it is allowed), and then signalfd is the way to wait.  An
 * init that cannot wait at all must not start anything. */
void
signals_block(struct state *st)
{
	static const struct timespec zero;
	struct sigaction old;
	sigset_t none;
	unsigned i;
	int e;

	wait_set(&st->blocked);
	signals_setmask(&st->blocked, &st->orig_mask);
	sigemptyset(&st->ignored);
	for (i = 0; i < sizeof own_disp / sizeof *own_disp; i++)
		if (disp(own_disp[i], own_disp[i] == SIGCHLD ? SIG_DFL :
		    SIG_IGN, &old))
			sigaddset(&st->ignored, own_disp[i]);
	st->sigfd = -1;
	sigemptyset(&none);
	if (sigtimedwait(&none, NULL, &zero) >= 0 || errno == EAGAIN)
		return;
	e = errno;
	st->sigfd = (int)syscall(SYS_signalfd4, -1, &st->blocked, KSIGSET,
	    SFD_CLOEXEC);
	if (st->sigfd < 0)
		die(EXIT_OWN, "cannot wait for signals: rt_sigtimedwait: %s; "
		    "signalfd: %s (a seccomp profile refusing both?)",
		    strerror(e), strerror(errno));
	say(L_DEBUG, "rt_sigtimedwait: %s; waiting on a signalfd",
	    strerror(e));
}

/* The drain's clock.  A plain syscall: it runs a few times per drain, and
 * the vDSO lookup would cost a kilobyte of code.  32-bit musl has no
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

/* Read one signal from the signalfd, waiting at most timeout (NULL: for
 * ever).  Returns like sigtimedwait. */
static int
sigfd_wait(int fd, siginfo_t *si, const struct timespec *timeout)
{
	struct signalfd_siginfo ssi;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	if (timeout) {
		r = poll(&pfd, 1, (int)(timeout->tv_sec * 1000 +
		    (timeout->tv_nsec + 999999) / 1000000));
		if (r == 0)
			errno = EAGAIN;
		if (r <= 0)
			return -1;
	}
	if (read(fd, &ssi, sizeof ssi) != (ssize_t)sizeof ssi)
		return -1;
	memset(si, 0, sizeof *si);
	si->si_signo = (int)ssi.ssi_signo;
	si->si_code = ssi.ssi_code;
	si->si_pid = (pid_t)ssi.ssi_pid;
	return si->si_signo;
}

/* The only place pidone sleeps.  Without a drain deadline it blocks with no
 * timeout, so an idle pidone never wakes.  Returns the signal, or 0 when
 * the drain's next check is due (si->si_signo is then 0 too).  A wait that
 * fails is reported once and turned into a reap every 100 ms: slow, but an
 * init that cannot wait must still reap, and must not spin. */
int
signals_wait(struct state *st, siginfo_t *si)
{
	static const struct timespec pause_ts = { 0, 100000000 };
	struct timespec ts, *timeout = NULL;
	long long left;
	int sig;

	if (st->wake_ns) {
		left = st->wake_ns - now_ns();
		if (left <= 0) {
			si->si_signo = 0;
			return 0;
		}
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		timeout = &ts;
	}
	if (st->sigfd >= 0)
		sig = sigfd_wait(st->sigfd, si, timeout);
	else
		sig = sigtimedwait(&st->blocked, si, timeout);
	if (sig > 0)
		return sig;
	if (errno == EAGAIN || errno == EINTR) {
		si->si_signo = 0;
		return 0;
	}
	if (!st->wait_failed)
		say(L_WARNING, "wait for signals: %s; reaping every 100 ms "
		    "instead", strerror(errno));
	st->wait_failed = true;
	nanosleep(&pause_ts, NULL);
	memset(si, 0, sizeof *si);
	si->si_signo = SIGCHLD;
	return SIGCHLD;
}

/* Signal the payload: its pidfd while there is one (the relay's child),
 * else its pid or its group.  A kernel or a seccomp profile without
 * pidfd_send_signal gets kill() from then on: the relay's init is its own
 * unreaped child, so its pid cannot be reused meanwhile. */
static int
send_payload(struct state *st, pid_t target, int sig)
{
	if (st->pidfd >= 0) {
		if (syscall(SYS_pidfd_send_signal, st->pidfd, sig, NULL, 0)
		    == 0)
			return 0;
		if (errno != ENOSYS && errno != EPERM)
			return -1;
		say(L_DEBUG, "pidfd_send_signal: %s; using kill",
		    strerror(errno));
		close(st->pidfd);
		st->pidfd = -1;
	}
	return kill(target, sig);
}

void
signals_forward(struct state *st, const siginfo_t *si)
{
	const struct config *cfg = st->cfg;
	int sig = si->si_signo, to = st->relay ? sig : cfg->rewrite[sig];
	pid_t target;

	/* Signals pidone raised itself are not the payload's business, and
	 * saying so could raise another: the SIGHUP and SIGCONT the kernel
	 * sends in its name when it gives up the TTY (forwarding those killed
	 * shells at start). */
	if (si->si_code == SI_USER && si->si_pid == st->self)
		return;
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
	/* ESRCH: the payload's group emptied while the signal was on its
	 * way; its SIGCHLD is pending, nothing is lost. */
	if (send_payload(st, target, to) < 0 && errno != ESRCH && !hush())
		say(L_WARNING, "kill %d SIG%s: %s", (int)target, sig_name(to),
		    strerror(errno));
	/* A TTY stop in setsid mode (and under dumb-init's name in every mode)
	 * stops pidone after the payload, so the shell above sees the job
	 * stop; SIGCONT brings both back. */
	if (!st->relay && cfg->stop_after_tty &&
	    (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
		kill(getpid(), SIGSTOP);
}

/* Real-time signals as the kernel ABI numbers them, and as bash, kill(1),
 * Docker and systemd name them: RTMIN+3 is 37 to every user, whatever the C
 * library keeps for itself (musl's SIGRTMIN is 35). */
#define RT_MIN	34
#define RT_MAX	(NSIG - 1)

/* Does s start with name, in any case (and end there, if whole)? */
static bool
named(const char *s, const char *name, bool whole)
{
	for (; *name; s++, name++)
		if ((*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s) != *name)
			return false;
	return !whole || !*s;
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
	if (named(s, "SIG", false))
		s += 3;
	for (i = 1; i < (int)(sizeof names / sizeof *names); i++)
		if (names[i] && named(s, names[i], true))
			return i;
	if (named(s, "IOT", true))
		return SIGABRT;
	if (named(s, "POLL", true))
		return SIGIO;
	if (named(s, "CLD", true))
		return SIGCHLD;
	if (named(s, "RTMIN", false))
		base = RT_MIN;
	else if (named(s, "RTMAX", false))
		base = RT_MAX, sign = -1;
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
	return n >= RT_MIN && n <= RT_MAX ? n : -1;
}

/* The name without "SIG", real-time ones as bash's `kill -l` spells them;
 * a number where there is no name (32 and 33). */
const char *
sig_name(int sig)
{
	static char buf[16];
	bool low = sig - RT_MIN <= (RT_MAX - RT_MIN) / 2;
	int n = low ? sig - RT_MIN : RT_MAX - sig;

	if (sig > 0 && sig < (int)(sizeof names / sizeof *names) && names[sig])
		return names[sig];
	if (sig < RT_MIN || sig > RT_MAX)
		fmt(buf, sizeof buf, "%d", sig);
	else if (n == 0)
		return low ? "RTMIN" : "RTMAX";
	else
		fmt(buf, sizeof buf, low ? "RTMIN+%d" : "RTMAX-%d", n);
	return buf;
}
