#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/stress/run.sh: stress and fuzz the loaded module, inside the guest.
#
#   tests/stress/run.sh [--soak] [stress|ioctl|netlink|rest ...]
#
# Run as root with module/xpmem.ko loaded and nothing else using it (the
# guest suite's state after its drivers). Phases, in this order:
#   stress   xpmem_stress: 6 processes (half uid 65534) x random operations,
#            60 s (--soak: 600 s), then every counter back at rest
#   ioctl    xpmem_ioctl_fuzz: 2*10^4 calls (--soak: 10^6)
#   netlink  xpmem_nl_fuzz: 5*10^3 messages (--soak: 10^5), unprivileged
#            then root; the root phase resets the policy afterwards
#   rest     no object left, global_pages balanced
# Names select phases (rest always runs). TAP output; exit 0 if all passed.
# Knobs: XPMEM_STRESS_SECONDS, XPMEM_STRESS_WORKERS, XPMEM_FUZZ_CALLS,
# XPMEM_FUZZ_MESSAGES, XPMEM_STRESS_SEED (seeds every phase).

set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

soak=0
if [ "${1:-}" = --soak ]; then
	soak=1
	shift
fi
if [ $soak = 1 ]; then
	seconds=600 calls=1000000 messages=100000
else
	seconds=60 calls=20000 messages=5000
fi
seconds=${XPMEM_STRESS_SECONDS:-$seconds}
calls=${XPMEM_FUZZ_CALLS:-$calls}
messages=${XPMEM_FUZZ_MESSAGES:-$messages}
workers=${XPMEM_STRESS_WORKERS:-6}
seed=()
[ -n "${XPMEM_STRESS_SEED:-}" ] && seed=(-s "$XPMEM_STRESS_SEED")

failed=0
wanted() {
	[ $# -eq 1 ] && return 0
	local p=$1
	shift
	for n in "$@"; do [ "$n" = "$p" ] && return 0; done
	return 1
}

phase() {
	local name=$1 bin=$2 start rc
	shift 2
	if [ ! -x "$bin" ]; then
		echo "not ok - ${name}_is_built"
		echo "# $bin is missing: run 'make tests' on the host"
		failed=1
		return
	fi
	echo "# --- $name: ${bin##*/} $*"
	start=$SECONDS
	"$bin" "$@"
	rc=$?
	echo "# $name took $((SECONDS - start)) s"
	[ $rc = 0 ] || failed=1
}

[ -c /dev/xpmem ] || { echo "not ok - dev_xpmem_exists (load module/xpmem.ko first)"; exit 1; }
chmod 666 /dev/xpmem

if wanted stress "$@"; then
	phase stress tests/stress/xpmem_stress -n "$workers" -t "$seconds" "${seed[@]}"
fi
if wanted ioctl "$@"; then
	phase ioctl tests/fuzz/xpmem_ioctl_fuzz -n "$calls" "${seed[@]}"
fi
if wanted netlink "$@"; then
	phase netlink tests/fuzz/xpmem_nl_fuzz -n "$messages" "${seed[@]}"
fi
phase rest tests/stress/xpmem_stress --rest
exit $failed
