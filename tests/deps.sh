#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/deps.sh: install the Debian packages that building and testing xpmem
# need, and only those that are missing.  Quiet when nothing is missing;
# needs no terminal and no stdin.  Run as root (or with password-less sudo).

set -eu
set -o pipefail

pkgs=(
	# build: module, library, tests
	gcc g++ make libc6-dev pkg-config man-db
	linux-headers-amd64
	libnl-genl-3-dev libsystemd-dev
	# examples/hwloc_topology (an hwloc topology shared in place)
	libhwloc-dev
	# the guests: Debian 12's kernels (6.1, and 6.12 from its security
	# archive: make check runs the module suite on both), qemu, the
	# initramfs tools
	linux-image-amd64 linux-image-6.12-amd64 linux-headers-6.12-amd64
	qemu-system-x86
	busybox-static cpio kmod xz-utils zstd
	util-linux coreutils grep gzip
	# systemd as PID 1 in the guest (tests/vm/run --systemd); procps for
	# the unit's ExecReload (/bin/kill), absent from a minimal root
	systemd procps
	# test runners
	bats bats-assert bats-support
	python3 python3-yaml
	# a debugger reading attached memory (t_access.c)
	gdb
)

# `tests/deps.sh clients`: also what make check-clients needs to fetch and
# build UCX and Open MPI from Debian's source packages
if [ "${1:-}" = clients ]; then
	pkgs+=(dpkg-dev autoconf automake libtool g++ perl file)
fi

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' installed$'
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		as_root=(sudo -n)
	else
		echo "tests/deps.sh: missing packages: ${missing[*]}" >&2
		echo "tests/deps.sh: run as root (or with password-less sudo) to install them" >&2
		exit 1
	fi
fi

echo "tests/deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -y -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef
	  -o Dpkg::Options::=--force-confold)
# apt's output goes to stderr: stdout belongs to the test results.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get "${apt_opts[@]}" update </dev/null >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" </dev/null >&2

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ ${#still[@]} -gt 0 ]; then
	echo "tests/deps.sh: could not install: ${still[*]}" >&2
	exit 1
fi
