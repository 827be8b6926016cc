/* SPDX-License-Identifier: MIT
 * flood_send INIT FILE COUNT: the sender of the signal-flood stress case,
 * run outside the namespace.  INIT is the init's pid as seen here, FILE the
 * page flood_payload maps.
 *
 * Protocol (coalescing is allowed, losing the last signal of a kind is not):
 *  1. wait until the payload is up and forking;
 *  2. burst: COUNT signals to INIT, round robin over the kinds, while the
 *     payload forks;
 *  3. quiesce: wait until no process from INIT to the payload (a --pidns
 *     relay and its namespace's init included) has one of the kinds
 *     pending, each init sleeps, and the payload's counts stay the same over
 *     two polls, so no signal of the burst is still on its way;
 *  4. finals: note each kind's count, send one more signal of every kind
 *     (CONT in a round of its own, see there), and wait until every count
 *     has grown: a receipt after step 3 can only come from a final.
 *  5. set `stop` (on every way out); the payload then exits with its code.
 * Checks: INIT alive throughout; every final arrives; no kind is received
 * more often than it was sent.  Prints one summary line; exit 0 when all
 * hold, 1 otherwise, 2 on a setup error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"

static struct shm *shm;

/* However the sender ends, the payload must wind down, or its init never
 * exits. */
static void
stop_payload(void)
{
	if (shm)
		__atomic_store_n(&shm->stop, 1, __ATOMIC_SEQ_CST);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct pstat {
	char state;
	unsigned long long pending;	/* SigPnd | ShdPnd */
	long nspid;			/* innermost pid */
};

static int
read_status(pid_t pid, struct pstat *ps)
{
	char path[64], line[256], *p;
	FILE *f;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "State:", 6))
			ps->state = line[7];
		else if (!strncmp(line, "SigPnd:", 7) ||
		    !strncmp(line, "ShdPnd:", 7))
			ps->pending |= strtoull(line + 8, NULL, 16);
		else if (!strncmp(line, "NSpid:", 6)) {
			p = strrchr(line, '\t');
			ps->nspid = p ? strtol(p + 1, NULL, 10) : -1;
		}
	}
	fclose(f);
	return 0;
}

static unsigned long long
kinds_mask(void)
{
	unsigned long long m = 0;
	int i;

	for (i = 0; i < NKINDS; i++)
		m |= 1ULL << (kinds[i] - 1);
	return m;
}

/* The children of pid, up to max of them; how many. */
static int
children(pid_t pid, pid_t *out, int max)
{
	char path[64], buf[1 << 16], *p, *end;
	ssize_t n;
	int fd, k = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (p = buf; *p && k < max; p = end) {
		out[k] = strtol(p, &end, 10);
		if (end == p)
			break;
		k++;
	}
	return k;
}

/* The processes from INIT down to the payload, as seen here: the payload is
 * the child (or, behind a --pidns relay, the grandchild) of INIT whose
 * innermost pid is the one it wrote in the page.  Fills chain[0..], returns
 * its length, 0 if not found. */
static int
find_chain(pid_t init, long nspid, pid_t *chain)
{
	static pid_t kids[4096], grandkids[4096];
	struct pstat ps;
	int nk, ng, i, j;

	nk = children(init, kids, 4096);
	for (i = 0; i < nk; i++)
		if (read_status(kids[i], &ps) == 0 && ps.nspid == nspid) {
			chain[0] = init;
			chain[1] = kids[i];
			return 2;
		}
	for (i = 0; i < nk; i++) {
		ng = children(kids[i], grandkids, 4096);
		for (j = 0; j < ng; j++)
			if (read_status(grandkids[j], &ps) == 0 &&
			    ps.nspid == nspid) {
				chain[0] = init;
				chain[1] = kids[i];
				chain[2] = grandkids[j];
				return 3;
			}
	}
	return 0;
}

static int
alive(pid_t pid)
{
	struct pstat ps;

	return kill(pid, 0) == 0 && read_status(pid, &ps) == 0 &&
	    ps.state != 'Z' && ps.state != 'X';
}

int
main(int argc, char **argv)
{
	unsigned long sent[NKINDS] = { 0 }, eagain = 0;
	uint32_t c0[NKINDS], c1[NKINDS];
	unsigned long long mask = kinds_mask();
	long long t0, t_burst, t_quiet, deadline;
	struct pstat pi = { 0 };
	int fd, i, ok = 1, quiet = 0, finals = 0, round;
	long count, k;
	struct shm *m;
	pid_t init, chain[3];
	int nchain = 0, q, j = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: flood_send INIT FILE COUNT\n");
		return 2;
	}
	init = atoi(argv[1]);
	count = atol(argv[3]);
	fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, sizeof(*shm)) < 0) {
		perror("flood_send: open");
		return 2;
	}
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("flood_send: mmap");
		return 2;
	}
	shm = m;
	atexit(stop_payload);

	/* 1 */
	deadline = now_ms() + 10000;
	while (__atomic_load_n(&shm->magic, __ATOMIC_SEQ_CST) != SHM_MAGIC ||
	    __atomic_load_n(&shm->forks, __ATOMIC_SEQ_CST) < 10 ||
	    (nchain = find_chain(init, shm->pid, chain)) == 0) {
		if (now_ms() > deadline || !alive(init)) {
			fprintf(stderr, "flood_send: payload never came up\n");
			return 2;
		}
		pause_ms(5);
	}

	/* 2: RT signals queue; when the queue is full, kill says EAGAIN. */
	t0 = now_ms();
	for (k = 0; k < count; k++) {
		i = k % NKINDS;
		/* Spread the burst over the payload's forks: after every 100
		 * signals, let it finish one more child (waiting at most 1 s). */
		if (k % 100 == 0) {
			uint32_t f = __atomic_load_n(&shm->forks,
			    __ATOMIC_SEQ_CST);

			deadline = now_ms() + 1000;
			while (__atomic_load_n(&shm->forks, __ATOMIC_SEQ_CST)
			    == f && now_ms() < deadline)
				sched_yield();
		}
		while (kill(init, kinds[i]) < 0) {
			if (errno != EAGAIN || eagain > 1000000) {
				fprintf(stderr, "flood_send: kill %d: %s (after "
				    "%ld signals)\n", kinds[i], strerror(errno),
				    k);
				return 1;
			}
			eagain++;
			sched_yield();
		}
		sent[i]++;
	}
	t_burst = now_ms() - t0;
	if (!alive(init)) {
		fprintf(stderr, "flood_send: init died during the burst\n");
		return 1;
	}

	/* 3 */
	t0 = now_ms();
	deadline = t0 + 20000;
	for (i = 0; i < NKINDS; i++)
		c0[i] = __atomic_load_n(&shm->count[i], __ATOMIC_SEQ_CST);
	while (now_ms() < deadline) {
		pause_ms(20);
		for (i = 0; i < NKINDS; i++)
			c1[i] = __atomic_load_n(&shm->count[i],
			    __ATOMIC_SEQ_CST);
		/* Every init on the way sleeps, nobody has a kind pending. */
		q = !memcmp(c0, c1, sizeof(c0));
		for (j = 0; j < nchain; j++) {
			if (read_status(chain[j], &pi) < 0)
				q = 0, pi.state = '?';
			if ((j < nchain - 1 && pi.state != 'S') ||
			    (pi.pending & mask))
				q = 0;
			if (!q)
				break;
		}
		quiet = q ? quiet + 1 : 0;
		memcpy(c0, c1, sizeof(c0));
		if (quiet == 2)
			break;
	}
	t_quiet = now_ms() - t0;
	if (quiet < 2) {
		fprintf(stderr, "flood_send: never quiet after the burst "
		    "(last look: pid %d state %c pending %llx)\n",
		    j < nchain ? (int)chain[j] : -1, pi.state,
		    pi.pending & mask);
		ok = 0;
	}

	/* 4: in two rounds, because generating a stop signal (TSTP) discards
	 * a pending CONT and generating CONT discards a pending TSTP, at the
	 * init and at the payload alike: the kernel's rule, not a loss. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < NKINDS; i++) {
			if ((kinds[i] == SIGCONT) != round)
				continue;
			if (kill(init, kinds[i]) < 0) {
				fprintf(stderr, "flood_send: final kill %d: "
				    "%s\n", kinds[i], strerror(errno));
				return 1;
			}
			sent[i]++;
		}
		deadline = now_ms() + 10000;
		for (;;) {
			finals = 0;
			for (i = 0; i < NKINDS; i++)
				finals += __atomic_load_n(&shm->count[i],
				    __ATOMIC_SEQ_CST) > c0[i];
			if (finals == (round ? NKINDS : NKINDS - 1) ||
			    now_ms() > deadline)
				break;
			pause_ms(1);
		}
	}
	for (i = 0; i < NKINDS; i++) {
		uint32_t got = __atomic_load_n(&shm->count[i], __ATOMIC_SEQ_CST);

		if (got <= c0[i]) {
			fprintf(stderr, "flood_send: final signal %d lost "
			    "(received %u of %lu sent)\n", kinds[i], got,
			    sent[i]);
			ok = 0;
		}
		if (got > sent[i]) {
			fprintf(stderr, "flood_send: signal %d received %u "
			    "times, sent %lu\n", kinds[i], got, sent[i]);
			ok = 0;
		}
	}
	if (!alive(init)) {
		fprintf(stderr, "flood_send: init died\n");
		ok = 0;
	}

	/* 5 */
	printf("flood: sent=%ld burst_ms=%lld eagain=%lu quiesce_ms=%lld "
	    "finals=%d/%d payload_forks=%u received", count + NKINDS, t_burst,
	    eagain, t_quiet, finals, NKINDS, shm->forks);
	for (i = 0; i < NKINDS; i++)
		printf(" %d:%u/%lu", kinds[i], shm->count[i], sent[i]);
	printf("\n");
	fflush(stdout);
	return ok ? 0 : 1;
}
