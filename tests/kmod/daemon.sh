#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kmod/daemon.sh - xpmemd under systemd, in the guest:
#
#   tests/vm/run --systemd -- tests/kmod/daemon.sh
#
# Installs the built xpmemd, xpmemctl, unit, tmpfiles entry and module into
# the guest's (throw-away) root, then checks: the unit starts and reports
# ready with a status line, the kernel holds the configured policy (mode,
# visibility, segment limit, rules, quotas), reload applies a good
# configuration and keeps the policy on a bad one, a denied cross-user
# attach lands in `journalctl XPMEM_EVENT=denied`, a
# SameJob rule lets a job's ranks share, kill -9 brings the daemon and
# the policy back, rmmod + insmod brings policy and jobs back within 1 s,
# jobs survive a daemon restart plus module reload, the Slurm prolog and
# epilog (pending cgroup, existing cgroup, unregister), the watchdog stays
# fed, and a bad configuration at start is refused with file:line.
# Output: TAP "ok - name" / "not ok - name", "# ..." diagnostics.

# shellcheck disable=SC2317	# the tests are called through check()
# shellcheck disable=SC2016	# single-quoted bash -c scripts expand later
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
failed=0
CONF=/etc/xpmem/xpmemd.conf
ROOT=/sys/fs/cgroup/xpmem-jobs
JOBS=/run/xpmem/jobs
APPLIED=0ba7612f94cc49e583ef51cda6413882
T=$(mktemp -d /tmp/xpmemd-guest.XXXXXX)

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=1; }
diag() { sed 's/^/# /'; }
# check NAME CMD...: one TAP line; on failure, CMD's output and the log tail
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
		[ -n "$out" ] && printf '%s\n' "$out" | diag
	else
		not_ok "$name"
		[ -n "$out" ] && printf '%s\n' "$out" | diag
		journalctl -u xpmemd --no-pager -n 15 -o short-monotonic 2>&1 | diag
	fi
	return 0
}

# wait_until TENTHS CMD...: poll CMD every 0.1 s
wait_until() {
	local n=$1
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}

status_text() { systemctl show -p StatusText --value xpmemd; }
main_pid() { systemctl show -p MainPID --value xpmemd; }
policy() { xpmemctl -j policy; }
mode_is() { policy | grep -q "\"mode\":\"$1\""; }
has_job() { xpmemctl -j job list | grep -q "\"id\":$1,"; }
now_us() { echo $(($(date +%s%N) / 1000)); }
# the newest journal entry matching MATCHES: its receive time in µs
journal_us() {
	journalctl "$@" -n 1 -o export --no-pager 2>/dev/null | sed -n 's/^__REALTIME_TIMESTAMP=//p'
}

write_conf() {
	case $1 in
	strict)
		printf '%s\n' "[Policy]" "DefaultMode=strict" "Visibility=all" \
			"DefaultMaxSegments=1000" \
			"[Rule]" "Action=allow" "SameJob=yes" \
			"[Rule]" "Action=deny" "User=1001" "PeerUser=1000" \
			"[Quota]" "User=1000" "MaxSegments=100" \
			"[Jobs]" "CgroupRoot=$ROOT" >$CONF ;;
	compat)
		printf '%s\n' "[Policy]" "DefaultMode=compat" \
			"[Rule]" "Action=deny" "User=1001" "PeerUser=1000" \
			"[Jobs]" "CgroupRoot=$ROOT" >$CONF ;;
	bad)
		printf '%s\n' "[Policy]" "DefaultMode=strict" \
			"[Quota]" "User=1000" "MaxAttachedBytes=lots" >$CONF ;;
	esac
}

# ---- install ------------------------------------------------------------------------
install_all() {
	local k d=/etc/systemd/system/xpmemd.service.d
	k=/lib/modules/$(uname -r)/extra
	if ! [ -x xpmemd/xpmemd ] || ! [ -x xpmemctl/xpmemctl ] || ! [ -f module/xpmem.ko ]; then
		echo "build first: make module, make -C xpmemd, make -C xpmemctl"
		return 1
	fi
	[ -d /sys/module/xpmem ] && rmmod xpmem
	install -m 0755 xpmemd/xpmemd xpmemctl/xpmemctl /usr/sbin/ &&
	install -D -m 0644 units/xpmemd.service /etc/systemd/system/xpmemd.service &&
	install -D -m 0644 units/xpmem.tmpfiles /etc/tmpfiles.d/xpmem.conf &&
	install -D -m 0644 module/xpmem.ko "$k/xpmem.ko" && depmod -a &&
	systemd-tmpfiles --create /etc/tmpfiles.d/xpmem.conf &&
	mkdir -p /etc/xpmem "$d" "$ROOT" || return 1
	# a short watchdog, so that a daemon that stops feeding it is caught;
	# a restart delay long enough to tamper with the kernel in between
	printf '%s\n' "[Service]" "WatchdogSec=3s" "RestartSec=2s" >"$d/test.conf"
	write_conf strict
	systemctl daemon-reload
}

if ! out=$(install_all 2>&1); then
	not_ok "install_into_the_guest"
	printf '%s\n' "$out" | diag
	exit 1
fi
ok "install_into_the_guest"

# ---- start, status, policy ----------------------------------------------------------
started() {
	systemctl start xpmemd || return 1
	[ "$(systemctl is-active xpmemd)" = active ] && [ -d /sys/module/xpmem ]
}
check unit_starts_and_reports_ready started
check status_summarises_the_policy \
	bash -c '[ "$(systemctl show -p StatusText --value xpmemd)" = "strict, 2 rules, 1 quota, 0 jobs" ]'

kernel_has_the_config() {
	local rules quotas
	rules=$(xpmemctl -j rule list) quotas=$(xpmemctl -j quota list)
	echo "$rules" "$quotas"
	mode_is strict && policy | grep -q '"visibility":"all","default_max_segments":1000,' &&
	grep -q '"action":"allow","uid":null,"gid":null,"peer_uid":null,"same_job":true' <<<"$rules" &&
	grep -q '"action":"deny","uid":1001,"gid":null,"peer_uid":1000,"same_job":false' <<<"$rules" &&
	[ "$(grep -o '"id"' <<<"$rules" | wc -l)" = 2 ] &&
	grep -q '"uid":1000,"max_segments":100' <<<"$quotas"
}
check kernel_has_the_configured_policy kernel_has_the_config

# ---- reload -------------------------------------------------------------------------
good_reload() {
	write_conf compat
	systemctl reload xpmemd || return 1
	wait_until 50 mode_is compat || return 1
	wait_until 20 bash -c '[ "$(systemctl show -p StatusText --value xpmemd)" = "compat, 1 rule, 0 quotas, 0 jobs" ]' || {
		status_text
		return 1
	}
	[ "$(xpmemctl -j quota list)" = "[]" ] && policy | grep -q '"rules":1' &&
	policy | grep -q '"visibility":"own","default_max_segments":4096,'
}
check reload_applies_a_good_config good_reload

bad_reload() {
	local pid before
	write_conf strict
	systemctl reload xpmemd && wait_until 50 mode_is strict || return 1
	pid=$(main_pid) before=$(xpmemctl -j rule list)
	write_conf bad
	if systemctl reload xpmemd; then
		echo "systemctl reload succeeded with a bad configuration"
		return 1
	fi
	sleep 0.5
	[ "$(systemctl is-active xpmemd)" = active ] && [ "$(main_pid)" = "$pid" ] &&
	mode_is strict && [ "$(xpmemctl -j rule list)" = "$before" ]
}
check reload_refuses_a_bad_config_and_keeps_the_policy bad_reload

hup_with_bad_config() {
	local before
	before=$(xpmemctl -j rule list)
	kill -HUP "$(main_pid)"
	wait_until 50 bash -c 'systemctl show -p StatusText --value xpmemd | grep -q "reload refused"' || {
		status_text
		return 1
	}
	status_text
	status_text | grep -q "xpmemd.conf:5: invalid MaxAttachedBytes= value \"lots\"" &&
	status_text | grep -q "keeping strict, 2 rules, 1 quota" &&
	[ "$(systemctl is-active xpmemd)" = active ] && [ "$(xpmemctl -j rule list)" = "$before" ]
}
check sighup_with_a_bad_config_keeps_the_policy hup_with_bad_config
write_conf strict
systemctl reload xpmemd

# ---- events in the journal ------------------------------------------------------------
# producer UID MODE: start examples/producer as UID in the background;
# sets PRODUCER (pid), SEG (segid), SIZE; `exec 8>&-` ends it.
producer() {
	rm -f "$T/p.in" "$T/p.out"
	mkfifo "$T/p.in"
	setpriv --reuid "$1" --regid "$1" --clear-groups examples/producer "$2" \
		<"$T/p.in" >"$T/p.out" 2>&1 &
	PRODUCER=$!
	exec 8>"$T/p.in"
	wait_until 100 grep -q '^0x' "$T/p.out" || { cat "$T/p.out"; return 1; }
	read -r SEG SIZE <"$T/p.out"
	printf '0x%016x\n' "$SEG" >"$T/segid"
}
producer_end() { exec 8>&-; wait "$PRODUCER" 2>/dev/null; }

denied_in_journal() {
	local out seg
	producer 1000 0666 || return 1
	if setpriv --reuid 1001 --regid 1001 --clear-groups examples/consumer "$SEG" "$SIZE"; then
		echo "uid 1001 attached to uid 1000's segment"
		producer_end
		return 1
	fi
	producer_end
	seg=$(cat "$T/segid")
	wait_until 50 bash -c "journalctl XPMEM_EVENT=denied XPMEM_SEGID=$seg -o cat | grep -q ."
	# export format: one FIELD=value per line (binary fields are filtered out)
	out=$(journalctl XPMEM_EVENT=denied XPMEM_SEGID="$seg" -o export --no-pager |
		grep -a -E '^(MESSAGE|XPMEM_[A-Z_]*|MESSAGE_ID)=')
	echo "$out"
	grep -qx 'XPMEM_UID=1001' <<<"$out" && grep -qx 'XPMEM_PEER_UID=1000' <<<"$out" &&
	grep -qx 'MESSAGE_ID=10c9e68ae6624bc699c3dfff873ecb46' <<<"$out" &&
	grep -q '^XPMEM_RULE=[0-9]' <<<"$out" && grep -q '^XPMEM_PID=[0-9]' <<<"$out" &&
	grep -Eq "^MESSAGE=uid 1001 \(pid [0-9]+\) denied access to segment $seg of uid 1000 \(pid $PRODUCER\) by rule [0-9]+$" <<<"$out"
}
check denied_access_is_in_the_journal denied_in_journal
segment_events() {
	local seg
	seg=$(cat "$T/segid") || return 1
	journalctl XPMEM_EVENT=segment-made XPMEM_SEGID="$seg" -o export | grep -aqx 'XPMEM_UID=1000' &&
	journalctl XPMEM_EVENT=segment-removed XPMEM_SEGID="$seg" -o cat | grep -x "segment $seg of uid 1000 (pid [0-9]*) removed"
}
check segment_events_are_in_the_journal segment_events

same_job_shares() {
	local ret=0
	mkdir -p "$ROOT/job_90"
	xpmemctl job add 90 uid 1000 cgroup "$ROOT/job_90" || return 1
	# both ranks inside the job's cgroup, under two uids strict mode keeps apart
	(echo "$BASHPID" >"$ROOT/job_90/cgroup.procs" && producer 1000 0666 &&
	 setpriv --reuid 1002 --regid 1002 --clear-groups examples/consumer "$SEG" 4096 ||
		ret=1; producer_end; exit "$ret") || ret=1
	xpmemctl job del 90
	return "$ret"
}
check same_job_rule_lets_a_jobs_ranks_share same_job_shares

# ---- kill -9 ------------------------------------------------------------------------
killed() {
	local pid new
	pid=$(main_pid)
	kill -9 "$pid"
	xpmemctl policy reset		# the restart must bring it back
	wait_until 100 bash -c "p=\$(systemctl show -p MainPID --value xpmemd); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ] && systemctl is-active -q xpmemd" ||
		return 1
	new=$(main_pid)
	echo "pid $pid -> $new"
	wait_until 30 mode_is strict && policy | grep -q '"rules":2'
}
check kill_9_restarts_with_the_policy_back killed

# ---- the module goes and comes back -------------------------------------------------
mkdir -p "$ROOT/job_77"
xpmemctl job add 77 uid 1000 cgroup "$ROOT/job_77" max-segments 5 >/dev/null 2>&1

unloaded() {
	wait_until 30 test -e "$JOBS/77" || { echo "no $JOBS/77"; return 1; }
	rmmod xpmem || return 1
	wait_until 30 bash -c 'systemctl show -p StatusText --value xpmemd | grep -q "^waiting for the xpmem module (strict, 2 rules, 1 quota)"' || {
		status_text
		return 1
	}
	status_text
	[ "$(systemctl is-active xpmemd)" = active ]
}
check module_unload_leaves_the_daemon_waiting unloaded

reloaded() {
	local t0 t1 ta tj
	t0=$(now_us)
	insmod module/xpmem.ko || return 1
	t1=$(now_us)
	wait_until 50 has_job 77 && wait_until 20 mode_is strict || return 1
	xpmemctl -j job list
	ta=$(journal_us -u xpmemd MESSAGE_ID="$APPLIED")
	tj=$(journal_us XPMEM_EVENT=job-added XPMEM_JOB=77)
	echo "after insmod started: policy back at $(((ta - t0) / 1000)) ms, job at" \
	     "$(((tj - t0) / 1000)) ms (journal receive times); insmod took $(((t1 - t0) / 1000)) ms"
	policy | grep -q '"rules":2' && xpmemctl -j job list | grep -q '"max_segments":5' &&
	[ $((ta - t0)) -le 1000000 ] && [ $((tj - t0)) -le 1000000 ]
}
check module_reload_restores_policy_and_jobs_within_1s reloaded

restart_and_reload() {
	systemctl stop xpmemd && rmmod xpmem && insmod module/xpmem.ko || return 1
	has_job 77 && { echo "job 77 survived the module?"; return 1; }
	systemctl start xpmemd || return 1
	main_pid >"$T/pid"
	has_job 77 && mode_is strict
}
check jobs_survive_a_daemon_restart_and_a_module_reload restart_and_reload

# ---- Slurm ----------------------------------------------------------------------------
pending_job() {
	env -i SLURM_JOB_ID=88 SLURM_JOB_UID=1000 /bin/sh contrib/slurm/xpmem-prolog.sh || return 1
	cat "$JOBS/88"
	grep -qx "cgroup-path=$ROOT/job_88" "$JOBS/88" && ! has_job 88 || return 1
	mkdir "$ROOT/job_88"
	wait_until 30 has_job 88 || return 1
	wait_until 10 grep -qx "cgroup-id=$(stat -c %i "$ROOT/job_88")" "$JOBS/88" &&
	xpmemctl -j job list | grep -q "\"id\":88,\"uid\":1000,\"cgroup_id\":$(stat -c %i "$ROOT/job_88")"
}
check prolog_registers_a_pending_job_when_its_cgroup_appears pending_job

existing_job() {
	mkdir -p "$ROOT/job_89"
	env -i SLURM_JOB_ID=89 SLURM_JOB_UID=1001 /bin/sh contrib/slurm/xpmem-prolog.sh &&
	has_job 89 && wait_until 30 test -e "$JOBS/89"
}
check prolog_registers_an_existing_cgroup_at_once existing_job

epilog() {
	env -i SLURM_JOB_ID=88 /bin/sh contrib/slurm/xpmem-epilog.sh &&
	env -i SLURM_JOB_ID=88 /bin/sh contrib/slurm/xpmem-epilog.sh || return 1
	! has_job 88 && has_job 89 && wait_until 20 test ! -e "$JOBS/88"
}
check epilog_unregisters_the_job epilog

# ---- the watchdog, and a bad configuration at start ------------------------------------
fed() {
	# the same process since the last start, and systemd never complained
	[ "$(main_pid)" = "$(cat "$T/pid")" ] && ! journalctl -u xpmemd | grep -i watchdog
}
check watchdog_stays_fed fed

refused_start() {
	systemctl stop xpmemd
	write_conf bad
	if systemctl start xpmemd; then
		echo "started with a bad configuration"
		return 1
	fi
	wait_until 30 bash -c 'journalctl -u xpmemd | grep -q "refusing to start: /etc/xpmem/xpmemd.conf:5: invalid MaxAttachedBytes= value \"lots\""' &&
	journalctl -u xpmemd -n 3 --no-pager | grep refusing | tail -n 1
}
check bad_config_at_start_is_refused_with_file_and_line refused_start
systemctl stop xpmemd 2>/dev/null
systemctl reset-failed xpmemd 2>/dev/null

rm -rf "$T"
exit $failed
