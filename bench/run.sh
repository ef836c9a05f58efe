#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench/run.sh [SECTION...] - run in the guest by `make bench`: load the
# module, set up what the sections need (hugetlb pages, no segment quota),
# print the ratios of each section, put every knob back, unload.
# Sections (default: all, in this order): cold prefault steady transfer
# numa control baseline -- control late: it is the longest, and the kernel
# objects of its 100,000 segments should not be in the others' way;
# baseline last: it reloads the module. Boot with
# -cpu max,erms=off,fsrm=off (the Makefile does): TCG emulates rep movsb
# slowly and would flatter xpmem over CMA. About 3 minutes in the guest.
set -u
cd "$(dirname "$0")/.."

sections=${*:-cold prefault steady transfer numa control baseline}
ctl=xpmemctl/xpmemctl
export XPMEMCTL="$PWD/$ctl"
one_page=/sys/module/xpmem/parameters/one_page_faults
hugepages=/proc/sys/vm/nr_hugepages
numa_knobs="/proc/sys/kernel/numa_balancing
/sys/kernel/debug/sched/numa_balancing/scan_delay_ms
/sys/kernel/debug/sched/numa_balancing/scan_period_min_ms"
hugetlb_mib=64

if [ "$(id -u)" != 0 ]; then
	echo "bench/run.sh: run as root (in the guest: make bench)" >&2
	exit 1
fi
loaded=
if ! lsmod | grep -q '^xpmem '; then
	insmod module/xpmem.ko || exit 1
	loaded=1
fi

# what to put back, whatever happens
saved_hp=$(cat "$hugepages" 2>/dev/null || echo 0)
saved_numa=
for k in $numa_knobs; do
	[ -r "$k" ] && saved_numa="$saved_numa $k=$(cat "$k")"
done
restore() {
	[ -w "$one_page" ] && echo N >"$one_page"
	for kv in $saved_numa; do
		echo "${kv#*=}" >"${kv%%=*}" 2>/dev/null
	done
	echo "$saved_hp" >"$hugepages" 2>/dev/null
	$ctl policy reset >/dev/null 2>&1
}
trap restore EXIT
trap 'exit 130' INT TERM

# 2 MiB hugetlb pages for the cold section's hugetlb source (64 MiB)
hp_size=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)
if [ "${hp_size:-0}" = 2048 ]; then
	echo $((hugetlb_mib / 2)) >"$hugepages" 2>/dev/null
	echo "# hugetlb: asked for $hugetlb_mib MiB of 2 MiB pages, got $(cat "$hugepages") pages"
else
	echo "# hugetlb: default huge page size is ${hp_size:-unknown} kB, not 2 MiB: the hugetlb source will be skipped"
fi
echo "# guest: kernel $(uname -r), $(nproc) CPUs," \
	"$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo) MiB"
echo "# THP: enabled $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)," \
	"defrag $(cat /sys/kernel/mm/transparent_hugepage/defrag 2>/dev/null)"

# the control section makes 100,000 segments: lift the 4096 default quota
if ! $ctl policy set default-max-segments unlimited >/dev/null; then
	echo "# could not lift the segment quota: the control section will stop at it"
fi

# baseline: the control cycle (xpmem_bench cycle) under this module and
# under $XPMEM_BENCH_BASELINE, the module as it was at revision
# $XPMEM_BENCH_BASELINE_REV (make bench builds it), loaded in turn
# $BASELINE_ROUNDS times each. A shared host's speed drifts over a run by
# more than the difference measured, so each ratio is the median of the
# rounds' own ratios (one run of each module, back to back), not the ratio
# of two medians taken minutes apart; the times printed are medians. The
# order alternates from round to round (base first, then ours first), so
# a drift within a round favours neither module.
BASELINE_ROUNDS=9
baseline() {
	local ko=${XPMEM_BENCH_BASELINE:-} rev=${XPMEM_BENCH_BASELINE_REV:-?}
	local runs r which line order
	echo "== baseline: get + attach 64 KiB + detach + release at 10 segments, this module / the module at $rev =="
	echo "   (the issue measured hpc's cycle at 0.6x this revision's, on the same kind of guest)"
	if [ -z "$ko" ] || [ ! -f "$ko" ]; then
		echo "  skipped: no baseline module (make bench builds it from the git history, which a shallow clone lacks)"
		return 0
	fi
	runs=$(mktemp)
	for r in $(seq "$BASELINE_ROUNDS"); do
		order="base ours"
		[ $(( r % 2 )) = 0 ] && order="ours base"
		for which in $order; do
			rmmod xpmem || return 1
			if [ "$which" = base ]; then insmod "$ko"; else insmod module/xpmem.ko; fi || return 1
			line=$(bench/xpmem_bench cycle) || return 1
			echo "$which ${line#cycle-us }" >>"$runs"
		done
	done
	awk 'function med(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ n[$1]++; touch[$1, n[$1]] = $2; bare[$1, n[$1]] = $3; kern[$1, n[$1]] = $4 }
	END {
		for (i = 1; i <= n["ours"]; i++) {
			ot[i] = touch["ours", i]; ob[i] = bare["ours", i]; ok[i] = kern["ours", i]
			bt[i] = touch["base", i]; bb[i] = bare["base", i]; bk[i] = kern["base", i]
			rb[i] = ob[i] / bb[i]; rt[i] = ot[i] / bt[i]
			rk[i] = (ok[i] + bk[i]) / 2 / bb[i]
		}
		r = n["ours"]
		q = med(rb, r); o = med(ob, r); b = med(bb, r)
		printf "  cycle / baseline: %.2fx (target <= 0.6x: %s; medians %.1f vs %.1f us)\n", q, q <= 0.6 ? "met" : "MISSED", o, b
		printf "  (the %d rounds: %.2fx to %.2fx)\n", r, rb[1], rb[r]	# med() sorted rb
		k = med(rk, r)
		printf "  the kernel'"'"'s share (4 ioctls no module handles, mmap + munmap of a 64 KiB memfd) / baseline: %.2fx\n", k
		printf "  each module'"'"'s own work / the baseline'"'"'s: %.2fx (0.6x overall leaves a module %.2fx of the baseline cycle, it takes %.2fx)\n", (q - k) / (1 - k), 0.6 - k, q - k
		printf "  cycle touching one page / baseline: %.2fx (medians %.1f vs %.1f us)\n", med(rt, r), med(ot, r), med(bt, r)
	}' "$runs"
	rm -f "$runs"
}

status=0
start=$(date +%s)
for s in $sections; do
	t0=$(date +%s)
	if [ "$s" = baseline ]; then
		baseline || { status=1; echo "# section $s FAILED"; }
	else
		bench/xpmem_bench "$s" || { status=1; echo "# section $s FAILED"; }
	fi
	echo "# ($s: $(($(date +%s) - t0)) s)"
	echo
	# the hugetlb pool is only for the cold section
	[ "$s" = cold ] && echo "$saved_hp" >"$hugepages" 2>/dev/null
done
echo "# all sections: $(($(date +%s) - start)) s in the guest"

restore
trap - EXIT
if [ "$(cat "$one_page" 2>/dev/null)" != N ]; then
	echo "# one_page_faults was not restored to N" >&2
	status=1
fi
if [ -n "$loaded" ] && ! rmmod xpmem; then
	echo "# rmmod xpmem failed" >&2
	status=1
fi
exit $status
