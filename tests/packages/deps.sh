#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/packages/deps.sh: install, if missing, what `make debs` and
# `make check-packages` need on top of tests/deps.sh: the Debian packaging
# tools, lintian, and dkms (which the guest's dpkg and xpmem-dkms use from
# the host's root).  Quiet when nothing is missing.  Run as root.

set -eu

pkgs=(dpkg-dev debhelper dh-dkms dkms lintian)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/packages/deps.sh: missing packages: ${missing[*]} (run as root)" >&2
	exit 1
fi
echo "tests/packages/deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -q -y -o Dpkg::Use-Pty=0 update </dev/null >&2
apt-get -q -y -o Dpkg::Use-Pty=0 install --no-install-recommends "${missing[@]}" </dev/null >&2
