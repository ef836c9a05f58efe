// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - `xpmemctl status' (also plain `xpmemctl'): the module's
 * version, whether it maps 2 MiB blocks on this kernel, the policy's
 * default mode with its rule and job counts, and the global totals:
 * segments, permits, attachments, mapped pages.
 */
#include <stdio.h>
#include <unistd.h>

#include "xpmemctl.h"

int status_main(int argc, const char *argv[])
{
	struct xpmem_ctl_policy pol;
	struct xpmem_ctl_stats st;
	struct xpmem_ctl *ctl;
	char mod[64], abi[32], num[32], sz[32], sz2[32];
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	const char *mode;
	bool loaded;
	int dev, pmd, pud, gup, ret = EXIT_FAIL;

	if (argc > 1)
		return usage_error(argv[0], "unexpected argument `%s'", argv[1]);
	ctl = ctl_open();
	if (!ctl)
		return EXIT_FAIL;
	if (xpmem_ctl_policy_get(ctl, &pol) < 0) {
		ctl_fail(ctl, "cannot read the policy");
		goto out;
	}
	if (xpmem_ctl_stats(ctl, &st) < 0) {
		ctl_fail(ctl, "cannot read the counters");
		goto out;
	}
	loaded = module_version(mod, sizeof(mod)) == 0;
	dev = device_version();
	pmd = module_bool_param("pmd_mappings");
	pud = module_bool_param("pud_mappings");
	gup = module_bool_param("gup_attachments");
	mode = enum_name(XPMEM_CTL_ENUM_MODE, pol.mode, num, sizeof(num));
	if (json) {
		j_open('{');
		j_kstr("module", loaded ? mod : NULL);
		j_kstr("interface", dev >= 0 ? format_abi(abi, sizeof(abi), dev) : NULL);
		j_ku64("family_version", xpmem_ctl_family_version(ctl));
		j_key("pmd_mappings");
		if (pmd < 0)
			j_null();
		else
			j_bool(pmd);
		j_key("pud_mappings");
		if (pud < 0)
			j_null();
		else
			j_bool(pud);
		j_key("gup_attachments");
		if (gup < 0)
			j_null();
		else
			j_bool(gup);
		j_kstr("mode", mode);
		j_ku64("rules", pol.rules);
		j_ku64("jobs", pol.jobs);
		j_ku64("segments", st.segments);
		j_ku64("permits", st.permits);
		j_ku64("attachments", st.attachments);
		j_ku64("attached_bytes", st.attached_bytes);
		j_ku64("mapped_pages", st.mapped_pages);
		j_close('}');
		j_end();
	} else {
		fprintf(out, "module:        xpmem %s", loaded ? mod : "(version unknown)");
		if (dev >= 0)
			fprintf(out, ", interface %s", format_abi(abi, sizeof(abi), dev));
		fprintf(out, "\nmappings:      %s\n", pmd > 0 && pud > 0 ?
			"1 GiB and 2 MiB blocks of huge-page sources, else 4 KiB pages" :
			pmd > 0 ?
			"2 MiB blocks of huge-page sources, else 4 KiB pages" :
			pmd == 0 ? "4 KiB pages (this kernel cannot map 2 MiB)" :
			"(unknown: a module before 2.8.1)");
		fprintf(out, "gup:           %s\n", gup > 0 ?
			"new attachments accept get_user_pages() (4 KiB pages only)" :
			gup == 0 ? "off: attachments refuse get_user_pages() (gup_attachments=N)" :
			"not available: no get_user_pages() hook in this kernel or module");
		fprintf(out, "policy:        %s, %u rule%s, %u job%s\n", mode,
			pol.rules, pol.rules == 1 ? "" : "s", pol.jobs, pol.jobs == 1 ? "" : "s");
		fprintf(out, "segments:      %llu\n", (unsigned long long)st.segments);
		fprintf(out, "permits:       %llu\n", (unsigned long long)st.permits);
		fprintf(out, "attachments:   %llu (%s attached)\n",
			(unsigned long long)st.attachments,
			format_size(sz, sizeof(sz), st.attached_bytes));
		fprintf(out, "mapped pages:  %llu (%s)\n", (unsigned long long)st.mapped_pages,
			format_size(sz2, sizeof(sz2), st.mapped_pages * page));
	}
	ret = EXIT_OK;
out:
	xpmem_ctl_close(ctl);
	return ret;
}
