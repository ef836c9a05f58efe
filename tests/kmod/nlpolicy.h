/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlpolicy.h - what the netlink test files share: the site-policy requests
 * (spoken raw through nlraw.c, failing the test when the kernel refuses),
 * and the cgroup v2 directories that jobs are made of.
 *
 * Policy is global: a test starts from reset_policy() and leaves no job.
 */
#ifndef XPMEM_TEST_NLPOLICY_H
#define XPMEM_TEST_NLPOLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "nlraw.h"

#define NO_ID		(-1)	/* add_rule: no such selector */
#define KEEP		(-1L)	/* set_settings: leave this one alone */
#define DEFAULT_SEGS	(-1L)	/* set_quota: no max-segments, the default */

struct policy {
	int mode, visibility;
	uint32_t default_max_segments, rules, jobs;
};

/* back to the defaults; SKIPs the test when the family is missing */
void reset_policy(void);
void set_mode(int mode);
/* any of the three; KEEP leaves it as it is */
void set_settings(long mode, long visibility, long default_max_segments);
void get_policy(struct policy *p);
void add_rule(int action, int uid, int peer_uid, bool same_job);
/* segs: a count (0 unlimited) or DEFAULT_SEGS */
void set_quota(uid_t uid, long segs, uint64_t bytes, uint64_t pages);
/* add-job or del-job; the kernel's answer (reply in *r) */
int job_request(int cmd, uint64_t id, uid_t uid, uint64_t cgroup_id,
		struct nl_reply *r);

/* the cgroup2 mount (mounted on /sys/fs/cgroup if there is none) */
const char *cgroup_root(void);
/* make directory NAME under it; its path in OUT */
void cgroup_dir(const char *name, char *out, size_t size);
uint64_t cgroup_id_of(const char *path);
void join_cgroup(const char *path);

#endif
