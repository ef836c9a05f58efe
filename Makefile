# SPDX-License-Identifier: GPL-2.0
#
# xpmem: top-level build.  `make` builds the module, libxpmem, the tests
# and the examples; `make check` runs everything in a qemu guest; `make demo`
# shows the data path to a newcomer; `make install` honours DESTDIR/PREFIX.

VERSION		:= 2.8.0

# The kernel to build for: the newest installed Debian headers unless given.
KVER		?= $(shell ls -1 /lib/modules 2>/dev/null | sort -V | while read k; do \
			[ -e /lib/modules/$$k/build/Makefile ] && echo $$k; done | tail -n1)
KDIR		?= /lib/modules/$(KVER)/build

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
PKG_CONFIG	?= pkg-config
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
UDEVDIR		?= $(shell $(PKG_CONFIG) --variable=udevdir udev 2>/dev/null || echo /lib/udev)
MODDIR		?= /lib/modules/$(KVER)/updates
BASHCOMPDIR	?= $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null || \
			echo /usr/share/bash-completion/completions)

CC		?= cc
CFLAGS		?= -O2 -g
CFLAGS		+= -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I$(CURDIR)/module/uapi
SAN_FLAGS	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

export CC CFLAGS SAN_FLAGS VERSION KVER KDIR PREFIX LIBDIR INCLUDEDIR

.PHONY: FORCE all module lib xpmemctl tests examples check check-host check-guest \
	demo install install-lib install-module install-xpmemctl clean checkpatch bench

all: module lib xpmemctl tests examples

# --- kernel module ---------------------------------------------------------
module/compat/generated/config.h: FORCE
	@module/compat/probe.sh "$(KDIR)" "$@"

module: module/compat/generated/config.h
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules

# --- userspace -------------------------------------------------------------
lib:
	$(MAKE) -C libxpmem

xpmemctl: lib
	$(MAKE) -C xpmemctl

tests: lib
	$(MAKE) -C tests/kmod

examples: lib
	$(MAKE) -C examples

# --- tests -----------------------------------------------------------------
# check: install what is missing, build, run host tests, then every guest
# suite, and end with one line "N passed, N failed".
check:
	@tests/deps.sh
	@$(MAKE) --no-print-directory all
	@tests/check.sh

check-host: all
	@tests/check.sh host

check-guest: all
	@tests/check.sh guest

demo:
	@tests/deps.sh
	@$(MAKE) --no-print-directory all
	@tests/vm/run --kver "$(KVER)" -- examples/demo.sh

bench: all
	$(MAKE) -C bench
	@tests/vm/run --kver "$(KVER)" --cpu max,erms=off,fsrm=off -- bench/run.sh

checkpatch:
	@tests/checkpatch.sh

# --- install ---------------------------------------------------------------
install: install-lib install-module install-xpmemctl

install-lib: lib
	$(MAKE) -C libxpmem install DESTDIR="$(DESTDIR)"
	install -D -m 0644 man/libxpmem.3 "$(DESTDIR)$(MANDIR)/man3/libxpmem.3"

install-xpmemctl: xpmemctl
	install -D -m 0755 xpmemctl/xpmemctl "$(DESTDIR)$(SBINDIR)/xpmemctl"
	install -D -m 0644 man/xpmemctl.8 "$(DESTDIR)$(MANDIR)/man8/xpmemctl.8"
	install -D -m 0644 completion/xpmemctl.bash "$(DESTDIR)$(BASHCOMPDIR)/xpmemctl"

install-module: module
	install -D -m 0644 module/xpmem.ko "$(DESTDIR)$(MODDIR)/xpmem.ko"
	install -D -m 0644 units/60-xpmem.rules "$(DESTDIR)$(UDEVDIR)/rules.d/60-xpmem.rules"
	@if [ -z "$(DESTDIR)" ]; then depmod -a "$(KVER)"; fi

clean:
	-$(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean 2>/dev/null
	rm -rf module/compat/generated
	$(MAKE) -C libxpmem clean
	$(MAKE) -C xpmemctl clean
	$(MAKE) -C tests/kmod clean
	$(MAKE) -C examples clean
