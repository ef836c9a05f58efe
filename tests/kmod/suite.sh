#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kmod/suite.sh: the guest test suite for module/xpmem.ko.
#
#   tests/vm/run -- tests/kmod/suite.sh [name-substring...]
#
# Run as root inside the guest with the repository as the working directory
# (the drivers must already be built: make tests).  Loads the module, runs
# the raw ABI driver, the libxpmem driver and its ASan/UBSan build, checks
# the page counters of /proc/xpmem/global_pages at rest, unloads the module.
# Output: "ok - name", "not ok - name", "ok - name # SKIP why", "# ...".
# Exit status: 0 if nothing failed.
#
# Name substrings, if given, select driver tests (module load/unload and the
# leak check always run).  The ASan pass runs with -q (no heavy tests) unless
# XPMEM_SUITE_ASAN=full; XPMEM_SUITE_ASAN=0 skips it.  XPMEM_KO names the
# module file to load (default module/xpmem.ko; tests/kbuild.sh builds others).

set -u

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
KMOD=tests/kmod
XPMEM_KO=${XPMEM_KO:-module/xpmem.ko}
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }
skip() { echo "ok - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }

# --- load --------------------------------------------------------------------
if [ -d /sys/module/xpmem ]; then
	echo "# xpmem was already loaded; unloading it first"
	rmmod xpmem 2>&1 | diag
fi
if out=$(insmod "$XPMEM_KO" 2>&1); then
	ok "module loads"
else
	not_ok "module loads"
	printf '%s\n' "$out" | diag
	dmesg | tail -n 20 | diag
	exit 1
fi

# devtmpfs creates the node; give it a moment
for _ in $(seq 50); do
	[ -c /dev/xpmem ] && break
	sleep 0.1
done
if [ -c /dev/xpmem ]; then
	ok "dev_xpmem_is_a_character_device"
else
	not_ok "dev_xpmem_is_a_character_device"
	ls -l /dev/xpmem 2>&1 | diag
	if [ -r /sys/class/misc/xpmem/dev ]; then
		IFS=: read -r major minor </sys/class/misc/xpmem/dev
		echo "creating /dev/xpmem ($major:$minor) by hand to go on" | diag
		mknod /dev/xpmem c "$major" "$minor"
	fi
fi
echo "# /dev/xpmem: $(stat -c '%A %U:%G' /dev/xpmem 2>&1)"
# the permission tests open the device after dropping root
chmod 666 /dev/xpmem

read_counters() {
	awk -F': *' '
		/^all pages pinned by XPMEM: [0-9]+$/ { p = $2; np++ ; next }
		/^all pages unpinned by XPMEM: [0-9]+$/ { u = $2; nu++; next }
		{ bad++ }
		END { if (np == 1 && nu == 1 && !bad && NR == 2) print p, u
		      else print "malformed" }' /proc/xpmem/global_pages 2>/dev/null
}
before=$(read_counters)
echo "# global_pages before the drivers: ${before:-unreadable}"

# --- the drivers -----------------------------------------------------------------
run_driver() {
	local bin=$1
	shift
	if [ ! -x "$KMOD/$bin" ]; then
		not_ok "${bin}_is_built"
		echo "# $KMOD/$bin is missing: run 'make tests' on the host"
		return
	fi
	echo "# --- $bin $*"
	"$KMOD/$bin" "$@" || failed=1
}

run_driver raw_ioctl "$@"
run_driver xpmem_test "$@"
case ${XPMEM_SUITE_ASAN:-quick} in
0|no) skip "asan pass" "XPMEM_SUITE_ASAN=0" ;;
full) run_driver raw_ioctl-asan -P asan/ "$@"
      run_driver xpmem_test-asan -P asan/ "$@" ;;
*)    # the heavy tests exercise the module, not our userspace: skip them
      run_driver raw_ioctl-asan -P asan/ -q "$@"
      run_driver xpmem_test-asan -P asan/ -q "$@" ;;
esac

# --- xpmemctl against the module (bats; skipped when names were given) -------------
# hwloc's topology shared in place (examples/hwloc_topology.c), as nobody
if [ $# -eq 0 ]; then
	for opt in "" --busy; do
		name=hwloc_topology_is_walked_in_place_by_a_peer_via_attach_same
		[ -n "$opt" ] && name=hwloc_topology_peer_falls_back_to_its_own_discovery_on_EBUSY
		if [ ! -x examples/hwloc_topology ]; then
			skip "$name" "examples/hwloc_topology not built (no libhwloc-dev)"
			continue
		fi
		if out=$(setpriv --reuid 65534 --regid 65534 --clear-groups \
			 examples/hwloc_topology $opt 2>&1); then
			ok "$name"
		else
			not_ok "$name"
		fi
		printf '%s\n' "$out" | diag
	done
fi

if [ $# -eq 0 ] && [ "${XPMEM_SUITE_CTL:-1}" != 0 ]; then
	echo "# --- bats tests/kmod/ctl.bats"
	bats --tap tests/kmod/ctl.bats || failed=1
fi

# --- stress and fuzz (tests/stress/README.md): ~70 s ------------------------------
# Last before the leak check: its root netlink phase resets the policy and
# deletes every job, so nothing else may be using xpmem meanwhile.
if [ $# -eq 0 ] && [ "${XPMEM_SUITE_STRESS:-1}" != 0 ]; then
	echo "# --- tests/stress/run.sh"
	tests/stress/run.sh || failed=1
fi

# --- leak check: every test process is gone, so pinned == unpinned ----------------
counters=malformed
for _ in $(seq 50); do
	counters=$(read_counters)
	set -- $counters
	[ $# = 2 ] && [ "$1" = "$2" ] && break
	sleep 0.1
done
set -- $counters
if [ "$counters" = malformed ] || [ $# != 2 ]; then
	not_ok "global_pages_has_the_two_counter_lines"
	cat /proc/xpmem/global_pages 2>&1 | diag
else
	ok "global_pages_has_the_two_counter_lines"
	echo "# global_pages after the drivers: pinned $1, unpinned $2"
	if [ "$1" = "$2" ]; then
		ok "global_pages_pinned_equals_unpinned_at_rest"
	else
		not_ok "global_pages_pinned_equals_unpinned_at_rest"
		echo "# $(( $1 - $2 )) pages still counted as pinned"
	fi
	if [ "$1" -gt 0 ] && [ "$2" -gt 0 ]; then
		ok "global_pages_counters_moved_during_the_run"
	else
		not_ok "global_pages_counters_moved_during_the_run"
	fi
fi

# --- unload ----------------------------------------------------------------------
if out=$(rmmod xpmem 2>&1); then
	ok "module unloads"
else
	not_ok "module unloads"
	printf '%s\n' "$out" | diag
	lsmod | grep -w xpmem | diag
	ps -eo pid,stat,wchan:32,comm | awk '$2 ~ /D/' | diag
fi

exit $failed
