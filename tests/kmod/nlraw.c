// SPDX-License-Identifier: GPL-2.0
/*
 * nlraw.c - see nlraw.h. Family and group ids are resolved once through
 * the generic netlink controller and cached per process.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "nlraw.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

static int family_id = -1, events_id = -1;
static uint32_t next_seq = 1;

int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

static void put_attr(struct nl_msgbuf *m, int type, const void *data,
		     size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(a->nla_len);
}

static void start_raw(struct nl_msgbuf *m, int family, int cmd)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = NLMSG_DATA(h);

	memset(m->buf, 0, sizeof(m->buf));
	h->nlmsg_type = family;
	g->cmd = cmd;
	g->version = 1;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

void nl_start(struct nl_msgbuf *m, int cmd)
{
	start_raw(m, nl_family(), cmd);
}

void nl_put_u32(struct nl_msgbuf *m, int type, uint32_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

void nl_put_u64(struct nl_msgbuf *m, int type, uint64_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

void nl_put_u8(struct nl_msgbuf *m, int type, uint8_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

void nl_put_flag(struct nl_msgbuf *m, int type)
{
	put_attr(m, type, NULL, 0);
}

uint32_t nla_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

static void parse(const void *data, size_t len, struct nl_attrs *out)
{
	const struct nlattr *a = data;

	memset(out, 0, sizeof(*out));
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		int type = a->nla_type & NLA_TYPE_MASK;

		if (type < 64)
			out->a[type] = a;
		len -= (size_t)NLA_ALIGN(a->nla_len) < len ? (size_t)NLA_ALIGN(a->nla_len) : len;
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * The errno of an NLMSG_ERROR or of an NLMSG_DONE that ends a failed dump,
 * and the extended ACK's TLVs: after the struct nlmsgerr (and the echoed
 * request unless capped), or after the DONE's errno.
 */
static void parse_error(const struct nlmsghdr *h, struct nl_reply *r)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof(*e);
	struct nl_attrs tlv;

	r->error = e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (h->nlmsg_type == NLMSG_DONE)
		off = NLMSG_ALIGN(sizeof(int));
	else if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (NLMSG_HDRLEN + off >= h->nlmsg_len)
		return;
	parse((const char *)e + off, h->nlmsg_len - NLMSG_HDRLEN - off, &tlv);
	if (tlv.a[NLMSGERR_ATTR_MSG])
		strncpy(r->extack, (const char *)tlv.a[NLMSGERR_ATTR_MSG] + NLA_HDRLEN,
			sizeof(r->extack) - 1);
	if (tlv.a[NLMSGERR_ATTR_MISS_TYPE])
		r->miss_type = nla_u32(tlv.a[NLMSGERR_ATTR_MISS_TYPE]);
}

int nl_send(int fd, struct nl_msgbuf *m, int dump)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;

	h->nlmsg_len = m->len;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	h->nlmsg_seq = ++next_seq;
	if (send(fd, m->buf, m->len, 0) < 0)
		return -errno;
	return (int)h->nlmsg_seq;
}

int nl_call(int fd, struct nl_msgbuf *m, int dump, nl_cb cb, void *arg,
	    struct nl_reply *reply)
{
	int sent = nl_send(fd, m, dump);

	memset(reply, 0, sizeof(*reply));
	if (sent < 0)
		return reply->error = sent;
	return nl_collect(fd, (uint32_t)sent, cb, arg, reply);
}

int nl_collect(int fd, uint32_t want, nl_cb cb, void *arg, struct nl_reply *reply)
{
	static char rbuf[65536];
	struct nlmsghdr *h;
	int done = 0, stop = 0;

	memset(reply, 0, sizeof(*reply));
	while (!done) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) != 1)
			return reply->error = -ETIMEDOUT;
		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return reply->error = -errno;
		reply->datagrams++;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != want)
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				reply->interrupted = 1;
			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_error(h, reply);
				done = 1;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				const int *err = NLMSG_DATA(h);

				reply->error = *err;
				if (*err)
					parse_error(h, reply);
				done = 1;
			} else {
				struct nl_attrs attrs;

				reply->messages++;
				parse((char *)NLMSG_DATA(h) + GENL_HDRLEN,
				      h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
				      &attrs);
				if (cb && !stop)
					stop = cb(&attrs, arg);
			}
		}
	}
	return reply->error;
}

int nl_do(struct nl_msgbuf *m, struct nl_reply *reply)
{
	int fd = nl_open(), ret;

	if (fd < 0)
		return -errno;
	ret = nl_call(fd, m, 0, NULL, NULL, reply);
	close(fd);
	return ret;
}

static int take_ids(const struct nl_attrs *attrs, void *arg)
{
	const struct nlattr *grps = attrs->a[CTRL_ATTR_MCAST_GROUPS];
	(void)arg;

	if (attrs->a[CTRL_ATTR_FAMILY_ID])
		family_id = *(const uint16_t *)((const char *)attrs->a[CTRL_ATTR_FAMILY_ID] + NLA_HDRLEN);
	if (grps) {
		const char *p = (const char *)grps + NLA_HDRLEN;
		size_t left = grps->nla_len - NLA_HDRLEN;

		while (left >= NLA_HDRLEN) {
			const struct nlattr *g = (const struct nlattr *)p;
			struct nl_attrs ga;

			parse(p + NLA_HDRLEN, g->nla_len - NLA_HDRLEN, &ga);
			if (ga.a[CTRL_ATTR_MCAST_GRP_NAME] && ga.a[CTRL_ATTR_MCAST_GRP_ID] &&
			    !strcmp((const char *)ga.a[CTRL_ATTR_MCAST_GRP_NAME] + NLA_HDRLEN,
				    XPMEM_MCGRP_EVENTS))
				events_id = nla_u32(ga.a[CTRL_ATTR_MCAST_GRP_ID]);
			if ((size_t)NLA_ALIGN(g->nla_len) >= left)
				break;
			left -= NLA_ALIGN(g->nla_len);
			p += NLA_ALIGN(g->nla_len);
		}
	}
	return 0;
}

static void resolve(void)
{
	struct nl_msgbuf m;
	struct nl_reply r;
	int fd;

	if (family_id >= 0)
		return;
	fd = nl_open();
	if (fd < 0)
		return;
	start_raw(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, XPMEM_GENL_NAME,
		 sizeof(XPMEM_GENL_NAME));
	nl_call(fd, &m, 0, take_ids, NULL, &r);
	close(fd);
}

int nl_family(void)
{
	resolve();
	return family_id;
}

int nl_events_group(void)
{
	resolve();
	return events_id;
}

int nl_recv_event(int fd, int ms, struct nl_attrs *attrs, char *buf,
		  size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	n = recv(fd, buf, size, 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_type != nl_family())
		return -EPROTO;
	parse((char *)NLMSG_DATA(h) + GENL_HDRLEN,
	      h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, attrs);
	return 0;
}
