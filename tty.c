/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * The terminal and job control: who owns the terminal, stopping with the
 * payload and continuing it, the relay <-> init channel under --pidns, and
 * dying of the payload's signal so that a shell above sees it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "pidone.h"

/* Messages on the channel, two bytes each: a kind and an argument. */
enum { MSG_STOP = 'S', MSG_KILLED = 'K', MSG_CONT = 'C' };
/* MSG_CONT's argument: hand the payload's group the terminal first; or
 * continue it only if it owns the terminal. */
enum { CONT_FG = 1, CONT_IF_TTY = 2 };

/* pidone's process group owns its terminal (stdin). */
static bool
own_fg(void)
{
	pid_t fg = tcgetpgrp(STDIN_FILENO);

	return fg > 0 && fg == getpgrp();
}

/* Both the terminal's foreground group and pidone's group read as 0 when
 * they belong to an outer PID namespace (pidone as PID 1 under unshare -pf).
 * A /proc of that outer namespace still shows their real numbers (stat
 * fields 5 and 8, pgrp and tpgid); pidone's own /proc shows 0 and 0, and
 * then nothing tells: pidone assumes the foreground, where an init of a new
 * namespace normally runs. */
static bool
outer_fg(void)
{
	char buf[512], *p;
	long f[9] = { 0 };
	ssize_t n;
	int fd, i;

	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) < 0)
		return true;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (!(p = strrchr(buf, ')')))
		return true;
	for (i = 2; *++p && i < 9;)
		if (*p == ' ')
			i++;
		else
			f[i] = f[i] * 10 + (*p - '0');
	return f[5] == f[8];
}

/* Decide everything about the terminal before any clone: inside a new PID
 * namespace the outer groups and sessions are invisible, and a background
 * job would see "foreground" (0 == 0) and take the terminal. */
void
tty_probe(struct state *st)
{
	const struct config *cfg = st->cfg;
	int sv[2];
	pid_t fg, sid;

	st->ctl = st->ctl_peer = -1;
	/* Fails unless stdin is pidone's controlling terminal. */
	fg = tcgetpgrp(STDIN_FILENO);
	if (fg >= 0) {
		if (fg > 0)
			st->tty_fg = fg == getpgrp();
		else if (getpgrp() == 0)
			st->tty_fg = outer_fg();
		/* A new session can take the terminal only if nobody holds
		 * it: where pidone leads its terminal's session it lets go of
		 * it; anywhere else TIOCSCTTY would fail (or steal it), so the
		 * payload gets a process group of its own instead. */
		if (ioctl(STDIN_FILENO, TIOCGSID, &sid) < 0)
			sid = -1;
		if (cfg->setsid && sid >= 0 && sid != getpid()) {
			st->tty_pgroup = true;
			say(L_INFO, "--setsid: not the terminal's session "
			    "leader: process group mode");
		} else if (cfg->setsid && cfg->pidns && sid == getpid()) {
			/* The init will not lead this session: let go of the
			 * terminal here, so the payload's new session can
			 * take it.  The kernel's SIGHUP and SIGCONT to
			 * pidone's group come in pidone's name, and are
			 * dropped as such. */
			ioctl(STDIN_FILENO, TIOCNOTTY);
		}
	}
	/* The init in a new PID namespace cannot stop (PID 1 ignores its own
	 * stop signals) nor see its parent: the relay stops in its place and
	 * tells it when the job continues, over this channel. */
	if (cfg->pidns && syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET |
	    SOCK_CLOEXEC, 0, sv) == 0) {
		st->ctl = sv[0];
		st->ctl_peer = sv[1];
	}
}

/* After the clone, each side keeps its end; a message raises SIGIO, which
 * the one wait reads like any other signal. */
void
tty_channel(struct state *st, bool relay)
{
	int mine = relay ? st->ctl : st->ctl_peer;

	if (st->ctl < 0)
		return;
	close(relay ? st->ctl_peer : st->ctl);
	st->ctl = mine;
	st->ctl_peer = -1;
	/* Raw calls: musl's fcntl is four times this file's use of it.
	 * On a socket of its own these cannot fail. */
	syscall(SYS_fcntl, mine, F_SETOWN, getpid());
	syscall(SYS_fcntl, mine, F_SETFL, O_ASYNC | O_NONBLOCK);
}

static void
send_msg(const struct state *st, int kind, int arg)
{
	char m[2] = { (char)kind, (char)arg };

	if (st->ctl >= 0)
		(void)!write(st->ctl, m, sizeof m);
}

/* Continue the payload's group; give it the terminal first if the job is
 * in the foreground, or it would read, get SIGTTIN and stop again.  The
 * relay has the init do it. */
static void
resume(const struct state *st, int how)
{
	if (st->relay)
		send_msg(st, MSG_CONT, how);
	else if (!st->payload || (how & CONT_IF_TTY &&
	    tcgetpgrp(STDIN_FILENO) != st->pgid))
		return;
	else if (how & CONT_FG)
		tcsetpgrp(STDIN_FILENO, st->pgid);
	if (!st->relay)
		kill(-st->pgid, SIGCONT);
}

/* Stop pidone with the payload's stop signal, so that the shell above sees
 * the job stop the way it stopped ("Stopped (tty input)").  Once continued,
 * the SIGCONT that did it is pending (raising a stop signal discards an
 * older one), and the loop hands it on.  Without one, pidone could not
 * stop, and nobody above does job control: act as the kernel does for a
 * terminal's job nobody controls, and go on with the payload where it owns
 * the terminal (or can have it), as if its Ctrl-Z had been dropped.  Stops
 * sent with kill() elsewhere stay, or a bare continue would only have a
 * background reader stop again. */
static void
stop_with(struct state *st, int sig)
{
	unsigned long set = 0;
	int how = own_fg() ? CONT_FG : CONT_IF_TTY;

	signals_raise_dfl(sig);
	syscall(SYS_rt_sigpending, &set, sizeof set);
	if (!(set & 1UL << (SIGCONT - 1)))
		resume(st, how);
}

/* reap() saw the payload stop.  Only the terminal's stops matter: a SIGSTOP
 * from someone else (a debugger, a rewrite) is theirs to undo. */
void
tty_stopped(struct state *st, int sig)
{
	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		return;
	if (st->ctl >= 0 && !st->relay)
		send_msg(st, MSG_STOP, sig);
	else
		stop_with(st, sig);
}

/* SIGCONT: the shell continued the job (fg or bg).  Returns false when it
 * is not the terminal's business and is forwarded as usual. */
bool
tty_cont(struct state *st, const siginfo_t *si)
{
	if ((si->si_code == SI_USER && si->si_pid == st->self) ||
	    (st->relay ? st->ctl < 0 : !st->payload ||
	    st->cfg->rewrite[SIGCONT] != SIGCONT))
		return false;	/* the kernel's in pidone's name, or no job */
	resume(st, own_fg() ? CONT_FG : 0);
	return true;
}

/* SIGIO: read what the channel holds.  The kernel's SIGIO (SI_KERNEL) is
 * the channel's; anyone else's is forwarded (returns false).  Every SIGIO
 * reads the channel: a standard signal already pending swallows the next
 * one, so the channel's may have merged into someone else's.  Each side
 * gets only the other's kinds. */
bool
tty_message(struct state *st, const siginfo_t *si)
{
	unsigned char m[2];

	while (st->ctl >= 0 && read(st->ctl, m, sizeof m) == 2) {
		if (m[0] == MSG_STOP)
			stop_with(st, m[1]);
		else if (m[0] == MSG_KILLED)
			st->termsig = m[1];
		else
			resume(st, m[1]);
	}
	return si && si->si_code == SI_KERNEL;
}

/* The payload's (for the relay: the init's) group pgid is gone.  If it
 * owned the terminal, take the terminal back for pidone's own group before
 * the drain: a second Ctrl-C must reach pidone, not leftovers of a dead
 * group, and a shell script going on after pidone must find its terminal
 * where it was. */
void
tty_reclaim(pid_t pgid)
{
	if (pgid > 0 && tcgetpgrp(STDIN_FILENO) == pgid)
		tcsetpgrp(STDIN_FILENO, getpgrp());
}

/* The payload was killed by signal N.  Shells end a loop on Ctrl-C only if
 * their child died of SIGINT, not if it exited 130: where pidone can (not
 * PID 1, under its own name) it dies of N too, without a core of its own;
 * $? still reads 128+N.  The init under --pidns tells the relay instead. */
void
tty_exit(struct state *st)
{
	struct rlimit none = { 0, 0 };
	int sig;

	if (st->relay)
		tty_message(st, NULL);	/* the init's MSG_KILLED */
	sig = st->termsig;
	if (!sig || st->status != 128 + sig)
		return;		/* not killed, or remapped by -e */
	if (st->ctl >= 0 && !st->relay) {
		send_msg(st, MSG_KILLED, sig);
	} else if (st->cfg->reraise && st->self != 1) {
		/* The raw call: musl's setrlimit synchronises threads pidone
		 * does not have, and would cost a fifth of the binary. */
		syscall(SYS_prlimit64, 0, RLIMIT_CORE, &none, NULL);
		signals_raise_dfl(sig);
	}
	/* Still here: a signal whose default is not to die.  Exit 128+N. */
}
