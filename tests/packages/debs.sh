#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/packages/debs.sh: `make debs`.  Builds the Debian packages with
# `dpkg-buildpackage -us -uc -b` in a copy of the tree (the files git
# tracks or would track, as they are in the working tree), so the build
# and its clean step leave the developer's own build alone.  The .debs,
# the .changes and the .buildinfo land in debs/ (DEBS_DIR), the build log
# in debs/build.log.  Needs dpkg-dev, debhelper and dh-dkms
# (tests/packages/deps.sh installs them); no network, no guest.

set -eu
set -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
top=$PWD
out=${DEBS_DIR:-$top/debs}
version=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' Makefile)
src=$out/xpmem-$version

if ! git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	echo "debs.sh: $top is not a git checkout; run dpkg-buildpackage -us -uc -b in it" >&2
	exit 1
fi

rm -rf "$out"
mkdir -p "$src"
# tracked and untracked-but-not-ignored files that exist right now
git ls-files -z -co --exclude-standard |
	while IFS= read -r -d '' f; do
		[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
	done |
	tar --null -T - -cf - | tar -xf - -C "$src"

# A clean environment: `make debs` exports the top-level Makefile's CC,
# CFLAGS and install directories, which must not leak into the package.
# DEB_* (e.g. DEB_BUILD_OPTIONS=parallel=2) pass through.
mapfile -t keep < <(env | grep -E '^DEB_[A-Z_]*=' || true)
echo "  DEB     $out (log: $out/build.log)"
if ! (cd "$src" && env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 "${keep[@]}" \
	dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "debs.sh: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
fi
rm -rf "$src"
ls -1 "$out"/*.deb
