/* SPDX-License-Identifier: MIT
 * seccomp_deny NAME[:ERRNO][,NAME[:ERRNO]...] CMD [ARGS...]
 * Run CMD under a seccomp filter that makes the named system calls fail with
 * ERRNO (ENOSYS, the default, or EPERM), as a container runtime's profile or
 * an old kernel would.  Everything else is allowed.  The filter is inherited
 * by CMD's children.  No libseccomp: the helpers are static musl builds,
 * which do not see the kernel's headers, so the few definitions are here. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};

#define LD_ABS_W	0x20	/* BPF_LD | BPF_W | BPF_ABS */
#define JEQ_K		0x15	/* BPF_JMP | BPF_JEQ | BPF_K */
#define RET_K		0x06	/* BPF_RET | BPF_K */
#define RET_ALLOW	0x7fff0000U
#define RET_ERRNO	0x00050000U
#define NR_OFF		0	/* struct seccomp_data: nr, arch, ... */
#define ARCH_OFF	4

#if defined(__x86_64__)
#define AUDIT_ARCH	0xc000003eU
#elif defined(__aarch64__)
#define AUDIT_ARCH	0xc00000b7U
#else
#error "seccomp_deny: add this architecture's AUDIT_ARCH"
#endif

static const struct {
	const char *name;
	long nr;
} calls[] = {
	{ "rt_sigtimedwait", SYS_rt_sigtimedwait },
	{ "signalfd4", SYS_signalfd4 },
	{ "pidfd_send_signal", SYS_pidfd_send_signal },
	{ "pidfd_open", SYS_pidfd_open },
	{ "clone3", SYS_clone3 },
	{ "close_range", SYS_close_range },
	{ "ppoll", SYS_ppoll },
#ifdef SYS_poll
	{ "poll", SYS_poll },
#endif
#ifdef SYS_signalfd
	{ "signalfd", SYS_signalfd },
#endif
	{ "waitid", SYS_waitid },
};

static long
lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof calls / sizeof *calls; i++)
		if (!strcmp(calls[i].name, name))
			return calls[i].nr;
	fprintf(stderr, "seccomp_deny: unknown system call %s\n", name);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sock_filter f[64];
	struct sock_fprog prog;
	char *spec, *tok, *save, *colon;
	unsigned n = 0, nrules = 0, i;
	long nr[16];
	unsigned err[16];

	if (argc < 3) {
		fprintf(stderr, "usage: seccomp_deny NAME[:ERRNO],... CMD "
		    "[ARGS...]\n");
		return 2;
	}
	spec = argv[1];
	for (tok = strtok_r(spec, ",", &save); tok && nrules < 16;
	    tok = strtok_r(NULL, ",", &save)) {
		err[nrules] = ENOSYS;
		if ((colon = strchr(tok, ':'))) {
			*colon++ = '\0';
			if (!strcmp(colon, "EPERM"))
				err[nrules] = EPERM;
			else if (strcmp(colon, "ENOSYS")) {
				fprintf(stderr, "seccomp_deny: errno %s: "
				    "ENOSYS or EPERM\n", colon);
				return 2;
			}
		}
		nr[nrules++] = lookup(tok);
	}

	/* Another architecture's calls (x32, i386 on x86_64) go through. */
	f[n++] = (struct sock_filter){ LD_ABS_W, 0, 0, ARCH_OFF };
	f[n++] = (struct sock_filter){ JEQ_K, 1, 0, AUDIT_ARCH };
	f[n++] = (struct sock_filter){ RET_K, 0, 0, RET_ALLOW };
	f[n++] = (struct sock_filter){ LD_ABS_W, 0, 0, NR_OFF };
	for (i = 0; i < nrules; i++) {
		f[n++] = (struct sock_filter){ JEQ_K, 0, 1, (uint32_t)nr[i] };
		f[n++] = (struct sock_filter){ RET_K, 0, 0, RET_ERRNO | err[i] };
	}
	f[n++] = (struct sock_filter){ RET_K, 0, 0, RET_ALLOW };
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, &prog) < 0) {
		perror("seccomp_deny: prctl");
		return 2;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "seccomp_deny: exec %s: %s\n", argv[2], strerror(errno));
	return 127;
}
