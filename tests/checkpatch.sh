#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tests/checkpatch.sh - the kernel's checkpatch over module/, as reviewers
# run it. checkpatch.pl comes from Debian's linux-source package (the
# headers package lacks it); extracted once into tests/.cache/.
set -eu
cd "$(dirname "$0")/.."
cache=tests/.cache/checkpatch
if [ ! -x "$cache/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
	if [ -z "$tarball" ]; then
		echo "checkpatch: install linux-source-6.1 first" >&2
		exit 2
	fi
	top=$(basename "$tarball" .tar.xz)
	mkdir -p "$cache"
	tar -xJf "$tarball" -C "$cache" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi
files=$(git ls-files 'module/*.c' 'module/*.h')
"$cache/scripts/checkpatch.pl" --no-tree --strict --terse --show-types -f $files
