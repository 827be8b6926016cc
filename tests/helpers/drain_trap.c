/* SPDX-License-Identifier: MIT
 * drain_trap FILE stay|exit [MS]: a leftover process for the drain tests.
 * Appends "ready PID" to FILE, then one line per TERM, INT or CONT it gets.
 * "exit": on TERM, spend MS milliseconds cleaning up, append "done", exit 0.
 * "stay": record the TERM and keep running; only SIGKILL ends it. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fd;

static void
put(const char *line)
{
	/* One write per line with O_APPEND: the test may read at any time. */
	if (write(fd, line, strlen(line)) < 0)
		_exit(3);
}

int
main(int argc, char **argv)
{
	sigset_t set;
	struct timespec ts;
	char buf[64];
	long ms;
	int sig, stay;

	if (argc < 3 || (strcmp(argv[2], "stay") && strcmp(argv[2], "exit"))) {
		fprintf(stderr, "usage: drain_trap FILE stay|exit [MS]\n");
		return 2;
	}
	stay = !strcmp(argv[2], "stay");
	ms = argc > 3 ? atol(argv[3]) : 0;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	/* Back to defaults first (a shell may start us with TERM ignored, and
	 * an ignored signal is dropped unseen once unblocked).  Then blocked
	 * and taken with sigwaitinfo: a TERM that arrives while the process is
	 * stopped stays pending until a SIGCONT wakes it. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCONT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	snprintf(buf, sizeof buf, "ready %ld\n", (long)getpid());
	put(buf);
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig == SIGCONT)
			put("CONT\n");
		else if (sig == SIGINT)
			put("INT\n");
		else if (sig == SIGTERM) {
			put("TERM\n");
			if (stay)
				continue;
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = ms % 1000 * 1000000L;
			while (nanosleep(&ts, &ts) < 0)
				;
			put("done\n");
			return 0;
		}
	}
}
