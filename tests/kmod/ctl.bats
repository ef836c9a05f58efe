#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# ctl.bats - xpmemctl against the real module, in the guest, as root:
#
#   insmod module/xpmem.ko      (or let setup_file do it)
#   tests/vm/run -- bats --tap tests/kmod/ctl.bats
#
# Every control-plane operation and its errors: listings, counters (also
# as Prometheus text, checked by tests/unit/promtext.py), the policy in
# compat and strict mode across two uids, rules, jobs matched by cgroup,
# quotas (EDQUOT) and the default segment limit, revocation (SIGBUS in the
# attacher), events, what unprivileged users may not do or see (and what
# visibility all shows them), and the kernel's extended-ACK text.
#
# Other users run through setpriv (uids 1000 and 1001 need no passwd
# entry); the exporter is examples/producer, the reader examples/consumer,
# and a long-lived attacher is a few lines of Python over libxpmem.so.
# Test cgroups live in a directory of their own under the cgroup2 mount.

# shellcheck disable=SC2154	# bats' run sets stderr and stderr_lines

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

U1=1000
U2=1001
# the system's python: other users cannot reach root's (pyenv) one
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	export REPO=$PWD X=$PWD/xpmemctl/xpmemctl
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$X" ] || { echo "build xpmemctl first (make)" >&2; return 1; }
	if [ ! -d /sys/module/xpmem ]; then
		insmod module/xpmem.ko || return 1
		touch "$BATS_FILE_TMPDIR/loaded-here"
	fi
	for _ in $(seq 50); do [ -c /dev/xpmem ] && break; sleep 0.1; done
	chmod 666 /dev/xpmem	# the other users open it too

	# a cgroup2 mount: the guest may have none
	CGMNT=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
	if [ -z "$CGMNT" ]; then
		mount -t cgroup2 cgroup2 /sys/fs/cgroup || return 1
		CGMNT=/sys/fs/cgroup
		touch "$BATS_FILE_TMPDIR/mounted-here"
	fi
	export CGMNT CGREL=/xpmem-ctl-test CG=$CGMNT/xpmem-ctl-test
	mkdir -p "$CG/job/a" "$CG/job/b" "$CG/other"
	# the attacher: get, attach, read it all; then read again per input line
	export ATTACHER='
import ctypes, os, sys
lib = ctypes.CDLL(sys.argv[1], use_errno=True)
class Addr(ctypes.Structure):
    _fields_ = [("apid", ctypes.c_int64), ("offset", ctypes.c_long)]
lib.xpmem_get.restype = ctypes.c_int64
lib.xpmem_get.argtypes = [ctypes.c_int64, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
lib.xpmem_attach.restype = ctypes.c_void_p
lib.xpmem_attach.argtypes = [Addr, ctypes.c_size_t, ctypes.c_void_p]
segid, size = int(sys.argv[2], 0), int(sys.argv[3])
if segid >= 1 << 63:
    segid -= 1 << 64
apid = lib.xpmem_get(segid, 1, 1, None)
if apid == -1:
    sys.exit("get: " + os.strerror(ctypes.get_errno()))
p = lib.xpmem_attach(Addr(apid, 0), size, None)
if p is None or p == ctypes.c_void_p(-1).value:
    sys.exit("attach: " + os.strerror(ctypes.get_errno()))
ctypes.string_at(p, size)
print("attached", flush=True)
for line in sys.stdin:
    ctypes.string_at(p, size)
    print("read", flush=True)
'
}

teardown_file() {
	rmdir "$CG/job/a" "$CG/job/b" "$CG/job" "$CG/other" "$CG" 2>/dev/null
	[ -e "$BATS_FILE_TMPDIR/mounted-here" ] && umount "$CGMNT"
	[ -e "$BATS_FILE_TMPDIR/loaded-here" ] && rmmod xpmem
	return 0
}

declare -gA PID FD

setup() {
	cd "$REPO" || return 1
	T=$BATS_TEST_TMPDIR
	"$X" policy reset
	"$X" job del 42 && "$X" job del 43 && "$X" job del 44
}

teardown() {
	local n fd
	for n in "${!PID[@]}"; do
		fd=${FD[$n]}
		exec {fd}>&- 2>/dev/null
		kill "${PID[$n]}" 2>/dev/null
		wait "${PID[$n]}" 2>/dev/null
	done
	"$X" policy reset
	"$X" job del 42 && "$X" job del 43 && "$X" job del 44
	return 0
}

# wait_for CMD...: retry CMD for up to 10 s
wait_for() {
	for _ in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

has_line() { [ -s "$1" ] && grep -q "${2:-.}" "$1"; }

# start NAME UID CGROUP CMD...: run CMD in the background as UID (0: as
# root) inside CGROUP ("-": where we are), stdin a fifo (FD[NAME]), output
# in $T/NAME.out and .err. fd 3 is bats' own: the child must not hold it.
start() {
	local name=$1 uid=$2 cg=$3 fd
	shift 3
	mkfifo "$T/$name.in"
	(
		if [ "$cg" != - ]; then echo "$BASHPID" >"$cg/cgroup.procs" || exit 99; fi
		if [ "$uid" = 0 ]; then exec "$@"; fi
		exec setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
	) <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" 3>&- &
	PID[$name]=$!
	exec {fd}>"$T/$name.in"
	FD[$name]=$fd
}

# finish NAME: end its input, wait; the exit status is the process's.
# Not under `run': only this shell can wait for its children.
finish() {
	local name=$1 rc=0 fd=${FD[$1]}
	exec {fd}>&-
	wait "${PID[$name]}" || rc=$?
	unset "PID[$name]" "FD[$name]"
	return $rc
}

# producer NAME UID MODE [CGROUP]: export 1 MiB; its segid goes to SEGID[NAME]
declare -gA SEGID
producer() {
	start "$1" "$2" "${4:--}" "$REPO/examples/producer" "$3"
	wait_for has_line "$T/$1.out" || { cat "$T/$1.err" >&2; return 1; }
	read -r "SEGID[$1]" _ <"$T/$1.out"
}

# attacher NAME UID SEGID [CGROUP]: hold a read-only attachment of 1 MiB
attacher() {
	start "$1" "$2" "${4:--}" "$PY" -c "$ATTACHER" "$REPO/libxpmem/libxpmem.so.0" "$3" 1048576
	wait_for has_line "$T/$1.out" attached || { cat "$T/$1.err" >&2; return 1; }
}

# consume UID SEGID [CGROUP]: examples/consumer reads the segment
consume() {
	local cg=${3:--}
	(
		if [ "$cg" != - ]; then echo "$BASHPID" >"$cg/cgroup.procs" || exit 99; fi
		exec setpriv --reuid="$1" --regid="$1" --clear-groups \
			"$REPO/examples/consumer" "$2" 1048576
	)
}

# json EXPR: evaluate a Python expression over the JSON document on stdin (d)
json() {
	"$PY" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

cgroup_id() { stat -c %i "$1"; }

# as_user UID CMD...: run CMD as another user
as_user() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

# usecs CMD...: run CMD quietly, print its wall-clock time in microseconds
usecs() {
	local t0=$EPOCHREALTIME t1
	"$@" >/dev/null 2>&1 || return 1
	t1=$EPOCHREALTIME
	echo $(( ${t1//[.,]/} - ${t0//[.,]/} ))
}

# least A B: the smaller number; A may be empty (none yet)
least() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }

# labels UID: the labels of UID's series, as xpmemctl prints them
labels() {
	local name
	name=$(getent passwd "$1" | cut -d: -f1)
	echo "uid=\"$1\"${name:+,user=\"$name\"}"
}

@test "status shows the module version and compat mode" {
	run -0 "$X" status
	assert_line --regexp "^module: +xpmem $(cat /sys/module/xpmem/version)"
	assert_line --regexp '^policy: +compat, 0 rules, 0 jobs$'
	run -0 "$X"
	assert_line --regexp '^segments: +[0-9]+$'
}

@test "status says whether the module maps 2 MiB and 1 GiB blocks on this kernel" {
	local params=/sys/module/xpmem/parameters want='4 KiB pages' pmd pud
	pmd=$(cat $params/pmd_mappings)
	pud=$(cat $params/pud_mappings)
	[ "$pmd" = Y ] && want='2 MiB blocks'
	[ "$pmd$pud" = YY ] && want='1 GiB and 2 MiB blocks'
	run -0 "$X" status
	assert_line --regexp "^mappings: +$want"
	run -0 --separate-stderr "$X" -j status
	assert_equal "$(json 'd["pmd_mappings"], d["pud_mappings"]' <<<"$output")" \
		"($([ "$pmd" = Y ] && echo True || echo False), $([ "$pud" = Y ] && echo True || echo False))"
}

@test "status says whether new attachments accept get_user_pages" {
	local knob=/sys/module/xpmem/parameters/gup_attachments on json_on
	[ -e "$knob" ] || skip "no $knob: this kernel has no hook for it"
	run -0 "$X" status
	assert_line --regexp '^gup: +off: attachments refuse get_user_pages'
	echo Y >"$knob"
	on=$("$X" status | grep '^gup:')
	json_on=$("$X" -j status | json 'd["gup_attachments"]')
	echo N >"$knob"
	assert_regex "$on" '^gup: +new attachments accept get_user_pages'
	assert_equal "$json_on" True
}

@test "status -j is one JSON document with the totals" {
	run -0 --separate-stderr "$X" -j status
	assert_equal "$(json 'd["mode"], d["rules"], type(d["segments"]).__name__' <<<"$output")" \
		"('compat', 0, 'int')"
}

@test "segments lists a producer's segment with pid, uid and mode" {
	producer p "$U1" 0640
	run -0 "$X" segments
	assert_line --regexp "^${SEGID[p]} +${PID[p]} +$U1 +0640 +0x[0-9a-f]+ +1.0M "
	run -0 "$X" -j segments
	assert_equal "$(json "[(s['pid'], s['uid'], s['mode'], s['size']) for s in d
		if s['segid'] == '${SEGID[p]}']" <<<"$output")" "[(${PID[p]}, $U1, '0640', 1048576)]"
}

@test "unprivileged users see only their own segments" {
	producer p1 "$U1" 0600
	producer p2 "$U2" 0600
	run -0 setpriv --reuid="$U2" --regid="$U2" --clear-groups "$X" -j segments
	assert_output --partial "\"segid\":\"${SEGID[p2]}\""
	refute_output --partial "${SEGID[p1]}"
	run -0 "$X" -j segments
	assert_output --partial "${SEGID[p1]}"
}

@test "attachments and permits show a live attachment" {
	producer p "$U1" 0600
	attacher a "$U1" "${SEGID[p]}"
	run -0 "$X" -j attachments
	assert_equal "$(json "[(s['uid'], s['access'], s['size'], s['mapped_pages'] > 0)
		for s in d if s['segid'] == '${SEGID[p]}']" <<<"$output")" \
		"[($U1, 'rdonly', 1048576, True)]"
	run -0 "$X" -j permits
	assert_equal "$(json "[s['attachments'] for s in d if s['segid'] == '${SEGID[p]}']" \
		<<<"$output")" "[1]"
	run -0 "$X" attachments --permits
	assert_line --regexp "^0x[0-9a-f]+ +${SEGID[p]} +${PID[a]} +$U1 +rdonly +1$"
	run -0 "$X" -j segments
	assert_equal "$(json "[(s['permits'], s['attachments']) for s in d
		if s['segid'] == '${SEGID[p]}']" <<<"$output")" "[(1, 1)]"
}

@test "stats count the faults of a read" {
	local before after
	producer p "$U1" 0600
	before=$("$X" -j stats | json 'd["faults"]')
	run -0 consume "$U1" "${SEGID[p]}"
	after=$("$X" -j stats | json 'd["faults"]')
	[ "$after" -gt "$before" ]
	run -0 "$X" -j stats all
	assert_equal "$(json 'd[0]["scope"]' <<<"$output")" global
}

@test "stats --format=prometheus counts a uid's and a job's segments and attachment" {
	local f=$T/textfile/xpmem.prom u1
	u1=$(labels "$U1")
	"$X" job add 44 uid "$U1" cgroup "$CGREL/job"
	producer p "$U1" 0600
	producer pj "$U1" 0600 "$CG/job/a"
	attacher a "$U1" "${SEGID[p]}" "$CG/job/b"
	mkdir "$T/textfile"
	run -0 --separate-stderr "$X" stats --format=prometheus --output "$f"
	assert_equal "$output" ""
	run -0 "$REPO/tests/unit/promtext.py" "$f"
	assert_equal "$(stat -c %a "$f")" 644
	assert_equal "$(ls -A "$T/textfile")" xpmem.prom
	run -0 cat "$f"
	assert_line "# TYPE xpmem_attached_bytes gauge"
	assert_line "# TYPE xpmem_faults_total counter"
	assert_line --regexp '^xpmem_segments [0-9]+$'
	assert_line --regexp '^xpmem_faults_total [1-9][0-9]*$'
	assert_line --regexp '^xpmem_pages_mapped_total [1-9][0-9]*$'
	assert_line --regexp '^xpmem_invalidations_total [0-9]+$'
	assert_line --regexp '^xpmem_invalidations_kept_total [0-9]+$'
	assert_line "xpmem_segments{$u1} 2"
	assert_line "xpmem_permits{$u1} 1"
	assert_line "xpmem_attachments{$u1} 1"
	assert_line "xpmem_attached_bytes{$u1} 1048576"
	grep -q "^xpmem_mapped_pages{$u1} [1-9][0-9]*$" "$f"
	assert_line "xpmem_segments{job_id=\"44\",$u1} 1"
	assert_line "xpmem_attachments{job_id=\"44\",$u1} 1"
	assert_line "xpmem_attached_bytes{job_id=\"44\",$u1} 1048576"
	# the same counters as OpenMetrics
	run -0 --separate-stderr "$X" stats --format=openmetrics
	assert_equal "${lines[-1]}" "# EOF"
	assert_line "# TYPE xpmem_faults counter"
	assert_line "xpmem_segments{job_id=\"44\",$u1} 1"
	run -0 "$REPO/tests/unit/promtext.py" --openmetrics <<<"$output"
}

@test "stats --format=prometheus shows a user the global series and their own" {
	producer p1 "$U1" 0600
	producer p2 "$U2" 0600
	run -0 --separate-stderr as_user "$U2" "$X" stats --format=prometheus
	assert_line "xpmem_segments{$(labels "$U2")} 1"
	assert_line --regexp '^xpmem_segments [0-9]+$'
	refute_output --partial "uid=\"$U1\""
	run -0 "$REPO/tests/unit/promtext.py" <<<"$output"
}

@test "policy set strict and policy reset round-trip" {
	run -0 "$X" policy set strict
	assert_output ""
	run -0 "$X" -j policy
	assert_equal "$(json 'd["mode"]' <<<"$output")" strict
	"$X" rule add allow uid "$U2"
	"$X" job add 42 uid "$U1" cgroup "$CGREL/job"
	run -0 "$X" policy reset
	run -0 "$X" -j policy show
	# reset drops mode and rules, keeps jobs
	assert_equal "$(json 'd["mode"], d["rules"], d["jobs"]' <<<"$output")" "('compat', 0, 1)"
}

@test "compat mode lets another uid read a 0644 segment" {
	producer p "$U1" 0644
	run -0 consume "$U2" "${SEGID[p]}"
}

@test "strict mode refuses another uid and counts a denial" {
	local before
	producer p "$U1" 0644
	"$X" policy set strict
	before=$("$X" -j stats | json 'd["denials"]')
	run -1 consume "$U2" "${SEGID[p]}"
	assert_output --partial "xpmem_get(${SEGID[p]})"
	[ "$("$X" -j stats | json 'd["denials"]')" -gt "$before" ]
}

@test "strict mode still allows the same uid" {
	producer p "$U1" 0600
	"$X" policy set strict
	run -0 consume "$U1" "${SEGID[p]}"
}

@test "an allow rule opens strict mode for its uids and counts hits" {
	local id
	producer p "$U1" 0644
	"$X" policy set strict
	id=$("$X" rule add allow uid "$U2" peer-uid "$U1")
	run -0 consume "$U2" "${SEGID[p]}"
	run -0 "$X" -j rule list
	assert_equal "$(json "[(r['action'], r['uid'], r['peer_uid'], r['gid'], r['hits'])
		for r in d if r['id'] == $id]" <<<"$output")" "[('allow', $U2, $U1, None, 1)]"
}

@test "a deny rule refuses even in compat mode" {
	producer p "$U1" 0644
	"$X" rule add deny uid "$U2"
	run -1 consume "$U2" "${SEGID[p]}"
	run -0 consume "$U1" "${SEGID[p]}"
}

@test "rule add prints the id that rule del takes" {
	local id
	run -0 --separate-stderr "$X" rule add allow gid 0 same-job
	assert_output --regexp '^[0-9]+$'
	id=$output
	run -0 "$X" rule list
	assert_line --regexp "^ *$id +allow +\\* +0 +\\* +yes +0$"
	run -0 "$X" rule del "$id"
	run -0 "$X" -j rule
	assert_output "[]"
}

@test "rule del of a missing rule fails with the kernel's reason" {
	run -1 --separate-stderr "$X" rule del 4000000000
	assert_equal "${stderr_lines[0]}" "xpmemctl: cannot delete the rule: No such file or directory"
	assert_regex "${stderr_lines[1]}" '^xpmemctl: kernel says: .+'
}

@test "job add and job del are idempotent and as quick as a status query" {
	local base add del t
	# A prolog must be fast: registering or dropping a job costs what any
	# query costs (a process, a netlink round trip), however slow the
	# guest. The best of three of each evens out a loaded machine.
	for _ in 1 2 3; do
		t=$(usecs "$X" status)
		base=$(least "$base" "$t")
		t=$(usecs "$X" job add 42 uid "$U1" cgroup "$CGREL/job" max-segments 4)
		add=$(least "$add" "$t")
		t=$(usecs "$X" job del 42)
		del=$(least "$del" "$t")
	done
	echo "# status $base us, job add $add us, job del $del us" >&3
	[ "$add" -le $((3 * base)) ] || fail "job add took $add us, status $base us"
	[ "$del" -le $((3 * base)) ] || fail "job del took $del us, status $base us"
	run -0 "$X" job add 42 uid "$U1" cgroup "$CGREL/job" max-segments 4
	run -0 "$X" job add 42 uid "$U1" cgroup "$CGREL/job" max-segments 4
	run -0 "$X" -j job list
	assert_equal "$(json "[(j['uid'], j['max_segments']) for j in d if j['id'] == 42]" \
		<<<"$output")" "[($U1, 4)]"
	run -0 --separate-stderr "$X" job del 42
	assert_equal "$stderr" ""
	run -0 --separate-stderr "$X" job del 42
	assert_equal "$stderr" ""
	run -0 "$X" -j job
	assert_output "[]"
}

@test "job add of a registered id moves it to the new cgroup" {
	"$X" job add 42 uid "$U1" cgroup "$CGREL/other"
	run -0 --separate-stderr "$X" job add 42 uid "$U1" cgroup "$CGREL/job"
	assert_equal "$stderr" ""
	run -0 "$X" -j job list
	assert_equal "$(json "[j['cgroup_id'] for j in d if j['id'] == 42]" <<<"$output")" \
		"[$(cgroup_id "$CG/job")]"
}

@test "job add resolves a cgroup path, relative or absolute, to its id" {
	"$X" job add 42 uid "$U1" cgroup "$CGREL/job"
	"$X" job add 43 uid "$U1" cgroup "$CG/other"
	"$X" job add 44 uid "$U1" cgroup-id "$(cgroup_id "$CG/job/a")"
	run -0 "$X" -j job list
	assert_equal "$(json 'sorted((j["id"], j["cgroup_id"]) for j in d)' <<<"$output")" \
		"[(42, $(cgroup_id "$CG/job")), (43, $(cgroup_id "$CG/other")), (44, $(cgroup_id "$CG/job/a"))]"
}

@test "job add with an unknown cgroup id is refused and the attribute named" {
	run -1 --separate-stderr "$X" job add 42 uid "$U1" cgroup-id 999999999
	assert_regex "${stderr_lines[0]}" '^xpmemctl: cannot add the job: '
	assert_regex "${stderr_lines[1]}" '^xpmemctl: kernel says: .+ \(attribute cgroup-id\)$'
	run -1 --separate-stderr "$X" -j job add 42 uid "$U1" cgroup-id 999999999
	assert_equal "$(json 'd["error"]["attribute"]' <<<"$output")" cgroup-id
}

@test "same-job lets two cgroups of one job share in strict mode, not outsiders" {
	producer p "$U1" 0644 "$CG/job/a"
	"$X" policy set strict
	"$X" rule add allow same-job
	"$X" job add 42 uid "$U1" cgroup "$CGREL/job"
	run -0 consume "$U2" "${SEGID[p]}" "$CG/job/b"
	run -1 consume "$U2" "${SEGID[p]}" "$CG/other"
	run -1 consume "$U2" "${SEGID[p]}"
}

@test "segments of a job's processes carry the job id" {
	"$X" job add 42 uid "$U1" cgroup "$CGREL/job"
	producer p "$U1" 0600 "$CG/job/a"
	run -0 "$X" -j segments
	assert_equal "$(json "[s['job_id'] for s in d if s['segid'] == '${SEGID[p]}']" \
		<<<"$output")" "[42]"
}

@test "a uid quota on segments refuses the next make with EDQUOT" {
	local before rc
	"$X" quota set "$U1" max-segments 1
	run -0 "$X" -j quota list
	assert_equal "$(json "[q['max_segments'] for q in d if q['uid'] == $U1]" <<<"$output")" "[1]"
	before=$("$X" -j stats | json 'd["quota_hits"]')
	producer p1 "$U1" 0600
	start p2 "$U1" - "$REPO/examples/producer" 0600
	rc=0
	finish p2 || rc=$?
	assert_equal "$rc" 1
	run cat "$T/p2.err"
	assert_output --partial "Disk quota exceeded"
	[ "$("$X" -j stats | json 'd["quota_hits"]')" -gt "$before" ]
	# removing the quota lifts it
	"$X" quota set "$U1"
	producer p3 "$U1" 0600
}

@test "a job quota on attached bytes refuses an attach with EDQUOT" {
	producer p "$U1" 0600
	"$X" job add 43 uid "$U1" cgroup "$CGREL/job" max-attached-bytes 64K
	run -1 consume "$U1" "${SEGID[p]}" "$CG/job/b"
	assert_output --partial "xpmem_attach: Disk quota exceeded"
	run -0 consume "$U1" "${SEGID[p]}" "$CG/other"
}

@test "revoke segid removes the segment and the attacher gets SIGBUS" {
	local rc=0
	producer p "$U1" 0600
	attacher a "$U1" "${SEGID[p]}"
	run -0 "$X" revoke segid "${SEGID[p]}"
	assert_output "revoked 1 segment"
	run -0 "$X" -j segments
	refute_output --partial "${SEGID[p]}"
	echo >&"${FD[a]}"
	finish a || rc=$?
	assert_equal "$rc" 135	# 128 + SIGBUS
}

@test "revoke uid removes every segment of the uid and counts them" {
	producer p1 "$U2" 0600
	producer p2 "$U2" 0600
	producer p3 "$U1" 0600
	run -0 "$X" -j revoke uid "$U2"
	assert_output '{"count":2}'
	run -0 "$X" -j segments
	refute_output --partial "${SEGID[p1]}"
	assert_output --partial "${SEGID[p3]}"
}

@test "revoke of an unknown segid fails with exit 1" {
	run -1 --separate-stderr "$X" revoke segid 0x1
	assert_equal "${stderr_lines[0]}" "xpmemctl: cannot revoke: No such file or directory"
}

@test "job del revokes the job's segments and its attachers get SIGBUS" {
	local rc=0
	"$X" job add 44 uid "$U1" cgroup "$CGREL/job"
	producer p "$U1" 0600 "$CG/job/a"
	attacher a "$U1" "${SEGID[p]}" "$CG/job/b"
	run -0 "$X" job del 44
	run -0 "$X" -j segments
	refute_output --partial "${SEGID[p]}"
	echo >&"${FD[a]}"
	finish a || rc=$?
	assert_equal "$rc" 135
}

@test "monitor -j shows segments, policy and jobs changing, and stops on SIGINT" {
	start mon 0 - "$X" -j monitor
	wait_for has_line "$T/mon.err" listening
	producer p "$U1" 0600
	finish p
	"$X" policy set strict
	"$X" job add 42 uid "$U1" cgroup "$CGREL/job"
	"$X" job del 42
	wait_for has_line "$T/mon.out" job-removed
	kill -INT "${PID[mon]}"
	finish mon
	run cat "$T/mon.out"
	assert_line --partial "\"type\":\"segment-made\",\"segid\":\"${SEGID[p]}\""
	assert_line --partial "\"type\":\"segment-removed\",\"segid\":\"${SEGID[p]}\""
	assert_line --regexp '"type":"policy-changed",.*"mode":"strict"'
	assert_line --regexp '"type":"job-added",.*"job_id":42'
	assert_line --regexp '"type":"job-removed",.*"job_id":42'
	"$PY" -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/mon.out"
}

@test "monitor reports a denied access with its rule, and an exceeded quota" {
	local id
	producer p "$U1" 0644
	id=$("$X" rule add deny uid "$U2")
	"$X" quota set "$U1" max-segments 1
	start mon 0 - "$X" monitor
	wait_for has_line "$T/mon.err" listening
	run -1 consume "$U2" "${SEGID[p]}"
	start p2 "$U1" - "$REPO/examples/producer" 0600
	finish p2 || true
	wait_for has_line "$T/mon.out" quota-exceeded
	kill -TERM "${PID[mon]}"
	finish mon
	run cat "$T/mon.out"
	assert_line --regexp " access-denied segid ${SEGID[p]} .*uid $U2 .*rule $id( |$)"
	assert_line --regexp " quota-exceeded .*uid $U1 .*quota segments( |$)"
}

@test "unprivileged users may not change anything" {
	local cmd
	while read -r cmd; do
		# shellcheck disable=SC2086	# one command line per loop
		run --separate-stderr setpriv --reuid="$U1" --regid="$U1" --clear-groups "$X" $cmd
		[ "$status" -eq 1 ] || fail "'$cmd' as uid $U1 exited with $status"
		[[ ${stderr_lines[0]} == *": Operation not permitted" ]] ||
			fail "'$cmd' as uid $U1 said: $stderr"
	done <<-EOF
		policy set strict
		policy set visibility all
		policy set default-max-segments 0
		policy reset
		rule add allow uid $U1
		rule del 1
		job add 42 uid $U1 cgroup-id 1
		job del 42
		quota set $U1 max-segments 100
		revoke uid $U1
	EOF
	run -0 "$X" -j policy
	assert_equal "$(json 'd["mode"]' <<<"$output")" compat
}

@test "policy shows the visibility and the default segment limit" {
	run -0 "$X" policy
	assert_line --regexp '^mode: +compat$'
	assert_line --regexp '^visibility: +own$'
	assert_line --regexp '^default max-segments: +4096$'
	run -0 "$X" -j policy
	assert_equal "$(json 'd["visibility"], d["default_max_segments"]' <<<"$output")" \
		"('own', 4096)"
}

@test "policy set changes only the settings given and reset restores them all" {
	"$X" policy set strict
	"$X" policy set visibility all default-max-segments unlimited
	run -0 "$X" -j policy
	assert_equal "$(json 'd["mode"], d["visibility"], d["default_max_segments"]' \
		<<<"$output")" "('strict', 'all', 0)"
	"$X" policy reset
	run -0 "$X" -j policy
	assert_equal "$(json 'd["mode"], d["visibility"], d["default_max_segments"]' \
		<<<"$output")" "('compat', 'own', 4096)"
}

@test "unprivileged users read the status and the policy" {
	run -0 as_user "$U1" "$X" status
	assert_line --regexp '^policy: +compat, 0 rules, 0 jobs$'
	run -0 as_user "$U1" "$X" -j policy
	assert_equal "$(json 'd["visibility"]' <<<"$output")" own
}

@test "unprivileged users see only their own attachments, jobs, quotas and counters" {
	producer p1 "$U1" 0644
	producer p2 "$U2" 0644
	attacher a1 "$U1" "${SEGID[p2]}"
	attacher a2 "$U2" "${SEGID[p1]}"
	"$X" job add 42 uid "$U1" cgroup "$CGREL/job"
	"$X" job add 43 uid "$U2" cgroup "$CGREL/other"
	"$X" quota set "$U1" max-segments 10
	"$X" quota set "$U2" max-segments 20
	run -0 as_user "$U1" "$X" -j attachments
	assert_equal "$(json 'sorted(set(a["uid"] for a in d))' <<<"$output")" "[$U1]"
	run -0 as_user "$U1" "$X" -j job list
	assert_equal "$(json '[j["id"] for j in d]' <<<"$output")" "[42]"
	run -0 as_user "$U1" "$X" -j quota list
	assert_equal "$(json '[q["uid"] for q in d]' <<<"$output")" "[$U1]"
	run -0 as_user "$U1" "$X" -j stats all
	assert_equal "$(json '[s["uid"] for s in d if s["scope"] == "uid"]' <<<"$output")" "[$U1]"
	assert_equal "$(json '[s["job_id"] for s in d if s["scope"] == "job"]' <<<"$output")" "[42]"
	run -0 "$X" -j job list
	assert_equal "$(json 'sorted(j["id"] for j in d)' <<<"$output")" "[42, 43]"
}

@test "visibility all lets another user list every segment" {
	producer p1 "$U1" 0600
	producer p2 "$U2" 0600
	run -0 as_user "$U2" "$X" -j segments
	refute_output --partial "${SEGID[p1]}"
	"$X" policy set visibility all
	run -0 as_user "$U2" "$X" -j segments
	assert_output --partial "${SEGID[p1]}"
	assert_output --partial "${SEGID[p2]}"
}

@test "unprivileged users may not list the rules unless visibility is all" {
	"$X" rule add deny uid 4242
	run -1 --separate-stderr as_user "$U1" "$X" rule list
	assert_equal "${stderr_lines[0]}" "xpmemctl: cannot list the rules: Operation not permitted"
	assert_regex "${stderr_lines[1]}" '^xpmemctl: kernel says: .*CAP_NET_ADMIN'
	"$X" policy set visibility all
	run -0 as_user "$U1" "$X" -j rule list
	assert_equal "$(json '[r["uid"] for r in d]' <<<"$output")" "[4242]"
}

@test "default-max-segments refuses the next make with EDQUOT, a quota of 0 lifts it" {
	local rc=0
	"$X" policy set default-max-segments 1
	producer p1 "$U1" 0600
	start p2 "$U1" - "$REPO/examples/producer" 0600
	finish p2 || rc=$?
	assert_equal "$rc" 1
	run cat "$T/p2.err"
	assert_output --partial "Disk quota exceeded"
	"$X" quota set "$U1" max-segments 0
	producer p3 "$U1" 0600
}

@test "quota list says default for a uid without max-segments of its own" {
	"$X" quota set "$U1" max-attached-bytes 1M
	"$X" quota set "$U2" max-segments 0
	run -0 "$X" quota list
	assert_line --regexp "^ *$U1 +default +1.0M +-$"
	assert_line --regexp "^ *$U2 +- +- +-$"
	run -0 "$X" -j quota list
	assert_equal "$(json "[(q['uid'], q['max_segments']) for q in d]" <<<"$output")" \
		"[($U1, None), ($U2, 0)]"
}

@test "unprivileged users may not listen to events" {
	run -1 --separate-stderr setpriv --reuid="$U1" --regid="$U1" --clear-groups "$X" monitor
	assert_equal "$stderr" \
		"xpmemctl: cannot join the xpmem events group: Operation not permitted (it needs CAP_NET_ADMIN)"
}
