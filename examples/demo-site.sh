#!/bin/bash
# SPDX-License-Identifier: MIT
#
# demo-site.sh - the admin's half of the tour: site policy on a booted
# system. `make demo` runs it as root in a guest with systemd as PID 1,
# after examples/demo.sh, from the repository root, after building.
#
# xpmemd starts with the example policy (strict: no cross-user access
# unless a rule allows it; two processes of one batch job may share), a
# cross-user attach is refused and lands in the journal, the same two
# users inside one registered job succeed, and xpmemctl shows it all.

set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
indent() { sed 's/^/    /'; }
ALICE=1000 BOB=1001

producer_pid=
cleanup() {
	[ -n "$producer_pid" ] && kill "$producer_pid" 2>/dev/null
	systemctl stop xpmemd 2>/dev/null || true
	return 0
}
trap cleanup EXIT

# as root in the guest: put the built programs where the unit expects them
install -m 0755 xpmemd/xpmemd xpmemctl/xpmemctl /usr/sbin/
install -D -m 0644 units/xpmemd.service /etc/systemd/system/xpmemd.service
install -D -m 0644 units/xpmem.tmpfiles /etc/tmpfiles.d/xpmem.conf
install -D -m 0644 xpmemd/xpmemd.conf.example /etc/xpmem/xpmemd.conf
install -D -m 0644 module/xpmem.ko "/lib/modules/$(uname -r)/extra/xpmem.ko"
depmod -a
systemd-tmpfiles --create /etc/tmpfiles.d/xpmem.conf
systemctl daemon-reload
systemctl is-system-running --wait >/dev/null 2>&1 || true

say "The site policy lives in /etc/xpmem/xpmemd.conf (here: the shipped example):"
grep -v '^#' /etc/xpmem/xpmemd.conf | grep -v '^$' | indent

say "systemctl start xpmemd: the daemon loads the module, pushes the policy"
echo "    into the kernel and tells systemd it is ready:"
systemctl start xpmemd
systemctl show -p StatusText --value xpmemd | indent
chmod 666 /dev/xpmem
xpmemctl policy show | indent

say "alice (uid $ALICE) exports 1 MiB, readable by anyone as far as the"
echo "    mode bits go (0644)."
coproc PRODUCER { exec setpriv --reuid=$ALICE --regid=$ALICE --clear-groups \
	examples/producer 0644; }
# shellcheck disable=SC2153	# PRODUCER_PID is set by coproc
producer_pid=$PRODUCER_PID
read -r segid size <&"${PRODUCER[0]}"

say "bob (uid $BOB) tries to read it. The mode bits would allow it; the"
echo "    site policy (strict) does not:"
if setpriv --reuid=$BOB --regid=$BOB --clear-groups \
	examples/consumer "$segid" "$size" 2>&1 | indent; then
	echo "    (unexpectedly allowed)"
fi

say "The refusal is in the journal, with structured fields:"
sleep 1
journalctl -q --no-pager -o cat XPMEM_EVENT=denied | tail -n 1 | indent
journalctl -q --no-pager -o verbose XPMEM_EVENT=denied | \
	grep -E '^ +XPMEM_' | sort -u | indent

say "Now both run inside one batch job (a cgroup registered with"
echo "    xpmemctl job add, as the Slurm prolog does). The SameJob rule lets"
echo "    them share:"
echo >&"${PRODUCER[1]}"
wait "$producer_pid" || true
producer_pid=
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
mkdir -p "$cg/demo-job/alice" "$cg/demo-job/bob"
xpmemctl job add 4242 uid $ALICE cgroup "$cg/demo-job"
coproc PRODUCER { echo "$BASHPID" >"$cg/demo-job/alice/cgroup.procs"
	exec setpriv --reuid=$ALICE --regid=$ALICE --clear-groups \
	examples/producer 0644; }
producer_pid=$PRODUCER_PID
read -r segid size <&"${PRODUCER[0]}"
(echo "$BASHPID" >"$cg/demo-job/bob/cgroup.procs"
 exec setpriv --reuid=$BOB --regid=$BOB --clear-groups \
	examples/consumer "$segid" "$size") 2>&1 | indent

say "xpmemctl segments: who exports what, in which job:"
xpmemctl segments | indent
say "xpmemctl stats: what happened, globally and per uid and job:"
xpmemctl stats | indent

echo >&"${PRODUCER[1]}"
wait "$producer_pid" || true
producer_pid=
xpmemctl job del 4242
say "Done: the kernel enforced the site policy, the journal recorded the"
echo "    refusal, and the batch job's two users shared memory."
