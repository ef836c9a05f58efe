// SPDX-License-Identifier: GPL-2.0
/*
 * control_test.c - host tests of libxpmem/control.c against a fake kernel.
 *
 * The real control.c is linked with --wrap=send,recv,recvmsg,setsockopt:
 * its sockets are real netlink sockets (libnl opens and binds them), but
 * what it sends lands in fake_netlink.c and a handler of this file, which
 * queues the answers a kernel would give.
 * That checks what the guest cannot yet: that real errnos survive libnl,
 * that the kernel's message and the blamed attribute come through, that
 * a stopped dump is drained, that a silent kernel times out.
 *
 * TAP: "ok - name" / "not ok - name", "# ..." diagnostics; exit 1 on failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "fake_netlink.h"
#include "xpmem_control.h"

static int failed;
static bool ok_now;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		ok_now = false;						\
	}								\
} while (0)

static void run(const char *name, void (*fn)(void))
{
	reset_fake();
	ok_now = true;
	fn();
	printf("%sok - %s\n", ok_now ? "" : "not ", name);
	if (!ok_now)
		failed = 1;
}

/* ---- the tests ---------------------------------------------------------------- */

static void open_resolves_the_family(void)
{
	struct xpmem_ctl_error err;
	struct xpmem_ctl *ctl = xpmem_ctl_open(&err);

	CHECK(ctl != NULL);
	CHECK(req->nlmsg_type == GENL_ID_CTRL && req_cmd() == CTRL_CMD_GETFAMILY);
	CHECK(req->nlmsg_flags & NLM_F_REQUEST);
	CHECK(req_tb[CTRL_ATTR_FAMILY_NAME] &&
	      !strcmp(nla_get_string(req_tb[CTRL_ATTR_FAMILY_NAME]), "xpmem"));
	if (ctl)
		CHECK(xpmem_ctl_family_version(ctl) == 1);
	xpmem_ctl_close(ctl);
}

static void open_without_the_family_says_not_loaded(void)
{
	struct xpmem_ctl_error err;
	struct xpmem_ctl *ctl;

	family_missing = true;
	ctl = xpmem_ctl_open(&err);
	CHECK(ctl == NULL);
	CHECK(err.err == -ENOENT);
	CHECK(strstr(err.msg, "xpmem module not loaded") != NULL);
	xpmem_ctl_close(ctl);
}

static int answer_errno;

static void answer_with_errno(int fd)
{
	add(push(fd), error_msg(answer_errno, true, NULL, 0, 0));
}

static void kernel_errnos_survive_libnl(void)
{
	static const int errnos[] = { -EDQUOT, -ENOTTY, -ENOSPC, -EPERM, -EEXIST };
	struct xpmem_ctl_quota q = { .uid = 1000 };
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_with_errno;
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		answer_errno = errnos[i];
		CHECK(xpmem_ctl_quota_set(ctl, &q) == errnos[i]);
		CHECK(xpmem_ctl_last_error(ctl)->err == errnos[i]);
		CHECK(xpmem_ctl_last_error(ctl)->kmsg[0] == '\0');
	}
	xpmem_ctl_close(ctl);
}

static bool echo_request;

static void answer_bad_uid(int fd)
{
	add(push(fd), error_msg(-EINVAL, !echo_request, "uid out of range",
				offset_of(XPMEM_A_QUOTA_UID), 0));
}

static void extack_names_message_and_attribute(void)
{
	struct xpmem_ctl_quota q = { .uid = 7 };
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	const struct xpmem_ctl_error *e;

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_bad_uid;
	for (int pass = 0; pass < 2; pass++) {
		echo_request = pass;	/* capped, then with the request echoed */
		CHECK(xpmem_ctl_quota_set(ctl, &q) == -EINVAL);
		e = xpmem_ctl_last_error(ctl);
		CHECK(!strcmp(e->kmsg, "uid out of range"));
		CHECK(e->attr && !strcmp(e->attr, "uid"));
		CHECK(e->msg[0] == '\0');
	}
	xpmem_ctl_close(ctl);
}

static void answer_missing_cgroup(int fd)
{
	add(push(fd), error_msg(-EINVAL, true, NULL, 0, XPMEM_A_JOB_CGROUP_ID));
}

static void missing_attribute_is_named(void)
{
	struct xpmem_ctl_job job = { .id = 42, .uid = 1000, .cgroup_id = 9 };
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_missing_cgroup;
	CHECK(xpmem_ctl_job_add(ctl, &job) == -EINVAL);
	CHECK(xpmem_ctl_last_error(ctl)->attr &&
	      !strcmp(xpmem_ctl_last_error(ctl)->attr, "cgroup-id"));
	/* the request carried id, uid and cgroup, and no quota not asked for */
	CHECK(req_cmd() == XPMEM_NL_CMD_ADD_JOB);
	CHECK(req_tb[XPMEM_A_JOB_ID] && nla_get_u64(req_tb[XPMEM_A_JOB_ID]) == 42);
	CHECK(req_tb[XPMEM_A_JOB_UID] && nla_get_u32(req_tb[XPMEM_A_JOB_UID]) == 1000);
	CHECK(req_tb[XPMEM_A_JOB_CGROUP_ID] && nla_get_u64(req_tb[XPMEM_A_JOB_CGROUP_ID]) == 9);
	CHECK(!req_tb[XPMEM_A_JOB_MAX_SEGMENTS]);
	xpmem_ctl_close(ctl);
}

static struct nl_msg *segment(uint64_t segid, uint32_t pid, bool job)
{
	struct nl_msg *m = genl(FAMILY, NLM_F_MULTI, XPMEM_NL_CMD_GET_SEGMENTS);

	nla_put_u64(m, XPMEM_A_SEGMENT_SEGID, segid);
	nla_put_u32(m, XPMEM_A_SEGMENT_PID, pid);
	nla_put_u32(m, XPMEM_A_SEGMENT_UID, 1000);
	nla_put_u64(m, XPMEM_A_SEGMENT_SIZE, 1 << 20);
	nla_put_u32(m, XPMEM_A_SEGMENT_MODE, 0600);
	if (job)
		nla_put_u64(m, XPMEM_A_SEGMENT_JOB_ID, 77);
	return m;
}

static void answer_segments(int fd)
{
	struct dgram *d = push(fd);

	add(d, segment(0xfeedfacecafebeefULL, 10, true));
	add(d, segment(2, 11, false));
	d = push(fd);
	add(d, segment(3, 12, false));
	add(d, done_msg(0, NULL));
}

struct seen {
	int n, stop_after;
	struct xpmem_ctl_segment seg[4];
};

static int collect(const struct xpmem_ctl_segment *s, void *arg)
{
	struct seen *seen = arg;

	if (seen->n < 4)
		seen->seg[seen->n] = *s;
	seen->n++;
	return seen->stop_after && seen->n >= seen->stop_after ? -ECANCELED : 0;
}

static void dump_delivers_every_object(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct seen seen = { 0 };

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_segments;
	CHECK(xpmem_ctl_segments(ctl, collect, &seen) == 0);
	CHECK(req_cmd() == XPMEM_NL_CMD_GET_SEGMENTS && (req->nlmsg_flags & NLM_F_DUMP));
	CHECK(seen.n == 3);
	CHECK(seen.seg[0].segid == 0xfeedfacecafebeefULL && seen.seg[0].pid == 10);
	CHECK(seen.seg[0].mode == 0600 && seen.seg[0].size == 1 << 20);
	CHECK(XPMEM_CTL_HAS(&seen.seg[0], XPMEM_A_SEGMENT_JOB_ID) && seen.seg[0].job_id == 77);
	CHECK(!XPMEM_CTL_HAS(&seen.seg[1], XPMEM_A_SEGMENT_JOB_ID));
	CHECK(!XPMEM_CTL_HAS(&seen.seg[1], XPMEM_A_SEGMENT_CGROUP_ID));
	CHECK(seen.seg[2].segid == 3);
	CHECK(nqueued == 0);
	xpmem_ctl_close(ctl);
}

static void answer_dump_error(int fd)
{
	add(push(fd), done_msg(-EPERM, "only root may list everything"));
}

static void dump_error_in_done_is_reported(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct seen seen = { 0 };

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_dump_error;
	CHECK(xpmem_ctl_segments(ctl, collect, &seen) == -EPERM);
	CHECK(!strcmp(xpmem_ctl_last_error(ctl)->kmsg, "only root may list everything"));
	xpmem_ctl_close(ctl);
}

static void answer_policy(int fd)
{
	struct nl_msg *m;

	if (req_cmd() == XPMEM_NL_CMD_GET_SEGMENTS) {
		answer_segments(fd);
		return;
	}
	m = genl(FAMILY, 0, XPMEM_NL_CMD_GET_POLICY);
	nla_put_u32(m, XPMEM_A_POLICY_MODE, XPMEM_MODE_STRICT);
	nla_put_u32(m, XPMEM_A_POLICY_RULES, 2);
	nla_put_u32(m, XPMEM_A_POLICY_JOBS, 1);
	add(push(fd), m);
	add(push(fd), error_msg(0, true, NULL, 0, 0));
}

static void stopped_dump_is_drained(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct seen seen = { .stop_after = 1 };
	struct xpmem_ctl_policy pol;

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_policy;
	CHECK(xpmem_ctl_segments(ctl, collect, &seen) == -ECANCELED);
	CHECK(seen.n == 1);
	CHECK(nqueued == 0);
	/* the socket is clean: the next request gets its own answer */
	CHECK(xpmem_ctl_policy_get(ctl, &pol) == 0);
	CHECK(pol.mode == XPMEM_MODE_STRICT && pol.rules == 2 && pol.jobs == 1);
	xpmem_ctl_close(ctl);
}

static void answer_stale_then_policy(int fd)
{
	struct nl_msg *m = genl(FAMILY, 0, XPMEM_NL_CMD_GET_POLICY);

	/* late answers to an earlier request that timed out */
	nlmsg_hdr(m)->nlmsg_seq = req->nlmsg_seq - 1;
	nla_put_u32(m, XPMEM_A_POLICY_MODE, XPMEM_MODE_COMPAT);
	add(push(fd), m);
	m = error_msg(-EBUSY, true, "stale", 0, 0);
	nlmsg_hdr(m)->nlmsg_seq = req->nlmsg_seq - 1;
	add(push(fd), m);
	answer_policy(fd);
}

static void stale_answers_are_ignored(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct xpmem_ctl_policy pol;

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_stale_then_policy;
	CHECK(xpmem_ctl_policy_get(ctl, &pol) == 0);
	CHECK(pol.mode == XPMEM_MODE_STRICT);
	xpmem_ctl_close(ctl);
}

static void answer_rule(int fd)
{
	struct nl_msg *m = genl(FAMILY, 0, XPMEM_NL_CMD_ADD_RULE);

	nla_put_u32(m, XPMEM_A_RULE_ID, 5);
	add(push(fd), m);
	add(push(fd), error_msg(0, true, NULL, 0, 0));
}

static void rule_add_sends_selectors_and_returns_id(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct xpmem_ctl_rule r = { .action = XPMEM_ACTION_ALLOW, .uid = 0, .same_job = true };
	uint32_t id = 0;

	CHECK(ctl);
	if (!ctl)
		return;
	XPMEM_CTL_SET(&r, XPMEM_A_RULE_UID);
	handler = answer_rule;
	CHECK(xpmem_ctl_rule_add(ctl, &r, &id) == 0);
	CHECK(id == 5);
	CHECK(req_tb[XPMEM_A_RULE_ACTION] && nla_get_u32(req_tb[XPMEM_A_RULE_ACTION]) == 0);
	CHECK(req_tb[XPMEM_A_RULE_UID] && nla_get_u32(req_tb[XPMEM_A_RULE_UID]) == 0);
	CHECK(!req_tb[XPMEM_A_RULE_GID] && !req_tb[XPMEM_A_RULE_PEER_UID]);
	CHECK(req_tb[XPMEM_A_RULE_SAME_JOB] && nla_len(req_tb[XPMEM_A_RULE_SAME_JOB]) == 0);
	xpmem_ctl_close(ctl);
}

static void answer_revoke(int fd)
{
	struct nl_msg *m = genl(FAMILY, 0, XPMEM_NL_CMD_REVOKE);

	nla_put_u32(m, XPMEM_A_REVOKE_COUNT, 3);
	add(push(fd), m);
	add(push(fd), error_msg(0, true, NULL, 0, 0));
}

static void revoke_sends_one_selector_and_returns_count(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	uint32_t count = 0;

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_revoke;
	CHECK(xpmem_ctl_revoke(ctl, XPMEM_A_REVOKE_PID, 1234, &count) == 0);
	CHECK(count == 3);
	CHECK(req_tb[XPMEM_A_REVOKE_PID] && nla_len(req_tb[XPMEM_A_REVOKE_PID]) == 4);
	CHECK(!req_tb[XPMEM_A_REVOKE_SEGID] && !req_tb[XPMEM_A_REVOKE_UID]);
	CHECK(xpmem_ctl_revoke(ctl, XPMEM_A_REVOKE_SEGID, 0xabcdef0123ULL, &count) == 0);
	CHECK(req_tb[XPMEM_A_REVOKE_SEGID] &&
	      nla_get_u64(req_tb[XPMEM_A_REVOKE_SEGID]) == 0xabcdef0123ULL);
	CHECK(xpmem_ctl_revoke(ctl, XPMEM_A_REVOKE_COUNT, 1, &count) == -EINVAL);
	xpmem_ctl_close(ctl);
}

static void silent_kernel_times_out(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct xpmem_ctl_stats st;

	CHECK(ctl);
	if (!ctl)
		return;
	handler = NULL;		/* nothing ever answers */
	CHECK(xpmem_ctl_stats(ctl, &st) == -ETIMEDOUT);
	CHECK(strstr(xpmem_ctl_last_error(ctl)->msg, "no answer") != NULL);
	xpmem_ctl_close(ctl);
}

static struct nl_msg *event(uint32_t type)
{
	struct nl_msg *m = nlmsg_alloc();

	genlmsg_put(m, 0, 0, FAMILY, 0, 0, XPMEM_NL_CMD_EVENT, 1);
	nla_put_u32(m, XPMEM_A_EVENT_TYPE, type);
	if (type == XPMEM_EVENT_TYPE_POLICY_CHANGED)
		nla_put_u32(m, XPMEM_A_EVENT_MODE, XPMEM_MODE_STRICT);
	else
		nla_put_u64(m, XPMEM_A_EVENT_SEGID, 0x99);
	return m;
}

static int types[8], ntypes;

static int note_event(const struct xpmem_ctl_event *e, void *arg)
{
	(void)arg;
	if (ntypes < 8)
		types[ntypes++] = (int)e->type;
	return 0;
}

static void events_arrive_and_losses_are_reported(void)
{
	struct xpmem_ctl_error err;
	struct xpmem_ctl_events *ev = xpmem_ctl_events_open(&err);
	int fd;

	CHECK(ev);
	if (!ev)
		return;
	CHECK(joined_group == GROUP);
	fd = xpmem_ctl_events_fd(ev);
	add(push(fd), event(XPMEM_EVENT_TYPE_SEGMENT_MADE));
	push(fd)->err = ENOBUFS;
	add(push(fd), event(XPMEM_EVENT_TYPE_POLICY_CHANGED));
	ntypes = 0;
	CHECK(xpmem_ctl_events_read(ev, note_event, NULL) == 3);
	CHECK(ntypes == 3 && types[0] == XPMEM_EVENT_TYPE_SEGMENT_MADE &&
	      types[1] == XPMEM_CTL_EVENT_LOST && types[2] == XPMEM_EVENT_TYPE_POLICY_CHANGED);
	/* nothing pending: nothing delivered, no error */
	CHECK(xpmem_ctl_events_read(ev, note_event, NULL) == 0);
	xpmem_ctl_events_close(ev);
}

static void events_need_cap_net_admin(void)
{
	struct xpmem_ctl_error err;
	struct xpmem_ctl_events *ev;

	membership_err = EPERM;
	ev = xpmem_ctl_events_open(&err);
	CHECK(ev == NULL);
	CHECK(err.err == -EPERM);
	CHECK(strstr(err.msg, "CAP_NET_ADMIN") != NULL);
	xpmem_ctl_events_close(ev);
}

static void events_without_the_group_say_the_kernel_lacks_admin_only_multicast(void)
{
	struct xpmem_ctl_error err;
	struct xpmem_ctl_events *ev;

	no_events_group = true;
	ev = xpmem_ctl_events_open(&err);
	CHECK(ev == NULL);
	CHECK(err.err == -EOPNOTSUPP);
	CHECK(strstr(err.msg, "no admin-only multicast") != NULL);
	CHECK(joined_group == 0);
	xpmem_ctl_events_close(ev);
}

static void answer_ack(int fd)
{
	add(push(fd), error_msg(0, true, NULL, 0, 0));
}

static void policy_set_sends_only_the_settings_given(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct xpmem_ctl_policy pol = { .visibility = XPMEM_VISIBILITY_ALL };

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_ack;
	XPMEM_CTL_SET(&pol, XPMEM_A_POLICY_VISIBILITY);
	CHECK(xpmem_ctl_policy_set(ctl, &pol) == 0);
	CHECK(req_cmd() == XPMEM_NL_CMD_SET_POLICY);
	CHECK(req_tb[XPMEM_A_POLICY_VISIBILITY] &&
	      nla_get_u32(req_tb[XPMEM_A_POLICY_VISIBILITY]) == XPMEM_VISIBILITY_ALL);
	CHECK(!req_tb[XPMEM_A_POLICY_MODE] && !req_tb[XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS]);
	pol.has = 0;
	pol.default_max_segments = 0;
	XPMEM_CTL_SET(&pol, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS);
	XPMEM_CTL_SET(&pol, XPMEM_A_POLICY_MODE);
	CHECK(xpmem_ctl_policy_set(ctl, &pol) == 0);
	CHECK(req_tb[XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS] &&
	      nla_get_u32(req_tb[XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS]) == 0);
	CHECK(req_tb[XPMEM_A_POLICY_MODE] && !req_tb[XPMEM_A_POLICY_VISIBILITY]);
	xpmem_ctl_close(ctl);
}

static void answer_settings(int fd)
{
	struct nl_msg *m = genl(FAMILY, 0, XPMEM_NL_CMD_GET_POLICY);

	nla_put_u32(m, XPMEM_A_POLICY_MODE, XPMEM_MODE_COMPAT);
	nla_put_u32(m, XPMEM_A_POLICY_VISIBILITY, XPMEM_VISIBILITY_ALL);
	nla_put_u32(m, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS, 4096);
	add(push(fd), m);
	add(push(fd), error_msg(0, true, NULL, 0, 0));
}

static void policy_get_reads_visibility_and_the_segment_limit(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct xpmem_ctl_policy pol;

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_settings;
	CHECK(xpmem_ctl_policy_get(ctl, &pol) == 0);
	CHECK(XPMEM_CTL_HAS(&pol, XPMEM_A_POLICY_VISIBILITY) &&
	      pol.visibility == XPMEM_VISIBILITY_ALL);
	CHECK(XPMEM_CTL_HAS(&pol, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS) &&
	      pol.default_max_segments == 4096);
	xpmem_ctl_close(ctl);
}

static void quota_set_sends_max_segments_only_when_set(void)
{
	struct xpmem_ctl *ctl = xpmem_ctl_open(NULL);
	struct xpmem_ctl_quota q = { .uid = 5, .max_segments = 0 };

	CHECK(ctl);
	if (!ctl)
		return;
	handler = answer_ack;
	CHECK(xpmem_ctl_quota_set(ctl, &q) == 0);
	CHECK(req_tb[XPMEM_A_QUOTA_UID] && !req_tb[XPMEM_A_QUOTA_MAX_SEGMENTS]);
	XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_MAX_SEGMENTS);
	CHECK(xpmem_ctl_quota_set(ctl, &q) == 0);
	CHECK(req_tb[XPMEM_A_QUOTA_MAX_SEGMENTS] &&
	      nla_get_u32(req_tb[XPMEM_A_QUOTA_MAX_SEGMENTS]) == 0);
	xpmem_ctl_close(ctl);
}

static void enum_names_round_trip(void)
{
	CHECK(!strcmp(xpmem_ctl_name(XPMEM_CTL_ENUM_MODE, XPMEM_MODE_STRICT), "strict"));
	CHECK(!strcmp(xpmem_ctl_name(XPMEM_CTL_ENUM_EVENT_TYPE,
				     XPMEM_EVENT_TYPE_QUOTA_EXCEEDED), "quota-exceeded"));
	CHECK(xpmem_ctl_name(XPMEM_CTL_ENUM_ACCESS, 0) == NULL);
	CHECK(xpmem_ctl_name(XPMEM_CTL_ENUM_MODE, 99) == NULL);
	CHECK(xpmem_ctl_value(XPMEM_CTL_ENUM_ACTION, "deny") == XPMEM_ACTION_DENY);
	CHECK(xpmem_ctl_value(XPMEM_CTL_ENUM_MODE, "lax") == -EINVAL);
	CHECK(xpmem_ctl_value(XPMEM_CTL_ENUM_MODE, NULL) == -EINVAL);
	CHECK(xpmem_ctl_value(XPMEM_CTL_ENUM_VISIBILITY, "all") == XPMEM_VISIBILITY_ALL);
	CHECK(!strcmp(xpmem_ctl_name(XPMEM_CTL_ENUM_VISIBILITY, XPMEM_VISIBILITY_OWN), "own"));
}

int main(void)
{
	run("control_open_resolves_the_family", open_resolves_the_family);
	run("control_open_without_the_family_says_not_loaded",
	    open_without_the_family_says_not_loaded);
	run("control_kernel_errnos_survive_libnl", kernel_errnos_survive_libnl);
	run("control_extack_names_message_and_attribute", extack_names_message_and_attribute);
	run("control_missing_attribute_is_named", missing_attribute_is_named);
	run("control_dump_delivers_every_object", dump_delivers_every_object);
	run("control_dump_error_in_done_is_reported", dump_error_in_done_is_reported);
	run("control_stopped_dump_is_drained", stopped_dump_is_drained);
	run("control_stale_answers_are_ignored", stale_answers_are_ignored);
	run("control_rule_add_sends_selectors_and_returns_id",
	    rule_add_sends_selectors_and_returns_id);
	run("control_revoke_sends_one_selector_and_returns_count",
	    revoke_sends_one_selector_and_returns_count);
	run("control_silent_kernel_times_out", silent_kernel_times_out);
	run("control_events_arrive_and_losses_are_reported",
	    events_arrive_and_losses_are_reported);
	run("control_events_need_cap_net_admin", events_need_cap_net_admin);
	run("control_events_without_the_group_say_the_kernel_lacks_admin_only_multicast",
	    events_without_the_group_say_the_kernel_lacks_admin_only_multicast);
	run("control_policy_set_sends_only_the_settings_given",
	    policy_set_sends_only_the_settings_given);
	run("control_policy_get_reads_visibility_and_the_segment_limit",
	    policy_get_reads_visibility_and_the_segment_limit);
	run("control_quota_set_sends_max_segments_only_when_set",
	    quota_set_sends_max_segments_only_when_set);
	run("control_enum_names_round_trip", enum_names_round_trip);
	return failed;
}
