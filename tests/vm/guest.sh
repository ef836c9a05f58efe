#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tests/vm/run: runs inside the guest's overlay root (a child of
# PID 1, or a systemd service with --systemd).  Usage: guest.sh RUNDIR
#
# RUNDIR (shared with the host) holds:   conf   (written by the host)
#                                        argv   (NUL-separated command)
# and receives:  started  when the command is about to run,
#                dmesg    the whole kernel log after the command,
#                status   the command's exit status (written last).
# The command's stdout+stderr (one pipe) go to the virtio serial port
# org.xpmem.out, which the host copies to its stdout; kernel messages stay
# on ttyS0.

note() { echo "<3>xpmem-vm: $*" >/dev/kmsg; }

# Parsed whole before it runs: the file may change on the host meanwhile.
main() {
	local run=$1 conf port f n d i status argv out catpid killer
	run=$1
	conf="$run/conf"

	if ! . "$conf"; then
		note "cannot read $conf"
		exit 0
	fi

	# Find the output port by name; ports are announced asynchronously, so
	# give them a moment.
	port=
	for ((i = 0; i < 100; i++)); do
		for f in /sys/class/virtio-ports/*/name; do
			n=
			[ -r "$f" ] && read -r n <"$f"
			if [ "$n" = org.xpmem.out ]; then
				d=${f%/name}
				port=/dev/${d##*/}
			fi
		done
		[ -n "$port" ] && [ -c "$port" ] && break
		port=
		sleep 0.1
	done
	if [ -z "$port" ]; then
		note "output port org.xpmem.out not found"
		exit 0
	fi

	mapfile -d '' -t argv <"$run/argv"

	# From here on every kernel message (but debug) also reaches the console
	# log, so a guest that dies during the command still leaves a trace.
	echo 7 >/proc/sys/kernel/printk
	echo "<5>xpmem-vm: command start $VM_TOKEN" >/dev/kmsg
	: >"$run/started"

	cd "$VM_REPO" || exit 0
	# The port can be open only once at a time, so the command writes to a
	# pipe (reopening /dev/stdout works) and cat copies it to the port.
	# Background processes the command leaves behind may hold the pipe:
	# give cat 2 s to drain after the command ends, then stop it.
	exec {out}> >(exec cat >"$port")
	catpid=$!
	env -i "${VM_ENV[@]}" "${argv[@]}" </dev/null >&"$out" 2>&1 {out}>&-
	status=$?
	exec {out}>&-
	(sleep 2; kill "$catpid") >/dev/null 2>&1 &
	killer=$!
	wait "$catpid" 2>/dev/null
	kill "$killer" 2>/dev/null

	# Let deferred kernel work (RCU callbacks, workqueues) report first.
	sleep 0.2
	echo "<5>xpmem-vm: command end $VM_TOKEN status $status" >/dev/kmsg
	# The host reads these after the guest is gone: no need for renames.
	dmesg >"$run/dmesg" 2>&1
	echo "$status" >"$run/status"
	exit 0
}

main "$@"; exit $?
