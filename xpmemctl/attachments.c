// SPDX-License-Identifier: GPL-2.0
/*
 * attachments.c - `xpmemctl attachments' (the live mappings of segments
 * into attachers) and `xpmemctl permits' (the access permits they were
 * made with; also `attachments --permits'). One file: the same attribute
 * set, two dumps.
 */
#include <stdio.h>

#include "xpmemctl.h"

static const char *const attachment_heads[] = {
	"APID", "SEGID", ">PID", ">UID", "ACCESS", "START", ">SIZE", ">MAPPED",
};

static const char *const permit_heads[] = {
	"APID", "SEGID", ">PID", ">UID", "ACCESS", ">ATTACHMENTS",
};

struct listing {
	struct table t;
	bool permits;
};

static int row(const struct xpmem_ctl_attachment *a, void *arg)
{
	struct listing *l = arg;
	char num[16], sz[32];
	const char *access = enum_name(XPMEM_CTL_ENUM_ACCESS, a->access, num, sizeof(num));

	if (json) {
		j_open('{');
		j_khex("apid", a->apid);
		j_khex("segid", a->segid);
		j_ku64("pid", a->pid);
		j_ku64("uid", a->uid);
		j_kstr("access", access);
		if (l->permits) {
			j_ku64("attachments", a->attachments);
		} else {
			j_khex("start", a->start);
			j_ku64("size", a->size);
			j_ku64("mapped_pages", a->mapped_pages);
		}
		j_close('}');
		return 0;
	}
	table_cell(&l->t, "0x%llx", (unsigned long long)a->apid);
	table_cell(&l->t, "0x%llx", (unsigned long long)a->segid);
	table_cell(&l->t, "%u", a->pid);
	table_cell(&l->t, "%u", a->uid);
	table_cell(&l->t, "%s", access);
	if (l->permits) {
		table_cell(&l->t, "%u", a->attachments);
	} else {
		table_cell(&l->t, "0x%llx", (unsigned long long)a->start);
		table_cell(&l->t, "%s", format_size(sz, sizeof(sz), a->size));
		table_cell(&l->t, "%llu", (unsigned long long)a->mapped_pages);
	}
	return 0;
}

static int list(bool permits)
{
	struct listing l = { .permits = permits };
	struct xpmem_ctl *ctl;
	int ret;

	ctl = ctl_open();
	if (!ctl)
		return EXIT_FAIL;
	if (permits) {
		list_begin(&l.t, permit_heads,
			   sizeof(permit_heads) / sizeof(permit_heads[0]));
		ret = list_end(&l.t, ctl, xpmem_ctl_permits(ctl, row, &l),
			       "cannot list the permits");
	} else {
		list_begin(&l.t, attachment_heads,
			   sizeof(attachment_heads) / sizeof(attachment_heads[0]));
		ret = list_end(&l.t, ctl, xpmem_ctl_attachments(ctl, row, &l),
			       "cannot list the attachments");
	}
	xpmem_ctl_close(ctl);
	return ret;
}

int attachments_main(int argc, const char *argv[])
{
	bool permits = false;

	for (int i = 1; i < argc; i++) {
		if (is_kw(argv[i], "permits"))
			permits = true;
		else
			return usage_error(argv[0], "unexpected argument `%s'", argv[i]);
	}
	return list(permits);
}

int permits_main(int argc, const char *argv[])
{
	if (argc > 1)
		return usage_error(argv[0], "unexpected argument `%s'", argv[1]);
	return list(true);
}
