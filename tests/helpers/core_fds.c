/* SPDX-License-Identifier: MIT
 * Test payload: prints "FD TARGET" for every open file descriptor (the one
 * it reads /proc/self/fd through excepted), in ascending order. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(void)
{
	char path[64], target[PATH_MAX];
	struct dirent *e;
	DIR *d;
	ssize_t n;
	int fd, self, max = -1, seen[1024] = { 0 };

	d = opendir("/proc/self/fd");
	if (!d) {
		perror("core_fds: /proc/self/fd");
		return 1;
	}
	self = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == self)
			continue;
		if (fd < 0 || fd >= 1024) {
			printf("%d ?\n", fd);
			continue;
		}
		seen[fd] = 1;
		if (fd > max)
			max = fd;
	}
	for (fd = 0; fd <= max; fd++) {
		if (!seen[fd])
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		printf("%d %s\n", fd, target);
	}
	closedir(d);
	return 0;
}
