// SPDX-License-Identifier: GPL-2.0
/*
 * revoke.c - `xpmemctl revoke (segid S | pid P | uid U | job J)': remove
 * one segment, or every segment of a process, user or job. Attachers get
 * SIGBUS on their next touch. Prints how many segments went.
 */
#include <stdio.h>

#include "xpmemctl.h"

int revoke_main(int argc, const char *argv[])
{
	struct xpmem_ctl *ctl;
	uint64_t value = 0;
	uint32_t v32, count = 0;
	int by;

	if (argc < 2)
		return usage_error(argv[0], "missing selector (segid, pid, uid or job)");
	if (argc < 3)
		return usage_error(argv[0], "missing value after `%s'", argv[1]);
	if (argc > 3)
		return usage_error(argv[0], "unexpected argument `%s' (give one selector)",
				   argv[3]);
	if (is_kw(argv[1], "segid")) {
		by = XPMEM_A_REVOKE_SEGID;
		if (parse_segid(argv[2], &value))
			return bad_value("segid", argv[2]);
	} else if (is_kw(argv[1], "pid")) {
		by = XPMEM_A_REVOKE_PID;
		if (parse_pid(argv[2], &v32))
			return bad_value("pid", argv[2]);
		value = v32;
	} else if (is_kw(argv[1], "uid")) {
		by = XPMEM_A_REVOKE_UID;
		if (parse_uid(argv[2], &v32))
			return bad_value("uid", argv[2]);
		value = v32;
	} else if (is_kw(argv[1], "job")) {
		by = XPMEM_A_REVOKE_JOB_ID;
		if (parse_job_id(argv[2], &value))
			return bad_value("job id", argv[2]);
	} else {
		return usage_error(argv[0], "unknown selector `%s'", argv[1]);
	}

	ctl = ctl_open();
	if (!ctl)
		return EXIT_FAIL;
	if (xpmem_ctl_revoke(ctl, by, value, &count) < 0) {
		ctl_fail(ctl, "cannot revoke");
		xpmem_ctl_close(ctl);
		return EXIT_FAIL;
	}
	xpmem_ctl_close(ctl);
	if (json) {
		j_open('{');
		j_ku64("count", count);
		j_close('}');
		j_end();
	} else {
		fprintf(out, "revoked %u segment%s\n", count, count == 1 ? "" : "s");
	}
	return EXIT_OK;
}
