/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * Output: the one line per event on stderr, `pidone: LEVEL: text`, and the
 * small formatter behind it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "pidone.h"

/* A %s longer than this loses its middle, so that a long path cannot push
 * the reason off the end of the line. */
#define ARG_MAX_SHOWN	160

int log_level = L_WARNING;	/* set once, by config_parse */

/* A printf for the few conversions pidone's messages use (%s %c %d %ld %u):
 * the C library's vfprintf, with its floating point, would be a third of
 * the binary.  Always terminates buf; returns the length written. */
static size_t
vfmt(char *buf, size_t size, const char *f, va_list ap)
{
	char num[24], *q;
	const char *s;
	size_t n = 0, len, i;
	unsigned long long u;
	long long v;

	for (; *f && n + 1 < size; f++) {
		if (*f != '%') {
			buf[n++] = *f;
			continue;
		}
		s = num;
		switch (*++f) {
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			if ((len = strlen(s)) <= ARG_MAX_SHOWN)
				break;
			for (i = 0; i < ARG_MAX_SHOWN / 2 && n + 1 < size; i++)
				buf[n++] = s[i];
			for (i = 0; i < 3 && n + 1 < size; i++)
				buf[n++] = '.';
			s += len - ARG_MAX_SHOWN / 2;
			break;
		case 'c':
			num[0] = (char)va_arg(ap, int);
			num[1] = '\0';
			break;
		case 'd': case 'l': case 'u':
			if (*f == 'l') {
				f++;
				v = va_arg(ap, long);
			} else if (*f == 'u') {
				v = va_arg(ap, unsigned);
			} else {
				v = va_arg(ap, int);
			}
			u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			q = num + sizeof num;
			*--q = '\0';
			do
				*--q = (char)('0' + u % 10);
			while (u /= 10);
			if (v < 0)
				*--q = '-';
			s = q;
			break;
		case '\0':
			f--;
			/* FALLTHROUGH */
		default:
			num[0] = '%';
			num[1] = '\0';
			break;
		}
		while (*s && n + 1 < size)
			buf[n++] = *s++;
	}
	buf[n] = '\0';
	return n;
}

size_t
fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = vfmt(buf, size, f, ap);
	va_end(ap);
	return n;
}

/* Write all of s; false when the fd refuses (a closed pipe: EPIPE, a file
 * at RLIMIT_FSIZE: EFBIG, with SIGPIPE and SIGXFSZ ignored by pidone). */
bool
put(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = write(fd, s, n)) > 0) {
		s += w;
		n -= (size_t)w;
	}
	return n == 0;
}

void
vsay(enum level lvl, const char *f, va_list ap)
{
	static const char *const prefix[] = {
		"pidone: error: ", "pidone: warning: ", "pidone: info: ",
		"pidone: debug: ", "pidone: trace: "
	};
	char buf[1024];
	const char *p;
	size_t n = 0;

	for (p = prefix[lvl]; *p; p++)
		buf[n++] = *p;
	n += vfmt(buf + n, sizeof buf - n - 1, f, ap);
	buf[n++] = '\n';
	/* One write per line, so that pidone's lines and the payload's do not
	 * interleave mid-line.  A stderr that fails stops the logging: every
	 * further line would fail the same way. */
	if (!put(STDERR_FILENO, buf, n) && (errno == EPIPE || errno == EFBIG))
		log_level = -1;
}

/* A path that may repeat without end (a signal storm whose forwarding
 * fails) asks before it says anything: a few lines a second at most. */
bool
hush(void)
{
	static long long second;
	static int count;
	long long now = now_ns() / 1000000000LL;

	if (now != second) {
		second = now;
		count = 0;
	}
	return ++count > 5;
}

void
say(enum level lvl, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if ((int)lvl > log_level)
		return;
	va_start(ap, fmt);
	vsay(lvl, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(L_ERROR, fmt, ap);
	va_end(ap);
	_exit(status);
}

