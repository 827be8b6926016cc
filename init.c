/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * main: argv, the environment and the personality into one config; the mode
 * choice; the event loop that dispatches what the one wait returns. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "pidone.h"

static const char usage_text[] =
"usage: pidone [OPTIONS] [--] PROGRAM [ARGS...]\n"
"       pidone [OPTIONS] -P\n"
"Run PROGRAM as the payload of an init: forward signals to it, reap every\n"
"zombie, drain what is left when it exits, exit with its status.\n"
"\n"
"  -s, --subreaper         register as child subreaper (automatic when not PID 1)\n"
"  -g, --pgroup            forward signals to the payload's process group\n"
"  -c, --single-child      forward signals to the payload only (default)\n"
"      --setsid            payload leads its own session; signal its group\n"
"  -r, --rewrite S:R       forward signal S as R (R=0 drops S); repeatable\n"
"  -p, --pdeathsig SIG     signal pidone gets when its parent dies\n"
"  -e, --remap-exit N      report payload exit code N as 0; repeatable\n"
"  -w, --warn-reap         warn about every reaped process but the payload\n"
"  -t, --grace SECS        drain time before SIGKILL (default 3; 0: none)\n"
"  -n, --pidns             run in a new PID and mount namespace, as its PID 1\n"
"  -U, --userns            with --pidns: new user namespace too (automatic\n"
"                          when not root)\n"
"      --mount-proc        always mount a fresh /proc\n"
"      --no-mount-proc     never mount /proc\n"
"  -P, --pause             no program: reap, exit 0 on SIGINT or SIGTERM\n"
"  -v, --verbose           more output (repeatable)\n"
"  -q, --quiet             errors only\n"
"  -h, --help              this text\n"
"  -V, --version           version\n"
"  -l, -L, --license       license\n"
"\n"
"Environment: PIDONE_GRACE, PIDONE_VERBOSITY, TINI_SUBREAPER,\n"
"TINI_KILL_PROCESS_GROUP, TINI_VERBOSITY, DUMB_INIT_SETSID, DUMB_INIT_DEBUG,\n"
"CATATONIT_DEBUG.\n"
"Exit status: the payload's; 128+N if signal N killed it; 125 pidone's own\n"
"failure; 126 payload not executable; 127 payload not found.\n";

static const char license_text[] =
"MIT License\n"
"\n"
"Copyright (c) 2026 the pidone authors\n"
"\n"
"Permission is hereby granted, free of charge, to any person obtaining a copy\n"
"of this software and associated documentation files (the \"Software\"), to deal\n"
"in the Software without restriction, including without limitation the rights\n"
"to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
"copies of the Software, and to permit persons to whom the Software is\n"
"furnished to do so, subject to the following conditions:\n"
"\n"
"The above copyright notice and this permission notice shall be included in all\n"
"copies or substantial portions of the Software.\n"
"\n"
"THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
"IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
"FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
"AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
"LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
"OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n"
"SOFTWARE.\n";

/* Usage errors print one line and make config_parse fail. */
static int PRINTF(1, 2)
bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(L_ERROR, fmt, ap);
	va_end(ap);
	return -1;
}

/* A decimal in [0, max], nothing else. */
static int
parse_num(const char *s, long max, long *out)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Seconds with up to three decimals, 0 to a day, into milliseconds. */
static int
parse_grace(const char *s, long *ms)
{
	long sec = 0, frac = 0, scale = 100;
	const char *p = s;

	if (*p == '.' && !p[1])
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((sec = sec * 10 + (*p - '0')) > 86400)
			return -1;
	if (p == s && *p != '.')
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && scale; p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (*p || (sec == 86400 && frac))
		return -1;
	*ms = sec * 1000 + frac;
	return 0;
}

static int
parse_rewrite(const char *spec, unsigned char *rewrite, bool *given)
{
	char buf[32];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : 0;
	int from, to;

	if (!colon || n >= sizeof buf)
		return bad("bad --rewrite '%s': expected S:R, signal names or "
		    "numbers 1..%d, R=0 to drop S", spec, NSIG - 1);
	memcpy(buf, spec, n);
	buf[n] = '\0';
	from = sig_parse(buf);
	to = strcmp(colon + 1, "0") ? sig_parse(colon + 1) : 0;
	if (from < 0 || to < 0)
		return bad("bad --rewrite '%s': expected S:R, signal names or "
		    "numbers 1..%d, R=0 to drop S", spec, NSIG - 1);
	if (from == SIGKILL || from == SIGSTOP)
		return bad("bad --rewrite '%s': %s cannot be caught", spec,
		    sig_name(from));
	rewrite[from] = (unsigned char)to;
	given[from] = true;
	return 0;
}

static int
env_level(const char *name, int *lvl)
{
	const char *v = getenv(name);
	long n;

	if (!v)
		return 0;
	if (parse_num(v, L_TRACE, &n) < 0)
		return bad("bad %s='%s': expected a number 0..4", name, v);
	*lvl = (int)n;
	return 0;
}

/* The basename of argv[0] picks a peer's defaults. */
static void
personality(struct config *cfg, const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0 ? argv0 : "pidone";
	if (!strcmp(base, "pidone")) {
		cfg->reraise = true;	/* the peers exit 128+N */
		return;
	}
	if (!strcmp(base, "tini") || !strcmp(base, "docker-init")) {
		cfg->tini_version = true;
	} else if (!strcmp(base, "dumb-init")) {
		cfg->setsid = true;
		cfg->term_group_on_exit = true;
		cfg->exec_status = 2;
	} else if (strcmp(base, "catatonit") && strcmp(base, "podman-init")) {
		return;
	}
	cfg->grace_ms = 0;
	cfg->usage_status = 1;
}

static int
parse_env(struct config *cfg)
{
	const char *v;

	if (env_level("TINI_VERBOSITY", &log_level) < 0 ||
	    env_level("PIDONE_VERBOSITY", &log_level) < 0)
		return -1;
	if ((v = getenv("DUMB_INIT_DEBUG")) && !strcmp(v, "1"))
		log_level = L_DEBUG;
	if ((v = getenv("CATATONIT_DEBUG")) && *v)
		log_level = L_DEBUG;
	if (getenv("TINI_SUBREAPER"))
		cfg->subreaper = true;
	if (getenv("TINI_KILL_PROCESS_GROUP"))
		cfg->pgroup = true;
	if ((v = getenv("DUMB_INIT_SETSID"))) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			return bad("bad DUMB_INIT_SETSID='%s': expected 0 or 1",
			    v);
		cfg->setsid = *v == '1';
	}
	if ((v = getenv("PIDONE_GRACE")) && parse_grace(v, &cfg->grace_ms) < 0)
		return bad("bad PIDONE_GRACE='%s': expected seconds 0..86400, "
		    "e.g. 3 or 0.5", v);
	return 0;
}

static void
print_version(const struct config *cfg)
{
	/* Docker's `docker info` parses this exact shape. */
	char buf[128];

	if (cfg->tini_version)
		put(STDOUT_FILENO, buf, fmt(buf, sizeof buf,
		    "tini version %s - git.%s\n", VERSION, GIT_ID));
	else
		put(STDOUT_FILENO, buf, fmt(buf, sizeof buf, "pidone %s\n",
		    VERSION));
}

/* Long options and their short letters; the ones without a letter get a
 * key above the byte range.  -L is -l's second name (catatonit's). */
enum { OPT_SETSID = 256, OPT_MOUNT_PROC, OPT_NO_MOUNT_PROC };

static const struct opt {
	const char *name;
	int key;
	bool arg;
} opts[] = {
	{ "subreaper",     's', false },
	{ "pgroup",        'g', false },
	{ "single-child",  'c', false },
	{ "setsid",        OPT_SETSID, false },
	{ "rewrite",       'r', true },
	{ "pdeathsig",     'p', true },
	{ "remap-exit",    'e', true },
	{ "warn-reap",     'w', false },
	{ "grace",         't', true },
	{ "pidns",         'n', false },
	{ "userns",        'U', false },
	{ "mount-proc",    OPT_MOUNT_PROC, false },
	{ "no-mount-proc", OPT_NO_MOUNT_PROC, false },
	{ "pause",         'P', false },
	{ "verbose",       'v', false },
	{ "quiet",         'q', false },
	{ "help",          'h', false },
	{ "version",       'V', false },
	{ "license",       'l', false },
	{ NULL,            'L', false },
};

static const struct opt *
find_opt(const char *name, size_t len, int key)
{
	size_t i;

	for (i = 0; i < sizeof opts / sizeof *opts; i++)
		if (name ? opts[i].name && strlen(opts[i].name) == len &&
		    !strncmp(opts[i].name, name, len) : opts[i].key == key)
			return &opts[i];
	return NULL;
}

/* One option into cfg: 0 to go on, 1 when done (help, version, license
 * printed), -1 on a bad value. */
static int
apply(struct config *cfg, int key, const char *val, bool *given)
{
	long n;

	switch (key) {
	case 's': cfg->subreaper = true; break;
	case 'g': cfg->pgroup = true; break;
	case 'c': cfg->setsid = false; break;
	case OPT_SETSID: cfg->setsid = true; break;
	case 'w': cfg->warn_reap = true; break;
	case 'n': cfg->pidns = true; break;
	case 'U': cfg->userns = true; break;
	case OPT_MOUNT_PROC:
	case OPT_NO_MOUNT_PROC:
		if (cfg->mount_proc != PROC_AUTO &&
		    cfg->mount_proc != (key == OPT_MOUNT_PROC ? PROC_FORCE :
		    PROC_NEVER))
			return bad("--mount-proc and --no-mount-proc exclude "
			    "each other");
		cfg->mount_proc = key == OPT_MOUNT_PROC ? PROC_FORCE :
		    PROC_NEVER;
		break;
	case 'P': cfg->pause = true; break;
	case 'v': if (log_level < L_TRACE) log_level++; break;
	case 'q': log_level = L_ERROR; break;
	case 'r':
		return parse_rewrite(val, cfg->rewrite, given);
	case 'p':
		if ((cfg->pdeathsig = sig_parse(val)) < 0)
			return bad("bad --pdeathsig '%s': expected a signal "
			    "name (USR1, SIGKILL) or number 1..%d", val,
			    NSIG - 1);
		break;
	case 'e':
		if (parse_num(val, 255, &n) < 0)
			return bad("bad --remap-exit '%s': expected an exit "
			    "code 0..255", val);
		cfg->remap[n / 8] |= (unsigned char)(1U << (n % 8));
		break;
	case 't':
		if (parse_grace(val, &cfg->grace_ms) < 0)
			return bad("bad --grace '%s': expected seconds "
			    "0..86400, e.g. 3 or 0.5", val);
		break;
	case 'h':
		put(STDOUT_FILENO, usage_text, sizeof usage_text - 1);
		return 1;
	case 'V':
		print_version(cfg);
		return 1;
	default:	/* 'l', 'L' */
		put(STDOUT_FILENO, license_text, sizeof license_text - 1);
		return 1;
	}
	return 0;
}

/* getopt_long with "+": options end at the first non-option or "--";
 * "-vvv", "-t3", "-t 3", "--grace=3" and "--grace 3" all work.  Returns
 * the index of the program in argv, 0 when done, -1 on a bad option. */
static int
parse_args(struct config *cfg, int argc, char **argv, bool *given)
{
	const struct opt *o;
	const char *a, *val, *eq;
	size_t len;
	int i, r;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		a = argv[i];
		if (!strcmp(a, "--"))
			return i + 1;
		if (a[1] == '-') {
			eq = strchr(a, '=');
			len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			if (!(o = find_opt(a + 2, len, 0)))
				return bad("unknown option '%s' (see pidone "
				    "--help for the accepted options)", a);
			if (!o->arg && eq)
				return bad("option '--%s' takes no value",
				    o->name);
			val = !o->arg ? "" : eq ? eq + 1 : argv[++i];
			if (o->arg && !val)
				return bad("option '%s' needs a value (see "
				    "pidone --help)", a);
			if ((r = apply(cfg, o->key, val, given)) != 0)
				return r < 0 ? -1 : 0;
			continue;
		}
		for (a++; *a; a++) {
			if (!(o = find_opt(NULL, 0, (unsigned char)*a)))
				return bad("unknown option '-%c' (see pidone "
				    "--help for the accepted options)", *a);
			val = !o->arg ? "" : a[1] ? a + 1 : argv[++i];
			if (o->arg && !val)
				return bad("option '-%c' needs a value (see "
				    "pidone --help)", *a);
			if ((r = apply(cfg, o->key, val, given)) != 0)
				return r < 0 ? -1 : 0;
			if (o->arg)
				break;
		}
	}
	return i;
}

/* Fill cfg from the personality, then the environment, then argv, each
 * overriding the one before.  Returns 0 to run, 1 when done (help, version,
 * license printed), -1 on a usage error (one line printed).  It never
 * exits and keeps no state between calls, so the fuzzer can drive it. */
int
config_parse(struct config *cfg, int argc, char **argv)
{
	bool given[NSIG] = { false };
	int first, s;

	memset(cfg, 0, sizeof *cfg);
	cfg->grace_ms = 3000;
	cfg->usage_status = EXIT_OWN;
	for (s = 0; s < NSIG; s++)
		cfg->rewrite[s] = (unsigned char)s;
	personality(cfg, argc > 0 ? argv[0] : NULL);
	if (parse_env(cfg) < 0)
		return -1;
	if ((first = parse_args(cfg, argc, argv, given)) <= 0)
		return first < 0 ? -1 : 1;

	if (cfg->userns && !cfg->pidns)
		return bad("--userns works only with --pidns");
	if (cfg->pidns && geteuid() != 0)
		cfg->userns = true;
	if (cfg->pause && first < argc)
		return bad("--pause takes no program, got '%s'", argv[first]);
	if (!cfg->pause && first >= argc)
		return bad("no program to run (usage: pidone [OPTIONS] [--] "
		    "PROGRAM [ARGS...], or pidone -P)");
	cfg->argv = cfg->pause ? NULL : argv + first;
	/* In setsid mode a TTY stop signal stops the whole session, as the
	 * shell would have done, unless the user said otherwise. */
	if (cfg->setsid)
		for (s = SIGTSTP; s <= SIGTTOU; s++)
			if (!given[s])
				cfg->rewrite[s] = SIGSTOP;
	return 0;
}

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
	case 0:		/* the drain's deadline passed */
		drain_kill(st);
		break;
	case SIGCHLD:
		reap(st);
		break;
	case SIGINT:
	case SIGTERM:
		if (st->phase != RUNNING) {
			drain_kill(st);
			break;
		}
		if (st->cfg->pause && !st->relay) {
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
	/* Signals stay pending from here on: nothing sent before the payload
	 * exists, nor its own early SIGCHLD, can be lost. */
	signals_block(&st);
	st.self = gettid();	/* == getpid() in the only thread, no syscall */
	st.listen_pid = st.self; /* whom socket activation addressed */
	if (cfg.pdeathsig && prctl(PR_SET_PDEATHSIG, cfg.pdeathsig) < 0)
		say(L_WARNING, "prctl PR_SET_PDEATHSIG: %s", strerror(errno));
	tty_probe(&st);

	if (cfg.pidns && (st.payload = ns_clone(&cfg, &st.pidfd)) > 0) {
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
