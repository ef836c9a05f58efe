#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/debug/check.sh [name-substring...]: the engine behind `make
# check-debug`.  Builds (once, ≈25 min) the debug kernel (tests/debug/
# kernel.sh), xpmem.ko for it (tests/kbuild.sh, into tests/.cache/kbuild/
# debug; module/ stays as it is), then boots it once and runs tests/debug/
# guest.sh there: the whole module suite, then a kmemleak scan.  Output is
# shown and saved to tests/.cache/last-check-debug.log; the last line is
# "N passed, N failed" (", N skipped" when some were).  Exit 0 only if
# nothing failed and something passed.
#
# Environment: XPMEM_DEBUG_TIMEOUT (seconds for the guest, default 10800),
# XPMEM_DEBUG_MEM (guest MiB, default 2048), XPMEM_SUITE_ASAN (passed to the
# suite, default 0: userspace ASan is not the point of a KASAN kernel).

set -u
set -o pipefail

LOG=tests/.cache/last-check-debug.log

# Everything runs from main(), which bash parses whole before it starts:
# the script can be edited while a (long) run is under way.
main() {
	local start tree ko rc ok notok skip line t
	cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
	start=$(date +%s)
	mkdir -p tests/.cache

	tree=$(tests/debug/kernel.sh) || return 1
	ko=$(tests/kbuild.sh "$tree" tests/.cache/kbuild/debug) || return 1

	export XPMEM_KO=$ko
	export XPMEM_SUITE_ASAN=${XPMEM_SUITE_ASAN:-0}
	echo "# debug kernel: $tree"
	echo "# module: $ko"
	# the kernel sometimes reports itself during an emulated boot, which
	# turns lockdep off before the suite starts: boot once more then
	for try in 1 2; do
		tests/vm/run --kernel "$tree/arch/x86/boot/bzImage" --append acpi=noirq \
			--mem "${XPMEM_DEBUG_MEM:-2048}" --timeout "${XPMEM_DEBUG_TIMEOUT:-10800}" \
			-- tests/debug/guest.sh "$@" </dev/null 2>&1 | tee "$LOG"
		rc=${PIPESTATUS[0]}
		grep -q '^not ok - lockdep_is_active_when_the_suite_starts' "$LOG" || break
		[ "$try" = 2 ] || echo "# lockdep was off after the boot (attempt $try): booting again"
	done

	notok=$(grep -cE '^not ok( |$)' "$LOG")
	ok=$(grep -cE '^ok( |$)' "$LOG")
	skip=$(grep -E '^ok( |$)' "$LOG" | grep -ciE '#[[:space:]]*skip')
	if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
		echo "not ok - the debug guest run exited with status $rc" | tee -a "$LOG"
		notok=1
	fi
	t=$(( $(date +%s) - start ))
	echo "# wall time: $((t / 60)) min $((t % 60)) s" | tee -a "$LOG"
	line="$((ok - skip)) passed, $notok failed"
	[ "$skip" -eq 0 ] || line+=", $skip skipped"
	echo "$line" | tee -a "$LOG"
	[ "$notok" -eq 0 ] && [ $((ok - skip)) -gt 0 ]
}

main "$@"; exit $?
