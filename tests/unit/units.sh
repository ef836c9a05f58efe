#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# units.sh - host checks of what xpmemd ships besides the binary, as TAP:
# the unit passes `systemd-analyze verify` and keeps a low
# `systemd-analyze security` exposure, the tmpfiles.d entry creates the
# job directory, the udev rule and modules-load.d file say what they
# should, and the man pages xpmemd(8) and xpmemd.conf(5) render without a
# warning. Exits non-zero if any test failed.

# shellcheck disable=SC2317	# the tests are called through run()
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
TMP=$(mktemp -d /tmp/xpmem-units.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
MAX_EXPOSURE=2.0

. tests/unit/tap.sh

# The unit with ExecStart= pointing at something that exists here.
unit() {
	mkdir -p "$TMP/unit"
	sed "s|/usr/sbin/xpmemd|/bin/true|g" units/xpmemd.service >"$TMP/unit/xpmemd.service"
	echo "$TMP/unit/xpmemd.service"
}

unit_verifies() {
	command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; return 77; }
	local out
	out=$(systemd-analyze verify --man=no "$(unit)" 2>&1) || { echo "$out"; return 1; }
	# warnings come back on stderr with status 0 too
	[ -z "$out" ] || { echo "$out"; return 1; }
}

unit_is_notify_with_a_checked_reload() {
	local u=units/xpmemd.service
	# shellcheck disable=SC2016	# $MAINPID is for systemd
	grep -qx 'Type=notify' "$u" &&
	grep -qx 'ExecReload=/usr/sbin/xpmemd --check-config' "$u" &&
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$u" &&
	grep -qx 'Restart=on-failure' "$u" &&
	grep -q '^WatchdogSec=' "$u" &&
	grep -qx 'Wants=modprobe@xpmem.service' "$u" &&
	grep -q '^After=modprobe@xpmem.service' "$u" &&
	grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$u" &&
	grep -qx 'RestrictAddressFamilies=AF_NETLINK AF_UNIX' "$u" &&
	grep -qx 'RuntimeDirectoryPreserve=yes' "$u" &&
	! grep -q '^PrivateNetwork=' "$u" && ! grep -q '^PrivateUsers=' "$u"
}

unit_exposure_is_low() {
	command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; return 77; }
	local out level
	out=$(systemd-analyze security --offline=yes "$(unit)" 2>&1)
	level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for xpmemd.service: \([0-9.]*\).*/\1/p')
	echo "exposure $level (at most $MAX_EXPOSURE)"
	[ -n "$level" ] && awk -v l="$level" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(l <= m) }'
}

tmpfiles_creates_the_job_dir() {
	command -v systemd-tmpfiles >/dev/null || { echo "SKIP: no systemd-tmpfiles"; return 77; }
	systemd-tmpfiles --create --root="$TMP/root" "$TOP/units/xpmem.tmpfiles" || return 1
	[ "$(stat -c '%a %U' "$TMP/root/run/xpmem/jobs")" = "755 root" ]
}

udev_rule_and_modules_load() {
	grep -qx 'KERNEL=="xpmem", SUBSYSTEM=="misc", MODE="0666"' units/60-xpmem.rules &&
	[ "$(grep -v '^#' units/modules-load.d/xpmem.conf)" = xpmem ]
}

man_pages_render_cleanly() {
	local m out bad=0
	command -v man >/dev/null || { echo "SKIP: no man"; return 77; }
	for m in man/xpmemd.8 man/xpmemd.conf.5; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
		[ -z "$out" ] || { echo "$m: $out"; bad=1; }
		LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$m" 2>/dev/null | grep -q 'SEE ALSO' || {
			echo "$m does not render"
			bad=1
		}
	done
	return "$bad"
}

example_config_is_valid() {
	local d=$TMP/example
	mkdir -p "$d" && cp xpmemd/xpmemd.conf.example "$d/xpmemd.conf" || return 1
	[ -x xpmemd/xpmemd ] || make -s -C xpmemd >/dev/null || return 1
	xpmemd/xpmemd --check-config --config-dir "$d"
}

run unit_verifies
run unit_is_notify_with_a_checked_reload
run unit_exposure_is_low
run tmpfiles_creates_the_job_dir
run udev_rule_and_modules_load
run man_pages_render_cleanly
run example_config_is_valid
exit $failed
