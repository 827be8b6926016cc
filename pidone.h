/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * What the files share: the one immutable config, the loop's state, and the
 * few functions that cross a file boundary. */
#ifndef PIDONE_H
#define PIDONE_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef VERSION
#define VERSION "0.0.0"
#endif
#ifndef GIT_ID
#define GIT_ID "pidone"
#endif

/* pidone's own failures and usage errors (the peers' names use 1). */
#define EXIT_OWN	125
#define EXIT_NOEXEC	126
#define EXIT_NOTFOUND	127

enum level { L_ERROR, L_WARNING, L_INFO, L_DEBUG, L_TRACE };

enum mount_proc { PROC_AUTO, PROC_FORCE, PROC_NEVER };

/* Everything argv, the environment and the personality decide.  Filled once
 * by config_parse() and never written again. */
struct config {
	char **argv;		/* the payload; NULL in pause mode */
	bool pause;
	bool subreaper;
	bool pgroup;		/* signal the payload's process group */
	bool setsid;		/* payload is a session leader */
	bool warn_reap;
	bool term_group_on_exit; /* dumb-init: TERM to the group, then exit */
	bool stop_after_tty;	/* stop pidone after forwarding TSTP/TTIN/TTOU */
	bool pidns;
	bool userns;
	enum mount_proc mount_proc;
	int usage_status;	/* exit status of a usage error */
	int exec_status;	/* exit status when exec fails; 0: 126/127 */
	int pdeathsig;
	long grace_ms;
	unsigned char rewrite[NSIG]; /* signal -> signal to send, 0 = drop */
	unsigned char remap[256 / 8]; /* exit codes reported as 0 */
	bool reraise;		/* die of the payload's signal (pidone's name) */
};

/* What the event loop owns.  A relay (--pidns outside) runs the same loop
 * with the namespace's init as its payload. */
struct state {
	const struct config *cfg;
	sigset_t orig_mask;	/* the mask pidone was started with */
	sigset_t blocked;	/* what it blocks and waits for */
	sigset_t ignored;	/* of SIGCHLD, SIGPIPE, SIGXFSZ: SIG_IGN at start */
	int sigfd;		/* the signalfd, when rt_sigtimedwait is refused */
	bool wait_failed;	/* the wait failed once: reported, now polling */
	pid_t self;
	pid_t listen_pid;	/* LISTEN_PID naming this means the payload */
	pid_t payload;		/* 0 before spawn and once reaped */
	int pidfd;		/* of the payload, when the kernel gave one */
	int lifeline;		/* relay: the pipe end whose closing ends the init */
	pid_t pgid;		/* the payload's process group */
	int status;		/* exit code once the payload is gone, else -1 */
	bool children;		/* the last reap saw children left */
	bool relay;
	enum { RUNNING, DRAIN_TERM, DRAIN_KILL, DONE } phase;
	long long deadline_ns;	/* CLOCK_MONOTONIC: the grace's end */
	long long wake_ns;	/* when the wait must return; 0: never */
	long recheck_ms;	/* the drain's interval to look for non-children */
	/* The terminal, decided by tty_probe before any clone. */
	bool tty_fg;		/* pidone's group owned the terminal */
	bool tty_pgroup;	/* setsid mode, but a process group: pidone
				 * does not lead the terminal's session */
	int ctl, ctl_peer;	/* relay <-> init channel (--pidns), or -1 */
	int termsig;		/* the signal that killed the payload, or 0 */
};

extern int log_level;

#if defined(__GNUC__)
#define PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define NORETURN	__attribute__((noreturn))
#else
#define PRINTF(a, b)
#define NORETURN
#endif

/* config.c */
int config_parse(struct config *cfg, int argc, char **argv);
int parse_num(const char *s, long max, long *out);

/* msg.c */
size_t fmt(char *buf, size_t size, const char *f, ...) PRINTF(3, 4);
bool put(int fd, const char *s, size_t n);
bool hush(void);
void vsay(enum level lvl, const char *f, va_list ap);
void say(enum level lvl, const char *fmt, ...) PRINTF(2, 3);
NORETURN void die(int status, const char *fmt, ...) PRINTF(2, 3);

/* signals.c */
void signals_block(struct state *st);
void signals_restore(const struct state *st);
void signals_raise_dfl(int sig);
void signals_setmask(const sigset_t *set, sigset_t *old);
int signals_wait(struct state *st, siginfo_t *si);
void signals_forward(struct state *st, const siginfo_t *si);
int sig_parse(const char *s);
long long now_ns(void);
const char *sig_name(int sig);

/* spawn.c */
pid_t spawn_payload(struct state *st);
void settle(const struct state *st);

/* reaper.c */
void reap(struct state *st);
void drain_start(struct state *st);
void drain_kill(struct state *st);
void drain_tick(struct state *st);
int exit_code(const struct config *cfg, int wstatus);

/* tty.c */
void tty_probe(struct state *st);
void tty_channel(struct state *st, bool relay);
void tty_stopped(struct state *st, int sig);
bool tty_cont(struct state *st, const siginfo_t *si);
bool tty_message(struct state *st, const siginfo_t *si);
void tty_reclaim(pid_t pgid);
void tty_exit(struct state *st);

/* ns.c */
void procfs_prepare(const struct config *cfg, bool pid1, bool own_mntns);
pid_t ns_clone(const struct config *cfg, int *pidfd, int *lifeline);

#endif
