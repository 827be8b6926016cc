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

/* Make sure /proc shows pidone's own PID namespace.  own_mntns: pidone
 * already has a mount namespace of its own (it was cloned with one). */
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
	if (cfg->mount_proc == PROC_AUTO && !own_mntns) {
		/* /proc/self names the reader as the mounting namespace sees
		 * it: "1" means this /proc is already ours. */
		n = readlink("/proc/self", buf, sizeof buf);
		if (n == 1 && buf[0] == '1')
			return;
		if (n < 0 && access("/proc", F_OK) < 0) {
			say(L_DEBUG, "no /proc directory: not mounting procfs");
			return;
		}
		say(L_INFO, "/proc shows another PID namespace: mounting a "
		    "fresh one");
	}
	/* Never mount in a namespace shared with the parent, and make the
	 * copy private first: under systemd / is shared, and a proc mounted
	 * on a shared /proc would propagate back to the host.  (A propagation
	 * change ignores source and type; they are named for valgrind.) */
	if (!own_mntns && unshare(CLONE_NEWNS) < 0)
		die(EXIT_OWN, "unshare mount namespace for /proc: %s; /proc "
		    "shows another PID namespace: grant CAP_SYS_ADMIN, mount "
		    "/proc before pidone, or pass --no-mount-proc",
		    strerror(errno));
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		die(EXIT_OWN, "make / private for /proc: %s; pass "
		    "--no-mount-proc to leave /proc alone", strerror(errno));
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

/* The clone's child: wait for its maps, tie its life to the relay's, and
 * give the namespace its own /proc.  It then goes on as the init. */
static void
init_side(const struct config *cfg, int parent, int sync[2])
{
	struct pollfd pfd = { .fd = parent, .events = POLLIN };
	char c;

	if (sync[0] >= 0) {
		close(sync[1]);
		if (read(sync[0], &c, 1) != 1)
			_exit(EXIT_OWN);	/* the relay said why */
		close(sync[0]);
	}
	/* If the relay dies, so does the namespace.  getppid() is 0 here, so
	 * the relay's death before the prctl shows on its pidfd instead. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A group of its own: a signal to the caller's group reaches the
	 * relay, which forwards it; the init would get it a second time. */
	setpgid(0, 0);
	if (parent >= 0) {
		if (poll(&pfd, 1, 0) != 0)
			_exit(EXIT_OWN);
		close(parent);
	}
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

/* clone3, not unshare: unshare(CLONE_NEWPID) leaves the caller where it is,
 * and only its first child would be PID 1.  Returns the child's pid in the
 * relay and 0 in the child, which is PID 1 of the new namespace. */
pid_t
ns_clone(const struct config *cfg, int *pidfd)
{
	struct clone_args args;
	pid_t relay = getpid(), pid;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int sync[2] = { -1, -1 }, parent, fd = -1;
	uint64_t flags = CLONE_NEWPID | CLONE_NEWNS;

	if (cfg->userns) {
		flags |= CLONE_NEWUSER;
		if (pipe2(sync, O_CLOEXEC) < 0)
			die(EXIT_OWN, "pipe: %s", strerror(errno));
	}
	parent = (int)syscall(SYS_pidfd_open, relay, 0);
	memset(&args, 0, sizeof args);
	args.flags = flags | CLONE_PIDFD;
	args.pidfd = (uintptr_t)&fd;
	args.exit_signal = SIGCHLD;
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0 && errno == ENOSYS) {	/* before Linux 5.3 */
		fd = -1;
		pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	}
	if (pid < 0)
		die(EXIT_OWN, "clone into a new PID namespace: %s%s",
		    strerror(errno), clone_hint(errno));
	if (pid == 0) {
		init_side(cfg, parent, sync);
		return 0;
	}
	if (parent >= 0)
		close(parent);
	if (cfg->userns) {
		close(sync[0]);
		write_maps(pid, uid, gid);
		if (write(sync[1], "", 1) != 1)
			die(EXIT_OWN, "pipe: %s", strerror(errno));
		close(sync[1]);
	}
	*pidfd = fd;
	say(L_INFO, "namespace init is pid %d here", (int)pid);
	return pid;
}
