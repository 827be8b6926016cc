/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * Namespaces: the clone that makes pidone's child PID 1 of a new PID and
 * mount namespace (and user namespace), its uid/gid maps, and procfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pidone.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* musl-gcc does not see <linux/sched.h>; this is clone3's ABI, version 0. */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls;
};

/* Whoever creates a mount namespace makes it private first: the copy's
 * mounts are peers of the caller's when / is shared (every systemd host),
 * and a mount or unmount inside would reach the caller.  (A propagation
 * change ignores source and type; they are named for valgrind.) */
static void
make_private(void)
{
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0)
		return;
	if (errno == EINVAL)
		die(EXIT_OWN, "make / private in the new mount namespace: / is "
		    "not a mount point (a chroot?); bind-mount the new root "
		    "onto itself before entering it (mount --bind DIR DIR)");
	die(EXIT_OWN, "make / private in the new mount namespace: %s",
	    strerror(errno));
}

/* Make sure /proc shows pidone's own PID namespace.  own_mntns: pidone
 * already has a private mount namespace of its own (it was cloned with
 * one). */
void
procfs_prepare(const struct config *cfg, bool pid1, bool own_mntns)
{
	char buf[16];
	ssize_t n;

	if (cfg->mount_proc == PROC_NEVER)
		return;
	if (!pid1) {
		if (cfg->mount_proc == PROC_FORCE)
			die(EXIT_OWN, "--mount-proc: pidone is not PID 1 of a "
			    "PID namespace; add --pidns");
		return;
	}
	if (access("/proc", F_OK) < 0) {
		if (cfg->mount_proc == PROC_FORCE || own_mntns)
			die(EXIT_OWN, "mount proc on /proc: there is no /proc "
			    "directory; create it, or pass --no-mount-proc");
		say(L_DEBUG, "no /proc directory: not mounting procfs");
		return;
	}
	if (cfg->mount_proc == PROC_AUTO && !own_mntns) {
		/* /proc/self names the reader as the mounting namespace sees
		 * it: "1" means this /proc is already ours. */
		n = readlink("/proc/self", buf, sizeof buf);
		if (n == 1 && buf[0] == '1')
			return;
		say(L_INFO, "/proc shows another PID namespace: mounting a "
		    "fresh one");
	}
	/* Never mount in a namespace shared with the parent. */
	if (!own_mntns) {
		if (unshare(CLONE_NEWNS) < 0)
			die(EXIT_OWN, "unshare mount namespace for /proc: %s; "
			    "/proc shows another PID namespace: grant "
			    "CAP_SYS_ADMIN, mount /proc before pidone, or pass "
			    "--no-mount-proc", strerror(errno));
		make_private();
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) < 0)
		die(EXIT_OWN, "mount proc on /proc: %s; the kernel refuses a "
		    "new procfs here (no CAP_SYS_ADMIN over this PID "
		    "namespace, or a masked outer /proc in a nested rootless "
		    "container: mount too revealing); mount /proc before "
		    "pidone or pass --no-mount-proc", strerror(errno));
}

static int
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Map the caller to root inside.  An unprivileged writer must deny
 * setgroups before it may write gid_map, and may map only its own ids. */
static void
write_maps(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64], map[64];

	fmt(path, sizeof path, "/proc/%d/setgroups", (int)pid);
	if (write_file(path, "deny") < 0 && errno != ENOENT)
		die(EXIT_OWN, "write %s: %s", path, strerror(errno));
	fmt(path, sizeof path, "/proc/%d/uid_map", (int)pid);
	fmt(map, sizeof map, "0 %u 1\n", (unsigned)uid);
	if (write_file(path, map) < 0)
		die(EXIT_OWN, "write %s: %s", path, strerror(errno));
	fmt(path, sizeof path, "/proc/%d/gid_map", (int)pid);
	fmt(map, sizeof map, "0 %u 1\n", (unsigned)gid);
	if (write_file(path, map) < 0)
		die(EXIT_OWN, "write %s: %s", path, strerror(errno));
}

/* The clone's child: wait for its maps, tie its life to the relay's, make
 * its mount namespace private and give the namespace its own /proc.  It then
 * goes on as the init.  The relay holds the write end of the pipe for as
 * long as it lives: a hang-up on the read end means it is gone.  (getppid()
 * is 0 in a new PID namespace, so the classic check cannot work here.) */
static void
init_side(const struct config *cfg, int sync[2])
{
	struct pollfd pfd = { .fd = sync[0], .events = POLLIN };
	char c;

	close(sync[1]);
	if (cfg->userns && read(sync[0], &c, 1) != 1)
		_exit(EXIT_OWN);	/* the relay said why */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A group of its own: a signal to the caller's group reaches the
	 * relay, which forwards it; the init would get it a second time. */
	setpgid(0, 0);
	if (poll(&pfd, 1, 0) != 0)
		_exit(EXIT_OWN);	/* the relay died before the prctl */
	close(sync[0]);
	make_private();
	procfs_prepare(cfg, true, true);
}

static const char *
clone_hint(int err)
{
	switch (err) {
	case EPERM:
		return " (creating namespaces needs root, or a user namespace: "
		    "-U)";
	case EINVAL:
	case ENOSPC:
	case EUSERS:
		return " (the kernel lacks or limits PID, mount or user "
		    "namespaces)";
	default:
		return "";
	}
}

/* clone(2) as a fork: no new stack, no tids.  s390 takes the stack first
 * and the flags second. */
static pid_t
raw_clone(unsigned long flags)
{
#if defined(__s390__) || defined(__s390x__)
	return (pid_t)syscall(SYS_clone, 0, flags, 0, 0, 0);
#else
	return (pid_t)syscall(SYS_clone, flags, 0, 0, 0, 0);
#endif
}

/* clone3, not unshare: unshare(CLONE_NEWPID) leaves the caller where it is,
 * and only its first child would be PID 1.  Returns the child's pid in the
 * relay and 0 in the child, which is PID 1 of the new namespace.  clone3
 * (Linux 5.3) also gives a pidfd; where it is missing or refused (seccomp
 * profiles answer ENOSYS or EPERM), plain clone does the same without. */
pid_t
ns_clone(const struct config *cfg, int *pidfd, int *lifeline)
{
	struct clone_args args;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int sync[2], fd = -1;
	uint64_t flags = CLONE_NEWPID | CLONE_NEWNS;
	pid_t pid;

	if (cfg->userns)
		flags |= CLONE_NEWUSER;
	if (pipe2(sync, O_CLOEXEC) < 0)
		die(EXIT_OWN, "pipe: %s", strerror(errno));
	memset(&args, 0, sizeof args);
	args.flags = flags | CLONE_PIDFD;
	args.pidfd = (uintptr_t)&fd;
	args.exit_signal = SIGCHLD;
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0 && (errno == ENOSYS || errno == EPERM)) {
		say(L_DEBUG, "clone3: %s; using clone", strerror(errno));
		fd = -1;
		pid = raw_clone(flags | SIGCHLD);
	}
	if (pid < 0)
		die(EXIT_OWN, "clone into a new PID namespace: %s%s",
		    strerror(errno), clone_hint(errno));
	if (pid == 0) {
		init_side(cfg, sync);
		return 0;
	}
	close(sync[0]);
	if (cfg->userns) {
		write_maps(pid, uid, gid);
		if (write(sync[1], "", 1) != 1)
			die(EXIT_OWN, "pipe: %s", strerror(errno));
	}
	*pidfd = fd;
	*lifeline = sync[1];
	say(L_INFO, "namespace init is pid %d here", (int)pid);
	return pid;
}
