// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - `xpmemctl policy [show]', `policy set <compat|strict>' and
 * `policy reset' (compat, no rules, no uid quotas; jobs stay). Changes need
 * CAP_NET_ADMIN; the kernel says EPERM otherwise, and we pass that on.
 */
#include <stdio.h>
#include <string.h>

#include "xpmemctl.h"

static int show(struct xpmem_ctl *ctl)
{
	struct xpmem_ctl_policy pol;
	char num[16];
	const char *mode;

	if (xpmem_ctl_policy_get(ctl, &pol) < 0)
		return ctl_fail(ctl, "cannot read the policy");
	mode = enum_name(XPMEM_CTL_ENUM_MODE, pol.mode, num, sizeof(num));
	if (json) {
		j_open('{');
		j_kstr("mode", mode);
		j_ku64("rules", pol.rules);
		j_ku64("jobs", pol.jobs);
		j_close('}');
		j_end();
	} else {
		fprintf(out, "mode:   %s\nrules:  %u\njobs:   %u\n", mode, pol.rules, pol.jobs);
	}
	return EXIT_OK;
}

int policy_main(int argc, const char *argv[])
{
	const char *verb = argc > 1 ? argv[1] : "show";
	struct xpmem_ctl *ctl;
	int mode = 0, ret;

	if (!strcmp(verb, "show") || !strcmp(verb, "reset")) {
		if (argc > 2)
			return usage_error(argv[0], "unexpected argument `%s'", argv[2]);
	} else if (!strcmp(verb, "set")) {
		if (argc < 3)
			return usage_error(argv[0], "missing mode (compat or strict)");
		mode = xpmem_ctl_value(XPMEM_CTL_ENUM_MODE, argv[2]);
		if (mode < 0)
			return bad_value("mode", argv[2]);
		if (argc > 3)
			return usage_error(argv[0], "unexpected argument `%s'", argv[3]);
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
		ret = xpmem_ctl_policy_set(ctl, (uint32_t)mode) < 0 ?
		      ctl_fail(ctl, "cannot set the policy mode") : EXIT_OK;
	xpmem_ctl_close(ctl);
	return ret;
}
