// SPDX-License-Identifier: GPL-2.0
/*
 * jobs.c - keep the kernel's registered jobs and /run/xpmem/jobs in step.
 *
 * Files to kernel: every job file is registered when the daemon starts,
 * when the module comes back after an unload, and when a file is written
 * (inotify on the directory). A job registered by cgroup path whose
 * directory does not exist yet (Slurm 22.05 runs the prolog before it
 * creates the job's cgroup) is pending: it is tried again when something
 * is created under CgroupRoot= (inotify), and every second.
 *
 * Kernel to files: job-added and job-removed events schedule one sync
 * (deferred, so a burst costs one dump): each job the kernel has gets its
 * file, each removed one loses it. Only events remove files; a file that
 * disappears only stops a pending registration, it never unregisters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "apply.h"
#include "jobs.h"
#include "jobstate.h"
#include "journal.h"
#include "xpmem_control.h"

#define RETRY_USEC	1000000ULL	/* pending jobs and lost watches */

struct idset {
	uint64_t *v;
	size_t n;
};

struct xpmem_jobs {
	sd_event *e;
	char dir[PATH_MAX];
	char root[PATH_MAX];
	struct xpmem_ctl *ctl;
	sd_event_source *dir_watch, *root_watch, *timer, *sync;
	bool dir_lost, root_lost;
	struct idset pending, removed;
	void (*changed)(void *arg);
	void *arg;
};

static bool has(const struct idset *s, uint64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return true;
	return false;
}

static int put(struct idset *s, uint64_t id)
{
	uint64_t *grown;

	if (has(s, id))
		return 0;
	grown = realloc(s->v, (s->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->v = grown;
	s->v[s->n++] = id;
	return 0;
}

static bool drop(struct idset *s, uint64_t id)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i] == id) {
			s->v[i] = s->v[--s->n];
			return true;
		}
	}
	return false;
}

static void arm_timer(struct xpmem_jobs *j);
static void watch_root(struct xpmem_jobs *j);

/* ---- files to kernel ------------------------------------------------------- */

static void set_pending(struct xpmem_jobs *j, uint64_t id, bool pending)
{
	bool changed;

	if (pending) {
		changed = !has(&j->pending, id);
		if (put(&j->pending, id))
			xpmem_log(LOG_ERR, NULL, "job %" PRIu64 ": out of memory", id);
		watch_root(j);
		arm_timer(j);
	} else {
		changed = drop(&j->pending, id);
	}
	if (changed && j->changed)
		j->changed(j->arg);
}

/* Register job ID from its file, if the module is there. */
static void register_job(struct xpmem_jobs *j, uint64_t id)
{
	struct xpmem_job_state st;
	char why[PATH_MAX + 128];
	uint64_t had;
	int ret;

	ret = xpmem_jobstate_read(j->dir, id, &st, why, sizeof(why));
	if (ret) {
		if (ret != -ENOENT)
			xpmem_log(LOG_WARNING, XPMEM_MSGID_JOB_STATE, "ignoring %s/%" PRIu64 ": %s",
				  j->dir, id, ret == -EINVAL ? why : strerror(-ret));
		set_pending(j, id, false);
		return;
	}
	if (!j->ctl)
		return;
	had = st.cgroup_id;
	ret = xpmem_apply_job(j->ctl, &st, j->root, why, sizeof(why));
	if (ret == 1) {
		if (!has(&j->pending, id))
			xpmem_log(LOG_INFO, XPMEM_MSGID_JOB_STATE,
				  "job %" PRIu64 ": waiting for its cgroup %s", id, st.cgroup_path);
		set_pending(j, id, true);
		return;
	}
	set_pending(j, id, false);
	if (ret == -ESTALE) {
		xpmem_log(LOG_NOTICE, XPMEM_MSGID_JOB_STATE, "%s; forgetting the job", why);
		xpmem_jobstate_remove(j->dir, id);
		return;
	}
	if (ret < 0) {
		xpmem_log(LOG_ERR, XPMEM_MSGID_JOB_STATE, "%s", why);
		return;
	}
	if (!had) {
		xpmem_log(LOG_INFO, XPMEM_MSGID_JOB_STATE,
			  "job %" PRIu64 ": registered with cgroup %s (id %" PRIu64 ")",
			  id, st.cgroup_path, st.cgroup_id);
		ret = xpmem_jobstate_write(j->dir, &st);
		if (ret < 0)
			xpmem_log(LOG_WARNING, XPMEM_MSGID_JOB_STATE,
				  "cannot update %s/%" PRIu64 ": %s", j->dir, id, strerror(-ret));
	}
}

static void register_all(struct xpmem_jobs *j)
{
	uint64_t *ids;
	int n;

	n = xpmem_jobstate_list(j->dir, &ids);
	if (n < 0) {
		xpmem_log(LOG_ERR, XPMEM_MSGID_JOB_STATE, "cannot list %s: %s", j->dir,
			  strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++)
		register_job(j, ids[i]);
	free(ids);
}

static void retry_pending(struct xpmem_jobs *j)
{
	struct idset copy = { 0 };

	if (!j->pending.n || !j->ctl)
		return;
	copy.v = malloc(j->pending.n * sizeof(*copy.v));
	if (!copy.v)
		return;
	copy.n = j->pending.n;
	memcpy(copy.v, j->pending.v, copy.n * sizeof(*copy.v));
	for (size_t i = 0; i < copy.n; i++)
		register_job(j, copy.v[i]);
	free(copy.v);
}

/* ---- watches and the retry timer ---------------------------------------------- */

static int on_dir(sd_event_source *s, const struct inotify_event *ev, void *arg)
{
	struct xpmem_jobs *j = arg;
	uint64_t id;

	(void)s;
	if (ev->mask & IN_Q_OVERFLOW) {
		register_all(j);
		return 0;
	}
	if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
		xpmem_log(LOG_WARNING, XPMEM_MSGID_JOB_STATE,
			  "%s went away; recreating it", j->dir);
		j->dir_lost = true;
		arm_timer(j);
		return 0;
	}
	if (!ev->len || !xpmem_jobstate_name(ev->name, &id))
		return 0;
	if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
		register_job(j, id);
	else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
		set_pending(j, id, false);
	return 0;
}

static int on_root(sd_event_source *s, const struct inotify_event *ev, void *arg)
{
	struct xpmem_jobs *j = arg;

	(void)s;
	if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
		j->root_lost = true;
		arm_timer(j);
		return 0;
	}
	retry_pending(j);
	return 0;
}

static int watch_dir(struct xpmem_jobs *j)
{
	int ret;

	j->dir_watch = sd_event_source_disable_unref(j->dir_watch);
	if (mkdir(j->dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	ret = sd_event_add_inotify(j->e, &j->dir_watch, j->dir,
				   IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM |
				   IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR, on_dir, j);
	j->dir_lost = ret < 0;
	return ret;
}

/* Watch CgroupRoot= while jobs are pending (if it exists yet). */
static void watch_root(struct xpmem_jobs *j)
{
	if (j->root_lost)
		j->root_watch = sd_event_source_disable_unref(j->root_watch);
	j->root_lost = false;
	if (j->root_watch || !j->pending.n)
		return;
	if (sd_event_add_inotify(j->e, &j->root_watch, j->root,
				 IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
				 IN_ONLYDIR, on_root, j) < 0)
		j->root_watch = NULL;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	struct xpmem_jobs *j = arg;

	(void)s;
	(void)usec;
	if (j->dir_lost && watch_dir(j) == 0)
		register_all(j);
	if (!j->pending.n)
		j->root_watch = sd_event_source_disable_unref(j->root_watch);
	watch_root(j);
	retry_pending(j);
	arm_timer(j);
	return 0;
}

static void arm_timer(struct xpmem_jobs *j)
{
	bool need = j->dir_lost || j->root_lost || (j->pending.n && j->ctl);

	if (!need) {
		sd_event_source_set_enabled(j->timer, SD_EVENT_OFF);
		return;
	}
	if (sd_event_source_get_enabled(j->timer, NULL) > 0)
		return;
	sd_event_source_set_time_relative(j->timer, RETRY_USEC);
	sd_event_source_set_enabled(j->timer, SD_EVENT_ONESHOT);
}

/* ---- kernel to files ---------------------------------------------------------- */

struct kjobs {
	struct xpmem_ctl_job *v;
	size_t n;
	int err;
};

static int collect(const struct xpmem_ctl_job *job, void *arg)
{
	struct kjobs *k = arg;
	struct xpmem_ctl_job *grown;

	grown = realloc(k->v, (k->n + 1) * sizeof(*grown));
	if (!grown) {
		k->err = -ENOMEM;
		return -ENOMEM;
	}
	k->v = grown;
	k->v[k->n++] = *job;
	return 0;
}

/* The file of kernel job K, keeping the path of the file it replaces. */
static void mirror(struct xpmem_jobs *j, const struct xpmem_ctl_job *k)
{
	struct xpmem_job_state st, old;
	int ret;

	memset(&st, 0, sizeof(st));
	st.id = k->id;
	st.uid = k->uid;
	st.cgroup_id = k->cgroup_id;
	st.max_segments = k->max_segments;
	st.max_attached_bytes = k->max_attached_bytes;
	st.max_mapped_pages = k->max_mapped_pages;
	if (!xpmem_jobstate_read(j->dir, k->id, &old, NULL, 0) &&
	    (!old.cgroup_id || old.cgroup_id == k->cgroup_id))
		strcpy(st.cgroup_path, old.cgroup_path);
	ret = xpmem_jobstate_write(j->dir, &st);
	if (ret < 0)
		xpmem_log(LOG_WARNING, XPMEM_MSGID_JOB_STATE, "cannot write %s/%" PRIu64 ": %s",
			  j->dir, k->id, strerror(-ret));
	set_pending(j, k->id, false);
}

static int on_sync(sd_event_source *s, void *arg)
{
	struct xpmem_jobs *j = arg;
	struct kjobs k = { 0 };
	bool found;
	int ret;

	(void)s;
	if (!j->ctl)
		return 0;
	ret = xpmem_ctl_jobs(j->ctl, collect, &k);
	if (ret < 0 || k.err) {
		xpmem_log(LOG_WARNING, XPMEM_MSGID_JOB_STATE, "cannot list the kernel's jobs: %s",
			  strerror(k.err ? -k.err : -ret));
		goto out;
	}
	for (size_t i = 0; i < k.n; i++)
		mirror(j, &k.v[i]);
	for (size_t r = 0; r < j->removed.n; r++) {
		found = false;
		for (size_t i = 0; i < k.n && !found; i++)
			found = k.v[i].id == j->removed.v[r];
		if (found)
			continue;
		xpmem_jobstate_remove(j->dir, j->removed.v[r]);
		set_pending(j, j->removed.v[r], false);
	}
	j->removed.n = 0;
out:
	free(k.v);
	if (j->changed)
		j->changed(j->arg);
	return 0;
}

static void schedule_sync(struct xpmem_jobs *j)
{
	sd_event_source_set_enabled(j->sync, SD_EVENT_ONESHOT);
}

void xpmem_jobs_event(struct xpmem_jobs *j, const struct xpmem_ctl_event *ev)
{
	if (ev->type == XPMEM_EVENT_TYPE_JOB_REMOVED) {
		if (put(&j->removed, ev->job_id))
			xpmem_log(LOG_ERR, NULL, "out of memory");
	} else if (ev->type != XPMEM_EVENT_TYPE_JOB_ADDED && ev->type != XPMEM_CTL_EVENT_LOST) {
		return;
	}
	schedule_sync(j);
}

/* ---- setup ------------------------------------------------------------------------ */

void xpmem_jobs_connect(struct xpmem_jobs *j, struct xpmem_ctl *ctl)
{
	j->ctl = ctl;
	j->removed.n = 0;
	if (!ctl) {
		sd_event_source_set_enabled(j->sync, SD_EVENT_OFF);
		arm_timer(j);
		return;
	}
	register_all(j);
	schedule_sync(j);
	arm_timer(j);
}

void xpmem_jobs_set_root(struct xpmem_jobs *j, const char *root)
{
	if (!strcmp(j->root, root))
		return;
	snprintf(j->root, sizeof(j->root), "%s", root);
	j->root_watch = sd_event_source_disable_unref(j->root_watch);
	watch_root(j);
	retry_pending(j);
}

unsigned int xpmem_jobs_pending(const struct xpmem_jobs *j)
{
	return (unsigned int)j->pending.n;
}

struct xpmem_jobs *xpmem_jobs_new(sd_event *e, const char *dir,
				  void (*changed)(void *arg), void *arg)
{
	struct xpmem_jobs *j;
	int ret;

	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->e = sd_event_ref(e);
	j->changed = changed;
	j->arg = arg;
	snprintf(j->dir, sizeof(j->dir), "%s", dir);
	ret = sd_event_add_time_relative(e, &j->timer, CLOCK_MONOTONIC, RETRY_USEC, 0,
					 on_timer, j);
	if (ret < 0)
		goto err;
	sd_event_source_set_enabled(j->timer, SD_EVENT_OFF);
	ret = sd_event_add_defer(e, &j->sync, on_sync, j);
	if (ret < 0)
		goto err;
	sd_event_source_set_enabled(j->sync, SD_EVENT_OFF);
	ret = watch_dir(j);
	if (ret < 0)
		goto err;
	return j;
err:
	xpmem_jobs_free(j);
	errno = -ret;
	return NULL;
}

void xpmem_jobs_free(struct xpmem_jobs *j)
{
	if (!j)
		return;
	sd_event_source_disable_unref(j->dir_watch);
	sd_event_source_disable_unref(j->root_watch);
	sd_event_source_disable_unref(j->timer);
	sd_event_source_disable_unref(j->sync);
	sd_event_unref(j->e);
	free(j->pending.v);
	free(j->removed.v);
	free(j);
}
