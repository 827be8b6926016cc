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
LINK = -static -Wl,--gc-sections -Wl,-z,relro,-z,now,-z,noexecstack,-z,noseparate-code \
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
SRC = init.c msg.c signals.c spawn.c reaper.c ns.c tty.c
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

check: pidone helpers
	PIDONE=$(CURDIR)/pidone tests/run

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

install-compat: install
	install -d $(DESTDIR)$(COMPATDIR)
	for n in $(COMPAT); do ln -sf $(PREFIX)/bin/pidone $(DESTDIR)$(COMPATDIR)/$$n; done

clean:
	rm -f pidone .build $(HELPERS)

FORCE:
.PHONY: FORCE helpers check bench stress fuzz size lint install install-compat clean
