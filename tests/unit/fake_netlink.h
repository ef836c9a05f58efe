/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_netlink.h - a fake xpmem family behind real netlink sockets, for
 * control_test.c: libxpmem/control.c is linked with
 * --wrap=send,recv,recvmsg,setsockopt, so what it sends lands in
 * fake_netlink.c, which answers GETFAMILY itself and hands every other
 * request to the test's handler; the handler queues the datagrams a
 * kernel would send back (replies, multi-part dumps, ACKs, errors with
 * and without extended-ACK TLVs, NLMSG_DONE with an errno, overflows).
 */
#ifndef XPMEM_UNIT_FAKE_NETLINK_H
#define XPMEM_UNIT_FAKE_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/netlink.h>

#define FAMILY	0x2a
#define GROUP	7

struct dgram {
	int fd;
	int err;		/* recv fails with this instead */
	size_t len;
	unsigned char data[8192];
};

extern struct dgram queue[64];
extern int nqueued;

/* the last request, and its attributes */
extern unsigned char req_buf[4096];
extern struct nlmsghdr *req;
extern struct nlattr *req_tb[32];
extern int nrequests;

/* what a test wants done with a request (after GETFAMILY) */
extern void (*handler)(int fd);
extern bool family_missing;		/* GETFAMILY: ENOENT */
extern bool no_events_group;		/* GETFAMILY: no "events" group */
extern int membership_err;		/* joining a group fails with it */
extern int joined_group;

/* A new datagram queued for FD; add() appends message M to it (and frees M). */
struct dgram *push(int fd);
void add(struct dgram *d, struct nl_msg *m);
/* A message of family TYPE answering the last request. */
struct nl_msg *genl(uint16_t type, int flags, uint8_t cmd);
/* NLMSG_ERROR: 0 is an ACK. CAPPED: the request is not echoed. */
struct nl_msg *error_msg(int error, bool capped, const char *text, int off, int miss);
struct nl_msg *done_msg(int error, const char *text);

void reset_fake(void);
uint8_t req_cmd(void);
/* Offset of attribute TYPE in the last request, as the kernel reports it. */
int offset_of(int type);

#endif
