/* SPDX-License-Identifier: MIT
 * suid_hold SECONDS: installed setuid root by a test, it becomes root
 * through and through (real, effective and saved ids), as sudo and su do,
 * so that the unprivileged init above it may not signal it; it says
 * "ready" and lives SECONDS (a bound, so that it ends on its own). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	if (argc != 2 || setresuid(0, 0, 0) != 0) {
		fprintf(stderr, "suid_hold: usage: suid_hold SECONDS (setuid "
		    "root)\n");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[1]));
	return 0;
}
