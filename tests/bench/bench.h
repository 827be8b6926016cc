/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * What the bench's C programs share. */
#ifndef BENCH_H
#define BENCH_H

#include <time.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
