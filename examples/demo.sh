#!/bin/bash
# SPDX-License-Identifier: MIT
#
# demo.sh - a guided tour of XPMEM for newcomers. `make demo` runs it as
# root inside the test guest, from the repository root, after building.
#
# It loads the module, lets process B read 1 MiB of process A's memory,
# walks a linked list of one process in place from another, and unloads
# the module again (if it loaded it).

set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
counters() {
	if [ -r /proc/xpmem/global_pages ]; then
		sed 's/^/    /' /proc/xpmem/global_pages
	fi
}

loaded_here=
producer_pid=
cleanup() {
	if [ -n "$producer_pid" ]; then
		kill "$producer_pid" 2>/dev/null || true
	fi
	if [ -n "$loaded_here" ]; then
		say "Unloading the module."
		rmmod xpmem
	fi
}
trap cleanup EXIT

# --- 1. the device -------------------------------------------------------
if [ ! -d /sys/module/xpmem ]; then
	say "Loading module/xpmem.ko. It adds one device, /dev/xpmem, through"
	echo "    which processes export and attach memory."
	insmod module/xpmem.ko
	loaded_here=1
fi
for _ in $(seq 50); do
	[ -c /dev/xpmem ] && break
	sleep 0.1
done
ls -l /dev/xpmem

say "Kernel counters of pages mapped into attachments (the lineage calls"
echo "    them pinned/unpinned; nothing is pinned here). Before:"
counters

# --- 2. producer and consumer ----------------------------------------------
say "Process A (examples/producer) fills 1 MiB and exports it."
coproc PRODUCER { exec examples/producer 0600; }
# shellcheck disable=SC2153	# PRODUCER_PID is set by coproc
producer_pid=$PRODUCER_PID
read -r segid size <&"${PRODUCER[0]}"
echo "    A exported $((size / 1024)) KiB as segment $segid. That number is"
echo "    all B needs; A passed it on through a pipe, any channel would do."

say "Process B (examples/consumer) gets read-only access, attaches the"
echo "    segment and copies it out: one memcpy straight from A's pages, no"
echo "    copy through the kernel, no system call per byte."
examples/consumer "$segid" "$size"

say "B has detached. Every page B mapped was unmapped again:"
counters

say "A removes the segment and exits."
echo >&"${PRODUCER[1]}"
wait "$producer_pid"
producer_pid=

# --- 3. the same-address extension -----------------------------------------
say "examples/linked_list: a parent builds a linked list and exports it; a"
echo "    forked reader attaches it at the parent's own address with"
echo "    xpmem_attach_same() and follows the parent's raw pointers."
echo "    First the address is still taken by the reader's fork-time copy"
echo "    (EBUSY, nothing is replaced); once that is unmapped, it works."
examples/linked_list

say "Done: two processes shared memory with plain loads, no copies."
