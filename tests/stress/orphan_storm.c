/* SPDX-License-Identifier: MIT
 * orphan_storm N: the payload of the orphan stress case.  Makes N orphans as
 * fast as it can, then waits (bounded) until the init has reaped them all and
 * prints one line:
 *   made=N eagain=E zombies=Z children=C init_hwm_kb=H init_rss_kb=R ms=T
 * about the init (its parent: PID 1 of the namespace, or a subreaper).
 * Exit 0 when no zombie is left, 1 otherwise, 2 on a usage or setup error. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Orphans made by one short-lived middle process; it exits without waiting,
 * so the kernel hands its children, zombie or not, to the init. */
#define BATCH	50
/* fork() costs up to several ms here under load, clone(CLONE_VM|
 * CLONE_VFORK) a tenth of that: every process shares the payload's memory
 * and runs on a stack of its own while its parent waits for it to exit. */
#define STACK	(64 * 1024)
static char mid_stack[STACK] __attribute__((aligned(16)));
static char orphan_stack[STACK] __attribute__((aligned(16)));
static int batch;

static int
orphan(void *arg)
{
	(void)arg;
	_exit(0);
}

/* Makes `batch` orphans-to-be; its exit status says how many it made. */
static int
mid(void *arg)
{
	int i, ok = 0;

	(void)arg;
	for (i = 0; i < batch; i++)
		ok += clone(orphan, orphan_stack + STACK,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, NULL) > 0;
	_exit(ok);
}
/* pid_max may be as low as 32768 and shared with the rest of the machine:
 * stop making orphans while the init has this many unreaped children. */
#define MAX_OUTSTANDING	4096

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Children of the init, zombies included (they stay on the list until
 * reaped).  -1 when the kernel lacks /proc/PID/task/TID/children. */
static int
init_children(pid_t init)
{
	static char buf[1 << 16];
	char path[64];
	ssize_t n, i;
	int fd, count = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", init, init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			count += buf[i] == ' ';
	close(fd);
	return count;
}

/* Zombies anywhere in this /proc (the namespace's own, under pidone). */
static int
zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], buf[512], *p;
	int fd, count = 0;
	ssize_t n;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			count++;
	}
	closedir(d);
	return count;
}

/* A "Vm...:" value of PID's status in KiB, -1 if absent. */
static long
status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t len = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	long n, made = 0, eagain = 0;
	long long start, deadline;
	pid_t init = getppid(), m;
	int st, z, c, want;

	if (argc != 2 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: orphan_storm N\n");
		return 2;
	}
	if (init_children(init) < 0) {
		fprintf(stderr, "orphan_storm: no /proc/PID/task/TID/children\n");
		return 2;
	}
	start = now_ms();
	deadline = start + 600000;
	while (made < n) {
		/* Back-pressure only if the init falls behind; bounded. */
		while (init_children(init) > MAX_OUTSTANDING) {
			if (now_ms() > deadline) {
				fprintf(stderr, "orphan_storm: init stopped reaping\n");
				return 1;
			}
			sched_yield();
		}
		want = n - made < BATCH ? (int)(n - made) : BATCH;
		batch = want;
		m = clone(mid, mid_stack + STACK, CLONE_VM | CLONE_VFORK |
		    SIGCHLD, NULL);
		if (m < 0) {
			if (errno != EAGAIN) {
				perror("orphan_storm: clone");
				return 2;
			}
			eagain++;
			pause_ms(1);
			continue;
		}
		while (waitpid(m, &st, 0) < 0)
			if (errno != EINTR) {
				perror("orphan_storm: waitpid");
				return 2;
			}
		if (WIFEXITED(st))
			made += WEXITSTATUS(st);
		if (!WIFEXITED(st) || WEXITSTATUS(st) < want) {
			eagain++;
			pause_ms(1);
		}
	}
	/* Every orphan exits at once; give the init 30 s to reap the rest. */
	deadline = now_ms() + 30000;
	while ((z = zombies()) != 0 && now_ms() < deadline)
		pause_ms(10);
	c = init_children(init);
	printf("made=%ld eagain=%ld zombies=%d children=%d init_hwm_kb=%ld "
	    "init_rss_kb=%ld ms=%lld\n", made, eagain, z, c,
	    status_kb(init, "VmHWM"), status_kb(init, "VmRSS"),
	    now_ms() - start);
	fflush(stdout);
	return z == 0 ? 0 : 1;
}
