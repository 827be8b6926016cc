/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * Payloads that tests/bench/run puts under each init, one mode per scenario:
 *   pause FILE        create FILE, then sleep until killed
 *   reap N BATCH      hand N zombies to the init, BATCH at a time; measure
 *   sig               ack every SIGUSR1 on fd 3; exit 42 on SIGTERM
 *   shutdown FILE MS  leave a child that needs MS ms of cleanup after TERM */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static void
sleep_ns(long long ns)
{
	struct timespec ts = { ns / 1000000000LL, ns % 1000000000LL };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static int
mode_pause(const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd == -1) {
		perror(file);
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}

/* CPU time the init has used so far, in ns (first field of schedstat). */
static long long
init_cpu_ns(pid_t init)
{
	char path[64], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* One batch: an intermediate process forks `batch` children that exit at
 * once, waits (without reaping) until every one is a zombie, records the
 * time, and exits: the kernel then re-parents all of them to the init in
 * one go.  Their pids land in pids[], the hand-over time in *handover. */
static int
hand_over(pid_t *pids, int batch, volatile long long *handover)
{
	siginfo_t si;
	pid_t mid, p;
	int i, st;

	mid = fork();
	if (mid == -1)
		return -1;
	if (mid == 0) {
		/* vfork: a plain fork costs ~10x more here, and these
		 * children only exit. */
		for (i = 0; i < batch; i++) {
			p = vfork();
			if (p == 0)
				_exit(0);
			if (p == -1)
				_exit(1);
			pids[i] = p;
		}
		for (i = 0; i < batch; i++)
			while (waitid(P_PID, pids[i], &si, WEXITED | WNOWAIT)
			       == -1 && errno == EINTR)
				;
		*handover = now_ns();
		_exit(0);
	}
	while (waitpid(mid, &st, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Zombies still waiting among pids[*first..end): a reaped one is gone
 * (ESRCH); a zombie still answers kill(pid, 0).  Advances *first past the
 * leading reaped ones so that later scans stay short. */
static int
outstanding(const pid_t *pids, int *first, int end)
{
	int i, n = 0;

	while (*first < end && kill(pids[*first], 0) == -1 && errno == ESRCH)
		(*first)++;
	for (i = *first; i < end; i++)
		if (kill(pids[i], 0) == 0)
			n++;
	return n;
}

static int
mode_reap(int n, int batch)
{
	volatile long long *shared;
	long long t_first = 0, t_last = 0, t_done, cpu0, cpu1, deadline;
	pid_t init = getppid(), *pids;
	int done, first = 0, peak = 0, left, k;

	if (init != 1) {
		printf("error=no-init\n");
		return 1;
	}
	/* One shared page area: the pids, then the hand-over time. */
	shared = mmap(NULL, (size_t)n * sizeof(pid_t) + 64,
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	pids = (pid_t *)((char *)shared + 64);
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	cpu0 = init_cpu_ns(init);
	for (done = 0; done < n; done += k) {
		k = n - done < batch ? n - done : batch;
		if (hand_over(pids + done, k, shared) == -1) {
			printf("error=fork-failed-at-%d\n", done);
			return 1;
		}
		t_last = *shared;
		if (done == 0)
			t_first = t_last;
		left = outstanding(pids, &first, done + k);
		if (left > peak)
			peak = left;
	}
	deadline = now_ns() + 30 * 1000000000LL;
	while ((left = outstanding(pids, &first, n)) > 0 && now_ns() < deadline)
		sleep_ns(50000);
	t_done = now_ns();
	cpu1 = init_cpu_ns(init);
	printf("n=%d batch=%d reap_ms=%.3f lag_ms=%.3f peak=%d cpu_ns=%lld "
	       "left=%d\n", n, batch, (t_done - t_first) / 1e6,
	       (t_done - t_last) / 1e6, peak,
	       cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0, left);
	return left == 0 ? 0 : 1;
}

static int
mode_sig(void)
{
	char buf[64];
	unsigned long count = 0;
	sigset_t all;
	int sig, len;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	write_all(3, "R", 1);
	for (;;) {
		sig = sigwaitinfo(&all, NULL);
		if (sig == -1)
			continue;
		count++;
		if (sig == SIGUSR1) {
			write_all(3, "A", 1);
		} else if (sig == SIGTERM) {
			len = snprintf(buf, sizeof(buf), "\nC%lu\n", count);
			write_all(3, buf, (size_t)len);
			return 42;
		}
	}
}

static volatile sig_atomic_t got_term;

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* A background child like a log shipper: on TERM it notes "TERM", spends
 * `ms` milliseconds flushing, then notes "done".  Which lines the file ends
 * with tells what the init did to it. */
static int
mode_shutdown(const char *file, int ms)
{
	struct sigaction sa;
	int ready[2], fd;
	char c;
	pid_t p;

	if (pipe(ready) == -1)
		return 1;
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		  0644);
	if (fd == -1) {
		perror(file);
		return 1;
	}
	p = fork();
	if (p == -1)
		return 1;
	if (p == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		close(ready[0]);
		write_all(ready[1], "R", 1);
		close(ready[1]);
		while (!got_term)
			pause();
		write_all(fd, "TERM\n", 5);
		sleep_ns(ms * 1000000LL);
		write_all(fd, "done\n", 5);
		_exit(0);
	}
	close(ready[1]);
	while (read(ready[0], &c, 1) == -1 && errno == EINTR)
		;
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "pause") == 0)
		return mode_pause(argv[2]);
	if (argc == 4 && strcmp(argv[1], "reap") == 0)
		return mode_reap(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2 && strcmp(argv[1], "sig") == 0)
		return mode_sig();
	if (argc == 4 && strcmp(argv[1], "shutdown") == 0)
		return mode_shutdown(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: bench_payload pause FILE | reap N BATCH | "
		"sig | shutdown FILE MS\n");
	return 2;
}
