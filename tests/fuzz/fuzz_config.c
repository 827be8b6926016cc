/* SPDX-License-Identifier: MIT
 * libFuzzer target for everything pidone parses: the command line, the
 * environment values and signal specs (-p, -r, -e, -t and their long and
 * environment forms).  Built by tests/fuzz/run with clang
 * -fsanitize=fuzzer,address,undefined, linked with pidone's sources compiled
 * with -DPIDONE_FUZZ (which renames their main).
 *
 * Input layout:
 *   byte 0      which of envs[] are set (bit i: envs[i])
 *   byte 1      argv[0]: names[byte & 7]; 7 takes the first string instead
 *   bytes 2...  NUL-separated strings: first the values of the environment
 *               variables set, in envs[] order, then argv[1], argv[2], ...
 * Every string also goes through sig_parse on its own.
 *
 * Besides the sanitizers, it aborts when an outcome breaks the contract in
 * pidone.h and the spec: config_parse returns 0, 1 or -1 and never
 * exits; a config it accepts is consistent (and keeps its name's rules:
 * dumb-init's -r stays within 1..31); sig_parse returns -1 or a signal
 * number whose name parses back to it. */
#define _GNU_SOURCE	/* setenv, NSIG, sigset_t (pidone.h) */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pidone.h"

static const char *const envs[] = {
	"PIDONE_VERBOSITY", "TINI_VERBOSITY", "PIDONE_GRACE",
	"DUMB_INIT_SETSID", "DUMB_INIT_DEBUG", "CATATONIT_DEBUG",
	"TINI_SUBREAPER", "TINI_KILL_PROCESS_GROUP",
};
#define NENVS	(sizeof(envs) / sizeof(envs[0]))

static const char *const names[] = {
	"pidone", "tini", "docker-init", "dumb-init", "catatonit",
	"podman-init", "/usr/local/bin/pidone",
};

#define MAXARGS	64

static void
broken(const char *what)
{
	fprintf(stderr, "fuzz_config: contract broken: %s\n", what);
	abort();
}

static void
check_signal(const char *s)
{
	char buf[32];
	const char *name;
	int sig = sig_parse(s);

	if (sig == -1)
		return;
	if (sig < 1 || sig >= NSIG)
		broken("sig_parse returned a number that is no signal");
	name = sig_name(sig);
	if (!name)
		broken("sig_name returned NULL");
	/* Every name parses back, real-time ones (RTMIN+n) included; 32 and
	 * 33 have none and are named by their number, which takes no "SIG". */
	if (sig_parse(name) != sig)
		broken("sig_parse(sig_name(n)) != n");
	if (name[0] >= '0' && name[0] <= '9')
		return;
	snprintf(buf, sizeof(buf), "SIG%s", name);
	if (sig_parse(buf) != sig)
		broken("sig_parse(\"SIG\" sig_name(n)) != n");
}

static void
check_config(const struct config *cfg, char **argv, int argc)
{
	const char *base = strrchr(argv[0], '/');
	int s;

	if (cfg->pause == (cfg->argv != NULL))
		broken("accepted: neither or both of a program and -P");
	if (cfg->argv && (cfg->argv < argv + 1 || cfg->argv >= argv + argc ||
	    !cfg->argv[0]))
		broken("accepted: the program is not one of argv[1..]");
	if (cfg->grace_ms < 0 || cfg->grace_ms > 86400L * 1000)
		broken("accepted: grace outside 0..86400 s");
	if (cfg->userns && !cfg->pidns)
		broken("accepted: --userns without --pidns");
	if (cfg->mount_proc != PROC_AUTO && cfg->mount_proc != PROC_FORCE &&
	    cfg->mount_proc != PROC_NEVER)
		broken("accepted: mount_proc is no single value");
	if (cfg->pdeathsig < 0 || cfg->pdeathsig >= NSIG)
		broken("accepted: pdeathsig is no signal");
	if (cfg->rewrite[SIGKILL] != SIGKILL || cfg->rewrite[SIGSTOP] != SIGSTOP)
		broken("accepted: a rewrite of KILL or STOP");
	for (s = 0; s < NSIG; s++)
		if (cfg->rewrite[s] >= NSIG)
			broken("accepted: a rewrite to no signal");
	if (cfg->usage_status != EXIT_OWN && cfg->usage_status != 1)
		broken("accepted: usage status neither 125 nor 1");
	if (cfg->exec_status != 0 && cfg->exec_status != 2)
		broken("accepted: exec failure status neither 0 nor 2");
	if (cfg->term_group_on_exit && !cfg->setsid && !cfg->pgroup)
		broken("accepted: TERM on exit to a group that gets no signals");
	if (cfg->setsid && !cfg->stop_after_tty)
		broken("accepted: setsid mode without the TTY stop");
	base = base ? base + 1 : argv[0];
	/* dumb-init's name: -r takes signals 1..31 only. */
	if (!strcmp(base, "dumb-init"))
		for (s = 1; s < NSIG; s++)
			if (s < 32 ? cfg->rewrite[s] >= 32 : cfg->rewrite[s] != s)
				broken("accepted: dumb-init -r above 31");
	if (log_level < L_ERROR || log_level > L_TRACE)
		broken("log level outside 0..4");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *strs[MAXARGS + NENVS + 1], *argv[MAXARGS + 2];
	struct config cfg;
	size_t i, n = 0, len;
	unsigned mask, pick;
	int argc = 0, r, code;
	const uint8_t *p, *end, *nul;

	if (size < 2)
		return 0;
	mask = data[0];
	pick = data[1] & 7;
	/* Split into strings, each in its own allocation so that ASan sees a
	 * read past any one of them. */
	for (p = data + 2, end = data + size; p < end &&
	    n < sizeof(strs) / sizeof(strs[0]); p = nul + 1) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			nul = end;
		len = (size_t)(nul - p);
		strs[n] = malloc(len + 1);
		if (!strs[n])
			break;
		memcpy(strs[n], p, len);
		strs[n][len] = '\0';
		n++;
	}
	for (i = 0; i < n; i++)
		check_signal(strs[i]);

	/* The environment, then argv. */
	r = 0;
	for (i = 0; i < NENVS; i++) {
		if ((mask >> i) & 1 && (size_t)r < n)
			setenv(envs[i], strs[r++], 1);
		else
			unsetenv(envs[i]);
	}
	i = (size_t)r;
	if (pick == 7 && i < n)
		argv[argc++] = strs[i++];
	else
		argv[argc++] = (char *)names[pick % 7];
	for (; i < n && argc <= MAXARGS; i++)
		argv[argc++] = strs[i];
	argv[argc] = NULL;

	log_level = L_WARNING;	/* the one global config_parse writes */
	r = config_parse(&cfg, argc, argv);
	if (r != 0 && r != 1 && r != -1)
		broken("config_parse returned neither 0, 1 nor -1");
	if (r == 0) {
		check_config(&cfg, argv, argc);
		/* The exit code a wait status maps to, under this config. */
		code = exit_code(&cfg, size > 3 ? data[2] | data[3] << 8 : 0);
		if (code < 0 || code > 255)
			broken("exit_code outside 0..255");
	}

	for (i = 0; i < n; i++)
		free(strs[i]);
	return 0;
}
