#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/debug/guest.sh [name-substring...]: what `make check-debug` runs in
# the debug guest (tests/debug/check.sh boots it).  Forgets the leak
# suspects of the boot, runs tests/kmod/suite.sh (arguments passed on),
# then has kmemleak scan twice and copies every unreferenced object it
# reports into the kernel log, where the harness's splat scan fails the run.
# Output: TAP, like the suite.  Exit status: the suite's, or 1 if kmemleak
# found leaks or is missing.

set -u

KMEMLEAK=/sys/kernel/debug/kmemleak

diag() { sed 's/^/# /'; }

# kmemleak only reports objects older than 5 s that two scans in a row
# found unreferenced: scan, wait, scan.
scan() {
	echo scan >"$KMEMLEAK" && sleep 6 && echo scan >"$KMEMLEAK"
}

# Everything runs from main(), which bash parses whole before it starts:
# the script can be edited while a (long) run is under way.
main() {
	local failed=0 t leaks line
	cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

	# A report during the boot (the kernel's own, before any of ours)
	# switches lock debugging off for good: the run would prove nothing.
	if ! grep -qE '^ *debug_locks: +1$' /proc/lockdep_stats 2>/dev/null; then
		echo "not ok - lockdep_is_active_when_the_suite_starts"
		grep -E 'debug_locks' /proc/lockdep_stats 2>&1 | diag
		return 1
	fi
	echo "ok - lockdep_is_active_when_the_suite_starts"

	if [ ! -w "$KMEMLEAK" ]; then
		echo "not ok - kmemleak_is_on_in_the_debug_kernel"
		echo "# no $KMEMLEAK: is debugfs mounted, CONFIG_DEBUG_KMEMLEAK on?"
		return 1
	fi
	t=$(date +%s)
	if ! scan || ! echo clear >"$KMEMLEAK"; then
		echo "not ok - kmemleak_scans_before_the_suite"
		return 1
	fi
	echo "# kmemleak: suspects from the boot cleared ($(($(date +%s) - t)) s)"

	t=$(date +%s)
	tests/kmod/suite.sh "$@" || failed=1
	echo "# suite: $(($(date +%s) - t)) s"

	t=$(date +%s)
	if ! scan; then
		echo "not ok - kmemleak_scans_after_the_suite"
		return 1
	fi
	leaks=$(cat "$KMEMLEAK")
	echo "# kmemleak: scanned in $(($(date +%s) - t)) s"
	if [ -z "$leaks" ]; then
		echo "ok - kmemleak_finds_no_unreferenced_objects_after_the_suite"
	else
		echo "not ok - kmemleak_finds_no_unreferenced_objects_after_the_suite"
		printf '%s\n' "$leaks" | diag
		# one kernel log record per line, for the splat scan
		printf '%s\n' "$leaks" | while IFS= read -r line; do
			printf '<4>kmemleak report: %s\n' "$line" >/dev/kmsg
		done
		failed=1
	fi
	return $failed
}

main "$@"; exit $?
