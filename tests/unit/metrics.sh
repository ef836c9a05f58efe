#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# metrics.sh - host tests of `xpmemctl stats --format=prometheus' and of
# what writes it for node_exporter, as TAP:
#  - metrics_test.c against xpmemctl/metrics.c (plain, and with ASan/UBSan
#    as asan/...): the exact text of a known dump, escaping, order;
#  - its exposition with every awkward user name passes the strict format
#    checker promtext.py, in both variants (and `promtool check metrics'
#    where promtool is installed), and the checker refuses broken texts;
#  - units/xpmem-metrics.{service,timer} pass `systemd-analyze verify',
#    keep a low `systemd-analyze security' exposure, and say what they
#    must; the Debian package does not enable the timer.
# Exits non-zero if any test failed.

# shellcheck disable=SC2317	# the tests are called through run()
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${CC:=cc}"
: "${SAN_FLAGS:=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all}"

BUILD=tests/unit/build
CHECKER=tests/unit/promtext.py
FLAGS=(-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g -Ixpmemctl -Ilibxpmem
       -Imodule/uapi -Itests/unit)
SRC=(tests/unit/metrics_test.c xpmemctl/metrics.c)
# shellcheck disable=SC2054	# the comma belongs to -Wl
WRAP=(-Wl,--wrap=getpwuid)
SERVICE=units/xpmem-metrics.service
TIMER=units/xpmem-metrics.timer
MAX_EXPOSURE=2.0
TMP=$(mktemp -d /tmp/xpmem-metrics.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

. tests/unit/tap.sh

# ---- metrics_test.c ------------------------------------------------------------

mkdir -p "$BUILD"
# shellcheck disable=SC2086	# SAN_FLAGS is a list of flags
if ! out=$($CC "${FLAGS[@]}" -o "$BUILD/metrics_test" "${SRC[@]}" "${WRAP[@]}" 2>&1 &&
	   $CC "${FLAGS[@]}" $SAN_FLAGS -o "$BUILD/metrics_test-san" "${SRC[@]}" \
		"${WRAP[@]}" 2>&1); then
	echo "not ok - metrics_test_builds"
	printf '%s\n' "$out" | diag
	exit 1
fi
echo "ok - metrics_test_builds"

"$BUILD/metrics_test" 2>&1 | sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	"$BUILD/metrics_test-san" 2>&1 |
	sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /' \
	    -e 's/^\(\(not \)\{0,1\}ok - \)/\1asan\//'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

# ---- the format checker --------------------------------------------------------

sample_is_valid_prometheus_text() {
	"$BUILD/metrics_test" --print prometheus >"$TMP/sample.prom" || return 1
	[ -s "$TMP/sample.prom" ] && "$CHECKER" "$TMP/sample.prom"
}

sample_is_valid_openmetrics_text() {
	"$BUILD/metrics_test" --print openmetrics >"$TMP/sample.om" || return 1
	[ -s "$TMP/sample.om" ] && "$CHECKER" --openmetrics "$TMP/sample.om"
}

sample_passes_promtool() {
	local promtool=${PROMTOOL:-$(command -v promtool)}
	[ -n "$promtool" ] || { echo "SKIP: no promtool (Debian's prometheus package)"; return 77; }
	"$BUILD/metrics_test" --print prometheus | "$promtool" check metrics
}

# refuses MODE WHAT TEXT: the checker (MODE: prom or om) refuses TEXT
# (printf format) and says WHAT
refuses() {
	local what=$2 out opt=()
	[ "$1" = om ] && opt=(--openmetrics)
	shift 2
	# shellcheck disable=SC2059	# the texts are formats on purpose
	out=$(printf "$@" | "$CHECKER" "${opt[@]}" 2>&1) &&
		{ echo "accepted: $*"; return 1; }
	[[ $out == *"$what"* ]] || { echo "for $*: $out"; return 1; }
}

checker_refuses_broken_text() {
	local ok='# HELP a_total x\n# TYPE a_total counter\n'
	refuses prom 'does not end in _total' '# HELP a x\n# TYPE a counter\na 1\n' &&
	refuses prom 'TYPE must name the sample' '# HELP a x\n# TYPE a counter\na_total 1\n' &&
	refuses prom 'not a sample' "$ok"'a_total{l="\\t"} 1\n' &&
	refuses prom 'not a sample' "$ok"'a_total{l="""} 1\n' &&
	refuses prom 'not a sample' "$ok"'a_total{0l="v"} 1\n' &&
	refuses prom 'twice' "$ok"'a_total{l="v"} 1\na_total{l="v"} 2\n' &&
	refuses prom 'a label twice' "$ok"'a_total{l="v",l="w"} 1\n' &&
	refuses prom 'not in one block' \
		"$ok"'a_total 1\n# HELP b x\n# TYPE b gauge\nb 1\na_total{l="v"} 1\n' &&
	refuses prom 'after its samples' "$ok"'a_total 1\n# HELP a_total y\n' &&
	refuses prom 'second TYPE' "$ok"'# TYPE a_total counter\na_total 1\n' &&
	refuses prom 'no HELP' '# TYPE g gauge\ng 1\n' &&
	refuses prom 'timestamp' "$ok"'a_total 1 1700000000000\n' &&
	refuses prom 'bad value' "$ok"'a_total one\n' &&
	refuses prom 'no newline' "$ok"'a_total 1' &&
	refuses prom 'not UTF-8' "$ok"'a_total{l="\xff"} 1\n' &&
	refuses om 'no # EOF' '# HELP a x\n# TYPE a counter\na_total 1\n' &&
	refuses om 'after # EOF' '# EOF\n# EOF\n' &&
	refuses om 'blank line' '\n# EOF\n' &&
	refuses om 'must not end in _total' '# HELP a_total x\n# TYPE a_total counter\n# EOF\n' &&
	refuses om 'is not a_total' '# HELP a x\n# TYPE a counter\na 1\n# EOF\n' &&
	refuses om 'counter a_total is -1' '# HELP a x\n# TYPE a counter\na_total -1\n# EOF\n' &&
	refuses om 'does not end with its unit' \
		'# HELP a x\n# TYPE a gauge\n# UNIT a bytes\na 1\n# EOF\n' &&
	refuses om 'only # HELP' '# a comment\n# EOF\n' &&
	refuses om 'no comma after the last label' \
		'# HELP a x\n# TYPE a gauge\na{l="v",} 1\n# EOF\n'
}

checker_accepts_what_the_formats_allow() {
	printf '# HELP g x\n# TYPE g gauge\ng{a="\\\\",b="\\"",c="\\n",d="\xc3\xb6\t"} -1.5e3\ng NaN\n' |
		"$CHECKER" || return 1
	printf '# HELP c_total x\n# TYPE c_total counter\nc_total{l="v",} +Inf\n\n# free text\n' |
		"$CHECKER" || return 1
	printf '# HELP c_bytes x\n# TYPE c_bytes counter\n# UNIT c_bytes bytes\nc_bytes_total 3\n# EOF\n' |
		"$CHECKER" --openmetrics
}

# ---- the units -----------------------------------------------------------------

# The units with ExecStart= pointing at something that exists here.
units_here() {
	mkdir -p "$TMP/units"
	sed 's|/usr/sbin/xpmemctl|/bin/true|' "$SERVICE" >"$TMP/units/xpmem-metrics.service"
	cp "$TIMER" "$TMP/units/xpmem-metrics.timer"
}

units_verify() {
	command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; return 77; }
	local out
	units_here
	out=$(systemd-analyze verify --man=no "$TMP/units/xpmem-metrics.service" \
		"$TMP/units/xpmem-metrics.timer" 2>&1) || { echo "$out"; return 1; }
	# warnings come back on stderr with status 0 too
	[ -z "$out" ] || { echo "$out"; return 1; }
}

service_exposure_is_low() {
	command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; return 77; }
	local out level
	units_here
	out=$(systemd-analyze security --offline=yes "$TMP/units/xpmem-metrics.service" 2>&1)
	level=$(printf '%s\n' "$out" |
		sed -n 's/.*Overall exposure level for xpmem-metrics.service: \([0-9.]*\).*/\1/p')
	echo "exposure $level (at most $MAX_EXPOSURE)"
	[ -n "$level" ] && awk -v l="$level" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(l <= m) }'
}

service_writes_the_textfile_atomically_as_root_with_net_admin_only() {
	local dir=/var/lib/prometheus/node-exporter
	# shellcheck disable=SC2016	# ${XPMEM_METRICS_DIR} is for systemd
	local run='/usr/sbin/xpmemctl stats --format=prometheus --output=${XPMEM_METRICS_DIR}/xpmem.prom'
	grep -qx 'Type=oneshot' "$SERVICE" &&
	grep -qx "Environment=XPMEM_METRICS_DIR=$dir" "$SERVICE" &&
	grep -qxF "ExecStart=$run" "$SERVICE" &&
	grep -qx "ReadWritePaths=-$dir" "$SERVICE" &&
	grep -qx 'ProtectSystem=strict' "$SERVICE" &&
	grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$SERVICE" &&
	grep -qx 'RestrictAddressFamilies=AF_NETLINK AF_UNIX' "$SERVICE" &&
	! grep -q '^User=\|^DynamicUser=\|^PrivateUsers=\|^PrivateNetwork=' "$SERVICE" &&
	! grep -q '^\[Install\]' "$SERVICE"
}

timer_runs_it_every_15s_and_is_not_enabled_by_the_package() {
	grep -qx 'OnUnitActiveSec=15s' "$TIMER" &&
	grep -qx 'OnBootSec=15s' "$TIMER" &&
	grep -qx 'AccuracySec=1s' "$TIMER" &&
	grep -qx 'WantedBy=timers.target' "$TIMER" &&
	grep -qx $'\tdh_installsystemd -p xpmem-utils --no-enable xpmem-metrics.timer' debian/rules &&
	grep -qx 'lib/systemd/system/xpmem-metrics.\*' debian/xpmem-utils.install
}

run sample_is_valid_prometheus_text
run sample_is_valid_openmetrics_text
run sample_passes_promtool
run checker_refuses_broken_text
run checker_accepts_what_the_formats_allow
run units_verify
run service_exposure_is_low
run service_writes_the_textfile_atomically_as_root_with_net_admin_only
run timer_runs_it_every_15s_and_is_not_enabled_by_the_package
exit $failed
