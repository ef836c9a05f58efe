# SPDX-License-Identifier: GPL-2.0
#
# tap.sh - sourced by the host test scripts that run one shell function a
# test: run NAME prints "ok - NAME", "ok - NAME # SKIP reason" (status 77,
# its output the reason) or "not ok - NAME" and sets failed=1; the
# function's output follows as TAP comments.

failed=0

diag() { sed 's/^/# /'; }

run() {
	local out rc
	out=$("$1" 2>&1)
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "ok - $1 # SKIP ${out#SKIP: }"
	elif [ $rc -eq 0 ]; then
		echo "ok - $1"
		[ -n "$out" ] && printf '%s\n' "$out" | diag
	else
		echo "not ok - $1"
		failed=1
		[ -n "$out" ] && printf '%s\n' "$out" | diag
	fi
	return 0
}
