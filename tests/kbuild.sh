#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kbuild.sh KDIR OUTDIR: build xpmem.ko for the kernel tree KDIR in
# OUTDIR, leaving module/ (built by `make` for the default kernel) alone.
# Copies module/'s sources into OUTDIR, runs the compat probes against KDIR
# into OUTDIR/compat/generated/config.h and builds there; prints the path
# of OUTDIR/xpmem.ko on stdout.  Several OUTDIRs (one per kernel) live side
# by side; a second run rebuilds only what changed.  OUTDIR must not be
# module/ itself.  Environment: KBUILD_JOBS (make -j, default the CPUs).

set -eu
set -o pipefail

die() { echo "tests/kbuild.sh: $*" >&2; exit 1; }

[ $# = 2 ] || die "usage: tests/kbuild.sh KDIR OUTDIR"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
src=$PWD/module
kdir=$(realpath -e "$1" 2>/dev/null) || die "no kernel tree $1"
[ -f "$kdir/Makefile" ] || die "$kdir is not a kernel tree (no Makefile)"
mkdir -p "$2"
out=$(realpath "$2")
[ "$out" != "$src" ] || die "OUTDIR must not be module/"
case $out in *[[:space:]]*) die "OUTDIR must not contain spaces" ;; esac

# The sources, without module/'s own build outputs and probe results; tar
# keeps the times, so make rebuilds what changed since the last copy.
tar -C "$src" -cf - \
	--exclude='./compat/generated' --exclude='*.o' --exclude='*.ko' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
	--exclude='modules.order' --exclude='Module.symvers' \
	--exclude='.tmp_versions' --exclude='*.a' . | tar -C "$out" -xf -

# Probe results replace the old ones only when they differ: an unchanged
# config.h keeps its time and does not rebuild everything.
gen=$out/compat/generated/config.h
"$out/compat/probe.sh" "$kdir" "$gen.new" >&2 || die "compat probes failed for $kdir"
if cmp -s "$gen.new" "$gen"; then
	rm -f "$gen.new"
else
	mv -f "$gen.new" "$gen"
fi

make -C "$kdir" M="$out" -j"${KBUILD_JOBS:-$(nproc)}" modules >&2 ||
	die "building xpmem.ko against $kdir failed"
[ -f "$out/xpmem.ko" ] || die "no $out/xpmem.ko after the build"
echo "$out/xpmem.ko"
