// SPDX-License-Identifier: GPL-2.0
/*
 * nlpolicy.c - see nlpolicy.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "nlpolicy.h"

static void request_ok(struct nl_msgbuf *m)
{
	struct nl_reply r;

	if (nl_do(m, &r))
		FAIL("request failed: %s (%s)", errname(-r.error), r.extack);
}

void reset_policy(void)
{
	struct nl_msgbuf m;

	if (nl_family() < 0)
		SKIP("the xpmem genetlink family is not registered");
	nl_start(&m, XPMEM_NL_CMD_RESET_POLICY);
	request_ok(&m);
}

void set_settings(long mode, long visibility, long default_max_segments)
{
	struct nl_msgbuf m;

	nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
	if (mode != KEEP)
		nl_put_u32(&m, XPMEM_A_POLICY_MODE, mode);
	if (visibility != KEEP)
		nl_put_u32(&m, XPMEM_A_POLICY_VISIBILITY, visibility);
	if (default_max_segments != KEEP)
		nl_put_u32(&m, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS,
			   default_max_segments);
	request_ok(&m);
}

void set_mode(int mode)
{
	set_settings(mode, KEEP, KEEP);
}

static int take_policy(const struct nl_attrs *a, void *arg)
{
	const int attrs[] = {
		XPMEM_A_POLICY_MODE, XPMEM_A_POLICY_VISIBILITY,
		XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS, XPMEM_A_POLICY_RULES,
		XPMEM_A_POLICY_JOBS,
	};
	struct policy *p = arg;
	uint32_t v[5];

	for (int i = 0; i < 5; i++) {
		if (!a->a[attrs[i]])
			FAIL("get-policy left out attribute %d", attrs[i]);
		v[i] = nla_u32(a->a[attrs[i]]);
	}
	*p = (struct policy){ (int)v[0], (int)v[1], v[2], v[3], v[4] };
	return 0;
}

void get_policy(struct policy *p)
{
	struct nl_msgbuf m;
	struct nl_reply r;
	int fd = nl_open();

	memset(p, 0xff, sizeof(*p));
	nl_start(&m, XPMEM_NL_CMD_GET_POLICY);
	if (nl_call(fd, &m, 0, take_policy, p, &r))
		FAIL("get-policy failed: %s (%s)", errname(-r.error), r.extack);
	close(fd);
}

void add_rule(int action, int uid, int peer_uid, bool same_job)
{
	struct nl_msgbuf m;

	nl_start(&m, XPMEM_NL_CMD_ADD_RULE);
	nl_put_u32(&m, XPMEM_A_RULE_ACTION, action);
	if (uid != NO_ID)
		nl_put_u32(&m, XPMEM_A_RULE_UID, uid);
	if (peer_uid != NO_ID)
		nl_put_u32(&m, XPMEM_A_RULE_PEER_UID, peer_uid);
	if (same_job)
		nl_put_flag(&m, XPMEM_A_RULE_SAME_JOB);
	request_ok(&m);
}

void set_quota(uid_t uid, long segs, uint64_t bytes, uint64_t pages)
{
	struct nl_msgbuf m;

	nl_start(&m, XPMEM_NL_CMD_SET_QUOTA);
	nl_put_u32(&m, XPMEM_A_QUOTA_UID, uid);
	if (segs != DEFAULT_SEGS)
		nl_put_u32(&m, XPMEM_A_QUOTA_MAX_SEGMENTS, segs);
	nl_put_u64(&m, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES, bytes);
	nl_put_u64(&m, XPMEM_A_QUOTA_MAX_MAPPED_PAGES, pages);
	request_ok(&m);
}

int job_request(int cmd, uint64_t id, uid_t uid, uint64_t cgroup_id,
		struct nl_reply *r)
{
	struct nl_msgbuf m;

	nl_start(&m, cmd);
	nl_put_u64(&m, XPMEM_A_JOB_ID, id);
	if (cmd == XPMEM_NL_CMD_ADD_JOB) {
		nl_put_u32(&m, XPMEM_A_JOB_UID, uid);
		nl_put_u64(&m, XPMEM_A_JOB_CGROUP_ID, cgroup_id);
	}
	return nl_do(&m, r);
}

const char *cgroup_root(void)
{
	static char root[256];
	char line[1024], mnt[256], fstype[64];
	FILE *f;

	if (root[0])
		return root;
	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (dash && sscanf(dash, " - %63s", fstype) == 1 &&
		    !strcmp(fstype, "cgroup2") &&
		    sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1) {
			strcpy(root, mnt);
			break;
		}
	}
	if (f)
		fclose(f);
	if (!root[0]) {
		if (mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL))
			SKIP("no cgroup2 mount and mounting one failed: %s",
			     errname(errno));
		strcpy(root, "/sys/fs/cgroup");
	}
	return root;
}

void cgroup_dir(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", cgroup_root(), name);
	if (mkdir(out, 0755) && errno != EEXIST)
		FAIL("mkdir %s: %s", out, errname(errno));
}

uint64_t cgroup_id_of(const char *path)
{
	struct stat st;

	CHECK_SYS(stat(path, &st));
	return st.st_ino;
}

void join_cgroup(const char *path)
{
	char procs[512];
	FILE *f;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	f = fopen(procs, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		FAIL("joining %s: %s", path, errname(errno));
}
