// SPDX-License-Identifier: GPL-2.0
/*
 * fake_netlink.c - see fake_netlink.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <netlink/genl/genl.h>

#include "fake_netlink.h"
#include "xpmem_netlink.h"

struct dgram queue[64];
int nqueued;

/* the last request, and its attributes */
unsigned char req_buf[4096];
struct nlmsghdr *req = (struct nlmsghdr *)req_buf;
struct nlattr *req_tb[32];
int nrequests;

/* what a test wants done with a request (after GETFAMILY) */
void (*handler)(int fd);
bool family_missing;
bool no_events_group;
int membership_err;
int joined_group;

struct dgram *push(int fd)
{
	struct dgram *d = &queue[nqueued++];

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	return d;
}

/* Append message M (then freed) to datagram D. */
void add(struct dgram *d, struct nl_msg *m)
{
	struct nlmsghdr *h = nlmsg_hdr(m);

	memcpy(d->data + d->len, h, h->nlmsg_len);
	d->len += NLMSG_ALIGN(h->nlmsg_len);
	nlmsg_free(m);
}

struct nl_msg *genl(uint16_t type, int flags, uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	genlmsg_put(m, 0, req->nlmsg_seq, type, 0, flags, cmd, 1);
	return m;
}

/* NLMSG_ERROR: 0 is an ACK. CAPPED: the request is not echoed. */
struct nl_msg *error_msg(int error, bool capped, const char *text, int off, int miss)
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

struct nl_msg *done_msg(int error, const char *text)
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
	if (!no_events_group) {
		g = nla_nest_start(m, 2);
		nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME, XPMEM_MCGRP_EVENTS);
		nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, GROUP);
		nla_nest_end(m, g);
	}
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

void reset_fake(void)
{
	nqueued = 0;
	nrequests = 0;
	handler = NULL;
	family_missing = false;
	no_events_group = false;
	membership_err = 0;
	joined_group = 0;
}

uint8_t req_cmd(void)
{
	return ((struct genlmsghdr *)nlmsg_data(req))->cmd;
}

/* Offset of attribute TYPE in the last request, as the kernel reports it. */
int offset_of(int type)
{
	return req_tb[type] ? (int)((unsigned char *)req_tb[type] - req_buf) : 0;
}
