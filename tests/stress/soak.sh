#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/stress/soak.sh: the guest side of `make soak`. Loads the module,
# runs tests/stress/run.sh --soak, checks /proc/xpmem/global_pages at rest
# and that the module unloads. TAP output; exit 0 if all passed.

set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
failed=0

if [ -d /sys/module/xpmem ]; then
	rmmod xpmem
fi
if out=$(insmod module/xpmem.ko 2>&1); then
	echo "ok - module loads"
else
	echo "not ok - module loads"
	printf '# %s\n' "$out"
	exit 1
fi
for _ in $(seq 50); do
	[ -c /dev/xpmem ] && break
	sleep 0.1
done

tests/stress/run.sh --soak "$@" || failed=1

counters=$(awk -F': *' '/pinned/ { p = $2 } /unpinned/ { u = $2 }
	END { print p, u }' /proc/xpmem/global_pages)
set -- $counters
if [ $# = 2 ] && [ "$1" = "$2" ]; then
	echo "ok - global_pages_pinned_equals_unpinned_at_rest (pinned $1, unpinned $2)"
else
	echo "not ok - global_pages_pinned_equals_unpinned_at_rest ($counters)"
	failed=1
fi
if out=$(rmmod xpmem 2>&1); then
	echo "ok - module unloads"
else
	echo "not ok - module unloads"
	printf '# %s\n' "$out"
	ps -eo pid,stat,wchan:32,comm | awk '$2 ~ /D/' | sed 's/^/# /'
	failed=1
fi
exit $failed
