#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/debug/kernel.sh: build, once, the debug guest kernel (KASAN, lockdep,
# kmemleak, KFENCE, UBSAN, DEBUG_VM/LIST; see debug.config) from Debian's
# linux-source package, and print the path of the built tree.  The tree is
# both the kernel to boot (arch/x86/boot/bzImage) and the KDIR to build
# modules against.
#
#   tests/debug/kernel.sh           build if needed, print the tree
#   tests/debug/kernel.sh --path    print the tree if it is built, else fail
#
# Cache: ${XPMEM_DEBUG_CACHE:-~/.cache/xpmem-debug-kernel}/VERSION-HASH/,
# VERSION the source package's version, HASH that of debug.config and
# patches/*.patch (test-only lockdep annotations the kernel lacks); a change
# of either builds a new tree (and removes the old ones once it is done).
# The build (≈25 min on 2 cores) runs under nice and logs to build.log
# there; concurrent callers wait for it.  Environment: XPMEM_DEBUG_SRC
# (source package, default linux-source-6.1), XPMEM_DEBUG_JOBS (make -j,
# default the number of CPUs).

set -eu
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
FRAGMENT=$HERE/debug.config
PKG=${XPMEM_DEBUG_SRC:-linux-source-6.1}
TARBALL=/usr/src/$PKG.tar.xz
CACHE=${XPMEM_DEBUG_CACHE:-$HOME/.cache/xpmem-debug-kernel}
JOBS=${XPMEM_DEBUG_JOBS:-$(nproc)}

die() { echo "tests/debug/kernel.sh: $*" >&2; exit 1; }
say() { echo "tests/debug/kernel.sh: $*" >&2; }

# check_config CONFIG: every line of the fragment took effect.
check_config() {
	local config=$1 line sym bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" && continue
			say "debug.config wants $line, olddefconfig made it:" \
			    "$(grep -E "^(# )?${line%%=*}[= ]" "$config" || echo unset)"
			bad=1
			;;
		'# CONFIG_'*' is not set')
			sym=${line#'# '}
			sym=${sym%% *}
			grep -qE "^$sym=" "$config" || continue
			say "debug.config wants $sym off, olddefconfig set $(grep -E "^$sym=" "$config")"
			bad=1
			;;
		esac
	done <"$FRAGMENT"
	return $bad
}

# build DIR: unpack, configure and build the tree in DIR/linux.
build() {
	local dir=$1 tmp src log=$1/build.log start
	start=$(date +%s)
	rm -rf "$dir"
	mkdir -p "$dir"
	say "building the debug kernel in $dir (≈25 min; log: $log)"
	tmp=$(mktemp -d "$dir/unpack.XXXXXX")
	tar -xJf "$TARBALL" -C "$tmp" || die "cannot unpack $TARBALL"
	src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$src" ] && [ -f "$src/Makefile" ] || die "$TARBALL has no kernel tree"
	mv "$src" "$dir/linux"
	rmdir "$tmp"
	for p in "$HERE"/patches/*.patch; do
		[ -e "$p" ] || continue
		patch -d "$dir/linux" -p1 -s <"$p" >>"$log" 2>&1 ||
			die "$(basename "$p") does not apply; see $log"
	done
	(
		cd "$dir/linux" || exit 1
		make x86_64_defconfig
		scripts/kconfig/merge_config.sh -m .config \
			kernel/configs/kvm_guest.config "$FRAGMENT"
		make olddefconfig
	) >"$log" 2>&1 || die "configuring failed; see $log"
	check_config "$dir/linux/.config" || die "debug.config does not apply to $PKG"
	# modules_prepare and Module.symvers make the tree a KDIR for M= builds.
	(cd "$dir/linux" && nice -n 10 make -j"$JOBS" bzImage modules modules_prepare) \
		>>"$log" 2>&1 || die "the kernel build failed; see the end of $log"
	make -s -C "$dir/linux" kernelrelease >"$dir/built" 2>>"$log" ||
		die "no kernelrelease; see $log"
	say "built $(cat "$dir/built") in $(( ($(date +%s) - start) / 60 )) min"
}

# need_tools: what a kernel build needs, as the packages to install.
need_tools() {
	local missing='' t
	for t in make gcc bc flex bison perl patch; do
		command -v "$t" >/dev/null || missing+=" $t"
	done
	[ -e /usr/include/gelf.h ] || missing+=" libelf-dev"
	[ -e /usr/include/openssl/opensslv.h ] || missing+=" libssl-dev"
	[ -z "$missing" ] ||
		die "missing build tools: apt-get install --no-install-recommends$missing"
}

main() {
	local version hash key dir old
	[ -r "$TARBALL" ] || die "no $TARBALL (apt-get install $PKG)"
	version=$(dpkg-query -W -f '${Version}' "$PKG" 2>/dev/null) ||
		die "$PKG is not installed as a package"
	hash=$(cat "$FRAGMENT" "$HERE"/patches/*.patch 2>/dev/null | sha256sum | cut -c1-12)
	key=$PKG-$version-$hash
	dir=$CACHE/$key

	if [ "${1:-}" = --path ]; then
		[ -s "$dir/built" ] || die "no debug kernel built for $key yet (run $0)"
		echo "$dir/linux"
		return 0
	fi
	[ $# = 0 ] || die "usage: $0 [--path]"

	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9 || die "cannot lock $CACHE/.lock"
	if [ ! -s "$dir/built" ]; then
		need_tools
		build "$dir"
		for old in "$CACHE/$PKG"-*; do
			[ "$old" = "$dir" ] || rm -rf "$old"
		done
	fi
	echo "$dir/linux"
}

main "$@"; exit $?
