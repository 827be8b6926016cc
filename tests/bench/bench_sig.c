/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * Signals sent from outside the namespace to its PID 1.
 *   bench_sig lat COUNT CMD...    COUNT SIGUSR1s, one at a time, each acked
 *                                 by `bench_payload sig` on fd 3; prints one
 *                                 latency (us) per line
 *   bench_sig flood COUNT CMD...  COUNT mixed signals back to back
 * CMD starts the namespace (unshare ... INIT -- bench_payload sig); its
 * child is the target.  Both end with SIGTERM (the payload exits 42) and a
 * line "# alive=A exit=E lost=L received=R". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Read one byte within ms milliseconds: the byte, -1 on timeout, -2 EOF. */
static int
read_byte(int fd, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	unsigned char c;
	ssize_t n;

	for (;;) {
		n = poll(&pfd, 1, ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		return n == 1 ? c : -2;
	}
}

/* The state letter of /proc/PID/stat, or 0 if the process is gone. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* The (only) child of `parent`, by scanning /proc: /proc/PID/task/TID/
 * children exists only with CONFIG_PROC_CHILDREN. */
static pid_t
child_of(pid_t parent)
{
	char path[300], buf[512], *p;
	struct dirent *d;
	pid_t found = 0;
	ssize_t n;
	DIR *dir;
	int fd;

	dir = opendir("/proc");
	if (dir == NULL)
		return 0;
	while (found == 0 && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && atoi(p + 4) == parent)
			found = atoi(d->d_name);
	}
	closedir(dir);
	return found;
}

static pid_t
start(char **argv, int *rd)
{
	int p[2], null;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	pid = fork();
	if (pid == 0) {
		/* fd 3 is the payload's ack line; dup2 clears CLOEXEC. */
		if (p[1] == 3) {
			fcntl(3, F_SETFD, 0);
		} else {
			dup2(p[1], 3);
		}
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	*rd = p[0];
	return pid;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const int mix[] = { SIGUSR1, SIGUSR2, SIGHUP, SIGINT, SIGQUIT,
		SIGWINCH, SIGCONT, SIGURG, SIGALRM, SIGPIPE, 40, 50 };
	char tail[4096], *c;
	long long *lat, t0, deadline;
	int count, rd, i, b, lost = 0, st, alive, len = 0, flood;
	pid_t pid, target;

	if (argc < 4 || (strcmp(argv[1], "lat") != 0
			 && strcmp(argv[1], "flood") != 0)) {
		fprintf(stderr, "usage: bench_sig lat|flood COUNT CMD...\n");
		return 2;
	}
	flood = strcmp(argv[1], "flood") == 0;
	count = atoi(argv[2]);
	lat = calloc((size_t)count + 1, sizeof(*lat));
	signal(SIGPIPE, SIG_IGN);
	pid = start(argv + 3, &rd);
	if (pid == -1 || lat == NULL || read_byte(rd, 10000) != 'R') {
		fprintf(stderr, "bench_sig: payload not ready\n");
		if (pid > 0)
			kill(pid, SIGKILL);
		return 1;
	}
	target = child_of(pid);
	if (target <= 0) {
		fprintf(stderr, "bench_sig: no child of %d\n", (int)pid);
		kill(pid, SIGKILL);
		return 1;
	}
	if (flood) {
		for (i = 0; i < count; i++)
			kill(target, mix[i % (int)(sizeof(mix) / sizeof(mix[0]))]);
	} else {
		for (i = 0; i < count; i++) {
			t0 = now_ns();
			kill(target, SIGUSR1);
			b = read_byte(rd, 2000);
			if (b != 'A') {
				lost++;
				if (b == -2)
					break;
				continue;
			}
			lat[i - lost] = now_ns() - t0;
		}
	}
	alive = proc_state(target) != 0 && proc_state(target) != 'Z';
	kill(target, SIGTERM);
	/* Drain the acks and the final "C<received>" line until EOF. */
	deadline = now_ns() + 10000000000LL;
	while (now_ns() < deadline && (b = read_byte(rd, 1000)) != -2) {
		if (b < 0)
			continue;
		if (len == (int)sizeof(tail) - 1) {
			memmove(tail, tail + len - 64, 64);
			len = 64;
		}
		tail[len++] = (char)b;
	}
	tail[len] = '\0';
	if (now_ns() >= deadline)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (!flood) {
		qsort(lat, (size_t)(count - lost), sizeof(*lat), cmp_ll);
		for (i = 0; i < count - lost; i++)
			printf("%.1f\n", lat[i] / 1e3);
	}
	c = strrchr(tail, 'C');
	printf("# alive=%d exit=%d lost=%d received=%s\n", alive,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), lost,
	       c ? strtok(c + 1, "\n") : "?");
	return 0;
}
