/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jobstate.h - the registered-jobs store under /run/xpmem/jobs: one small
 * text file per job, named after its decimal id, so that jobs survive a
 * restart of xpmemd and an unload/reload of the module.
 *
 * Writers (xpmemctl job add, the Slurm prolog, xpmemd) write a temporary
 * file whose name starts with "." in the same directory and rename(2) it
 * into place; readers ignore dot files. The format (see xpmemd(8), "JOB
 * STATE FILES") is "key=value" lines, "#" comments, unknown keys ignored:
 *
 *     id=1234
 *     uid=1001
 *     cgroup-id=5678                       (0 or absent: not resolved yet)
 *     cgroup-path=/sys/fs/cgroup/.../job_1234   (absolute, or relative to
 *                                           xpmemd.conf's CgroupRoot=)
 *     max-segments=0                       (0 is unlimited)
 *     max-attached-bytes=0
 *     max-mapped-pages=0
 *
 * A job needs cgroup-id or cgroup-path (or both: the id wins).
 */
#ifndef XPMEMD_JOBSTATE_H
#define XPMEMD_JOBSTATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XPMEM_JOBS_DIR		"/run/xpmem/jobs"
#define XPMEM_JOBSTATE_MAX	8192	/* bytes; larger files are invalid */

struct xpmem_job_state {
	uint64_t id;
	uint32_t uid;
	uint64_t cgroup_id;		/* 0: resolve cgroup_path */
	char cgroup_path[PATH_MAX];	/* "" if none */
	uint32_t max_segments;
	uint64_t max_attached_bytes;
	uint64_t max_mapped_pages;
};

/* Is NAME a job file name (a decimal id, no sign, no leading zero)? */
bool xpmem_jobstate_name(const char *name, uint64_t *id);

/*
 * Parse TEXT into *ST. Returns 0, or -EINVAL with a reason in WHY (WHY
 * may be NULL) naming the line and the bad value.
 */
int xpmem_jobstate_parse(const char *text, struct xpmem_job_state *st,
			 char *why, size_t whylen);

/* The canonical text of *ST (what _write stores); -ENOSPC if too small. */
int xpmem_jobstate_format(const struct xpmem_job_state *st, char *buf, size_t len);

/*
 * Read job ID from DIR: 0, -ENOENT if there is no such file, -EINVAL if
 * it is malformed or names another id (reason in WHY), other -errno.
 */
int xpmem_jobstate_read(const char *dir, uint64_t id, struct xpmem_job_state *st,
			char *why, size_t whylen);

/*
 * Store *ST as DIR/<id>, atomically (a dot file renamed into place),
 * mode 0644. Returns 1 if the file changed, 0 if it already held exactly
 * this, -errno on failure.
 */
int xpmem_jobstate_write(const char *dir, const struct xpmem_job_state *st);

/* Remove DIR/<id>: 1 if removed, 0 if there was none, -errno. */
int xpmem_jobstate_remove(const char *dir, uint64_t id);

/*
 * The ids of the job files in DIR, ascending, in a malloc'ed array (NULL
 * when there are none). Returns the count or -errno; a missing DIR is 0.
 */
int xpmem_jobstate_list(const char *dir, uint64_t **ids);

#endif /* XPMEMD_JOBSTATE_H */
