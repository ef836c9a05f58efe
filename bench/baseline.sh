#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/baseline.sh REV KVER: build xpmem.ko as it was at git revision REV
# for the installed kernel KVER, for `make bench`'s baseline section; prints
# the path of the .ko. The build is cached in tests/.cache/baseline/ under
# the full commit id and the kernel, so it is done once. REV's own module/
# and tests/kbuild.sh are taken from git (git archive), never the work tree.
# Fails (and says why) when the clone lacks REV, e.g. a shallow clone.

set -eu
set -o pipefail

die() { echo "bench/baseline.sh: $*" >&2; exit 1; }

[ $# = 2 ] || die "usage: bench/baseline.sh REV KVER"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
rev=$(git rev-parse --verify -q "$1^{commit}") ||
	die "no commit $1 in this clone (a shallow clone lacks the history)"
kdir=/lib/modules/$2/build
[ -f "$kdir/Makefile" ] || die "no kernel headers for $2 ($kdir)"
out=$PWD/tests/.cache/baseline/$rev-$2
if [ ! -f "$out/ko/xpmem.ko" ]; then
	rm -rf "$out"
	mkdir -p "$out/src"
	git archive "$rev" module tests/kbuild.sh | tar -x -C "$out/src"
	"$out/src/tests/kbuild.sh" "$kdir" "$out/ko" >"$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log" >&2; die "building $rev for $2 failed (log: $out/build.log)"; }
fi
echo "$out/ko/xpmem.ko"
