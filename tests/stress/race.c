/* SPDX-License-Identifier: MIT
 * race INIT PAYLOAD N: the payload exits while signals are being forwarded.
 * N times: start `INIT [OPTS] -- PAYLOAD USEC CODE [LINGER]` (USEC random
 * below 3 ms, CODE random; in half the runs the payload leaves a child that
 * lives up to 3 ms longer, so the init drains while signals come; OPTS cycle
 * through none, -g, --setsid, -t 0.2 and --pidns, the last a relay in front
 * of a namespace's init), alternately as a plain subreaper and as PID 1 of a
 * nested PID namespace, and, once it has blocked its signals, send it random
 * signals at random short intervals until it exits.  Each run must end with
 * CODE, or 128+S for a signal S we sent (the payload handles none), within
 * 10 s, and print nothing on stderr.
 *
 * Run it only as PID 1 of a PID namespace made for it (tests/stress/run
 * does): a broken init that signals -1 or its group then hits nothing else.
 * RACE_SEED=N repeats a run.  Exit 0 when every run passed, 1 otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const int sigs[] = {
	SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM,
};
#define NSIGS	((int)(sizeof(sigs) / sizeof(sigs[0])))

static unsigned long long rng;

static unsigned long
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned long)(rng >> 11);
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void
pause_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static pid_t
start(int nested, int errfd, char **argv)
{
	pid_t pid;
	int null;

	if (nested)
		pid = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	else
		pid = fork();
	if (pid != 0)
		return pid;
	/* Own group: a stray kill(0, ...) by the init stays in it. */
	setpgid(0, 0);
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(errfd, 2);
	execv(argv[0], argv);
	_exit(99);
}

/* Whether pid runs the init (not our fork before exec, whose C library may
 * block every signal for a moment) and has blocked SIGTERM: before that, a
 * signal hits a process that has not set anything up, init or not. */
static int
blocked(pid_t pid, const char *init)
{
	char path[64], line[128], name[16];
	const char *base = strrchr(init, '/');
	unsigned long long m = 0;
	int named = 0;
	FILE *f;

	snprintf(name, sizeof(name), "%s", base ? base + 1 : init);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "Name:\t", 6))
			named = !strcmp(line + 6, name);
		else if (!strncmp(line, "SigBlk:", 7))
			m = strtoull(line + 8, NULL, 16);
	}
	fclose(f);
	return named && ((m >> (SIGTERM - 1)) & 1);
}

/* What a hung init is doing, for the report: a few lines of its status,
 * where it sleeps, and its children's states. */
static void
describe(pid_t pid, char *buf, size_t size)
{
	char path[64], line[256], kids[256] = "";
	size_t n = strlen(buf);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "State:", 6) ||
			    !strncmp(line, "ShdPnd:", 7) ||
			    !strncmp(line, "SigBlk:", 7))
				n += snprintf(buf + n, n < size ? size - n : 0,
				    " %.*s;", (int)strcspn(line, "\n"), line);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	if ((f = fopen(path, "re"))) {
		if (fgets(line, sizeof(line), f))
			n += snprintf(buf + n, n < size ? size - n : 0,
			    " wchan %s;", line);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	if ((f = fopen(path, "re"))) {
		if (!fgets(kids, sizeof(kids), f))
			kids[0] = '\0';
		fclose(f);
	}
	if (n < size)
		snprintf(buf + n, size - n, " children: %s", *kids ? kids :
		    "none");
}

/* Append what is readable on fd to buf (bounded), waiting up to ms. */
static void
slurp(int fd, char *buf, size_t size, size_t *len, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char tmp[512];
	ssize_t n;

	while (poll(&p, 1, ms) > 0) {
		n = read(fd, tmp, sizeof(tmp));
		if (n <= 0)
			return;
		if (*len + n >= size)
			n = size - 1 - *len;
		memcpy(buf + *len, tmp, n);
		*len += n;
		buf[*len] = '\0';
	}
}

int
main(int argc, char **argv)
{
	char us[24], code[8], linger[24], err[4096], *cmd[10];
	const char *opts;
	long n, i, fails = 0, sent_total = 0, killed = 0;
	int p[2], st, c, nested, s, sent, r, ready, k;
	unsigned long long seed;
	unsigned long sentmask;
	long long deadline, t0 = now_us();
	size_t len;
	pid_t pid;

	if (argc != 4 || (n = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: race INIT PAYLOAD N\n");
		return 2;
	}
	seed = getenv("RACE_SEED") ? strtoull(getenv("RACE_SEED"), NULL, 10) :
	    (unsigned long long)now_us();
	rng = seed | 1;
	for (i = 0; i < n; i++) {
		nested = i & 1;
		c = rnd() % 100;
		snprintf(us, sizeof(us), "%lu", rnd() % 3000);
		snprintf(code, sizeof(code), "%d", c);
		snprintf(linger, sizeof(linger), "%lu", rnd() % 3000);
		k = 0;
		cmd[k++] = argv[1];
		switch (i / 2 % 5) {
		case 1: cmd[k++] = "-g"; break;
		case 2: cmd[k++] = "--setsid"; break;
		case 3: cmd[k++] = "-t"; cmd[k++] = "0.2"; break;
		case 4: cmd[k++] = "--pidns"; break;
		}
		opts = k > 1 ? cmd[1] : "";
		cmd[k++] = "--";
		cmd[k++] = argv[2];
		cmd[k++] = us;
		cmd[k++] = code;
		if (i / 8 % 2)
			cmd[k++] = linger;
		cmd[k] = NULL;
		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("race: pipe");
			return 2;
		}
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		pid = start(nested, p[1], cmd);
		close(p[1]);
		if (pid < 0) {
			perror("race: fork");
			return 2;
		}
		len = 0;
		err[0] = '\0';
		sent = 0;
		sentmask = 0;
		ready = 0;
		deadline = now_us() + 10000000;
		while ((r = waitpid(pid, &st, WNOHANG)) == 0) {
			slurp(p[0], err, sizeof(err), &len, 0);
			if (now_us() > deadline) {
				snprintf(err + len, sizeof(err) - len,
				    "(hung: killed after 10 s;");
				describe(pid, err, sizeof(err));
				strncat(err, ")", sizeof(err) - strlen(err) - 1);
				len = strlen(err);
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				break;
			}
			if (!ready) {
				ready = blocked(pid, argv[1]);
				continue;
			}
			pause_us(rnd() % 400);
			s = sigs[rnd() % NSIGS];
			if (kill(pid, s) == 0) {
				sentmask |= 1UL << s;
				sent++;
			}
		}
		slurp(p[0], err, sizeof(err), &len, 1000);
		close(p[0]);
		sent_total += sent;
		/* Anything the nested init's namespace left behind. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		r = 0;
		if (WIFEXITED(st) && WEXITSTATUS(st) == c)
			r = 1;
		else if (WIFEXITED(st) && WEXITSTATUS(st) > 128 &&
		    WEXITSTATUS(st) - 128 < 64 &&
		    (sentmask & (1UL << (WEXITSTATUS(st) - 128)))) {
			r = 1;
			killed++;
		} else if (!nested && WIFSIGNALED(st) &&
		    (sentmask & (1UL << WTERMSIG(st)))) {
			/* Not PID 1, pidone dies of the payload's signal. */
			r = 1;
			killed++;
		}
		if (!r || len) {
			if (++fails <= 5)
				fprintf(stderr, "race: run %ld (%s%s%s, payload "
				    "%s us, code %d, %s, %d signals): %s %d; "
				    "stderr: %s\n", i, nested ? "pid 1" :
				    "subreaper", *opts ? " " : "", opts, us, c,
				    i / 8 % 2 ? "a child left" : "alone", sent, WIFEXITED(st) ? "exit" :
				    "killed by signal", WIFEXITED(st) ?
				    WEXITSTATUS(st) : WTERMSIG(st),
				    len ? err : "(empty)");
		}
	}
	printf("race: runs=%ld failed=%ld signals=%ld payload_killed=%ld "
	    "ms=%lld seed=%llu\n", n, fails, sent_total, killed,
	    (now_us() - t0) / 1000, seed);
	fflush(stdout);
	return fails ? 1 : 0;
}
