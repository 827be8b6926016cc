/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * main: the config (config.c), the mode choice, and the event loop that
 * dispatches what the one wait returns. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "pidone.h"

/* pidone as the init of the PID namespace it was started in: child subreaper
 * when not PID 1, its own procfs when PID 1 sees someone else's. */
static void
become_init(struct state *st)
{
	const struct config *cfg = st->cfg;
	bool pid1 = st->self == 1;

	if ((!pid1 || cfg->subreaper) &&
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		say(L_WARNING, "prctl PR_SET_CHILD_SUBREAPER: %s; orphans "
		    "will not be reaped here", strerror(errno));
	else if (!pid1)
		say(L_INFO, "not PID 1 (pid %d): registered as child subreaper",
		    (int)st->self);
	procfs_prepare(cfg, pid1, false);
}

static void
dispatch(struct state *st, const siginfo_t *si)
{
	switch (si->si_signo) {
	case SIGCONT:
		if (!tty_cont(st, si))
			signals_forward(st, si);
		break;
	case SIGIO:
		if (!tty_message(st, si))
			signals_forward(st, si);
		break;
	case 0:		/* a drain deadline or re-check is due */
		drain_tick(st);
		break;
	case SIGCHLD:
		reap(st);
		break;
	case SIGINT:
	case SIGQUIT:
	case SIGTERM:
		/* Draining, everybody already got a SIGTERM (and a pod's infra
		 * sends everyone one more); a second Ctrl-C or a Ctrl-\ means
		 * hurry. */
		if (st->phase != RUNNING) {
			if (si->si_signo != SIGTERM)
				drain_kill(st);
			break;
		}
		if (st->cfg->pause && !st->relay && si->si_signo != SIGQUIT) {
			/* As if a payload had exited 0; the reap tells the
			 * drain whether any child is left. */
			st->status = 0;
			reap(st);
			drain_start(st);
			break;
		}
		/* FALLTHROUGH */
	default:
		signals_forward(st, si);
	}
}

#ifdef PIDONE_FUZZ	/* tests/fuzz links this file and brings its own main */
#define main pidone_main
int main(int argc, char **argv);
#endif

int
main(int argc, char **argv)
{
	struct config cfg;
	struct state st;
	siginfo_t si;
	int r;

	if ((r = config_parse(&cfg, argc, argv)) != 0)
		return r < 0 ? cfg.usage_status : 0;
	memset(&st, 0, sizeof st);
	st.cfg = &cfg;
	st.status = -1;
	st.pidfd = -1;
	st.lifeline = -1;
	/* Signals stay pending from here on: nothing sent before the payload
	 * exists, nor its own early SIGCHLD, can be lost. */
	signals_block(&st);
	st.self = gettid();	/* == getpid() in the only thread, no syscall */
	st.listen_pid = st.self; /* whom socket activation addressed */
	if (cfg.pdeathsig && prctl(PR_SET_PDEATHSIG, cfg.pdeathsig) < 0)
		say(L_WARNING, "prctl PR_SET_PDEATHSIG: %s", strerror(errno));
	tty_probe(&st);

	if (cfg.pidns &&
	    (st.payload = ns_clone(&cfg, &st.pidfd, &st.lifeline)) > 0) {
		st.relay = true;	/* the init runs in the namespace */
		tty_channel(&st, true);
	} else {
		if (cfg.pidns) {
			st.self = 1;	/* the clone's child, PID 1 there */
			tty_channel(&st, false);
		} else {
			become_init(&st);
		}
		if (!cfg.pause)
			st.payload = spawn_payload(&st);
	}

	/* From here on pidone must not die: the payload exists, and an init
	 * that quits leaves it unreaped or, as PID 1, takes it down. */
	settle(&st);
	while (st.phase != DONE)
		if (signals_wait(&st, &si) >= 0)
			dispatch(&st, &si);
	tty_exit(&st);
	return st.status;
}
