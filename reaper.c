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

/* Signal every process the drain may touch; true if anyone got it. */
static bool
signal_rest(const struct state *st, int sig)
{
	char buf[512];
	bool hit = false;
	ssize_t n, i;
	pid_t pid = 0;
	int fd;

	/* Only the init of a PID namespace may address everybody: anywhere
	 * else kill(-1) reaches every process of the machine it may signal. */
	if (getpid() == 1)
		return kill(-1, sig) == 0;
	if (st->pgid > 0 && kill(-st->pgid, sig) == 0)
		hit = true;
	/* pidone's children: the orphans it adopted as subreaper. */
	fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hit;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
			} else if (pid > 0) {
				if (kill(pid, sig) == 0)
					hit = true;
				pid = 0;
			}
		}
	}
	if (pid > 0 && kill(pid, sig) == 0)
		hit = true;
	close(fd);
	return hit;
}

/* Is anything left that the drain should wait for? */
static bool
others_left(const struct state *st)
{
	return st->children || (getpid() == 1 && kill(-1, 0) == 0);
}

/* The payload is gone: give the rest SIGTERM (and SIGCONT, so stopped ones
 * can act on it) and the grace time, or end at once when nothing is left or
 * no grace is wanted.  When PID 1 exits, the kernel SIGKILLs everything in
 * its namespace, so this is the last chance to shut down cleanly. */
void
drain_start(struct state *st)
{
	const struct config *cfg = st->cfg;

	if (st->relay) {
		st->phase = DONE;
		return;
	}
	if (cfg->term_group_on_exit && st->pgid > 0)
		kill(-st->pgid, SIGTERM);
	if (cfg->grace_ms == 0 || (!st->children && st->self != 1) ||
	    !signal_rest(st, SIGTERM)) {
		st->phase = DONE;
		return;
	}
	signal_rest(st, SIGCONT);
	say(L_INFO, "draining: sent SIGTERM, SIGKILL in %ld ms",
	    cfg->grace_ms);
	st->phase = DRAIN_TERM;
	st->deadline_ns = now_ns() + cfg->grace_ms * 1000000LL;
}

/* Grace is over (or pidone was told to hurry): SIGKILL what is left. */
void
drain_kill(struct state *st)
{
	if (st->phase == DRAIN_TERM)
		say(L_INFO, "draining: sending SIGKILL");
	signal_rest(st, SIGKILL);
	/* Only children can be waited for; whoever else is left has had its
	 * SIGKILL and cannot delay pidone's exit. */
	st->phase = st->children ? DRAIN_KILL : DONE;
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
}
