/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * The config: the personality argv[0] names, the environment and the
 * options, into one struct config; the usage, version and license texts. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
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

/* What --version prints: pidone's own line, or the one a peer's name makes
 * scripts expect. */
enum version_line { V_PIDONE, V_TINI, V_DUMB_INIT, V_CATATONIT };

/* The rules in which a name differs from pidone's, one bit each. */
enum {
	OWN = 1 << 0,		/* pidone's own name: for what peers never do
				 * (dying of the payload's signal) */
	SETSID = 1 << 1,	/* setsid mode unless -c or DUMB_INIT_SETSID=0 */
	TERM_ON_EXIT = 1 << 2,	/* payload gone: SIGTERM where signals go */
	TTY_STOP = 1 << 3,	/* stop after forwarding TSTP/TTIN/TTOU, also
				 * outside setsid mode (pidone: only in it) */
	LAX_VERBOSITY = 1 << 4,	/* TINI_VERBOSITY as tini's atoi: no errors */
	REWRITE_31 = 1 << 5,	/* -r takes signals 1..31 only */
};

/* Every name pidone answers to (the basename of argv[0]), with that init's
 * defaults and exceptions; any other name is pidone's own, the first row.
 * Options and environment variables still override the defaults. */
static const struct personality {
	const char *name;
	long grace_ms;
	int usage_status;	/* exit status of a usage error */
	int exec_status;	/* when exec fails; 0: 126, or 127 not found */
	enum version_line version;
	unsigned rules;
} personalities[] = {
	/* name          grace usage     exec  --version    rules */
	{ "pidone",      3000, EXIT_OWN, 0,    V_PIDONE,    OWN },
	{ "tini",        0,    1,        0,    V_TINI,      LAX_VERBOSITY },
	{ "docker-init", 0,    1,        0,    V_TINI,      LAX_VERBOSITY },
	{ "dumb-init",   0,    1,        2,    V_DUMB_INIT,
	    SETSID | TERM_ON_EXIT | TTY_STOP | REWRITE_31 },
	{ "catatonit",   0,    1,        0,    V_CATATONIT, 0 },
	{ "podman-init", 0,    1,        0,    V_CATATONIT, 0 },
};

static const struct personality *
personality(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;
	size_t i;

	base = base ? base + 1 : argv0 ? argv0 : "";
	for (i = 1; i < sizeof personalities / sizeof *personalities; i++)
		if (!strcmp(base, personalities[i].name))
			return &personalities[i];
	return &personalities[0];
}

/* One config_parse call: the config it fills, the name's row, and the
 * signals -r has rewritten (setsid mode leaves those alone). */
struct parse {
	struct config *cfg;
	const struct personality *who;
	bool given[NSIG];
};

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
int
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

/* tini reads TINI_VERBOSITY with atoi into an unsigned and never
 * complains: leading blanks and a sign, the digits up to the first other
 * character, 0 when there are none.  Above the top prints as the top does,
 * and so does a negative number (a huge unsigned one to tini). */
static int
parse_lax_level(const char *s)
{
	long v = 0;
	bool neg = false;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9' && v <= L_TRACE; s++)
		v = v * 10 + (*s - '0');
	if (neg && v > 0)
		return L_TRACE;
	return v > L_TRACE ? L_TRACE : (int)v;
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

/* S:R into the rewrite table.  dumb-init refuses signals above 31 (its
 * table ends there), so its name does too; pidone's takes them all. */
static int
parse_rewrite(struct parse *p, const char *spec)
{
	char buf[32];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : 0;
	int from, to, max = p->who->rules & REWRITE_31 ? 31 : NSIG - 1;

	if (!colon || n >= sizeof buf)
		return bad("bad --rewrite '%s': expected S:R, signal names or "
		    "numbers 1..%d, R=0 to drop S", spec, max);
	memcpy(buf, spec, n);
	buf[n] = '\0';
	from = sig_parse(buf);
	to = strcmp(colon + 1, "0") ? sig_parse(colon + 1) : 0;
	if (from < 0 || to < 0 || from > max || to > max)
		return bad("bad --rewrite '%s': expected S:R, signal names or "
		    "numbers 1..%d, R=0 to drop S", spec, max);
	if (from == SIGKILL || from == SIGSTOP)
		return bad("bad --rewrite '%s': %s cannot be caught", spec,
		    sig_name(from));
	p->cfg->rewrite[from] = (unsigned char)to;
	p->given[from] = true;
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

/* Every peer's variables, under every name.  DUMB_INIT_SETSID has only
 * ever had dumb-init's rule: 0 is off, anything else (empty too) is on. */
static int
parse_env(struct parse *p)
{
	struct config *cfg = p->cfg;
	const char *v;

	if (p->who->rules & LAX_VERBOSITY) {
		if ((v = getenv("TINI_VERBOSITY")))
			log_level = parse_lax_level(v);
	} else if (env_level("TINI_VERBOSITY", &log_level) < 0) {
		return -1;
	}
	if (env_level("PIDONE_VERBOSITY", &log_level) < 0)
		return -1;
	if ((v = getenv("DUMB_INIT_DEBUG")) && !strcmp(v, "1"))
		log_level = L_DEBUG;
	if ((v = getenv("CATATONIT_DEBUG")) && *v)
		log_level = L_DEBUG;
	if (getenv("TINI_SUBREAPER"))
		cfg->subreaper = true;
	if (getenv("TINI_KILL_PROCESS_GROUP"))
		cfg->pgroup = true;
	if ((v = getenv("DUMB_INIT_SETSID")))
		cfg->setsid = strcmp(v, "0") != 0;
	if ((v = getenv("PIDONE_GRACE")) && parse_grace(v, &cfg->grace_ms) < 0)
		return bad("bad PIDONE_GRACE='%s': expected seconds 0..86400, "
		    "e.g. 3 or 0.5", v);
	return 0;
}

/* Each in the shape (and on the stream) scripts check for under that name:
 * `docker info` parses docker-init's, dumb-init prints on stderr. */
static void
print_version(enum version_line v)
{
	char buf[128];

	switch (v) {
	case V_TINI:
		put(STDOUT_FILENO, buf, fmt(buf, sizeof buf,
		    "tini version %s - git.%s\n", VERSION, GIT_ID));
		break;
	case V_DUMB_INIT:
		put(STDERR_FILENO, buf, fmt(buf, sizeof buf,
		    "dumb-init v%s (pidone)\n", VERSION));
		break;
	case V_CATATONIT:
		put(STDOUT_FILENO, buf, fmt(buf, sizeof buf,
		    "tini version %s_catatonit\n", VERSION));
		break;
	default:
		put(STDOUT_FILENO, buf, fmt(buf, sizeof buf, "pidone %s\n",
		    VERSION));
	}
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

/* One option into the config: 0 to go on, 1 when done (help, version,
 * license printed), -1 on a bad value.  Where options contradict, the last
 * word wins: -c means the payload alone, a later -g its group again. */
static int
apply(struct parse *p, int key, const char *val)
{
	struct config *cfg = p->cfg;
	long n;

	switch (key) {
	case 's': cfg->subreaper = true; break;
	case 'g': cfg->pgroup = true; break;
	case 'c': cfg->setsid = cfg->pgroup = false; break;
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
		return parse_rewrite(p, val);
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
		print_version(p->who->version);
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
parse_args(struct parse *p, int argc, char **argv)
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
			if ((r = apply(p, o->key, val)) != 0)
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
			if ((r = apply(p, o->key, val)) != 0)
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
	struct parse p;
	int first, s;

	memset(&p, 0, sizeof p);
	memset(cfg, 0, sizeof *cfg);
	p.cfg = cfg;
	p.who = personality(argc > 0 ? argv[0] : NULL);
	cfg->grace_ms = p.who->grace_ms;
	cfg->usage_status = p.who->usage_status;
	cfg->exec_status = p.who->exec_status;
	cfg->setsid = (p.who->rules & SETSID) != 0;
	/* Shells end a loop on Ctrl-C only when the child died of SIGINT; the
	 * peers exit 128+N, and their users' scripts may check for that. */
	cfg->reraise = (p.who->rules & OWN) != 0;
	for (s = 0; s < NSIG; s++)
		cfg->rewrite[s] = (unsigned char)s;
	if (parse_env(&p) < 0)
		return -1;
	if ((first = parse_args(&p, argc, argv)) <= 0)
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
	/* dumb-init's SIGTERM on exit goes where its signals go: the group in
	 * setsid mode; otherwise the payload, which is gone, so nobody. */
	cfg->term_group_on_exit = (p.who->rules & TERM_ON_EXIT) &&
	    (cfg->setsid || cfg->pgroup);
	/* In setsid mode a TTY stop signal stops the whole session, as the
	 * shell would have done, unless the user said otherwise; pidone then
	 * stops too, so the shell above sees the job stop. */
	cfg->stop_after_tty = (p.who->rules & TTY_STOP) || cfg->setsid;
	if (cfg->setsid)
		for (s = SIGTSTP; s <= SIGTTOU; s++)
			if (!p.given[s])
				cfg->rewrite[s] = SIGSTOP;
	return 0;
}
