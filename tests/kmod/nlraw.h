/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlraw.h - a minimal generic netlink client on a raw socket, for tests
 * that must see exactly what the kernel answers (errno, extended ACK
 * message, missing-attribute report, dump flags) without libnl between.
 */
#ifndef XPMEM_TEST_NLRAW_H
#define XPMEM_TEST_NLRAW_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "xpmem_netlink.h"

struct nl_msgbuf {
	char buf[4096];
	size_t len;
};

struct nl_reply {
	int error;			/* 0 or -errno */
	char extack[256];		/* NLMSGERR_ATTR_MSG, if any */
	int miss_type;			/* NLMSGERR_ATTR_MISS_TYPE, or 0 */
	int messages;			/* data messages received */
	int datagrams;			/* recv() calls that returned some */
	int interrupted;		/* a dump saw NLM_F_DUMP_INTR */
};

struct nl_attrs {
	const struct nlattr *a[64];
};

/* called for every data message; return non-zero to stop early */
typedef int (*nl_cb)(const struct nl_attrs *attrs, void *arg);

int nl_open(void);			/* fd, or -1 with errno */
int nl_family(void);			/* family id of "xpmem" */
int nl_events_group(void);		/* multicast group id of "events" */

void nl_start(struct nl_msgbuf *m, int cmd);
void nl_put_u32(struct nl_msgbuf *m, int type, uint32_t v);
void nl_put_u64(struct nl_msgbuf *m, int type, uint64_t v);
void nl_put_u8(struct nl_msgbuf *m, int type, uint8_t v);
void nl_put_flag(struct nl_msgbuf *m, int type);

/* send as a request (dump != 0: a dump) and collect every reply */
int nl_call(int fd, struct nl_msgbuf *m, int dump, nl_cb cb, void *arg,
	    struct nl_reply *reply);

/* the two halves: send (returns its sequence number, or -errno) ... */
int nl_send(int fd, struct nl_msgbuf *m, int dump);
/* ... and collect the replies to @want, in whichever process holds @fd */
int nl_collect(int fd, uint32_t want, nl_cb cb, void *arg, struct nl_reply *reply);

/* one-shot: open, call, close; returns reply->error */
int nl_do(struct nl_msgbuf *m, struct nl_reply *reply);

uint32_t nla_u32(const struct nlattr *a);
uint64_t nla_u64(const struct nlattr *a);

/* wait up to @ms for one event on @fd; its attributes in @attrs */
int nl_recv_event(int fd, int ms, struct nl_attrs *attrs, char *buf,
		  size_t size);

#endif
