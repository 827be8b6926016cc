/* SPDX-License-Identifier: MIT
 * drain_sock listen PATH FD PROGRAM [ARGS...]: bind a listening unix stream
 * socket at PATH, put it on fd FD (inheritable), exec PROGRAM.
 * drain_sock connect PATH: print "connected" (exit 0) or "refused" (exit 1);
 * any other error: its text, exit 2. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
unix_socket(const char *path, struct sockaddr_un *sa)
{
	int s;

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path) {
		fprintf(stderr, "drain_sock: path too long: %s\n", path);
		exit(2);
	}
	strcpy(sa->sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0) {
		perror("drain_sock: socket");
		exit(2);
	}
	return s;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	int s, fd;

	if (argc == 3 && !strcmp(argv[1], "connect")) {
		s = unix_socket(argv[2], &sa);
		if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0) {
			puts("connected");
			return 0;
		}
		if (errno == ECONNREFUSED) {
			puts("refused");
			return 1;
		}
		printf("connect %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	if (argc < 5 || strcmp(argv[1], "listen")) {
		fprintf(stderr, "usage: drain_sock listen PATH FD PROGRAM [ARGS...]\n"
		    "       drain_sock connect PATH\n");
		return 2;
	}
	fd = atoi(argv[3]);
	s = unix_socket(argv[2], &sa);
	unlink(argv[2]);
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 8) < 0) {
		perror(argv[2]);
		return 2;
	}
	/* dup2 leaves FD_CLOEXEC clear on the copy. */
	if (s != fd) {
		if (dup2(s, fd) < 0) {
			perror("drain_sock: dup2");
			return 2;
		}
		close(s);
	}
	execvp(argv[4], argv + 4);
	fprintf(stderr, "drain_sock: exec %s: %s\n", argv[4], strerror(errno));
	return 127;
}
