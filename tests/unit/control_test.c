// SPDX-License-Identifier: GPL-2.0
/*
 * control_test.c - host tests of libxpmem/control.c against a fake kernel.
 *
 * The real control.c is linked with --wrap=send,recv,recvmsg,setsockopt:
 * its sockets are real netlink sockets (libnl opens and binds them), but
 * what it sends lands in a handler of this file, which queues the answers
 * a kernel would give: replies, multi-part dumps, ACKs, errors with and
 * without extended-ACK TLVs, NLMSG_DONE carrying an error, overflows.
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

#include "xpmem_control.h"

#define FAMILY	0x2a
#define GROUP	7

static int failed;
static bool ok_now;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		ok_now = false;						\
	}								\
} while (0)

/* ---- the fake kernel ------------------------------------------------------ */

struct dgram {
	int fd;
	int err;		/* recv fails with this instead */
	size_t len;
	unsigned char data[8192];
};

static struct dgram queue[64];
static int nqueued;

/* the last request, and its attributes */
static unsigned char req_buf[4096];
static struct nlmsghdr *req = (struct nlmsghdr *)req_buf;
static struct nlattr *req_tb[32];
static int nrequests;

/* what a test wants done with a request (after GETFAMILY) */
static void (*handler)(int fd);
static bool family_missing;
static int membership_err;
static int joined_group;

static struct dgram *push(int fd)
{
	struct dgram *d = &queue[nqueued++];

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	return d;
}

/* Append message M (then freed) to datagram D. */
static void add(struct dgram *d, struct nl_msg *m)
{
	struct nlmsghdr *h = nlmsg_hdr(m);

	memcpy(d->data + d->len, h, h->nlmsg_len);
	d->len += NLMSG_ALIGN(h->nlmsg_len);
	nlmsg_free(m);
}

static struct nl_msg *genl(uint16_t type, int flags, uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	genlmsg_put(m, 0, req->nlmsg_seq, type, 0, flags, cmd, 1);
	return m;
}

/* NLMSG_ERROR: 0 is an ACK. CAPPED: the request is not echoed. */
static struct nl_msg *error_msg(int error, bool capped, const char *text, int off, int miss)
{
	struct nl_msg *m = nlmsg_alloc_simple(NLMSG_ERROR, 0);
	size_t echo = capped ? sizeof(struct nlmsghdr) : req->nlmsg_len;
	struct nlmsgerr *e = nlmsg_reserve(m, sizeof(int) + echo, NLMSG_ALIGNTO);

	e->error = error;
	memcpy(&e->msg, req, echo);
	nlmsg_hdr(m)->nlmsg_seq = req->nlmsg_seq;
	if (capped)
		nlmsg_hdr(m)->nlmsg_flags |= NLM_F_CAPPED;
	if (text || off || miss)
		nlmsg_hdr(m)->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (text)
		nla_put_string(m, NLMSGERR_ATTR_MSG, text);
	if (off)
		nla_put_u32(m, NLMSGERR_ATTR_OFFS, (uint32_t)off);
	if (miss)
		nla_put_u32(m, NLMSGERR_ATTR_MISS_TYPE, (uint32_t)miss);
	return m;
}

static struct nl_msg *done_msg(int error, const char *text)
{
	struct nl_msg *m = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
	int *e = nlmsg_reserve(m, sizeof(int), NLMSG_ALIGNTO);

	*e = error;
	nlmsg_hdr(m)->nlmsg_seq = req->nlmsg_seq;
	if (text) {
		nlmsg_hdr(m)->nlmsg_flags |= NLM_F_ACK_TLVS;
		nla_put_string(m, NLMSGERR_ATTR_MSG, text);
	}
	return m;
}

static void answer_family(int fd)
{
	struct dgram *d = push(fd);
	struct nl_msg *m;
	struct nlattr *grps, *g;

	if (family_missing) {
		add(d, error_msg(-ENOENT, true, NULL, 0, 0));
		return;
	}
	m = genl(GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
	nla_put_string(m, CTRL_ATTR_FAMILY_NAME, XPMEM_GENL_NAME);
	nla_put_u16(m, CTRL_ATTR_FAMILY_ID, FAMILY);
	nla_put_u32(m, CTRL_ATTR_VERSION, 1);
	grps = nla_nest_start(m, CTRL_ATTR_MCAST_GROUPS);
	g = nla_nest_start(m, 1);
	nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME, "other");
	nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, 3);
	nla_nest_end(m, g);
	g = nla_nest_start(m, 2);
	nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME, XPMEM_MCGRP_EVENTS);
	nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, GROUP);
	nla_nest_end(m, g);
	nla_nest_end(m, grps);
	add(d, m);
	add(push(fd), error_msg(0, true, NULL, 0, 0));
}

ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	(void)flags;
	if (len > sizeof(req_buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(req_buf, buf, len);
	memset(req_tb, 0, sizeof(req_tb));
	nla_parse(req_tb, 31, (struct nlattr *)((char *)req_buf + NLMSG_HDRLEN + GENL_HDRLEN),
		  (int)(req->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN), NULL);
	nrequests++;
	if (req->nlmsg_type == GENL_ID_CTRL)
		answer_family(fd);
	else if (handler)
		handler(fd);
	return (ssize_t)len;
}

/* The first queued datagram for FD, or NULL. */
static struct dgram *head(int fd)
{
	for (int i = 0; i < nqueued; i++)
		if (queue[i].fd == fd)
			return &queue[i];
	return NULL;
}

static void drop(struct dgram *d)
{
	int i = (int)(d - queue);

	memmove(&queue[i], &queue[i + 1], (size_t)(nqueued - i - 1) * sizeof(*d));
	nqueued--;
}

ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	struct dgram *d = head(fd);

	(void)buf;
	(void)len;
	(void)flags;	/* control.c only peeks with recv */
	if (!d) {
		errno = EAGAIN;	/* what SO_RCVTIMEO expiring looks like */
		return -1;
	}
	if (d->err) {
		errno = d->err;
		drop(d);
		return -1;
	}
	return (ssize_t)d->len;
}

ssize_t __real_recvmsg(int fd, struct msghdr *mh, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *mh, int flags)
{
	struct dgram *d = head(fd);
	struct sockaddr_nl *sa = mh->msg_name;
	size_t n;

	(void)flags;
	if (!d || d->err) {
		errno = EAGAIN;
		return -1;
	}
	n = d->len < mh->msg_iov[0].iov_len ? d->len : mh->msg_iov[0].iov_len;
	memcpy(mh->msg_iov[0].iov_base, d->data, n);
	if (sa) {
		memset(sa, 0, sizeof(*sa));
		sa->nl_family = AF_NETLINK;
		mh->msg_namelen = sizeof(*sa);
	}
	mh->msg_flags = n < d->len ? MSG_TRUNC : 0;
	drop(d);
	return (ssize_t)n;
}

int __real_setsockopt(int fd, int level, int opt, const void *val, socklen_t len);
int __wrap_setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	if (level == SOL_NETLINK && opt == NETLINK_ADD_MEMBERSHIP) {
		if (membership_err) {
			errno = membership_err;
			return -1;
		}
		joined_group = *(const int *)val;
		return 0;
	}
	return __real_setsockopt(fd, level, opt, val, len);
}

/* ---- helpers ---------------------------------------------------------------- */

static void reset(void)
{
	nqueued = 0;
	nrequests = 0;
	handler = NULL;
	family_missing = false;
	membership_err = 0;
	joined_group = 0;
}

static uint8_t req_cmd(void)
{
	return ((struct genlmsghdr *)nlmsg_data(req))->cmd;
}

/* Offset of attribute TYPE in the last request, as the kernel reports it. */
static int offset_of(int type)
{
	return req_tb[type] ? (int)((unsigned char *)req_tb[type] - req_buf) : 0;
}

static void run(const char *name, void (*fn)(void))
{
	reset();
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
	run("control_enum_names_round_trip", enum_names_round_trip);
	return failed;
}
