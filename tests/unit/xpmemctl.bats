#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# xpmemctl.bats - host tests of xpmemctl: the generic netlink family "xpmem"
# does not exist here, so this checks what works without the module:
# argument checking (exit 2, the bad value named), --help, version, the
# "module not loaded" failure (exit 1) of every kernel command, JSON
# output, --output's atomic replacement, the idempotent `job del', the
# man page and the completion. (The Prometheus text itself: metrics.sh.)
# Run: bats --tap tests/unit/xpmemctl.bats

# shellcheck disable=SC2154	# bats' run sets stderr and stderr_lines

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	make --no-print-directory -s -C xpmemctl >&2 || return 1
	export X=$PWD/xpmemctl/xpmemctl
}

setup() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	if [ -d /sys/module/xpmem ] || [ -e /dev/xpmem ]; then
		skip "the xpmem module is loaded here: these are host-only tests"
	fi
}

NOT_LOADED='xpmem module not loaded (generic netlink family xpmem not found)'

# valid_json TEXT: python's parser accepts TEXT as one JSON document
valid_json() {
	python3 -c 'import json, sys; json.loads(sys.stdin.read())' <<<"$1"
}

@test "version works without the module" {
	run -0 "$X" version
	assert_line --regexp '^xpmemctl [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --regexp '^module +not loaded$'
	run -0 "$X" --version
	assert_line --index 0 --regexp '^xpmemctl '
}

@test "version -j is one JSON document" {
	run -0 --separate-stderr "$X" -j version
	valid_json "$output"
	assert_output --partial '"module":null'
}

@test "no arguments means status, which needs the module" {
	run -1 --separate-stderr "$X"
	assert_equal "$stderr" "xpmemctl: $NOT_LOADED"
	assert_equal "$output" ""
}

@test "every kernel command fails with exit 1 and says the module is not loaded" {
	local cmd
	while read -r cmd; do
		# shellcheck disable=SC2086	# one command line per loop
		run --separate-stderr "$X" $cmd
		[ "$status" -eq 1 ] || fail "'$cmd' exited with $status, not 1: $stderr"
		[ "$stderr" = "xpmemctl: $NOT_LOADED" ] || fail "'$cmd' said: $stderr"
	done <<-'EOF'
		status
		segments
		attachments
		attachments --permits
		permits
		stats
		stats all
		stats uid 0
		stats job 7
		stats --format=prometheus
		stats --format openmetrics
		stats uid 0 format prometheus
		stats all --format=text
		stats --format=json
		policy
		policy show
		policy set strict
		policy set visibility all default-max-segments unlimited
		policy set mode compat --default-max-segments 100
		policy reset
		rule
		rule list
		rule add allow uid 0 same-job
		rule del 3
		job
		job list
		job add 7 uid 0 cgroup-id 1
		quota list
		quota set root max-segments 4
		revoke segid 0x1f
		revoke pid 1
		revoke uid root
		revoke job 7
		monitor
	EOF
}

@test "-j turns a failure into a JSON error document" {
	run -1 --separate-stderr "$X" -j segments
	valid_json "$output"
	assert_output --partial '"code":"ENOENT"'
	assert_output --partial '"detail":"xpmem module not loaded'
	assert_equal "$stderr" "xpmemctl: $NOT_LOADED"
}

@test "-j is also accepted after the command" {
	run -1 --separate-stderr "$X" rule list -j
	valid_json "$output"
}

@test "a bad or contradictory format is a usage error naming it" {
	run -2 --separate-stderr "$X" stats --format=xml
	assert_equal "$stderr" "xpmemctl: invalid format: \`xml'"
	run -2 --separate-stderr "$X" stats --format=
	assert_equal "$stderr" "xpmemctl: invalid format: \`'"
	run -2 --separate-stderr "$X" stats all --format
	assert_equal "${stderr_lines[0]}" "xpmemctl: stats: missing value after \`--format'"
	run -2 --separate-stderr "$X" -j stats --format prometheus
	assert_equal "${stderr_lines[0]}" \
		"xpmemctl: stats: -j and --format prometheus contradict each other"
	run -2 --separate-stderr "$X" stats --format=prometheus uid bob7
	assert_equal "$stderr" "xpmemctl: invalid uid: \`bob7'"
}

@test "--output replaces the file with what the command printed, mode 0644" {
	local f=$BATS_TEST_TMPDIR/out/version.txt
	mkdir "$BATS_TEST_TMPDIR/out"
	echo old >"$f"
	chmod 600 "$f"
	run -0 --separate-stderr "$X" --output "$f" version
	assert_equal "$output" ""
	assert_equal "$(cat "$f")" "$("$X" version)"
	assert_equal "$(stat -c %a "$f")" 644
	run -0 "$X" version -o "$f" -j
	valid_json "$(cat "$f")"
	run -0 "$X" version --output="$f"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out")" version.txt	# no temporary left
}

@test "--output leaves the file as it was when the command fails" {
	local f=$BATS_TEST_TMPDIR/out/xpmem.prom
	mkdir "$BATS_TEST_TMPDIR/out"
	echo "# old" >"$f"
	run -1 --separate-stderr "$X" stats --format=prometheus --output "$f"
	assert_equal "$stderr" "xpmemctl: $NOT_LOADED"
	assert_equal "$(cat "$f")" "# old"
	run -2 --separate-stderr "$X" stats --format=xml --output "$f"
	assert_equal "$(cat "$f")" "# old"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out")" xpmem.prom
}

@test "--output names the file it cannot write, before asking the kernel" {
	run -1 --separate-stderr "$X" stats --format=prometheus --output /no/such/dir/xpmem.prom
	assert_equal "$stderr" "xpmemctl: cannot write /no/such/dir/xpmem.prom: No such file or directory"
	run -1 --separate-stderr "$X" -o "$BATS_TEST_TMPDIR" version
	assert_equal "$stderr" "xpmemctl: cannot write $BATS_TEST_TMPDIR: Is a directory"
	run -2 --separate-stderr "$X" -o "$BATS_TEST_TMPDIR/" version
	assert_equal "$stderr" "xpmemctl: invalid output file: \`$BATS_TEST_TMPDIR/'"
	run -2 --separate-stderr "$X" version --output
	assert_equal "$stderr" "xpmemctl: missing file after \`--output'"
	run -2 --separate-stderr "$X" monitor -o "$BATS_TEST_TMPDIR/events"
	assert_equal "${stderr_lines[0]}" \
		"xpmemctl: monitor: --output takes a command's whole output; monitor streams"
	[ ! -e "$BATS_TEST_TMPDIR/events" ]
}

@test "job del succeeds without the module, with a warning" {
	run -0 --separate-stderr "$X" job del 4242
	assert_equal "$output" ""
	assert_equal "$stderr" "xpmemctl: warning: $NOT_LOADED; job 4242 is not registered"
}

@test "an unknown subcommand is a usage error naming it" {
	run -2 --separate-stderr "$X" frobnicate
	assert_equal "${stderr_lines[0]}" "xpmemctl: invalid subcommand: \`frobnicate'"
}

@test "an unknown option is a usage error naming it" {
	run -2 --separate-stderr "$X" -x status
	assert_equal "${stderr_lines[0]}" "xpmemctl: invalid option: \`-x'"
}

@test "a bad uid is a usage error naming it" {
	run -2 --separate-stderr "$X" rule add allow uid bob7
	assert_equal "$stderr" "xpmemctl: invalid uid: \`bob7'"
	run -2 --separate-stderr "$X" quota set 4294967295
	assert_equal "$stderr" "xpmemctl: invalid uid: \`4294967295'"
	run -2 --separate-stderr "$X" job add 7 uid -1 cgroup-id 5
	assert_equal "$stderr" "xpmemctl: invalid uid: \`-1'"
}

@test "a bad gid is a usage error naming it" {
	run -2 --separate-stderr "$X" rule add deny gid no-such-group-xq
	assert_equal "$stderr" "xpmemctl: invalid gid: \`no-such-group-xq'"
}

@test "a bad size suffix is a usage error naming it" {
	run -2 --separate-stderr "$X" job add 7 uid 0 cgroup-id 5 max-attached-bytes 10Q
	assert_equal "$stderr" "xpmemctl: invalid size: \`10Q'"
	run -2 --separate-stderr "$X" quota set 0 max-attached-bytes 1.5G
	assert_equal "$stderr" "xpmemctl: invalid size: \`1.5G'"
}

@test "a bad segid is a usage error naming it" {
	run -2 --separate-stderr "$X" revoke segid 0xzz
	assert_equal "$stderr" "xpmemctl: invalid segid: \`0xzz'"
	run -2 --separate-stderr "$X" revoke segid 1f
	assert_equal "$stderr" "xpmemctl: invalid segid: \`1f'"
}

@test "bad ids, pids, counts and modes are usage errors naming them" {
	run -2 --separate-stderr "$X" job del 0
	assert_equal "$stderr" "xpmemctl: invalid job id: \`0'"
	run -2 --separate-stderr "$X" rule del one
	assert_equal "$stderr" "xpmemctl: invalid rule id: \`one'"
	run -2 --separate-stderr "$X" revoke pid -3
	assert_equal "$stderr" "xpmemctl: invalid pid: \`-3'"
	run -2 --separate-stderr "$X" quota set 0 max-segments 5x
	assert_equal "$stderr" "xpmemctl: invalid segment count: \`5x'"
	run -2 --separate-stderr "$X" policy set lax
	assert_equal "$stderr" "xpmemctl: invalid mode: \`lax'"
	run -2 --separate-stderr "$X" rule add maybe
	assert_equal "$stderr" "xpmemctl: invalid action: \`maybe'"
}

@test "a missing argument is a usage error with the usage" {
	run -2 --separate-stderr "$X" rule del
	assert_equal "${stderr_lines[0]}" "xpmemctl: rule: missing rule id"
	assert_equal "${stderr_lines[1]}" "Usage: xpmemctl [-j] rule [list]"
	run -2 --separate-stderr "$X" job add 7 uid
	assert_equal "${stderr_lines[0]}" "xpmemctl: job: missing value after \`uid'"
	run -2 --separate-stderr "$X" job add 7 uid 0
	assert_equal "${stderr_lines[0]}" "xpmemctl: job: missing cgroup <path> or cgroup-id <n>"
	run -2 --separate-stderr "$X" job add 7 cgroup-id 4
	assert_equal "${stderr_lines[0]}" "xpmemctl: job: missing uid <uid>"
	run -2 --separate-stderr "$X" revoke pid
	assert_equal "${stderr_lines[0]}" "xpmemctl: revoke: missing value after \`pid'"
	run -2 --separate-stderr "$X" policy set
	assert_equal "${stderr_lines[0]}" \
		"xpmemctl: policy: missing what to set: compat, strict, visibility or default-max-segments"
	run -2 --separate-stderr "$X" policy set strict visibility
	assert_equal "${stderr_lines[0]}" "xpmemctl: policy: missing value after \`visibility'"
}

@test "bad policy settings are usage errors naming them" {
	run -2 --separate-stderr "$X" policy set visibility everyone
	assert_equal "$stderr" "xpmemctl: invalid visibility: \`everyone'"
	run -2 --separate-stderr "$X" policy set default-max-segments lots
	assert_equal "$stderr" "xpmemctl: invalid segment count: \`lots'"
	run -2 --separate-stderr "$X" policy set default-max-segments 4294967296
	assert_equal "$stderr" "xpmemctl: invalid segment count: \`4294967296'"
	run -2 --separate-stderr "$X" policy set mode own
	assert_equal "$stderr" "xpmemctl: invalid mode: \`own'"
}

@test "unknown keywords and extra arguments are usage errors" {
	run -2 --separate-stderr "$X" job add 7 uid 0 cgroup-id 4 colour red
	assert_equal "${stderr_lines[0]}" "xpmemctl: job: unknown keyword \`colour'"
	run -2 --separate-stderr "$X" rule add allow sometimes
	assert_equal "${stderr_lines[0]}" "xpmemctl: rule: unknown selector \`sometimes'"
	run -2 --separate-stderr "$X" segments extra
	assert_equal "${stderr_lines[0]}" "xpmemctl: segments: unexpected argument \`extra'"
	run -2 --separate-stderr "$X" revoke pid 1 uid 0
	assert_equal "${stderr_lines[0]}" \
		"xpmemctl: revoke: unexpected argument \`uid' (give one selector)"
	run -2 --separate-stderr "$X" job add 7 uid 0 cgroup / cgroup-id 4
	assert_equal "${stderr_lines[0]}" "xpmemctl: job: give one of cgroup and cgroup-id"
}

@test "a cgroup that does not exist is a usage error naming it" {
	run -2 --separate-stderr "$X" job add 7 uid 0 cgroup /no/such/job_4242
	assert_equal "$stderr" "xpmemctl: invalid cgroup: \`/no/such/job_4242' (no such cgroup)"
}

@test "a cgroup path resolves before the kernel is asked" {
	grep -q ' - cgroup2 ' /proc/self/mountinfo || skip "no cgroup2 mount on this host"
	# the root cgroup, relative to the cgroup2 mount wherever that is
	run -1 --separate-stderr "$X" job add 7 uid root cgroup /
	assert_equal "$stderr" "xpmemctl: $NOT_LOADED"
}

@test "keywords may be written as options" {
	run -1 --separate-stderr "$X" job add 7 --uid 0 --cgroup-id 5 --max-segments 3
	assert_equal "$stderr" "xpmemctl: $NOT_LOADED"
	run -2 --separate-stderr "$X" rule add allow --uid bob7
	assert_equal "$stderr" "xpmemctl: invalid uid: \`bob7'"
	run -1 --separate-stderr "$X" stats --uid 0
	assert_equal "$stderr" "xpmemctl: $NOT_LOADED"
}

@test "--help works for every subcommand" {
	local cmd
	for cmd in status segments attachments permits stats policy rule job quota \
		   revoke monitor version; do
		run --separate-stderr "$X" "$cmd" --help
		[ "$status" -eq 0 ] || fail "$cmd --help exited with $status"
		[[ ${lines[0]} == "Usage: xpmemctl "*" $cmd"* ]] || fail "$cmd --help: ${lines[0]}"
		run -0 "$X" "$cmd" -h
		run -0 "$X" help "$cmd"
		[[ ${lines[0]} == "Usage: xpmemctl "* ]] || fail "help $cmd: ${lines[0]}"
	done
}

@test "--help lists every command" {
	run -0 "$X" --help
	assert_line --index 0 "Usage: xpmemctl [-j | --json] [-o <file>] [<command> [<arguments>]]"
	for cmd in status segments attachments permits stats policy rule job quota \
		   revoke monitor version; do
		assert_line --regexp "^  $cmd "
	done
}

@test "the man page renders without warnings and covers every command" {
	command -v man >/dev/null || skip "no man"
	run -0 --separate-stderr env MANWIDTH=80 man --warnings -l man/xpmemctl.8
	assert_equal "$stderr" ""
	for cmd in status segments attachments permits stats policy rule job quota \
		   revoke monitor version; do
		assert_line --regexp "^       $cmd( |$)"
	done
}

@test "bash completion offers subcommands and keywords" {
	# shellcheck disable=SC2016	# expanded by the inner bash
	run -0 bash -c '
		source completion/xpmemctl.bash
		c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		      COMPREPLY=(); _xpmemctl; echo "${COMPREPLY[*]}"; }
		c xpmemctl ru
		c xpmemctl -j policy set ""
		c xpmemctl rule add allow uid root ""
		c xpmemctl job add 7 uid ro
		c xpmemctl revoke ""
		c xpmemctl policy set strict visibility ""
		c xpmemctl policy set strict ""
		c xpmemctl stats ""
		c xpmemctl stats all --format ""
		c xpmemctl -o /dev/nul
		c xpmemctl --output /dev/null st'
	assert_line --index 0 "rule"
	assert_line --index 1 "compat strict visibility default-max-segments"
	assert_line --index 2 "gid peer-uid same-job"
	assert_line --index 3 "root"
	assert_line --index 4 "segid pid uid job"
	assert_line --index 5 "own all"
	assert_line --index 6 "visibility default-max-segments"
	assert_line --index 7 "all uid job --format"
	assert_line --index 8 "text json prometheus openmetrics"
	assert_line --index 9 "/dev/null"
	assert_line --index 10 "status stats"
}
