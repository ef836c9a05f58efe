#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kernels/run.sh: the engine behind `make check-kernels`.  Builds the
# module from this one source tree for every kernel of the matrix and runs
# the guest module suite on each:
#
#   - every Debian kernel installed here with headers (6.1 and 6.12 on
#     bookworm), built with tests/kbuild.sh;
#   - the newest Debian kernel: sid's linux-image-amd64, in a debootstrapped
#     sid root (cached under ~/.cache/xpmem-roots/sid, refreshed when older
#     than a week), built there with that kernel's own gcc (its headers'
#     Kbuild insists on it), and booted with this machine's root, which
#     works;
#   - and any other kernel package of sid or experimental named in
#     KERNELS (e.g. KERNELS="linux-image-amd64 experimental:linux-image-7.3.0-1-amd64").
#
# Output: each suite's lines, then one line per kernel
#   "<release>: build ok, suite N passed, N failed" (or "build failed")
# and last "N passed, N failed" over all of them.  Exit 0 if all passed.
# Environment: XPMEM_KERNELS_LOCAL=0 skips the installed kernels;
# XPMEM_SUITE_* pass through to the suite (ASan, bats and stress are off by
# default here: they test userspace, not the kernel).

set -u
set -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
REPO=$PWD
. "$REPO/tests/mirror.sh"
ROOTS=${XPMEM_ROOTS_CACHE:-$HOME/.cache/xpmem-roots}
SID=$ROOTS/sid
OUT=tests/.cache/kernels
MAX_AGE_DAYS=7
KERNELS=${KERNELS:-linux-image-amd64}

export XPMEM_SUITE_ASAN=${XPMEM_SUITE_ASAN:-0}
export XPMEM_SUITE_CTL=${XPMEM_SUITE_CTL:-0}
export XPMEM_SUITE_STRESS=${XPMEM_SUITE_STRESS:-0}

summary=()
total_pass=0 total_fail=0

die() { echo "tests/kernels: $*" >&2; exit 1; }


mounted=()
unmount_all() {
	local i
	for (( i = ${#mounted[@]} - 1; i >= 0; i-- )); do
		umount -l "${mounted[$i]}" 2>/dev/null
	done
	mounted=()
}
trap unmount_all EXIT

# in_root CMD: run CMD in the sid root with /proc, /sys, /dev (objtool and
# apt need them)
in_root() {
	local m
	if [ ${#mounted[@]} -eq 0 ]; then
		for m in proc sys dev; do
			mkdir -p "$SID/$m"
			if [ "$m" = proc ]; then
				mount -t proc proc "$SID/proc"
			else
				mount --bind "/$m" "$SID/$m"
			fi && mounted+=("$SID/$m")
		done
		cp /etc/resolv.conf "$SID/etc/resolv.conf" 2>/dev/null || :
	fi
	chroot "$SID" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		/bin/sh -c "$1"
}

# The mirror may be a snapshot whose sid Release files are past their
# Valid-Until date (seen: 30 days): apt would refuse them, and with them
# every update. Their signatures are still checked.
trust_snapshot() {
	mkdir -p "$1/etc/apt/apt.conf.d"
	echo 'Acquire::Check-Valid-Until "false";' \
		>"$1/etc/apt/apt.conf.d/99xpmem-snapshot"
}

make_sid_root() {
	local url tmp stamp
	stamp=$(cat "$SID/.xpmem-stamp" 2>/dev/null || echo 0)
	if [ $(( $(date +%s) - stamp )) -le $(( MAX_AGE_DAYS * 86400 )) ]; then
		trust_snapshot "$SID"
		in_root 'apt-get -q update' >/dev/null 2>&1
		return 0
	fi
	command -v debootstrap >/dev/null ||
		apt-get install -y -q --no-install-recommends debootstrap </dev/null >&2 ||
		die "could not install debootstrap"
	url=$(debian_mirror)
	[ -n "$url" ] || die "no Debian mirror in this machine's apt sources"
	unmount_all
	mkdir -p "$ROOTS"
	tmp=$(mktemp -d "$ROOTS/sid.new.XXXXXX")
	echo "# debootstrap sid into $tmp" >&2
	debootstrap --variant=minbase --include=gcc,make,libc6-dev,kmod,ca-certificates \
		sid "$tmp" "$url" >"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log"; die "debootstrap of sid failed"; }
	printf 'deb %s sid main\ndeb %s experimental main\n' "$url" "$url" \
		>"$tmp/etc/apt/sources.list"
	trust_snapshot "$tmp"
	date +%s >"$tmp/.xpmem-stamp"
	rm -rf "$SID" "$tmp.log"
	mv "$tmp" "$SID"
	in_root 'apt-get -q update' >/dev/null 2>&1 || die "apt-get update in the sid root failed"
}

# install PKG in the sid root (SUITE:PKG takes it from SUITE), with the
# headers of the same kernel; print the kernel release it brought
install_kernel() {
	local spec=$1 suite='' pkg rel
	case $spec in *:*) suite=${spec%%:*}; pkg=${spec#*:} ;; *) pkg=$spec ;; esac
	in_root "apt-get install -y -q --no-install-recommends ${suite:+-t $suite} $pkg" \
		>"$OUT/apt-$pkg.log" 2>&1 || { tail -n 5 "$OUT/apt-$pkg.log" >&2; return 1; }
	# the image the package put there: the newest /boot/vmlinuz-*
	rel=$(ls -1 "$SID/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
	[ -n "$rel" ] || return 1
	in_root "apt-get install -y -q --no-install-recommends ${suite:+-t $suite} linux-headers-$rel" \
		>>"$OUT/apt-$pkg.log" 2>&1 || { tail -n 5 "$OUT/apt-$pkg.log" >&2; return 1; }
	echo "$rel"
}

# build the module for RELEASE inside the sid root; print the .ko path
build_in_root() {
	local rel=$1 dir=/var/tmp/xpmem-build
	in_root "rm -rf $dir && mkdir -p $dir" || return 1
	cp -r module Kbuild "$SID$dir/" || return 1
	rm -rf "$SID$dir/module/compat/generated"
	find "$SID$dir" -name '*.o' -o -name '*.ko' -o -name '*.cmd' | xargs -r rm -f
	in_root "cd $dir && module/compat/probe.sh /usr/src/linux-headers-$rel module/compat/generated/config.h &&
		 make -C /usr/src/linux-headers-$rel M=$dir modules" \
		>"$OUT/$rel/build.log" 2>&1 || return 1
	cp "$SID$dir/module/xpmem.ko" "$OUT/$rel/xpmem.ko" || return 1
	echo "$OUT/$rel/xpmem.ko"
}

# run_suite RELEASE KO VM-OPTIONS...: the guest module suite with KO
run_suite() {
	local rel=$1 ko=$2 log ok notok skip
	shift 2
	log=$OUT/$rel/suite.log
	# a 1 GiB huge page reserved at boot for t_pud.c, as tests/check.sh
	XPMEM_KO=$REPO/$ko tests/vm/run --mem 4096 \
		--append "hugepagesz=1G hugepages=1" "$@" -- tests/kmod/suite.sh \
		</dev/null 2>&1 | tee "$log"
	notok=$(grep -cE '^not ok( |$)' "$log")
	ok=$(grep -cE '^ok( |$)' "$log")
	skip=$(grep -E '^ok( |$)' "$log" | grep -ciE '#[[:space:]]*skip')
	[ "$ok" -gt 0 ] || notok=$((notok + 1))
	total_pass=$((total_pass + ok - skip))
	total_fail=$((total_fail + notok))
	summary+=("$rel: build ok, suite $((ok - skip)) passed, $notok failed")
}

build_failed() {
	total_fail=$((total_fail + 1))
	summary+=("$1: build failed (see $OUT/$1/build.log)")
}

main() {
	local k rel ko
	[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot)"
	mkdir -p "$OUT"

	if [ "${XPMEM_KERNELS_LOCAL:-1}" != 0 ]; then
		for rel in $(ls -1 /lib/modules 2>/dev/null | sort -V); do
			[ -e "/lib/modules/$rel/build/Makefile" ] && [ -e "/boot/vmlinuz-$rel" ] || continue
			mkdir -p "$OUT/$rel"
			echo "# --- $rel (installed)"
			if ko=$(tests/kbuild.sh "/lib/modules/$rel/build" "$OUT/$rel" 2>"$OUT/$rel/build.log"); then
				run_suite "$rel" "${ko#"$REPO"/}" --kver "$rel"
			else
				build_failed "$rel"
			fi
		done
	fi

	make_sid_root
	for k in $KERNELS; do
		echo "# --- $k (sid root)"
		if ! rel=$(install_kernel "$k"); then
			total_fail=$((total_fail + 1))
			summary+=("$k: could not be installed in the sid root")
			continue
		fi
		mkdir -p "$OUT/$rel"
		if ko=$(build_in_root "$rel"); then
			run_suite "$rel" "$ko" --kernel "$SID/boot/vmlinuz-$rel" \
				--modules "$SID" --boot-timeout 300
		else
			build_failed "$rel"
		fi
	done

	unmount_all
	printf '%s\n' "${summary[@]}"
	echo "$total_pass passed, $total_fail failed"
	[ "$total_fail" -eq 0 ]
}

main "$@"; exit $?
