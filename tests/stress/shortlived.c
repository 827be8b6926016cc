/* SPDX-License-Identifier: MIT
 * shortlived USEC CODE [LINGER]: sleep USEC microseconds, exit CODE.  With
 * LINGER, first start a child that outlives it by up to LINGER microseconds,
 * so that the init drains while signals keep coming.  The payload of the
 * exit-while-forwarding race; it handles no signal, so one the init
 * forwards may kill it first (exit 128+N, which the driver accepts). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void
nap(long us)
{
	struct timespec ts;

	ts.tv_sec = us / 1000000;
	ts.tv_nsec = us % 1000000 * 1000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	if (argc != 3 && argc != 4)
		return 2;
	if (argc == 4 && fork() == 0) {
		nap(atol(argv[1]) + atol(argv[3]));
		_exit(0);
	}
	nap(atol(argv[1]));
	_exit(atoi(argv[2]));
}
