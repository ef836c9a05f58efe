// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - `xpmemctl policy [show]', `policy set [compat|strict]
 * [visibility own|all] [default-max-segments N|unlimited]' (what is not
 * given stays) and `policy reset' (compat, visibility own, 4096 segments
 * per uid, no rules, no uid quotas; jobs stay). Changes need
 * CAP_NET_ADMIN; the kernel says EPERM otherwise, and we pass that on.
 */
#include <stdio.h>
#include <string.h>

#include "xpmemctl.h"

#define HAS(pol, a)	XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_##a)

static const char *limit(const struct xpmem_ctl_policy *pol, char *buf, size_t len)
{
	if (!HAS(pol, DEFAULT_MAX_SEGMENTS))
		return "-";
	if (!pol->default_max_segments)
		return "unlimited";
	snprintf(buf, len, "%u", pol->default_max_segments);
	return buf;
}

static int show(struct xpmem_ctl *ctl)
{
	struct xpmem_ctl_policy pol;
	char num[16], vnum[16], lim[16];
	const char *mode, *vis;

	if (xpmem_ctl_policy_get(ctl, &pol) < 0)
		return ctl_fail(ctl, "cannot read the policy");
	mode = enum_name(XPMEM_CTL_ENUM_MODE, pol.mode, num, sizeof(num));
	vis = HAS(&pol, VISIBILITY) ?
	      enum_name(XPMEM_CTL_ENUM_VISIBILITY, pol.visibility, vnum, sizeof(vnum)) : NULL;
	if (json) {
		j_open('{');
		j_kstr("mode", mode);
		j_kstr("visibility", vis);
		j_ku64_if("default_max_segments", HAS(&pol, DEFAULT_MAX_SEGMENTS),
			  pol.default_max_segments);
		j_ku64("rules", pol.rules);
		j_ku64("jobs", pol.jobs);
		j_close('}');
		j_end();
	} else {
		fprintf(out, "mode:                  %s\n"
			"visibility:            %s\n"
			"default max-segments:  %s\n"
			"rules:                 %u\n"
			"jobs:                  %u\n",
			mode, vis ? vis : "-", limit(&pol, lim, sizeof(lim)),
			pol.rules, pol.jobs);
	}
	return EXIT_OK;
}

/* The settings of `policy set' into POL; EXIT_OK or a usage error. */
static int parse_set(int argc, const char *argv[], struct xpmem_ctl_policy *pol)
{
	const char *v;
	int val;

	memset(pol, 0, sizeof(*pol));
	for (int i = 2; i < argc; i++) {
		const char *kw = argv[i];

		if (!is_kw(kw, "mode") && !is_kw(kw, "visibility") &&
		    !is_kw(kw, "default-max-segments")) {
			v = kw;		/* a bare word is a mode */
		} else {
			v = value_of(argc, argv, ++i, argv[0]);
			if (!v)
				return EXIT_USAGE;
		}
		if (v == kw || is_kw(kw, "mode")) {
			val = xpmem_ctl_value(XPMEM_CTL_ENUM_MODE, v);
			if (val < 0)
				return bad_value("mode", v);
			pol->mode = (uint32_t)val;
			XPMEM_CTL_SET(pol, XPMEM_A_POLICY_MODE);
		} else if (is_kw(kw, "visibility")) {
			val = xpmem_ctl_value(XPMEM_CTL_ENUM_VISIBILITY, v);
			if (val < 0)
				return bad_value("visibility", v);
			pol->visibility = (uint32_t)val;
			XPMEM_CTL_SET(pol, XPMEM_A_POLICY_VISIBILITY);
		} else if (is_kw(kw, "default-max-segments")) {
			if (!strcmp(v, "unlimited"))
				pol->default_max_segments = 0;
			else if (parse_u32(v, &pol->default_max_segments))
				return bad_value("segment count", v);
			XPMEM_CTL_SET(pol, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS);
		} else {
			return usage_error(argv[0], "unknown keyword `%s'", kw);
		}
	}
	if (!pol->has)
		return usage_error(argv[0], "missing what to set: compat, strict, "
				   "visibility or default-max-segments");
	return EXIT_OK;
}

int policy_main(int argc, const char *argv[])
{
	const char *verb = argc > 1 ? argv[1] : "show";
	struct xpmem_ctl_policy pol;
	struct xpmem_ctl *ctl;
	int ret;

	if (!strcmp(verb, "show") || !strcmp(verb, "reset")) {
		if (argc > 2)
			return usage_error(argv[0], "unexpected argument `%s'", argv[2]);
	} else if (!strcmp(verb, "set")) {
		ret = parse_set(argc, argv, &pol);
		if (ret)
			return ret;
	} else {
		return usage_error(argv[0], "unknown action `%s'", verb);
	}

	ctl = ctl_open();
	if (!ctl)
		return EXIT_FAIL;
	if (!strcmp(verb, "show"))
		ret = show(ctl);
	else if (!strcmp(verb, "reset"))
		ret = xpmem_ctl_policy_reset(ctl) < 0 ?
		      ctl_fail(ctl, "cannot reset the policy") : EXIT_OK;
	else
		ret = xpmem_ctl_policy_set(ctl, &pol) < 0 ?
		      ctl_fail(ctl, "cannot set the policy") : EXIT_OK;
	xpmem_ctl_close(ctl);
	return ret;
}
