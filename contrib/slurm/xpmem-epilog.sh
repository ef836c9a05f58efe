#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xpmem-epilog.sh - Slurm Epilog (slurmd, on each compute node): unregister
# the job from xpmem. The kernel revokes what the job still exported and
# attached (attachers get SIGBUS on their next touch). See README.md.
#
# No PATH, never fails (a failing epilog drains the node), idempotent: a
# job that is not registered, or a module that is not loaded, is fine.
#
# Environment: SLURM_JOB_ID (from slurmd); XPMEMCTL, XPMEM_JOBS_DIR for tests.

XPMEMCTL=${XPMEMCTL:-/usr/sbin/xpmemctl}
JOBS_DIR=${XPMEM_JOBS_DIR:-/run/xpmem/jobs}

log() {
	/usr/bin/logger -t xpmem-epilog -p "daemon.$1" -- "job ${SLURM_JOB_ID:-?}: $2" \
		2>/dev/null || echo "xpmem-epilog: job ${SLURM_JOB_ID:-?}: $2" >&2
}

id=${SLURM_JOB_ID:-}
case $id in
'' | *[!0-9]*)
	log warning "invalid SLURM_JOB_ID \"$id\"; nothing to unregister"
	exit 0 ;;
esac

if [ -x "$XPMEMCTL" ]; then
	out=$("$XPMEMCTL" job del "$id" 2>&1) ||
		log warning "xpmemctl job del failed (${out:-no message})"
else
	log warning "$XPMEMCTL is missing; the job stays registered until the module is reloaded"
fi
# xpmemctl removes the file too; a pending job has only the file.
/bin/rm -f "$JOBS_DIR/$id" 2>/dev/null
exit 0
