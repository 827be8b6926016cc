/* SPDX-License-Identifier: MIT
 * Test payload: `core_exit CODE` exits with CODE (0..255); static, so a
 * loop over all codes costs less than a shell per code. */
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	char *end;
	long code;

	if (argc != 2) {
		fprintf(stderr, "usage: core_exit CODE\n");
		return 2;
	}
	code = strtol(argv[1], &end, 10);
	if (*end || end == argv[1] || code < 0 || code > 255) {
		fprintf(stderr, "core_exit: bad code: %s\n", argv[1]);
		return 2;
	}
	return (int)code;
}
