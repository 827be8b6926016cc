/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * The payload's start: its own process group or session, the terminal, the
 * signal state pidone was started with, LISTEN_PID, exec; then what pidone
 * lets go of so that it holds nothing the payload may close. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "pidone.h"

extern char **environ;

/* The environ slot that says LISTEN_PID=pid, if any: socket activation
 * handed its sockets to that process, and must now mean the payload. */
static char **
listen_pid_slot(pid_t pid)
{
	char **e;
	const char *v;
	long n;

	for (e = environ; e && *e; e++) {
		if (strncmp(*e, "LISTEN_PID=", 11))
			continue;
		for (n = 0, v = *e + 11; *v >= '0' && *v <= '9' && n < 1L << 32;
		    v++)
			n = n * 10 + (*v - '0');
		if (!*v && v != *e + 11 && n == pid)
			return e;
	}
	return NULL;
}

/* In the vfork child: it shares pidone's memory until exec, so it only
 * resets state, execs, and _exits; it never returns. */
static NORETURN void
exec_payload(const struct state *st, char **slot)
{
	const struct config *cfg = st->cfg;
	char entry[32];
	int e;

	if (cfg->setsid && !st->tty_pgroup) {
		setsid();
		if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0 && errno != ENOTTY)
			say(L_DEBUG, "ioctl TIOCSCTTY: %s; the payload has no "
			    "controlling terminal", strerror(errno));
	} else {
		setpgid(0, 0);
		/* Take the terminal only if pidone's group had it: from a
		 * background job that would steal it from the shell.  Asked
		 * before any clone (tty_probe): inside a new PID namespace a
		 * background job cannot tell. */
		if (st->tty_fg)
			tcsetpgrp(STDIN_FILENO, getpid());
	}
	if (slot) {
		fmt(entry, sizeof entry, "LISTEN_PID=%d", (int)getpid());
		/* cppcheck-suppress autoVariables ; exec copies it */
		*slot = entry;
	}
	if (st->chld_ignored)
		(void)signal(SIGCHLD, SIG_IGN);
	signals_setmask(&st->orig_mask, NULL);
	execvp(cfg->argv[0], cfg->argv);
	e = errno;
	say(L_ERROR, "exec %s: %s", cfg->argv[0], strerror(e));
	_exit(cfg->exec_status ? cfg->exec_status :
	    e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

/* Start the payload; until it exists, a failure is pidone's (125). */
pid_t
spawn_payload(struct state *st)
{
	/* volatile: vfork returns twice into this frame. */
	char **volatile slot = listen_pid_slot(st->listen_pid);
	char *volatile saved = slot ? *slot : NULL;
	pid_t pid;

	/* setsid mode: the payload's new session needs the terminal free.
	 * If pidone led the session, the kernel now sends SIGHUP and SIGCONT
	 * to the terminal's foreground group, in pidone's name: the loop
	 * drops them as signals pidone raised itself. */
	if (st->cfg->setsid && !st->tty_pgroup)
		ioctl(STDIN_FILENO, TIOCNOTTY);
	/* vfork rather than fork: nothing of pidone is copied, and pidone
	 * resumes once the payload has exec'd or failed to. */
	pid = vfork();
	if (pid == 0)
		exec_payload(st, slot);
	if (slot)
		*slot = saved;
	if (pid < 0)
		die(EXIT_OWN, "fork for %s: %s", st->cfg->argv[0],
		    strerror(errno));
	st->pgid = pid;
	say(L_INFO, "started %s as pid %d", st->cfg->argv[0], (int)pid);
	return pid;
}

/* Close every fd >= 3 but keep and keep2.  close_range(2) is Linux 5.9;
 * older kernels get the loop. */
static void
close_fds(int keep, int keep2)
{
	struct rlimit rl;
	unsigned lo = 3;
	long fd, max;
	int k[2], i;

	k[0] = keep < keep2 ? keep : keep2;
	k[1] = keep < keep2 ? keep2 : keep;
	for (i = 0; i < 2; i++) {
		if (k[i] < (int)lo)
			continue;
		if (k[i] > (int)lo &&
		    syscall(SYS_close_range, lo, (unsigned)k[i] - 1, 0U) < 0)
			goto loop;
		lo = (unsigned)k[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0U) == 0)
		return;
loop:
	max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ?
	    (long)rl.rlim_cur : 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != keep && fd != keep2)
			close((int)fd);
}

/* Let go of what pidone holds so that it pins nothing: its cwd's mount and
 * the fds the payload inherited (a socket the payload closes must close). */
void
settle(const struct state *st)
{
	close_fds(st->pidfd, st->ctl);	/* the relay's channel too */
	if (chdir("/") < 0)
		say(L_WARNING, "chdir /: %s", strerror(errno));
}
