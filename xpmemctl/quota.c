// SPDX-License-Identifier: GPL-2.0
/*
 * quota.c - `xpmemctl quota [list]' and `quota set <uid> [max-segments N]
 * [max-attached-bytes SIZE] [max-mapped-pages N]'. A set replaces all
 * three limits of the uid: bytes and pages not given are unlimited,
 * max-segments not given is the site's default-max-segments (`policy'),
 * max-segments 0 is unlimited. So `quota set U' alone removes the uid's
 * quotas.
 */
#include <stdio.h>
#include <string.h>

#include "xpmemctl.h"

static const char *const heads[] = {
	">UID", ">MAX-SEGMENTS", ">MAX-ATTACHED", ">MAX-MAPPED",
};

static int row(const struct xpmem_ctl_quota *q, void *arg)
{
	struct table *t = arg;
	char sz[32];

	if (json) {
		j_open('{');
		j_ku64("uid", q->uid);
		j_ku64_if("max_segments", XPMEM_CTL_HAS(q, XPMEM_A_QUOTA_MAX_SEGMENTS),
			  q->max_segments);
		j_ku64("max_attached_bytes", q->max_attached_bytes);
		j_ku64("max_mapped_pages", q->max_mapped_pages);
		j_close('}');
		return 0;
	}
	table_cell(t, "%u", q->uid);
	if (!XPMEM_CTL_HAS(q, XPMEM_A_QUOTA_MAX_SEGMENTS))
		table_cell(t, "default");
	else if (q->max_segments)
		table_cell(t, "%u", q->max_segments);
	else
		table_cell(t, "-");
	if (q->max_attached_bytes)
		table_cell(t, "%s", format_size(sz, sizeof(sz), q->max_attached_bytes));
	else
		table_cell(t, "-");
	if (q->max_mapped_pages)
		table_cell(t, "%llu", (unsigned long long)q->max_mapped_pages);
	else
		table_cell(t, "-");
	return 0;
}

static int list(struct xpmem_ctl *ctl)
{
	struct table t;

	list_begin(&t, heads, sizeof(heads) / sizeof(heads[0]));
	return list_end(&t, ctl, xpmem_ctl_quotas(ctl, row, &t), "cannot list the quotas");
}

static int parse_set(int argc, const char *argv[], struct xpmem_ctl_quota *q)
{
	const char *v;

	memset(q, 0, sizeof(*q));
	if (argc < 3)
		return usage_error(argv[0], "missing uid");
	if (parse_uid(argv[2], &q->uid))
		return bad_value("uid", argv[2]);
	for (int i = 3; i < argc; i++) {
		const char *kw = argv[i];

		v = value_of(argc, argv, ++i, argv[0]);
		if (!v)
			return EXIT_USAGE;
		if (is_kw(kw, "max-segments")) {
			if (parse_u32(v, &q->max_segments))
				return bad_value("segment count", v);
			XPMEM_CTL_SET(q, XPMEM_A_QUOTA_MAX_SEGMENTS);
		} else if (is_kw(kw, "max-attached-bytes")) {
			if (parse_size(v, &q->max_attached_bytes))
				return bad_value("size", v);
		} else if (is_kw(kw, "max-mapped-pages")) {
			if (parse_u64(v, &q->max_mapped_pages))
				return bad_value("page count", v);
		} else {
			return usage_error(argv[0], "unknown keyword `%s'", kw);
		}
	}
	XPMEM_CTL_SET(q, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES);
	XPMEM_CTL_SET(q, XPMEM_A_QUOTA_MAX_MAPPED_PAGES);
	return EXIT_OK;
}

int quota_main(int argc, const char *argv[])
{
	const char *verb = argc > 1 ? argv[1] : "list";
	struct xpmem_ctl_quota q;
	struct xpmem_ctl *ctl;
	int ret;

	if (!strcmp(verb, "list")) {
		if (argc > 2)
			return usage_error(argv[0], "unexpected argument `%s'", argv[2]);
	} else if (!strcmp(verb, "set")) {
		ret = parse_set(argc, argv, &q);
		if (ret)
			return ret;
	} else {
		return usage_error(argv[0], "unknown action `%s'", verb);
	}
	ctl = ctl_open();
	if (!ctl)
		return EXIT_FAIL;
	if (!strcmp(verb, "list"))
		ret = list(ctl);
	else
		ret = xpmem_ctl_quota_set(ctl, &q) < 0 ? ctl_fail(ctl, "cannot set the quota")
						       : EXIT_OK;
	xpmem_ctl_close(ctl);
	return ret;
}
