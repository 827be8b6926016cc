/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * Wall time of whole commands, interleaved so that drift hits every one
 * alike:  bench_time ROUNDS WARMUP LABEL CMD... [--next LABEL CMD...]...
 * runs A B C, B C A, ..., stdin/stdout/stderr on /dev/null, and prints per
 * command:  LABEL median p10 p90 n failures   (times in microseconds). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAXCMD 16

extern char **environ;

struct cmd {
	char *label;
	char **argv;
	double *us;
	int n, fails;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double
pct(const double *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	return n > 0 ? v[i] : 0;
}

static double
run_once(struct cmd *c, posix_spawn_file_actions_t *fa, int *failed)
{
	long long t0, t1;
	pid_t pid;
	int st, err;

	t0 = now_ns();
	err = posix_spawnp(&pid, c->argv[0], fa, NULL, c->argv, environ);
	if (err != 0) {
		fprintf(stderr, "bench_time: spawn %s: %s\n", c->argv[0],
			strerror(err));
		exit(2);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	t1 = now_ns();
	*failed = !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return (t1 - t0) / 1e3;
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct cmd cmds[MAXCMD];
	int rounds, warmup, ncmd = 0, i, j, r, failed;
	double t;

	if (argc < 5) {
		fprintf(stderr, "usage: bench_time ROUNDS WARMUP LABEL CMD... "
			"[--next LABEL CMD...]...\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	warmup = atoi(argv[2]);
	for (i = 3; i < argc && ncmd < MAXCMD; ) {
		cmds[ncmd].label = argv[i++];
		cmds[ncmd].argv = argv + i;
		while (i < argc && strcmp(argv[i], "--next") != 0)
			i++;
		if (i < argc)
			argv[i++] = NULL;
		cmds[ncmd].us = calloc((size_t)rounds + 1, sizeof(double));
		cmds[ncmd].n = cmds[ncmd].fails = 0;
		if (cmds[ncmd].argv[0] == NULL || cmds[ncmd].us == NULL) {
			fprintf(stderr, "bench_time: empty command\n");
			return 2;
		}
		ncmd++;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* Each round starts one command later (A B C, B C A, C A B, ...), so
	 * that none always runs right after the same other one. */
	for (r = -warmup; r < rounds; r++) {
		for (j = 0; j < ncmd; j++) {
			i = (j + (r < 0 ? 0 : r)) % ncmd;
			t = run_once(&cmds[i], &fa, &failed);
			if (r < 0)
				continue;
			if (failed)
				cmds[i].fails++;
			cmds[i].us[cmds[i].n++] = t;
		}
	}
	for (i = 0; i < ncmd; i++) {
		qsort(cmds[i].us, (size_t)cmds[i].n, sizeof(double),
		      cmp_double);
		printf("%s %.1f %.1f %.1f %d %d\n", cmds[i].label,
		       pct(cmds[i].us, cmds[i].n, 0.5),
		       pct(cmds[i].us, cmds[i].n, 0.1),
		       pct(cmds[i].us, cmds[i].n, 0.9), cmds[i].n,
		       cmds[i].fails);
	}
	return 0;
}
