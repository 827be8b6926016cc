/* SPDX-License-Identifier: MIT
 * flood_payload FILE CODE: the payload of the signal-flood stress case.
 * Counts every signal of stress.h's kinds in the page mapped from FILE (the
 * sender reads it from outside the namespace) while it keeps forking: each
 * round one child that makes one orphan and exits, so the init reaps all the
 * time.  When the sender sets `stop`, it prints its counts and exits CODE. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

static struct shm *shm;

static void
on_signal(int sig)
{
	int i;

	for (i = 0; i < NKINDS; i++)
		if (kinds[i] == sig)
			__atomic_fetch_add(&shm->count[i], 1, __ATOMIC_SEQ_CST);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	int fd, i, code, st;
	pid_t p;

	if (argc != 3) {
		fprintf(stderr, "usage: flood_payload FILE CODE\n");
		return 2;
	}
	code = atoi(argv[2]);
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, sizeof(*shm)) < 0) {
		perror("flood_payload: open");
		return 2;
	}
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (shm == MAP_FAILED) {
		perror("flood_payload: mmap");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < NKINDS; i++)
		if (sigaction(kinds[i], &sa, NULL) < 0) {
			perror("flood_payload: sigaction");
			return 2;
		}
	shm->pid = getpid();
	__atomic_store_n(&shm->magic, SHM_MAGIC, __ATOMIC_SEQ_CST);

	while (!__atomic_load_n(&shm->stop, __ATOMIC_SEQ_CST)) {
		p = fork();
		if (p == 0) {
			if (fork() == 0)
				_exit(0);
			_exit(0);
		}
		if (p < 0)
			continue;	/* EAGAIN under load: try again */
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
		__atomic_fetch_add(&shm->forks, 1, __ATOMIC_SEQ_CST);
	}
	printf("payload: forks=%u", shm->forks);
	for (i = 0; i < NKINDS; i++)
		printf(" %d:%u", kinds[i], shm->count[i]);
	printf("\n");
	fflush(stdout);
	return code;
}
