/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jobs.h - xpmemd's half of the job-state contract: register the jobs of
 * /run/xpmem/jobs with the kernel (at start, after a module reload, and
 * whenever a file appears there), wait for the cgroup of a job registered
 * by path before its directory exists, and mirror the kernel's job-added
 * and job-removed events back into the files.
 */
#ifndef XPMEMD_JOBS_H
#define XPMEMD_JOBS_H

#include <systemd/sd-event.h>

struct xpmem_ctl;
struct xpmem_ctl_event;
struct xpmem_jobs;

/*
 * Watch DIR (created if missing). CHANGED(ARG) is called when the number
 * of pending jobs or of registered jobs may have changed. NULL on
 * failure, with errno set.
 */
struct xpmem_jobs *xpmem_jobs_new(sd_event *e, const char *dir,
				  void (*changed)(void *arg), void *arg);
void xpmem_jobs_free(struct xpmem_jobs *j);

/* Where relative cgroup paths live (xpmemd.conf's CgroupRoot=). */
void xpmem_jobs_set_root(struct xpmem_jobs *j, const char *cgroup_root);

/*
 * The module is there (CTL) or gone (NULL). With a CTL, every job file is
 * registered now, and the files are then brought in line with the
 * kernel's jobs.
 */
void xpmem_jobs_connect(struct xpmem_jobs *j, struct xpmem_ctl *ctl);

/* A job-added, job-removed or lost (XPMEM_CTL_EVENT_LOST) event. */
void xpmem_jobs_event(struct xpmem_jobs *j, const struct xpmem_ctl_event *ev);

/* Jobs whose cgroup directory does not exist yet. */
unsigned int xpmem_jobs_pending(const struct xpmem_jobs *j);

#endif /* XPMEMD_JOBS_H */
