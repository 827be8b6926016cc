/* SPDX-License-Identifier: MIT
 * Test harness: `core_guard [-l] SECS -- CMD [ARGS...]` runs CMD with a hard
 * deadline, as a child subreaper that reaps nobody but CMD while CMD runs.
 *
 * - Orphans that the init under test fails to take (it is not a subreaper)
 *   land here and stay zombies while CMD runs, where a test can see them.
 * - When CMD exits, whatever is left below us is reported on stderr, killed
 *   and reaped, so a failed case leaves nothing behind.  With -l we first
 *   linger until the rest exits on its own (or the deadline passes): for
 *   tests that kill CMD on purpose and watch its children carry on.
 * - After SECS seconds CMD and everything below it is killed; exit 124.
 * Exit status: CMD's exit code, 128+N if signal N killed it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for SIGCHLD until the deadline; 0 on timeout. */
static int
wait_chld(const sigset_t *set, long long deadline)
{
	struct timespec ts;
	long long left;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		if (sigtimedwait(set, NULL, &ts) == SIGCHLD)
			return 1;
		if (errno == EAGAIN)
			return 0;
	}
}

static int
proc_state(pid_t pid, char *comm, size_t len)
{
	char path[64], buf[512], *o, *c;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	o = strchr(buf, '(');
	c = strrchr(buf, ')');
	if (!o || !c || c[1] != ' ')
		return 0;
	*c = '\0';
	snprintf(comm, len, "%s", o + 1);
	return (unsigned char)c[2];
}

/* Kill every live child (orphans re-parent to us, so this reaches the
 * whole tree in a few rounds); report each one once.  Returns how many
 * live children were found. */
static int
kill_children(int report)
{
	char path[64], comm[64];
	FILE *f;
	int pid, found = 0, state;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
	    (int)getpid());
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fscanf(f, "%d", &pid) == 1) {
		state = proc_state(pid, comm, sizeof(comm));
		if (state == 'Z' || state == 0)
			continue;
		found++;
		if (report)
			fprintf(stderr, "core_guard: leftover process %d (%s)"
			    " killed\n", pid, comm);
		kill(pid, SIGKILL);
	}
	fclose(f);
	return found;
}

static int
reap_all(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		;
	return pid < 0 && errno == ECHILD;
}

static int
status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

int
main(int argc, char **argv)
{
	sigset_t set, orig;
	long long deadline;
	int linger = 0, st, code, round;
	long secs;
	char *end;
	pid_t child, pid;

	if (argc > 1 && strcmp(argv[1], "-l") == 0) {
		linger = 1;
		argv++;
		argc--;
	}
	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: core_guard [-l] SECS -- CMD [ARGS...]\n");
		return 125;
	}
	secs = strtol(argv[1], &end, 10);
	if (*end || secs <= 0) {
		fprintf(stderr, "core_guard: bad timeout: %s\n", argv[1]);
		return 125;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0) {
		perror("core_guard: PR_SET_CHILD_SUBREAPER");
		return 125;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &orig);

	child = fork();
	if (child < 0) {
		perror("core_guard: fork");
		return 125;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &orig, NULL);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "core_guard: exec %s: %s\n", argv[3],
		    strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	/* Only CMD is reaped while it runs: zombies of anyone else stay
	 * visible in /proc. */
	deadline = now_ms() + secs * 1000;
	for (;;) {
		pid = waitpid(child, &st, WNOHANG);
		if (pid == child)
			break;
		if (!wait_chld(&set, deadline)) {
			fprintf(stderr, "core_guard: timeout after %ld s: %s\n",
			    secs, argv[3]);
			kill(child, SIGKILL);
			waitpid(child, &st, 0);
			st = -1;
			break;
		}
	}
	code = st == -1 ? 124 : status_code(st);

	if (linger && st != -1)
		while (!reap_all())
			if (!wait_chld(&set, deadline)) {
				fprintf(stderr, "core_guard: timeout after %ld s"
				    " waiting for CMD's descendants\n", secs);
				code = 124;
				break;
			}

	/* Whatever is left: report, kill, reap.  Each round reaches one more
	 * generation (killed parents hand their children to us). */
	for (round = 0; round < 500 && !reap_all(); round++) {
		kill_children(1);
		usleep(10000);
	}
	return code;
}
