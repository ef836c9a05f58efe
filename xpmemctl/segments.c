// SPDX-License-Identifier: GPL-2.0
/*
 * segments.c - `xpmemctl segments': the live exported segments, one row
 * (or one JSON object) each. Unprivileged users see only their own.
 */
#include <stdio.h>

#include "xpmemctl.h"

static const char *const heads[] = {
	"SEGID", ">PID", ">UID", "MODE", "START", ">SIZE", ">PERMITS",
	">ATTACHMENTS", ">MAPPED", "JOB",
};

static int row(const struct xpmem_ctl_segment *s, void *arg)
{
	struct table *t = arg;
	bool job = XPMEM_CTL_HAS(s, XPMEM_A_SEGMENT_JOB_ID) && s->job_id;
	char sz[32], mode[8];

	snprintf(mode, sizeof(mode), "%04o", s->mode & 07777);
	if (json) {
		j_open('{');
		j_khex("segid", s->segid);
		j_ku64("pid", s->pid);
		j_ku64("uid", s->uid);
		j_ku64("gid", s->gid);
		j_ku64_if("cgroup_id", XPMEM_CTL_HAS(s, XPMEM_A_SEGMENT_CGROUP_ID), s->cgroup_id);
		j_khex("start", s->start);
		j_ku64("size", s->size);
		j_kstr("mode", mode);
		j_ku64("permits", s->permits);
		j_ku64("attachments", s->attachments);
		j_ku64("mapped_pages", s->mapped_pages);
		j_ku64_if("job_id", job, s->job_id);
		j_close('}');
		return 0;
	}
	table_cell(t, "0x%llx", (unsigned long long)s->segid);
	table_cell(t, "%u", s->pid);
	table_cell(t, "%u", s->uid);
	table_cell(t, "%s", mode);
	table_cell(t, "0x%llx", (unsigned long long)s->start);
	table_cell(t, "%s", format_size(sz, sizeof(sz), s->size));
	table_cell(t, "%u", s->permits);
	table_cell(t, "%u", s->attachments);
	table_cell(t, "%llu", (unsigned long long)s->mapped_pages);
	if (job)
		table_cell(t, "%llu", (unsigned long long)s->job_id);
	else
		table_cell(t, "-");
	return 0;
}

int segments_main(int argc, const char *argv[])
{
	struct xpmem_ctl *ctl;
	struct table t;
	int ret;

	if (argc > 1)
		return usage_error(argv[0], "unexpected argument `%s'", argv[1]);
	ctl = ctl_open();
	if (!ctl)
		return EXIT_FAIL;
	list_begin(&t, heads, sizeof(heads) / sizeof(heads[0]));
	ret = list_end(&t, ctl, xpmem_ctl_segments(ctl, row, &t),
		       "cannot list the segments");
	xpmem_ctl_close(ctl);
	return ret;
}
