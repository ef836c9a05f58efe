// SPDX-License-Identifier: GPL-2.0
/*
 * job.c - `xpmemctl job [list]', `job add <id> uid U (cgroup PATH |
 * cgroup-id N) [max-...]' and `job del <id>': batch jobs for the policy's
 * "same job" selector and the per-job quotas.
 *
 * add and del run in Slurm's prolog and epilog, where a failure drains the
 * node. So both are idempotent: the kernel updates a job registered again
 * with the same uid and cgroup and ignores the deletion of a missing one;
 * we replace a job registered with another uid or cgroup (see add()), take
 * ENOENT from del as success, and `job del' with no module loaded too (no
 * job can be registered then). `job add' sends every quota, 0 (unlimited)
 * when not given: it sets the whole job, so running the same line twice
 * gives the same state.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jobstate.h"
#include "xpmemctl.h"

static const char *const heads[] = {
	">ID", ">UID", ">CGROUP", ">MAX-SEGMENTS", ">MAX-ATTACHED", ">MAX-MAPPED",
	">SEGMENTS", ">ATTACHED", ">MAPPED",
};

/* A limit: 0 means unlimited, shown as "-". */
static void limit(struct table *t, uint64_t v, bool bytes)
{
	char sz[32];

	if (!v)
		table_cell(t, "-");
	else if (bytes)
		table_cell(t, "%s", format_size(sz, sizeof(sz), v));
	else
		table_cell(t, "%llu", (unsigned long long)v);
}

static int row(const struct xpmem_ctl_job *j, void *arg)
{
	struct table *t = arg;
	char sz[32];

	if (json) {
		j_open('{');
		j_ku64("id", j->id);
		j_ku64("uid", j->uid);
		j_ku64("cgroup_id", j->cgroup_id);
		j_ku64("max_segments", j->max_segments);
		j_ku64("max_attached_bytes", j->max_attached_bytes);
		j_ku64("max_mapped_pages", j->max_mapped_pages);
		j_ku64("segments", j->segments);
		j_ku64("attached_bytes", j->attached_bytes);
		j_ku64("mapped_pages", j->mapped_pages);
		j_close('}');
		return 0;
	}
	table_cell(t, "%llu", (unsigned long long)j->id);
	table_cell(t, "%u", j->uid);
	table_cell(t, "%llu", (unsigned long long)j->cgroup_id);
	limit(t, j->max_segments, false);
	limit(t, j->max_attached_bytes, true);
	limit(t, j->max_mapped_pages, false);
	table_cell(t, "%llu", (unsigned long long)j->segments);
	table_cell(t, "%s", format_size(sz, sizeof(sz), j->attached_bytes));
	table_cell(t, "%llu", (unsigned long long)j->mapped_pages);
	return 0;
}

static int list(struct xpmem_ctl *ctl)
{
	struct table t;

	list_begin(&t, heads, sizeof(heads) / sizeof(heads[0]));
	return list_end(&t, ctl, xpmem_ctl_jobs(ctl, row, &t), "cannot list the jobs");
}

static int bad_cgroup(const char *path, int err)
{
	const char *why;

	switch (err) {
	case -ENOENT:		why = "no such cgroup"; break;
	case -ENOTDIR:		why = "not a directory"; break;
	case -EMEDIUMTYPE:	why = "not a cgroup v2 directory"; break;
	case -ENODEV:
		fprintf(stderr, "%s: no cgroup2 file system is mounted (cgroup v2 is required)\n",
			prog);
		return EXIT_FAIL;
	default:		why = strerror(-err); break;
	}
	fprintf(stderr, "%s: invalid cgroup: `%s' (%s)\n", prog, path, why);
	return EXIT_USAGE;
}

/* Everything `job add' takes, checked before we talk to the kernel. */
static int parse_add(int argc, const char *argv[], struct xpmem_ctl_job *job)
{
	char resolved[PATH_MAX];
	bool uid = false, cgroup = false;
	const char *v;
	int ret;

	memset(job, 0, sizeof(*job));
	if (argc < 3)
		return usage_error(argv[0], "missing job id");
	if (parse_job_id(argv[2], &job->id))
		return bad_value("job id", argv[2]);
	for (int i = 3; i < argc; i++) {
		const char *kw = argv[i];

		v = value_of(argc, argv, ++i, argv[0]);
		if (!v)
			return EXIT_USAGE;
		if (is_kw(kw, "uid")) {
			if (parse_uid(v, &job->uid))
				return bad_value("uid", v);
			uid = true;
		} else if (is_kw(kw, "cgroup") || is_kw(kw, "cgroup-id")) {
			if (cgroup)
				return usage_error(argv[0], "give one of cgroup and cgroup-id");
			if (is_kw(kw, "cgroup-id")) {
				if (parse_u64(v, &job->cgroup_id) || !job->cgroup_id)
					return bad_value("cgroup id", v);
			} else {
				ret = cgroup_id(MOUNTINFO, v, &job->cgroup_id, resolved,
						sizeof(resolved));
				if (ret)
					return bad_cgroup(v, ret);
			}
			cgroup = true;
		} else if (is_kw(kw, "max-segments")) {
			if (parse_u32(v, &job->max_segments))
				return bad_value("segment count", v);
		} else if (is_kw(kw, "max-attached-bytes")) {
			if (parse_size(v, &job->max_attached_bytes))
				return bad_value("size", v);
		} else if (is_kw(kw, "max-mapped-pages")) {
			if (parse_u64(v, &job->max_mapped_pages))
				return bad_value("page count", v);
		} else {
			return usage_error(argv[0], "unknown keyword `%s'", kw);
		}
	}
	if (!uid)
		return usage_error(argv[0], "missing uid <uid>");
	if (!cgroup)
		return usage_error(argv[0], "missing cgroup <path> or cgroup-id <n>");
	XPMEM_CTL_SET(job, XPMEM_A_JOB_MAX_SEGMENTS);
	XPMEM_CTL_SET(job, XPMEM_A_JOB_MAX_ATTACHED_BYTES);
	XPMEM_CTL_SET(job, XPMEM_A_JOB_MAX_MAPPED_PAGES);
	return EXIT_OK;
}

/*
 * Keep the job in /run/xpmem/jobs too, so xpmemd registers it again after
 * a module reload or its own restart. A failure here only warns: the job
 * is in force, and a prolog must not fail over bookkeeping.
 */
static void remember(const struct xpmem_ctl_job *job)
{
	struct xpmem_job_state st = {
		.id = job->id,
		.uid = job->uid,
		.cgroup_id = job->cgroup_id,
		.max_segments = job->max_segments,
		.max_attached_bytes = job->max_attached_bytes,
		.max_mapped_pages = job->max_mapped_pages,
	};
	const char *dir = getenv("XPMEM_JOBS_DIR") ?: XPMEM_JOBS_DIR;
	int ret;

	mkdir("/run/xpmem", 0755);
	mkdir(dir, 0755);
	ret = xpmem_jobstate_write(dir, &st);
	if (ret < 0)
		fprintf(stderr, "%s: warning: cannot keep job %llu in %s: %s\n",
			prog, (unsigned long long)job->id, dir, strerror(-ret));
}

static void forget(uint64_t id)
{
	const char *dir = getenv("XPMEM_JOBS_DIR") ?: XPMEM_JOBS_DIR;
	int ret = xpmem_jobstate_remove(dir, id);

	if (ret < 0)
		fprintf(stderr, "%s: warning: cannot remove job %llu from %s: %s\n",
			prog, (unsigned long long)id, dir, strerror(-ret));
}

/*
 * The kernel takes the same id again and updates it in place (uid, cgroup,
 * limits): a prolog that runs twice, or a requeued job with a new cgroup.
 */
static int add(struct xpmem_ctl *ctl, const struct xpmem_ctl_job *job)
{
	int ret = xpmem_ctl_job_add(ctl, job);

	if (ret < 0)
		return ctl_fail(ctl, "cannot add the job");
	remember(job);
	return EXIT_OK;
}

int job_main(int argc, const char *argv[])
{
	const char *verb = argc > 1 ? argv[1] : "list";
	struct xpmem_ctl_error err;
	struct xpmem_ctl_job job;
	struct xpmem_ctl *ctl;
	uint64_t id = 0;
	int ret;

	if (!strcmp(verb, "list")) {
		if (argc > 2)
			return usage_error(argv[0], "unexpected argument `%s'", argv[2]);
	} else if (!strcmp(verb, "add")) {
		ret = parse_add(argc, argv, &job);
		if (ret)
			return ret;
	} else if (!strcmp(verb, "del")) {
		if (argc < 3)
			return usage_error(argv[0], "missing job id");
		if (parse_job_id(argv[2], &id))
			return bad_value("job id", argv[2]);
		if (argc > 3)
			return usage_error(argv[0], "unexpected argument `%s'", argv[3]);
	} else {
		return usage_error(argv[0], "unknown action `%s'", verb);
	}

	if (!strcmp(verb, "del"))
		forget(id);	/* even when the module is gone */
	ctl = xpmem_ctl_open(&err);
	if (!ctl) {
		if (!strcmp(verb, "del") && err.err == -ENOENT) {
			fprintf(stderr, "%s: warning: %s; job %llu is not registered\n",
				prog, err.msg, (unsigned long long)id);
			return EXIT_OK;
		}
		return fail("cannot reach the xpmem module", &err);
	}
	if (!strcmp(verb, "list")) {
		ret = list(ctl);
	} else if (!strcmp(verb, "add")) {
		ret = add(ctl, &job);
	} else {
		ret = xpmem_ctl_job_del(ctl, id);
		ret = ret < 0 && ret != -ENOENT ? ctl_fail(ctl, "cannot delete the job") : EXIT_OK;
	}
	xpmem_ctl_close(ctl);
	return ret;
}
