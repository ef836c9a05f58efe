// SPDX-License-Identifier: GPL-2.0
/*
 * nl_restore.c - after xpmem_nl_fuzz's root phase: the policy as it was.
 * The phase sent random admin requests, so it resets the policy, deletes
 * every job it registered and reports whether the family is back to compat
 * mode with no rules, jobs or uid quotas.
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "nl_restore.h"
#include "nlraw.h"

static int del_each_job(const struct nl_attrs *at, void *arg)
{
	uint64_t *ids = arg;

	if (at->a[XPMEM_A_JOB_ID] && ids[0] < 255)
		ids[1 + ids[0]++] = nla_u64(at->a[XPMEM_A_JOB_ID]);
	return 0;
}

static int count_msgs(const struct nl_attrs *at, void *arg)
{
	(void)at;
	++*(int *)arg;
	return 0;
}

static int take_policy(const struct nl_attrs *at, void *arg)
{
	uint32_t *p = arg;

	for (int i = 0; i < 3; i++)
		if (at->a[XPMEM_A_POLICY_MODE + i])
			p[i] = nla_u32(at->a[XPMEM_A_POLICY_MODE + i]);
	return 0;
}

bool nl_fuzz_restore_policy(void)
{
	static uint64_t ids[256];
	struct nl_msgbuf mb;
	struct nl_reply r;
	uint32_t pol[3] = { 99, 99, 99 };
	int fd = nl_open(), quotas = 0, ret;

	if (fd < 0)
		return false;
	nl_start(&mb, XPMEM_NL_CMD_RESET_POLICY);
	ret = nl_call(fd, &mb, 0, NULL, NULL, &r);
	ids[0] = 0;
	nl_start(&mb, XPMEM_NL_CMD_GET_JOBS);
	ret = ret ?: nl_call(fd, &mb, 1, del_each_job, ids, &r);
	for (uint64_t k = 1; !ret && k <= ids[0]; k++) {
		nl_start(&mb, XPMEM_NL_CMD_DEL_JOB);
		nl_put_u64(&mb, XPMEM_A_JOB_ID, ids[k]);
		ret = nl_call(fd, &mb, 0, NULL, NULL, &r);
	}
	nl_start(&mb, XPMEM_NL_CMD_GET_POLICY);
	ret = ret ?: nl_call(fd, &mb, 0, take_policy, pol, &r);
	nl_start(&mb, XPMEM_NL_CMD_GET_QUOTAS);
	ret = ret ?: nl_call(fd, &mb, 1, count_msgs, &quotas, &r);
	close(fd);
	printf("# after the root phase: %llu jobs deleted; mode %u, %u rules, %u jobs, "
	       "%d uid quotas%s%s\n", (unsigned long long)ids[0], pol[0], pol[1], pol[2],
	       quotas, ret ? "; " : "", ret ? err_name(-ret) : "");
	return !ret && pol[0] == XPMEM_MODE_COMPAT && !pol[1] && !pol[2] && !quotas;
}
