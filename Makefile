# See LICENSE file for copyright and license details.
# pidone: a static init for PID namespaces.  `make`, `make check`.

VERSION = 0.1.0
PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man
COMPATDIR = $(PREFIX)/bin
COMPAT = tini docker-init dumb-init catatonit podman-init

# musl makes the binary tiny; without it, the C library's static build.
STATIC_CC := $(shell command -v musl-gcc >/dev/null 2>&1 && echo musl-gcc || echo cc)
ifeq ($(origin CC),default)
CC := $(STATIC_CC)
ifeq ($(CC),cc)
$(info pidone: musl-gcc not found, building with cc -static (bigger binary))
endif
endif
CFLAGS = -Os
LDFLAGS = -s

GIT_ID := $(shell git rev-parse --short HEAD 2>/dev/null || echo pidone)
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
HARDEN = -fstack-protector-strong -D_FORTIFY_SOURCE=2
TINY = -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-ident
# No RELRO: musl's static start-up never mprotects that range (it stays in
# an rw-p mapping, see tests/build.bats), so it would protect nothing and
# cost up to a page of padding.
LINK = -static -Wl,--gc-sections -Wl,-z,norelro,-z,now,-z,noexecstack,-z,noseparate-code \
	-Wl,--build-id=none

ifeq ($(SANITIZE),1)
CC = clang
CFLAGS = -O1 -g -fno-omit-frame-pointer
HARDEN = -fsanitize=address,undefined -fno-sanitize-recover=all
LINK =
LDFLAGS =
endif

ALL_CFLAGS = -std=c99 $(WARN) $(HARDEN) $(TINY) $(CFLAGS) $(CPPFLAGS) \
	-DVERSION='"$(VERSION)"' -DGIT_ID='"$(GIT_ID)"'
SRC = init.c config.c msg.c signals.c spawn.c reaper.c ns.c tty.c
HELPERS = $(patsubst %.c,%,$(wildcard tests/helpers/*.c))

# A change of compiler or flags (SANITIZE=1 and back) rebuilds.
BUILD = $(CC) $(ALL_CFLAGS) $(LINK) $(LDFLAGS)
.build: FORCE
	@echo '$(BUILD)' | cmp -s - $@ || echo '$(BUILD)' > $@

pidone: $(SRC) pidone.h .build
	$(BUILD) -o $@ $(SRC)

# The test helpers are always static (they also run in a busybox container)
# and built the same way whatever pidone is built with.
tests/helpers/%: tests/helpers/%.c Makefile
	$(STATIC_CC) -std=gnu99 -O2 -Wall -Wextra -Werror -static -s -o $@ $<

helpers: $(HELPERS)

# Release binaries for every architecture tools/release knows, from Debian's
# cross compilers and multiarch musl: dist/pidone-ARCH and dist/SHA256SUMS.
# `make ARCH=arm64` builds one; `make release-check` runs them under qemu.
ifeq ($(origin ARCH),command line)
.DEFAULT_GOAL := release
endif
release:
	BUILD_CFLAGS='$(WARN) $(HARDEN) $(TINY) $(CFLAGS) $(CPPFLAGS)' \
	BUILD_LINK='$(LINK) $(LDFLAGS)' VERSION='$(VERSION)' SRC='$(SRC)' \
	tools/release $(ARCH)

release-check: helpers
	tests/run tests/release/smoke.bats

check: pidone helpers
	PIDONE=$(CURDIR)/pidone tests/run

# Real Docker and Podman, started by the suite itself (root, no network).
check-engines: pidone helpers
	PIDONE=$(CURDIR)/pidone tests/run tests/engines.bats

bench stress fuzz: pidone helpers
	tests/$@/run

size: pidone
	tests/bench/size

lint:
	tests/lint

install: pidone
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1
	install -m 755 pidone $(DESTDIR)$(PREFIX)/bin/pidone
	install -m 644 pidone.1 $(DESTDIR)$(MANPREFIX)/man1/pidone.1

# The peers' names are links to pidone.  A file there that is not already
# such a link (dpkg's /usr/bin/tini, say) is left alone unless FORCE=1:
# all are checked before any is made.
install-compat: install
	install -d $(DESTDIR)$(COMPATDIR)
	@for n in $(COMPAT); do f=$(DESTDIR)$(COMPATDIR)/$$n; \
	if [ -e "$$f" -o -L "$$f" ] && [ "$(FORCE)" != 1 ]; then \
	case $$(readlink "$$f") in pidone|*/pidone) ;; *) \
	echo "install-compat: $$f exists and is not a link to pidone;" \
	"not replacing it (FORCE=1 replaces it)" >&2; exit 1;; esac; fi; done
	for n in $(COMPAT); do ln -sfn $(PREFIX)/bin/pidone $(DESTDIR)$(COMPATDIR)/$$n; done

clean:
	rm -f pidone .build $(HELPERS)
	rm -rf dist build

FORCE:
.PHONY: FORCE helpers release release-check check check-engines bench stress fuzz size lint install install-compat clean
