/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * The payload's start: its own process group or session, the terminal, the
 * signal state pidone was started with, LISTEN_PID, exec; then what pidone
 * lets go of so that it holds nothing the payload may close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
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
	long long n;

	for (e = environ; e && *e; e++) {
		if (strncmp(*e, "LISTEN_PID=", 11))
			continue;
		for (n = 0, v = *e + 11; *v >= '0' && *v <= '9' && n < 1LL << 32;
		    v++)
			n = n * 10 + (*v - '0');
		if (!*v && v != *e + 11 && n == pid)
			return e;
	}
	return NULL;
}

/* execve, and what POSIX's execvp does and musl's does not: a file the
 * kernel cannot execute (ENOEXEC: a script without "#!") runs under
 * /bin/sh.  Returns only on failure, with the first errno kept. */
static void
exec_file(const char *file, char **argv)
{
	int argc;

	execve(file, argv, environ);
	if (errno != ENOEXEC)
		return;
	for (argc = 0; argv[argc]; argc++)
		;
	{
		/* The vfork child must not allocate: the stack holds it. */
		char *sh[argc + 2];

		sh[0] = "sh";
		sh[1] = (char *)file;
		memcpy(sh + 2, argv + 1, (size_t)argc * sizeof *argv);
		execve("/bin/sh", sh, environ);
	}
	errno = ENOEXEC;
}

/* execvp: a name without a slash is looked up in PATH (an empty element is
 * the current directory); EACCES anywhere wins over ENOENT. */
static void
exec_path(char **argv)
{
	const char *name = argv[0], *p, *end, *path = getenv("PATH");
	char buf[4096];
	size_t n, len = strlen(name);
	bool eacces = false;

	if (strchr(name, '/')) {
		exec_file(name, argv);
		return;
	}
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path; ; p = end + 1) {
		if (!(end = strchr(p, ':')))
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n + len + 2 <= sizeof buf) {
			memcpy(buf, p, n);
			buf[n] = '/';
			memcpy(buf + n + !!n, name, len + 1);
			exec_file(buf, argv);
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR)
				return;
		}
		if (!*end)
			break;
	}
	errno = eacces ? EACCES : ENOENT;
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
	signals_restore(st);
	exec_path(cfg->argv);
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

/* What getdents64 returns; musl-gcc does not see <linux/dirent.h>. */
struct dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static bool
kept(int fd, const int *keep, size_t n)
{
	while (n--)
		if (keep[n] == fd)
			return true;
	return false;
}

/* Without close_range: the fds /proc/self/fd lists (fds are not
 * namespaced, so any procfs that shows pidone will do), else every number
 * below the limit, which a container may set to a million. */
static void
close_fds_slowly(const int *keep, size_t nkeep)
{
	unsigned long long buf[256];	/* aligned for struct dirent64 */
	struct dirent64 *d;
	struct rlimit rl;
	long n, off, fd, max;
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir >= 0) {
		while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0)
			for (off = 0; off < n; off += d->d_reclen) {
				d = (struct dirent64 *)(void *)((char *)buf +
				    off);
				if (parse_num(d->d_name, INT_MAX, &fd) == 0 &&
				    fd >= 3 && fd != dir &&
				    !kept((int)fd, keep, nkeep))
					close((int)fd);
			}
		close(dir);
		if (n == 0)
			return;
	}
	max = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 ?
	    (long)rl.rlim_cur : 1024;
	for (fd = 3; fd < max; fd++)
		if (!kept((int)fd, keep, nkeep))
			close((int)fd);
}

/* Close every fd >= 3 but the ones pidone's loop needs.  close_range(2) is
 * Linux 5.9, and a seccomp profile may refuse it. */
static void
close_fds(const int *keep, size_t nkeep)
{
	unsigned from = 3;
	int next;
	size_t i;

	for (;;) {
		for (next = -1, i = 0; i < nkeep; i++)
			if (keep[i] >= (int)from && (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0)
			break;
		if (next > (int)from && syscall(SYS_close_range, from,
		    (unsigned)next - 1, 0U) < 0) {
			close_fds_slowly(keep, nkeep);
			return;
		}
		from = (unsigned)next + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0U) < 0)
		close_fds_slowly(keep, nkeep);
}

/* Let go of what pidone holds so that it pins nothing: its cwd's mount and
 * the fds the payload inherited (a socket the payload closes must close). */
void
settle(const struct state *st)
{
	/* The relay's channel to the init (--pidns) too. */
	const int keep[] = { st->pidfd, st->sigfd, st->lifeline, st->ctl };

	close_fds(keep, sizeof keep / sizeof *keep);
	if (chdir("/") < 0)
		say(L_WARNING, "chdir /: %s", strerror(errno));
}
