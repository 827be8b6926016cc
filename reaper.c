/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * Reaping, the mapping of a wait status to an exit code, and the drain that
 * gives what is left a SIGTERM and a grace time before SIGKILL. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidone.h"

/* The payload's status as a shell would report it: its exit code, or 128+N
 * when signal N killed it; then -e's remapping, unless cfg is NULL (the
 * relay: the init inside has remapped already). */
int
exit_code(const struct config *cfg, int ws)
{
	int code = WIFEXITED(ws) ? WEXITSTATUS(ws) :
	    WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : EXIT_OWN;

	if (cfg && cfg->remap[code / 8] & (1U << (code % 8)))
		return 0;
	return code;
}

static void
reaped(struct state *st, pid_t pid, int ws)
{
	if (pid == st->payload) {
		st->status = exit_code(st->relay ? NULL : st->cfg, ws);
		/* The relay may have it from the init already. */
		if (WIFSIGNALED(ws))
			st->termsig = WTERMSIG(ws);
		st->payload = 0;
		/* The relay's init led a group of its own. */
		tty_reclaim(st->relay ? pid : st->pgid);
		say(L_INFO, "%s %d gone, status %d", st->relay ?
		    "namespace init" : "payload", (int)pid, st->status);
	} else if (st->cfg->warn_reap && WIFSIGNALED(ws)) {
		say(L_WARNING, "reaped orphan %d (signal %s)", (int)pid,
		    sig_name(WTERMSIG(ws)));
	} else if (st->cfg->warn_reap) {
		say(L_WARNING, "reaped orphan %d (exit %d)", (int)pid,
		    WEXITSTATUS(ws));
	} else {
		say(L_TRACE, "reaped %d", (int)pid);
	}
}

/* Is the payload's process group still pidone's to signal?  Only while one
 * of its own children (a zombie counts) is in it: then the number cannot
 * have been recycled.  waitid with WNOWAIT asks without reaping anyone. */
static bool
group_ours(const struct state *st)
{
	siginfo_t si;

	return st->pgid > 0 && waitid(P_PGID, (id_t)st->pgid, &si,
	    WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* pidone's children as its own /proc lists them, or -1.  A /proc that shows
 * another PID namespace (readlink /proc/self is not pidone's pid, or there
 * is no /proc) lists other processes' numbers: never signal those. */
static int
open_children(void)
{
	char buf[16], want[16];
	ssize_t n;

	n = readlink("/proc/self", buf, sizeof buf);
	if (n <= 0 || (size_t)n != fmt(want, sizeof want, "%d", (int)getpid())
	    || memcmp(buf, want, (size_t)n))
		return -1;
	return open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
}

enum { SENT = 1, BLIND = 2 };

static int
kill_child(pid_t pid, int sig, bool say_blind)
{
	if (kill(pid, sig) == 0)
		return SENT;
	if (errno != EPERM)
		return 0;	/* ESRCH: gone meanwhile */
	if (say_blind && !hush())
		say(L_WARNING, "kill %d SIG%s: %s; not waiting for it",
		    (int)pid, sig_name(sig), strerror(errno));
	return BLIND;
}

/* Signal every process the drain may touch.  Returns SENT if anyone got
 * it, BLIND if some of pidone's children could not be found (no usable
 * /proc) or signalled (EPERM: a setuid program), naming the latter when
 * say_blind is set. */
static int
signal_rest(const struct state *st, int sig, bool say_blind)
{
	char buf[512];
	int r = 0, fd;
	ssize_t n, i;
	pid_t pid = 0;

	/* Only the init of a PID namespace may address everybody: anywhere
	 * else kill(-1) reaches every process of the machine it may signal. */
	if (getpid() == 1)
		return kill(-1, sig) == 0 ? SENT : 0;
	if (group_ours(st) && kill(-st->pgid, sig) == 0)
		r |= SENT;
	if (!st->children)
		return r;
	/* pidone's children: the orphans it adopted as subreaper. */
	if ((fd = open_children()) < 0)
		return r | BLIND;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
			} else if (pid > 0) {
				r |= kill_child(pid, sig, say_blind);
				pid = 0;
			}
		}
	}
	if (pid > 0)
		r |= kill_child(pid, sig, say_blind);
	close(fd);
	return r;
}

/* Is anything left that the drain should wait for?  As PID 1 that includes
 * processes that joined the namespace from outside (docker exec, nsenter):
 * they are nobody's children here, and their exit sends no SIGCHLD. */
static bool
others_left(const struct state *st)
{
	return st->children || (getpid() == 1 && kill(-1, 0) == 0);
}

/* When the loop must wake without a signal: at the grace's end and, while
 * only non-children are left, at short growing intervals to see whether
 * they are gone.  Never while idle. */
static void
drain_schedule(struct state *st)
{
	long long re;

	st->wake_ns = 0;
	if (st->phase != DRAIN_TERM)
		return;
	st->wake_ns = st->deadline_ns;
	if (st->children || st->self != 1)
		return;
	re = now_ns() + st->recheck_ms * 1000000LL;
	if (re < st->wake_ns)
		st->wake_ns = re;
}

/* The payload is gone: give the rest SIGTERM (and SIGCONT, so stopped ones
 * can act on it) and the grace time, or end at once when nothing is left or
 * no grace is wanted.  When PID 1 exits, the kernel SIGKILLs everything in
 * its namespace, so this is the last chance to shut down cleanly. */
void
drain_start(struct state *st)
{
	const struct config *cfg = st->cfg;
	int r;

	if (st->relay) {
		st->phase = DONE;
		return;
	}
	if (cfg->term_group_on_exit && group_ours(st))
		kill(-st->pgid, SIGTERM);
	if (cfg->grace_ms == 0 || (!st->children && st->self != 1) ||
	    !((r = signal_rest(st, SIGTERM, false)) & (SENT | BLIND))) {
		st->phase = DONE;
		return;
	}
	if (r & BLIND)
		say(L_WARNING, "cannot list or signal every process the "
		    "payload left (no /proc of this PID namespace, or no "
		    "permission): those are not waited for after the grace");
	signal_rest(st, SIGCONT, false);
	say(L_INFO, "draining: sent SIGTERM, SIGKILL in %ld ms",
	    cfg->grace_ms);
	st->phase = DRAIN_TERM;
	st->deadline_ns = now_ns() + cfg->grace_ms * 1000000LL;
	st->recheck_ms = 1;
	drain_schedule(st);
}

/* Grace is over (or pidone was told to hurry): SIGKILL what is left.  Only
 * children can be waited for, and only those pidone could find and kill;
 * whoever else is left has had its SIGKILL or cannot be helped. */
void
drain_kill(struct state *st)
{
	int r;

	if (st->phase == DRAIN_TERM)
		say(L_INFO, "draining: sending SIGKILL");
	r = signal_rest(st, SIGKILL, true);
	st->phase = st->children && !(r & BLIND) ? DRAIN_KILL : DONE;
	drain_schedule(st);
}

/* The loop woke without a signal: the grace is over, or it is time to see
 * whether what joined from outside has gone. */
void
drain_tick(struct state *st)
{
	if (st->phase != DRAIN_TERM)
		return;
	if (now_ns() >= st->deadline_ns) {
		drain_kill(st);
		return;
	}
	if (!others_left(st)) {
		st->phase = DONE;
		return;
	}
	if (st->recheck_ms < 100)
		st->recheck_ms = st->recheck_ms * 2 > 100 ? 100 :
		    st->recheck_ms * 2;
	drain_schedule(st);
}

/* SIGCHLDs coalesce: one wake-up may stand for many exits, so reap until
 * none is left, and recognise the payload whichever wake-up brings it. */
void
reap(struct state *st)
{
	bool payload = st->payload > 0;
	pid_t pid;
	int ws;

	for (;;) {
		/* WUNTRACED: a payload stopped by the terminal (Ctrl-Z, a
		 * read in the background) must stop pidone's job too, or the
		 * shell above waits for ever. */
		pid = waitpid(-1, &ws, WNOHANG | WUNTRACED);
		if (pid > 0 && WIFSTOPPED(ws)) {
			if (pid == st->payload)
				tty_stopped(st, WSTOPSIG(ws));
			continue;
		}
		if (pid > 0) {
			reaped(st, pid, ws);
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		/* 0: children left, none exited; -1 ECHILD: none left. */
		st->children = pid == 0;
		break;
	}
	if (payload && !st->payload && st->phase == RUNNING)
		drain_start(st);
	else if (st->phase == DRAIN_KILL)
		drain_kill(st);	/* orphans adopted since are killed too */
	else if (st->phase == DRAIN_TERM && !others_left(st))
		st->phase = DONE;
	drain_schedule(st);
}
