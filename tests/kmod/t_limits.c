// SPDX-License-Identifier: GPL-2.0
/*
 * t_limits.c - the site's settings through the netlink family: the
 * default per-uid segment limit (default-max-segments) and how an explicit
 * max-segments quota overrides it, set-policy changing only what it is
 * given, and reset-policy bringing every default back.
 */
#define TEST_ORDER 82

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xpmem.h>

#include "harness.h"
#include "nlpolicy.h"
#include "xp.h"

#define MAKER	1000		/* the uid that makes segments */

static struct nl_reply r;

struct made {
	int count, err;		/* segments made; errno of the first failure */
};

/* As @uid, make up to @n one-page segments, stopping at the first failure. */
static struct made make_as(uid_t uid, int n)
{
	struct made res = { 0, 0 };
	struct chan ch;
	pid_t pid;

	require_world_usable_device();
	pid = fork_peer(&ch);
	if (pid == 0) {
		char *area;

		drop_privileges(uid, uid, NULL, 0);
		area = CHECK_SYS((char *)mmap(NULL, PAGES(n), PROT_NONE,
					      MAP_PRIVATE | MAP_ANONYMOUS |
					      MAP_NORESERVE, -1, 0));
		for (; res.count < n; res.count++) {
			if (xpmem_make(area + PAGES(res.count), PAGE_SZ,
				       XPMEM_PERMIT_MODE, (void *)0600) == -1) {
				res.err = errno;
				break;
			}
		}
		chan_send(&ch, &res, sizeof(res));
		peer_exit(0);		/* its segments go with it */
	}
	chan_recv(&ch, &res, sizeof(res));
	WAIT_OK(pid);
	chan_close(&ch);
	return res;
}

#define CHECK_MADE(res, n, e)						\
	do {								\
		struct made m_ = (res);					\
		CHECK(m_.count == (n) && m_.err == (e),			\
		      "made %d segments, then %s; expected %d, then %s",	\
		      m_.count, errname(m_.err), (n), errname(e));	\
	} while (0)

TEST(reset_policy_reports_the_default_settings)
{
	struct policy p;

	reset_policy();
	get_policy(&p);
	CHECK_EQ(p.mode, XPMEM_MODE_COMPAT);
	CHECK_EQ(p.visibility, XPMEM_VISIBILITY_OWN);
	CHECK_EQ(p.default_max_segments, 4096);
	CHECK_EQ(XPMEM_DEFAULT_MAX_SEGMENTS, 4096);
}

TEST_EX(make_past_4096_segments_of_one_uid_fails_with_edquot_by_default,
	T_HEAVY, 120)
{
	reset_policy();
	CHECK_MADE(make_as(MAKER, 4097), 4096, EDQUOT);
}

TEST(make_past_the_default_limit_fails_with_edquot)
{
	reset_policy();
	set_settings(KEEP, KEEP, 3);
	CHECK_MADE(make_as(MAKER, 4), 3, EDQUOT);
	reset_policy();
}

TEST(the_default_limit_counts_per_uid)
{
	reset_policy();
	set_settings(KEEP, KEEP, 2);
	CHECK_MADE(make_as(MAKER, 2), 2, 0);
	CHECK_MADE(make_as(MAKER + 1, 2), 2, 0);
	reset_policy();
}

TEST(refusal_by_the_default_limit_emits_a_segments_quota_event)
{
	int fd = nl_open(), group = nl_events_group(), seen = 0;
	struct nl_attrs ev;
	char buf[8192];

	reset_policy();
	set_settings(KEEP, KEEP, 1);
	CHECK_SYS(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
			     sizeof(group)));
	CHECK_MADE(make_as(MAKER, 2), 1, EDQUOT);
	while (!seen && nl_recv_event(fd, 5000, &ev, buf, sizeof(buf)) == 0)
		seen = nla_u32(ev.a[XPMEM_A_EVENT_TYPE]) ==
			XPMEM_EVENT_TYPE_QUOTA_EXCEEDED &&
		       ev.a[XPMEM_A_EVENT_QUOTA] &&
		       nla_u32(ev.a[XPMEM_A_EVENT_QUOTA]) == XPMEM_QUOTA_SEGMENTS &&
		       nla_u32(ev.a[XPMEM_A_EVENT_UID]) == MAKER;
	close(fd);
	reset_policy();
	CHECK(seen, "no quota-exceeded event with quota segments for uid %d",
	      MAKER);
}

TEST(an_explicit_max_segments_above_the_default_wins)
{
	reset_policy();
	set_settings(KEEP, KEEP, 2);
	set_quota(MAKER, 4, 0, 0);
	CHECK_MADE(make_as(MAKER, 5), 4, EDQUOT);
	reset_policy();
}

TEST(an_explicit_max_segments_below_the_default_wins)
{
	reset_policy();
	set_settings(KEEP, KEEP, 5);
	set_quota(MAKER, 1, 0, 0);
	CHECK_MADE(make_as(MAKER, 2), 1, EDQUOT);
	reset_policy();
}

TEST(an_explicit_max_segments_of_0_is_unlimited_despite_the_default)
{
	reset_policy();
	set_settings(KEEP, KEEP, 2);
	set_quota(MAKER, 0, 0, 0);
	CHECK_MADE(make_as(MAKER, 6), 6, 0);
	reset_policy();
}

TEST(a_quota_without_max_segments_leaves_the_default_in_force)
{
	reset_policy();
	set_settings(KEEP, KEEP, 2);
	set_quota(MAKER, DEFAULT_SEGS, PAGES(100), 0);
	CHECK_MADE(make_as(MAKER, 3), 2, EDQUOT);
	reset_policy();
}

TEST(default_max_segments_of_0_is_unlimited)
{
	reset_policy();
	set_settings(KEEP, KEEP, 0);
	CHECK_MADE(make_as(MAKER, 10), 10, 0);
	reset_policy();
}

struct quota_seen {
	int has_segments[2];	/* MAKER, MAKER + 1: -1 absent from the dump */
	uint32_t segments[2];
};

static int take_quota(const struct nl_attrs *a, void *arg)
{
	struct quota_seen *q = arg;
	uint32_t uid = nla_u32(a->a[XPMEM_A_QUOTA_UID]);
	int i = uid == MAKER ? 0 : uid == MAKER + 1 ? 1 : -1;

	if (i < 0)
		return 0;
	q->has_segments[i] = !!a->a[XPMEM_A_QUOTA_MAX_SEGMENTS];
	if (a->a[XPMEM_A_QUOTA_MAX_SEGMENTS])
		q->segments[i] = nla_u32(a->a[XPMEM_A_QUOTA_MAX_SEGMENTS]);
	return 0;
}

TEST(quota_dump_carries_max_segments_only_where_it_was_set)
{
	struct quota_seen q = { { -1, -1 }, { 7, 7 } };
	struct nl_msgbuf m;
	int fd = nl_open();

	reset_policy();
	set_quota(MAKER, DEFAULT_SEGS, PAGES(1), 0);
	set_quota(MAKER + 1, 0, 0, 0);
	nl_start(&m, XPMEM_NL_CMD_GET_QUOTAS);
	CHECK_EQ(nl_call(fd, &m, 1, take_quota, &q, &r), 0);
	close(fd);
	reset_policy();
	CHECK_EQ(q.has_segments[0], 0);
	CHECK_EQ(q.has_segments[1], 1);
	CHECK_EQ(q.segments[1], 0);
}

TEST(set_policy_changes_only_the_settings_it_is_given)
{
	struct policy p;

	reset_policy();
	set_settings(XPMEM_MODE_STRICT, KEEP, KEEP);
	set_settings(KEEP, XPMEM_VISIBILITY_ALL, KEEP);
	set_settings(KEEP, KEEP, 17);
	get_policy(&p);
	reset_policy();
	CHECK_EQ(p.mode, XPMEM_MODE_STRICT);
	CHECK_EQ(p.visibility, XPMEM_VISIBILITY_ALL);
	CHECK_EQ(p.default_max_segments, 17);
}

TEST(set_policy_without_any_setting_is_einval_with_a_reason)
{
	struct nl_msgbuf m;

	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
	CHECK_EQ(nl_do(&m, &r), -EINVAL);
	CHECK(strstr(r.extack, "visibility"), "extack \"%s\"", r.extack);
}

TEST(out_of_range_visibility_is_rejected_with_extack)
{
	struct nl_msgbuf m;

	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
	nl_put_u32(&m, XPMEM_A_POLICY_VISIBILITY, 2);
	CHECK(nl_do(&m, &r) < 0);
	CHECK(r.extack[0], "no extack message for %s", errname(-r.error));
}

TEST(reset_policy_restores_every_default_and_drops_uid_quotas)
{
	struct policy p;

	reset_policy();
	set_settings(XPMEM_MODE_STRICT, XPMEM_VISIBILITY_ALL, 7);
	set_quota(MAKER, 1, 0, 0);
	reset_policy();
	get_policy(&p);
	CHECK_EQ(p.mode, XPMEM_MODE_COMPAT);
	CHECK_EQ(p.visibility, XPMEM_VISIBILITY_OWN);
	CHECK_EQ(p.default_max_segments, 4096);
	CHECK_MADE(make_as(MAKER, 8), 8, 0);
}
