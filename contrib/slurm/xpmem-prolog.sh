#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xpmem-prolog.sh - Slurm Prolog (slurmd, on each compute node): register
# the job with xpmem, so that "SameJob=yes" rules and per-job quotas apply
# to its processes. See README.md next to this file.
#
# Slurm runs this as root, without PATH, and drains the node if it fails:
# every command has a full path, nothing here exits non-zero, and running
# it twice is harmless (xpmemctl job add updates an existing job).
#
# The job's cgroup is <CgroupRoot>/job_<id>. Slurm 22.05 runs the prolog
# before it creates that directory, so when it does not exist yet the job
# is written to /run/xpmem/jobs as "pending" (a cgroup path, no id) and
# xpmemd registers it the moment the directory appears.
#
# Environment: SLURM_JOB_ID, SLURM_JOB_UID (from slurmd); optional
#   XPMEM_MAX_SEGMENTS, XPMEM_MAX_ATTACHED_BYTES, XPMEM_MAX_MAPPED_PAGES
#     per-job quotas (plain numbers; 0 or unset: unlimited)
#   XPMEM_CGROUP_ROOT   default: CgroupRoot= of xpmemd.conf
#   XPMEM_PROLOG_WAIT   tenths of a second to wait for the cgroup (0)
#   XPMEMCTL, XPMEMD, XPMEM_JOBS_DIR   for tests

XPMEMCTL=${XPMEMCTL:-/usr/sbin/xpmemctl}
XPMEMD=${XPMEMD:-/usr/sbin/xpmemd}
JOBS_DIR=${XPMEM_JOBS_DIR:-/run/xpmem/jobs}
WAIT=${XPMEM_PROLOG_WAIT:-0}
DEFAULT_ROOT=/sys/fs/cgroup/system.slice/slurmstepd.scope

log() {
	/usr/bin/logger -t xpmem-prolog -p "daemon.$1" -- "job ${SLURM_JOB_ID:-?}: $2" \
		2>/dev/null || echo "xpmem-prolog: job ${SLURM_JOB_ID:-?}: $2" >&2
}

# number NAME VALUE: is VALUE a plain decimal number?
number() {
	case $2 in
	'' | *[!0-9]*)
		log warning "invalid $1 \"$2\"; not registering the job with xpmem"
		return 1 ;;
	esac
	return 0
}

id=${SLURM_JOB_ID:-}
uid=${SLURM_JOB_UID:-}
number SLURM_JOB_ID "$id" || exit 0
number SLURM_JOB_UID "$uid" || exit 0
segs=${XPMEM_MAX_SEGMENTS:-0}
bytes=${XPMEM_MAX_ATTACHED_BYTES:-0}
pages=${XPMEM_MAX_MAPPED_PAGES:-0}
number XPMEM_MAX_SEGMENTS "$segs" || exit 0
number XPMEM_MAX_ATTACHED_BYTES "$bytes" || exit 0
number XPMEM_MAX_MAPPED_PAGES "$pages" || exit 0
number XPMEM_PROLOG_WAIT "$WAIT" || WAIT=0

root=${XPMEM_CGROUP_ROOT:-}
if [ -z "$root" ] && [ -x "$XPMEMD" ]; then
	root=$("$XPMEMD" --show-config 2>/dev/null | /bin/sed -n 's/^CgroupRoot=//p')
fi
cgroup=${root:-$DEFAULT_ROOT}/job_$id

# The cgroup exists (or appears within WAIT tenths): register it now.
tries=0
while :; do
	if [ -d "$cgroup" ] && [ -x "$XPMEMCTL" ]; then
		if out=$("$XPMEMCTL" job add "$id" uid "$uid" cgroup "$cgroup" \
			max-segments "$segs" max-attached-bytes "$bytes" \
			max-mapped-pages "$pages" 2>&1); then
			exit 0
		fi
		log warning "xpmemctl job add failed (${out:-no message}); leaving it to xpmemd"
		break
	fi
	[ "$tries" -ge "$WAIT" ] && break
	tries=$((tries + 1))
	/bin/sleep 0.1
done

# Pending: xpmemd registers it when $cgroup appears (or when the module is
# back). Written under a dot name and renamed, as every writer does.
umask 022
/bin/mkdir -p "$JOBS_DIR" 2>/dev/null
tmp=$JOBS_DIR/.$id.prolog.$$
if printf '%s\n' "# written by xpmem-prolog.sh: pending until the cgroup exists" \
	"id=$id" "uid=$uid" "cgroup-path=$cgroup" "max-segments=$segs" \
	"max-attached-bytes=$bytes" "max-mapped-pages=$pages" >"$tmp" 2>/dev/null &&
	/bin/mv -f "$tmp" "$JOBS_DIR/$id" 2>/dev/null; then
	[ -d "$cgroup" ] ||
		log info "cgroup $cgroup does not exist yet; xpmemd registers the job when it appears"
else
	/bin/rm -f "$tmp" 2>/dev/null
	log err "cannot write $JOBS_DIR/$id; the job is not registered with xpmem"
fi
exit 0
