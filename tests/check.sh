#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/check.sh [host|guest|all]: the engine behind `make check`.
#
# host:  every executable tests/unit/*.sh, and tests/unit/*.bats (bats --tap)
# guest: tests/kmod/suite.sh inside a qemu guest (tests/vm/run)
#
# All output is shown and saved to tests/.last-check.log.  TAP result lines
# are counted ("ok ...", "not ok ...", "ok ... # SKIP ..."); a suite that
# exits non-zero without printing a "not ok" counts as one failure.  The last
# line is "N passed, N failed" (", N skipped" when some were skipped).
# Exit 0 only if nothing failed and something passed.

set -u
set -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

what=${1:-all}
case $what in
host|guest|all) ;;
*) echo "usage: tests/check.sh [host|guest|all]" >&2; exit 2 ;;
esac

log=tests/.last-check.log
out=$(mktemp)
trap 'rm -f "$out"' EXIT
: >"$log"

passed=0 failed=0 skipped=0

# say LINE: print a line of our own, and log it.
say() { printf '%s\n' "$*" | tee -a "$log"; }

# count FILE: add the TAP results found in FILE to the totals.
count() {
	local ok notok skip
	notok=$(grep -cE '^not ok( |$)' "$1")
	ok=$(grep -cE '^ok( |$)' "$1")
	skip=$(grep -E '^ok( |$)' "$1" | grep -ciE '#[[:space:]]*skip')
	passed=$((passed + ok - skip))
	skipped=$((skipped + skip))
	failed=$((failed + notok))
}

# suite NAME COMMAND...: run one suite, output live to the terminal and log.
suite() {
	local name=$1 rc start=$SECONDS
	shift
	say "# $name"
	"$@" </dev/null 2>&1 | tee -a "$log" "$out"
	rc=${PIPESTATUS[0]}
	say "# $name: $((SECONDS - start)) s"
	count "$out"
	if [ "$rc" -ne 0 ] && ! grep -qE '^not ok( |$)' "$out"; then
		say "not ok - $name exited with status $rc"
		failed=$((failed + 1))
	fi
	: >"$out"
}

host_suites() {
	local f found=0 bats=()
	shopt -s nullglob
	for f in tests/unit/*.sh; do
		[ -x "$f" ] || continue
		found=1
		suite "$f" "$f"
	done
	for f in tests/unit/*.bats; do
		bats+=("$f")
	done
	shopt -u nullglob
	if [ ${#bats[@]} -gt 0 ]; then
		found=1
		if command -v bats >/dev/null; then
			suite "bats tests/unit" bats --tap "${bats[@]}"
		else
			say "not ok - bats is installed (run tests/deps.sh)"
			failed=$((failed + 1))
		fi
	fi
	[ $found = 1 ] || say "# no host tests in tests/unit"
}

# Installed Debian kernels with headers and an image, but for $KVER.
other_kernels() {
	local k
	for k in $(ls -1 /lib/modules 2>/dev/null | sort -V); do
		[ "$k" != "${KVER:-}" ] && [ -e "/lib/modules/$k/build/Makefile" ] &&
			[ -e "/boot/vmlinuz-$k" ] && echo "$k"
	done
}

# The main suite's guest has a 1 GiB huge page for t_pud.c, reserved at
# boot (a free, aligned GiB is there only then; 4 GiB so it is found).
PUD_GUEST=(--mem 4096 --append "hugepagesz=1G hugepages=1")

guest_suites() {
	local s=tests/kmod/suite.sh k ko
	if [ -x "$s" ]; then
		suite "$s (guest)" tests/vm/run ${KVER:+--kver "$KVER"} \
			"${PUD_GUEST[@]}" -- "$s"
	else
		say "not ok - $s exists"
		failed=$((failed + 1))
	fi
	# The module suite on every other installed kernel too (6.1 and 6.12 on
	# bookworm), without what tests userspace only (ASan builds, the CLI).
	for k in $(other_kernels); do
		if ! ko=$(tests/kbuild.sh "/lib/modules/$k/build" "tests/.cache/kbuild/$k"); then
			say "not ok - the module builds for $k"
			failed=$((failed + 1))
			continue
		fi
		suite "$s (guest, $k)" env XPMEM_KO="$ko" XPMEM_SUITE_ASAN=0 \
			XPMEM_SUITE_CTL=0 tests/vm/run --kver "$k" -- "$s"
	done
	# the daemon suite boots systemd as PID 1: one more guest
	s=tests/kmod/daemon.sh
	if [ -x "$s" ]; then
		suite "$s (guest, systemd)" tests/vm/run --systemd \
			${KVER:+--kver "$KVER"} -- "$s"
	fi
}

case $what in
host) host_suites ;;
guest) guest_suites ;;
all) host_suites; guest_suites ;;
esac

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary+=", $skipped skipped"
say "$summary"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
