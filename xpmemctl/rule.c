// SPDX-License-Identifier: GPL-2.0
/*
 * rule.c - `xpmemctl rule [list]', `rule add <allow|deny> [uid U] [gid G]
 * [peer-uid U] [same-job]' and `rule del <id>'. The kernel evaluates rules
 * in the order listed: a matching deny refuses, the same uid is always
 * allowed, then compat allows everything and strict needs an allow rule.
 */
#include <stdio.h>
#include <string.h>

#include "xpmemctl.h"

static const char *const heads[] = {
	">ID", "ACTION", "UID", "GID", "PEER-UID", "SAME-JOB", ">HITS",
};

/* An absent selector matches anyone: "*" in tables, null in JSON. */
static void selector(struct table *t, const struct xpmem_ctl_rule *r, int attr, uint32_t v)
{
	if (XPMEM_CTL_HAS(r, attr))
		table_cell(t, "%u", v);
	else
		table_cell(t, "*");
}

static int row(const struct xpmem_ctl_rule *r, void *arg)
{
	struct table *t = arg;
	char num[16];
	const char *action = enum_name(XPMEM_CTL_ENUM_ACTION, r->action, num, sizeof(num));

	if (json) {
		j_open('{');
		j_ku64("id", r->id);
		j_kstr("action", action);
		j_ku64_if("uid", XPMEM_CTL_HAS(r, XPMEM_A_RULE_UID), r->uid);
		j_ku64_if("gid", XPMEM_CTL_HAS(r, XPMEM_A_RULE_GID), r->gid);
		j_ku64_if("peer_uid", XPMEM_CTL_HAS(r, XPMEM_A_RULE_PEER_UID), r->peer_uid);
		j_key("same_job");
		j_bool(r->same_job);
		j_ku64("hits", r->hits);
		j_close('}');
		return 0;
	}
	table_cell(t, "%u", r->id);
	table_cell(t, "%s", action);
	selector(t, r, XPMEM_A_RULE_UID, r->uid);
	selector(t, r, XPMEM_A_RULE_GID, r->gid);
	selector(t, r, XPMEM_A_RULE_PEER_UID, r->peer_uid);
	table_cell(t, "%s", r->same_job ? "yes" : "-");
	table_cell(t, "%llu", (unsigned long long)r->hits);
	return 0;
}

static int list(struct xpmem_ctl *ctl)
{
	struct table t;

	list_begin(&t, heads, sizeof(heads) / sizeof(heads[0]));
	return list_end(&t, ctl, xpmem_ctl_rules(ctl, row, &t), "cannot list the rules");
}

/* allow|deny and the selectors, all before we talk to the kernel. */
static int parse_rule(int argc, const char *argv[], struct xpmem_ctl_rule *r)
{
	const char *v;
	int action;

	memset(r, 0, sizeof(*r));
	if (argc < 3)
		return usage_error(argv[0], "missing action (allow or deny)");
	action = xpmem_ctl_value(XPMEM_CTL_ENUM_ACTION, argv[2]);
	if (action < 0)
		return bad_value("action", argv[2]);
	r->action = (uint32_t)action;
	for (int i = 3; i < argc; i++) {
		if (is_kw(argv[i], "same-job")) {
			r->same_job = true;
			continue;
		}
		if (!is_kw(argv[i], "uid") && !is_kw(argv[i], "gid") && !is_kw(argv[i], "peer-uid"))
			return usage_error(argv[0], "unknown selector `%s'", argv[i]);
		v = value_of(argc, argv, i + 1, argv[0]);
		if (!v)
			return EXIT_USAGE;
		if (is_kw(argv[i], "gid")) {
			if (parse_gid(v, &r->gid))
				return bad_value("gid", v);
			XPMEM_CTL_SET(r, XPMEM_A_RULE_GID);
		} else if (is_kw(argv[i], "uid")) {
			if (parse_uid(v, &r->uid))
				return bad_value("uid", v);
			XPMEM_CTL_SET(r, XPMEM_A_RULE_UID);
		} else {
			if (parse_uid(v, &r->peer_uid))
				return bad_value("peer uid", v);
			XPMEM_CTL_SET(r, XPMEM_A_RULE_PEER_UID);
		}
		i++;
	}
	return EXIT_OK;
}

int rule_main(int argc, const char *argv[])
{
	const char *verb = argc > 1 ? argv[1] : "list";
	struct xpmem_ctl_rule rule;
	struct xpmem_ctl *ctl;
	uint32_t id = 0;
	int ret;

	if (!strcmp(verb, "list")) {
		if (argc > 2)
			return usage_error(argv[0], "unexpected argument `%s'", argv[2]);
	} else if (!strcmp(verb, "add")) {
		ret = parse_rule(argc, argv, &rule);
		if (ret)
			return ret;
	} else if (!strcmp(verb, "del")) {
		if (argc < 3)
			return usage_error(argv[0], "missing rule id");
		if (parse_u32(argv[2], &id))
			return bad_value("rule id", argv[2]);
		if (argc > 3)
			return usage_error(argv[0], "unexpected argument `%s'", argv[3]);
	} else {
		return usage_error(argv[0], "unknown action `%s'", verb);
	}

	ctl = ctl_open();
	if (!ctl)
		return EXIT_FAIL;
	if (!strcmp(verb, "list")) {
		ret = list(ctl);
	} else if (!strcmp(verb, "del")) {
		ret = xpmem_ctl_rule_del(ctl, id) < 0 ? ctl_fail(ctl, "cannot delete the rule")
						      : EXIT_OK;
	} else if (xpmem_ctl_rule_add(ctl, &rule, &id) < 0) {
		ret = ctl_fail(ctl, "cannot add the rule");
	} else {
		/* the id is what `rule del' needs: print it, alone */
		if (json) {
			j_open('{');
			j_ku64("id", id);
			j_close('}');
			j_end();
		} else {
			fprintf(out, "%u\n", id);
		}
		ret = EXIT_OK;
	}
	xpmem_ctl_close(ctl);
	return ret;
}
