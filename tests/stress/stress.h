/* SPDX-License-Identifier: MIT
 * What the flood's payload and sender share: the signals they exchange and
 * the page (a file both map) through which the payload counts receipts. */
#ifndef STRESS_H
#define STRESS_H

#include <signal.h>
#include <stdint.h>

/* Every kind the flood sends.  All are caught by the payload, none kills it;
 * 40 is a real-time signal (queued, not coalesced) above the ones musl and
 * glibc keep for themselves; SIGSEGV stands for the fault signals, which
 * are forwarded when sent with kill().  SIGCHLD, SIGKILL and SIGSTOP are
 * not forwarded, and SIGPIPE and SIGXFSZ are ignored by pidone itself (a
 * write to a closed stderr must not raise them): all are left out. */
static const int kinds[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGSEGV, SIGALRM, SIGTERM,
	SIGCONT, SIGTSTP, SIGWINCH, SIGURG, 40,
};
#define NKINDS	((int)(sizeof(kinds) / sizeof(kinds[0])))

#define SHM_MAGIC	0x70316f6eu

struct shm {
	volatile uint32_t magic;	/* set by the payload once it is ready */
	volatile int32_t pid;		/* the payload's pid in its namespace */
	volatile uint32_t stop;		/* set by the sender: wind down */
	volatile uint32_t forks;	/* children the payload made so far */
	volatile uint32_t count[NKINDS]; /* receipts per kind */
};

#endif
