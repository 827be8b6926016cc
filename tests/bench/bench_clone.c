/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * The floor for --pidns start-up: the least a launcher must do.
 *   bench_clone PROGRAM [ARGS...]
 * clone(CLONE_NEWPID|CLONE_NEWNS) a child that makes / recursively private,
 * mounts a fresh proc on /proc, execs PROGRAM; wait; exit with its code. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	pid_t pid;
	int st;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_clone PROGRAM [ARGS...]\n");
		return 2;
	}
	/* Raw clone with no stack: fork semantics, new namespaces. */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD,
			     0, 0, 0, 0);
	if (pid == -1) {
		perror("clone");
		return 125;
	}
	if (pid == 0) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1
		    || mount("proc", "/proc", "proc",
			     MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1) {
			perror("mount");
			_exit(125);
		}
		execv(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
