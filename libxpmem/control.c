// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * control.c - the libnl-genl-3 client of the xpmem generic netlink family
 * (see xpmem_control.h), shared by xpmemctl and xpmemd.
 *
 * libnl builds and parses the messages and runs the receive loop. Two of
 * its habits are worked around here, the way iw does: it folds kernel
 * errnos into its own codes (EDQUOT becomes "Unspecific failure") and has
 * no extended-ACK API. So the error callbacks keep the raw errno and parse
 * the NLMSGERR_ATTR_* TLVs themselves, and receiving is done by our own
 * function so that a timeout or an overflow is told apart exactly.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "control_private.h"

#define NOT_LOADED "xpmem module not loaded (generic netlink family " \
		   XPMEM_GENL_NAME " not found)"

/* see control_private.h */
__thread int xpmem_ctl_recv_errno;
__thread unsigned int xpmem_ctl_recv_count;

void xpmem_ctl_set_error(struct xpmem_ctl_error *err, int ret, const char *msg)
{
	if (!err)
		return;
	err->err = ret;
	snprintf(err->msg, sizeof(err->msg), "%s", msg ? msg : "");
}

/*
 * Read one datagram, sized by peeking, into a buffer libnl frees. On
 * failure the errno goes to xpmem_ctl_recv_errno (EAGAIN: nothing within the
 * timeout, or nothing yet on a non-blocking socket).
 */
static int recv_datagram(struct nl_sock *sk, struct sockaddr_nl *nla,
			 unsigned char **buf, struct ucred **creds)
{
	int fd = nl_socket_get_fd(sk);
	struct iovec iov;
	struct msghdr mh = {
		.msg_name = nla, .msg_namelen = sizeof(*nla),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t len, n;

	(void)creds;
	*buf = NULL;
	do
		len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		goto err;
	*buf = malloc(len > 0 ? len : 1);
	if (!*buf) {
		errno = ENOMEM;
		goto err;
	}
	iov.iov_base = *buf;
	iov.iov_len = len;
	do
		n = recvmsg(fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		goto err_free;
	xpmem_ctl_recv_count++;
	return n;

err_free:
	free(*buf);
	*buf = NULL;
err:
	xpmem_ctl_recv_errno = errno == EWOULDBLOCK ? EAGAIN : errno;
	return -NLE_FAILURE;
}

/*
 * The extended ACK: TLVs after the error code (and after the echoed
 * request unless NLM_F_CAPPED). The bad attribute comes as an offset
 * into the request we sent, which we still hold.
 */
static void parse_ext_ack(struct xpmem_ctl *ctl, void *tlvs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlmsghdr *req = ctl->req ? nlmsg_hdr(ctl->req) : NULL;
	uint32_t off;

	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, tlvs, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(ctl->err.kmsg, sizeof(ctl->err.kmsg), "%.*s",
			 (int)strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]),
				      nla_len(tb[NLMSGERR_ATTR_MSG])),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] && nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4)
		ctl->err.attr = xpmem_ctl_attr_name(ctl->set, nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4 && req) {
		off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
		if (off >= NLMSG_HDRLEN + GENL_HDRLEN && off + NLA_HDRLEN <= req->nlmsg_len)
			ctl->err.attr = xpmem_ctl_attr_name(ctl->set,
						  nla_type((struct nlattr *)((char *)req + off)));
	}
}

/* Only the replies to the request in flight count; late ones are dropped. */
static int seq_cb(struct nl_msg *msg, void *arg)
{
	struct xpmem_ctl *ctl = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == ctl->seq ? NL_OK : NL_SKIP;
}

static int deliver(enum set_id id, union any_cb cb, union object *obj, void *arg)
{
	switch (id) {
	case S_SEGMENT:		return cb.seg(&obj->seg, arg);
	case S_ATTACHMENT:	return cb.att(&obj->att, arg);
	case S_STATS:		return cb.st(&obj->st, arg);
	case S_RULE:		return cb.rule(&obj->rule, arg);
	case S_JOB:		return cb.job(&obj->job, arg);
	case S_QUOTA:		return cb.quota(&obj->quota, arg);
	case S_EVENT:		return cb.ev(&obj->ev, arg);
	default:		return 0;
	}
}

/* The family's id, version and events group, from the controller. */
static int family_reply(struct xpmem_ctl *ctl, struct nl_msg *msg)
{
	static struct nla_policy policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16 },
		[CTRL_ATTR_VERSION] = { .type = NLA_U32 },
		[CTRL_ATTR_MCAST_GROUPS] = { .type = NLA_NESTED },
	};
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct nlattr *grp;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, policy) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	ctl->family = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		ctl->version = nla_get_u32(tb[CTRL_ATTR_VERSION]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	nla_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
		if (nla_parse_nested(gtb, CTRL_ATTR_MCAST_GRP_MAX, grp, NULL) < 0 ||
		    !gtb[CTRL_ATTR_MCAST_GRP_NAME] || !gtb[CTRL_ATTR_MCAST_GRP_ID] ||
		    nla_len(gtb[CTRL_ATTR_MCAST_GRP_ID]) < 4)
			continue;
		if (!strcmp(nla_get_string(gtb[CTRL_ATTR_MCAST_GRP_NAME]), XPMEM_MCGRP_EVENTS))
			ctl->events_grp = nla_get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct xpmem_ctl *ctl = arg;
	struct nlattr *tb[TB_MAX + 1];
	union object obj;

	if (ctl->cb_ret)
		return NL_SKIP;		/* stopped: drain the rest quietly */
	if (!ctl->set) {
		ctl->cb_ret = family_reply(ctl, msg);
		return NL_OK;
	}
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ctl->set->maxattr, ctl->set->policy) < 0) {
		ctl->cb_ret = -EPROTO;
		snprintf(ctl->err.msg, sizeof(ctl->err.msg),
			 "malformed reply from the kernel (xpmem_netlink.h out of date?)");
		return NL_SKIP;
	}
	if (ctl->reply) {
		xpmem_ctl_unpack(ctl->set, tb, ctl->reply);
		return NL_OK;
	}
	if (ctl->cb.seg) {
		xpmem_ctl_unpack(ctl->set, tb, &obj);
		ctl->cb_ret = deliver(ctl->set_id, ctl->cb, &obj, ctl->arg);
	}
	return NL_OK;
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct xpmem_ctl *ctl = arg;
	struct nlmsghdr *hdr = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t ack_len = NLMSG_HDRLEN + sizeof(*e);

	(void)nla;
	ctl->status = e->error < 0 ? e->error : -e->error;
	ctl->done = true;
	if (hdr->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
			ack_len += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if (ack_len < hdr->nlmsg_len)
			parse_ext_ack(ctl, (char *)hdr + ack_len, hdr->nlmsg_len - ack_len);
	}
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct xpmem_ctl *ctl = arg;

	(void)msg;
	ctl->done = true;
	return NL_STOP;
}

/* NLMSG_DONE ends a dump; a dump that failed carries the errno in it. */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct xpmem_ctl *ctl = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	int error = 0, skip = NLMSG_ALIGN(sizeof(error));

	ctl->done = true;
	if (nlmsg_datalen(hdr) < (int)sizeof(error))
		return NL_STOP;
	memcpy(&error, nlmsg_data(hdr), sizeof(error));
	if (error >= 0)
		return NL_STOP;
	ctl->status = error;
	if (hdr->nlmsg_flags & NLM_F_ACK_TLVS)
		parse_ext_ack(ctl, (char *)nlmsg_data(hdr) + skip, nlmsg_datalen(hdr) - skip);
	return NL_STOP;
}

static int intr_cb(struct nl_msg *msg, void *arg)
{
	struct xpmem_ctl *ctl = arg;

	(void)msg;
	ctl->interrupted = true;
	return NL_OK;
}

/*
 * A socket with our receive function, the extended ACK on, and for
 * requests a receive timeout so nothing waits forever on a stuck kernel.
 */
struct nl_sock *xpmem_ctl_open_socket(struct xpmem_ctl_error *err, bool timeout)
{
	struct timeval tv = {
		.tv_sec = XPMEM_CTL_TIMEOUT_MS / 1000,
		.tv_usec = XPMEM_CTL_TIMEOUT_MS % 1000 * 1000,
	};
	struct nl_sock *sk;
	struct nl_cb *cb;
	int one = 1, fd, ret;

	sk = nl_socket_alloc();
	if (!sk) {
		xpmem_ctl_set_error(err, -ENOMEM, NULL);
		return NULL;
	}
	errno = 0;
	if (genl_connect(sk) < 0) {
		ret = errno ? -errno : -EIO;
		snprintf(err->msg, sizeof(err->msg),
			 "cannot open a generic netlink socket: %s", strerror(-ret));
		err->err = ret;
		goto err_free;
	}
	fd = nl_socket_get_fd(sk);
	if (timeout && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		xpmem_ctl_set_error(err, -errno, NULL);
		goto err_free;
	}
	/* Kernels before 4.12 lack these; their errors just have no text. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	cb = nl_socket_get_cb(sk);
	nl_cb_overwrite_recv(cb, recv_datagram);
	nl_cb_put(cb);
	return sk;

err_free:
	nl_socket_free(sk);
	return NULL;
}

/*
 * Send MSG and read until its ACK, error or NLMSG_DONE. Returns the
 * kernel's -errno, or the first non-zero return of the callback.
 */
static int transact(struct xpmem_ctl *ctl, struct nl_msg *msg)
{
	struct nlmsghdr *hdr;
	ssize_t n;
	int ret;

	nl_complete_msg(ctl->sk, msg);
	hdr = nlmsg_hdr(msg);
	ctl->req = msg;
	ctl->seq = hdr->nlmsg_seq;
	ctl->done = ctl->interrupted = false;
	ctl->status = ctl->cb_ret = 0;

	do
		n = send(nl_socket_get_fd(ctl->sk), hdr, hdr->nlmsg_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	while (!ctl->done) {
		xpmem_ctl_recv_errno = 0;
		ret = nl_recvmsgs_default(ctl->sk);
		if (ctl->done || ret >= 0)
			continue;
		if (xpmem_ctl_recv_errno == EAGAIN) {
			ret = -ETIMEDOUT;
			snprintf(ctl->err.msg, sizeof(ctl->err.msg),
				 "no answer from the kernel within %d ms",
				 XPMEM_CTL_TIMEOUT_MS);
		} else {
			ret = xpmem_ctl_recv_errno ? -xpmem_ctl_recv_errno : -EPROTO;
		}
		goto out;
	}
	ret = ctl->status ? ctl->status : ctl->cb_ret;
	if (!ret && ctl->interrupted) {
		ret = -EAGAIN;
		snprintf(ctl->err.msg, sizeof(ctl->err.msg),
			 "the dump changed under us; try again");
	}
out:
	ctl->req = NULL;
	ctl->err.err = ret < 0 ? ret : 0;
	return ret;
}

/* Start a request of family xpmem; the caller frees it. */
struct nl_msg *xpmem_ctl_request(struct xpmem_ctl *ctl, uint8_t cmd, int flags,
				 enum set_id set, void *reply)
{
	struct nl_msg *msg;

	memset(&ctl->err, 0, sizeof(ctl->err));
	ctl->set = &xpmem_ctl_sets[set];
	ctl->set_id = set;
	ctl->reply = reply;
	memset(&ctl->cb, 0, sizeof(ctl->cb));
	ctl->arg = NULL;
	msg = nlmsg_alloc();
	if (!msg)
		goto err;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->family, 0, flags,
			 cmd, XPMEM_GENL_VERSION)) {
		nlmsg_free(msg);
		goto err;
	}
	return msg;
err:
	ctl->err.err = -ENOMEM;
	return NULL;
}

/* Send a built request; frees it. A failed nla_put shows as PUT_FAILED. */
int xpmem_ctl_send(struct xpmem_ctl *ctl, struct nl_msg *msg, bool put_failed)
{
	int ret = -EMSGSIZE;

	if (!put_failed)
		ret = transact(ctl, msg);
	nlmsg_free(msg);
	ctl->err.err = ret < 0 ? ret : 0;
	return ret;
}

int xpmem_ctl_dump(struct xpmem_ctl *ctl, uint8_t cmd, enum set_id set,
		   union any_cb cb, void *arg)
{
	struct nl_msg *msg = xpmem_ctl_request(ctl, cmd, NLM_F_DUMP, set, NULL);

	if (!msg)
		return -ENOMEM;
	ctl->cb = cb;
	ctl->arg = arg;
	return xpmem_ctl_send(ctl, msg, false);
}

/* A request with no attributes; the reply, if any, goes to REPLY. */
int xpmem_ctl_simple(struct xpmem_ctl *ctl, uint8_t cmd, enum set_id set, void *reply)
{
	struct nl_msg *msg = xpmem_ctl_request(ctl, cmd, 0, set, reply);

	if (!msg)
		return -ENOMEM;
	if (reply)
		memset(reply, 0, xpmem_ctl_sets[set].size);
	return xpmem_ctl_send(ctl, msg, false);
}

struct xpmem_ctl *xpmem_ctl_open(struct xpmem_ctl_error *err)
{
	struct xpmem_ctl_error local;
	struct xpmem_ctl *ctl;
	struct nl_msg *msg;
	int ret;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		xpmem_ctl_set_error(err, -ENOMEM, NULL);
		return NULL;
	}
	ctl->sk = xpmem_ctl_open_socket(err, true);
	if (!ctl->sk)
		goto err_free;
	nl_socket_modify_cb(ctl->sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, ctl);
	nl_socket_modify_cb(ctl->sk, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, ctl);
	nl_socket_modify_cb(ctl->sk, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, ctl);
	nl_socket_modify_cb(ctl->sk, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_cb, ctl);
	nl_socket_modify_cb(ctl->sk, NL_CB_DUMP_INTR, NL_CB_CUSTOM, intr_cb, ctl);
	nl_socket_modify_err_cb(ctl->sk, NL_CB_CUSTOM, err_cb, ctl);

	/* Asking by name makes the kernel load the module if it can. */
	ctl->set = NULL;
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, 0,
				 CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, XPMEM_GENL_NAME) < 0) {
		nlmsg_free(msg);
		xpmem_ctl_set_error(err, -ENOMEM, NULL);
		goto err_close;
	}
	ret = transact(ctl, msg);
	nlmsg_free(msg);
	if (!ret && !ctl->family)
		ret = -EPROTO;
	if (ret < 0) {
		*err = ctl->err;
		err->err = ret;
		if (ret == -ENOENT)
			snprintf(err->msg, sizeof(err->msg), "%s", NOT_LOADED);
		goto err_close;
	}
	return ctl;

err_close:
	nl_socket_free(ctl->sk);
err_free:
	free(ctl);
	return NULL;
}

void xpmem_ctl_close(struct xpmem_ctl *ctl)
{
	if (!ctl)
		return;
	nl_socket_free(ctl->sk);
	free(ctl);
}

const struct xpmem_ctl_error *xpmem_ctl_last_error(const struct xpmem_ctl *ctl)
{
	return &ctl->err;
}

unsigned int xpmem_ctl_family_version(const struct xpmem_ctl *ctl)
{
	return ctl->version;
}
