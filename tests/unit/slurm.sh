#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# slurm.sh - host tests of contrib/slurm/xpmem-{prolog,epilog}.sh, as TAP,
# with a fake xpmemctl that records its arguments: an existing job cgroup
# is registered through xpmemctl, a missing one leaves a pending job file
# for xpmemd, nothing ever exits non-zero, no PATH is needed, running
# twice is harmless. Exits non-zero if any test failed.

# shellcheck disable=SC2317	# the tests are called through run()
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
PROLOG=$TOP/contrib/slurm/xpmem-prolog.sh
EPILOG=$TOP/contrib/slurm/xpmem-epilog.sh
TMP=$(mktemp -d /tmp/xpmem-slurm.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0

diag() { sed 's/^/# /'; }

run() {
	local out
	rm -rf "$TMP/case"
	mkdir -p "$TMP/case/root" "$TMP/case/jobs"
	if out=$("$1" 2>&1); then
		echo "ok - $1"
	else
		echo "not ok - $1"
		failed=1
		[ -n "$out" ] && printf '%s\n' "$out" | diag
	fi
	return 0
}

# fake xpmemctl: records "ARGS" in calls, exits with $FAKE_RC (0)
cat >"$TMP/xpmemctl" <<'EOF'
#!/bin/sh
echo "$*" >>"${FAKE_LOG:?}"
[ -n "${FAKE_MSG:-}" ] && echo "$FAKE_MSG" >&2
exit "${FAKE_RC:-0}"
EOF
# fake xpmemd: --show-config prints a CgroupRoot=
cat >"$TMP/xpmemd" <<'EOF'
#!/bin/sh
[ "$1" = --show-config ] && printf '[Jobs]\nCgroupRoot=%s\n' "${FAKE_ROOT:?}"
EOF
chmod +x "$TMP/xpmemctl" "$TMP/xpmemd"

# prolog|epilog [VAR=value...]: run it the way slurmd does (no PATH)
slurm() {
	local script=$PROLOG
	[ "$1" = epilog ] && script=$EPILOG
	shift
	env -i SLURM_JOB_ID=42 SLURM_JOB_UID=1000 XPMEMCTL="$TMP/xpmemctl" \
		XPMEMD="$TMP/xpmemd" FAKE_ROOT="$TMP/case/root" FAKE_LOG="$TMP/case/calls" \
		XPMEM_JOBS_DIR="$TMP/case/jobs" "$@" /bin/sh "$script"
}

calls() { cat "$TMP/case/calls" 2>/dev/null; }

prolog_registers_an_existing_cgroup() {
	mkdir "$TMP/case/root/job_42"
	slurm prolog || return 1
	calls
	[ "$(calls)" = "job add 42 uid 1000 cgroup $TMP/case/root/job_42 max-segments 0 max-attached-bytes 0 max-mapped-pages 0" ] &&
	[ ! -e "$TMP/case/jobs/42" ]
}

prolog_leaves_a_pending_job_for_xpmemd() {
	slurm prolog XPMEM_MAX_ATTACHED_BYTES=1073741824 || return 1
	cat "$TMP/case/jobs/42"
	[ -z "$(calls)" ] &&
	grep -qx 'id=42' "$TMP/case/jobs/42" &&
	grep -qx 'uid=1000' "$TMP/case/jobs/42" &&
	grep -qx "cgroup-path=$TMP/case/root/job_42" "$TMP/case/jobs/42" &&
	grep -qx 'max-attached-bytes=1073741824' "$TMP/case/jobs/42" &&
	! grep -q cgroup-id "$TMP/case/jobs/42" &&
	[ -z "$(find "$TMP/case/jobs" -name '.*')" ] &&
	[ "$(stat -c %a "$TMP/case/jobs/42")" = 644 ]
}

prolog_falls_back_to_the_file_when_xpmemctl_fails() {
	mkdir "$TMP/case/root/job_42"
	slurm prolog FAKE_RC=1 FAKE_MSG="xpmem module not loaded" || return 1
	[ -n "$(calls)" ] && grep -qx "cgroup-path=$TMP/case/root/job_42" "$TMP/case/jobs/42"
}

prolog_passes_the_job_quotas() {
	mkdir "$TMP/case/root/job_42"
	slurm prolog XPMEM_MAX_SEGMENTS=7 XPMEM_MAX_MAPPED_PAGES=9 || return 1
	calls | grep -q 'max-segments 7 max-attached-bytes 0 max-mapped-pages 9$'
}

prolog_takes_the_root_from_the_environment() {
	slurm prolog XPMEM_CGROUP_ROOT=/elsewhere || return 1
	grep -qx 'cgroup-path=/elsewhere/job_42' "$TMP/case/jobs/42"
}

prolog_without_xpmemd_uses_slurms_default_root() {
	slurm prolog XPMEMD=/nonexistent || return 1
	grep -qx 'cgroup-path=/sys/fs/cgroup/system.slice/slurmstepd.scope/job_42' \
		"$TMP/case/jobs/42"
}

prolog_is_idempotent() {
	local first
	slurm prolog && first=$(cat "$TMP/case/jobs/42") && slurm prolog &&
	[ "$(cat "$TMP/case/jobs/42")" = "$first" ]
}

prolog_never_fails() {
	env -i /bin/sh "$PROLOG" || return 1			# no SLURM_* at all
	slurm prolog SLURM_JOB_UID=bob || return 1
	slurm prolog SLURM_JOB_ID='42;rm -rf /' || return 1
	slurm prolog XPMEM_JOBS_DIR=/proc/xpmem-cannot-write || return 1
	slurm prolog XPMEM_MAX_SEGMENTS=lots || return 1
	[ -z "$(calls)" ] && [ -z "$(ls -A "$TMP/case/jobs")" ]
}

prolog_waits_a_bounded_time_when_asked() {
	local t0 t1
	t0=$(date +%s%N)
	slurm prolog XPMEM_PROLOG_WAIT=3 || return 1
	t1=$(date +%s%N)
	echo "waited $(((t1 - t0) / 1000000)) ms"
	[ $(((t1 - t0) / 1000000)) -ge 250 ] && [ $(((t1 - t0) / 1000000)) -lt 3000 ] &&
	[ -e "$TMP/case/jobs/42" ]
}

epilog_unregisters_and_removes_the_file() {
	echo "id=42" >"$TMP/case/jobs/42"
	slurm epilog || return 1
	[ "$(calls)" = "job del 42" ] && [ ! -e "$TMP/case/jobs/42" ]
}

epilog_never_fails() {
	echo "id=42" >"$TMP/case/jobs/42"
	slurm epilog FAKE_RC=1 FAKE_MSG="cannot delete the job" || return 1
	[ ! -e "$TMP/case/jobs/42" ] || return 1
	slurm epilog XPMEMCTL=/nonexistent || return 1
	slurm epilog SLURM_JOB_ID= || return 1
	env -i /bin/sh "$EPILOG"
}

scripts_are_posix_sh() {
	/bin/dash -n "$PROLOG" && /bin/dash -n "$EPILOG" || return 1
	if command -v shellcheck >/dev/null; then
		shellcheck -s sh "$PROLOG" "$EPILOG"
	fi
}

run prolog_registers_an_existing_cgroup
run prolog_leaves_a_pending_job_for_xpmemd
run prolog_falls_back_to_the_file_when_xpmemctl_fails
run prolog_passes_the_job_quotas
run prolog_takes_the_root_from_the_environment
run prolog_without_xpmemd_uses_slurms_default_root
run prolog_is_idempotent
run prolog_never_fails
run prolog_waits_a_bounded_time_when_asked
run epilog_unregisters_and_removes_the_file
run epilog_never_fails
run scripts_are_posix_sh
exit $failed
