#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/fresh/run.sh: the README's two commands, exactly as written, on a
# fresh Debian 12 machine.
#
# A machine where the project already built once hides every missing
# install step. This builds a minimal Debian 12 root with debootstrap
# (cached under ~/.cache/xpmem-fresh, rebuilt when older than a week),
# copies a clean clone of this repository into it, and runs `make check`
# and `make demo` there as root (chroot with /proc, /sys and /dev bound;
# the qemu guest works from inside). A new machine of this kind comes
# with gcc, make and git, so the root has those and nothing else that the
# project needs: tests/deps.sh must install the rest.
#
#   tests/fresh/run.sh [--keep] [COMMAND...]
#
# --keep leaves the work root for a look; COMMANDs replace the README's two
# (e.g. tests/fresh/run.sh 'make check-clients': the clients' whole first
# build, from nothing).
#
# The package mirror is the one this machine's apt uses. Output: both
# commands' output, "ok - ..." / "not ok - ..." per command, and last
# "N passed, N failed" over the commands. Exit 0 if all passed.

set -u
set -o pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
. "$REPO/tests/mirror.sh"
CACHE=${XPMEM_FRESH_CACHE:-$HOME/.cache/xpmem-fresh}
BASE=$CACHE/bookworm
MAX_AGE_DAYS=7
keep=no
[ "${1:-}" = --keep ] && { keep=yes; shift; }
commands=("$@")
[ $# -gt 0 ] || commands=('make check' 'make demo')

die() { echo "tests/fresh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot)"
command -v debootstrap >/dev/null || {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends debootstrap </dev/null >&2 ||
		die "could not install debootstrap"
}

build_base() {
	local url tmp
	url=$(debian_mirror)
	[ -n "$url" ] || die "no Debian mirror in this machine's apt sources"
	tmp=$(mktemp -d "$CACHE/bookworm.new.XXXXXX")
	echo "# debootstrap bookworm (gcc, make, git) into $tmp" >&2
	debootstrap --variant=minbase --include=gcc,make,git,ca-certificates,libc6-dev \
		bookworm "$tmp" "$url" >"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; rm -rf "$tmp"; die "debootstrap failed"; }
	# the same archives a freshly installed machine has, no more
	rm -f "$tmp/etc/apt/sources.list"
	cp /etc/apt/sources.list.d/*.sources "$tmp/etc/apt/sources.list.d/" 2>/dev/null ||
		cp /etc/apt/sources.list "$tmp/etc/apt/sources.list"
	date +%s >"$tmp/.xpmem-fresh-stamp"
	rm -rf "$BASE" "$tmp.log"
	mv "$tmp" "$BASE"
}

# Everything runs from main(), which bash parses whole before it starts:
# the script can be edited while a (long) run is under way.
main() {
	mkdir -p "$CACHE"
	stamp=$(cat "$BASE/.xpmem-fresh-stamp" 2>/dev/null || echo 0)
	if [ $(( $(date +%s) - stamp )) -gt $(( MAX_AGE_DAYS * 86400 )) ]; then
		build_base
	fi

	# A throw-away copy of the base for this run: installs never touch it.
	work=$(mktemp -d "$CACHE/run.XXXXXX")
	mounted=()
	cleanup() {
		local m
		for (( i = ${#mounted[@]} - 1; i >= 0; i-- )); do
			umount -R -l "${mounted[$i]}" 2>/dev/null
		done
		if [ "$keep" = yes ]; then
			echo "# work root kept: $work" >&2
		else
			rm -rf --one-file-system "$work"
		fi
	}
	trap cleanup EXIT
	cp -a "$BASE/." "$work/"
	cp /etc/resolv.conf "$work/etc/resolv.conf" 2>/dev/null || :

	# /sys and /dev with what is mounted below them (cgroup2, devpts, shm), as
	# on a machine of its own
	for m in proc sys dev; do
		mkdir -p "$work/$m"
		case $m in
		proc) mount -t proc proc "$work/proc" ;;
		*) mount --rbind "/$m" "$work/$m" && mount --make-rslave "$work/$m" ;;
		esac && mounted+=("$work/$m")
	done

	# A clean clone of the commit checked out here: what is committed, nothing
	# built, no caches.
	head=$(git -C "$REPO" rev-parse HEAD) || die "$REPO is not a git work tree"
	git clone -q --no-local --no-checkout "$REPO" "$work/root/xpmem" &&
		git -C "$work/root/xpmem" checkout -q "$head" || die "git clone failed"

	inside() {
		chroot "$work" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			${CI:+CI=$CI} /bin/bash -c "cd /root/xpmem && $1" </dev/null
	}

	passed=0 failed=0
	for cmd in "${commands[@]}"; do
		echo "# --- fresh root: $cmd"
		start=$(date +%s)
		if inside "$cmd"; then
			echo "ok - fresh Debian 12 root: $cmd ($(( $(date +%s) - start )) s)"
			passed=$((passed + 1))
		else
			echo "not ok - fresh Debian 12 root: $cmd ($(( $(date +%s) - start )) s)"
			failed=$((failed + 1))
		fi
	done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main "$@"; exit $?
