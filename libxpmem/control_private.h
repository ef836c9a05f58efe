/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control_private.h - what the files of libxpmem-control share and no
 * caller sees: the attribute-set tables (control_sets.c), the handle, and
 * the request machinery of control.c that control_ops.c and
 * control_events.c build on.
 */
#ifndef XPMEM_CONTROL_PRIVATE_H
#define XPMEM_CONTROL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/netlink.h>

#include "xpmem_control.h"

/* How one attribute set maps onto its struct in xpmem_control.h. */
struct field {
	uint8_t attr;
	uint8_t width;		/* 8, 4, or 1 for a flag (a bool) */
	uint16_t off;
};

struct set {
	int maxattr;
	const struct nla_policy *policy;
	const struct field *fields;
	unsigned int nfields;
	size_t size;
	const char *const *names;	/* for naming the attribute in errors */
	unsigned int nnames;
};

enum set_id { S_SEGMENT, S_ATTACHMENT, S_STATS, S_POLICY, S_RULE, S_JOB,
	      S_QUOTA, S_REVOKE, S_EVENT };

/* Indexed by enum set_id. */
extern const struct set xpmem_ctl_sets[];

/* The only reply attribute of revoke. */
struct revoke_reply {
	uint32_t has;
	uint32_t count;
};

/* Room for the largest set's attribute table. */
#define TB_MAX	16

/* Any object a dump delivers, parsed in place. */
union object {
	uint32_t has;
	struct xpmem_ctl_segment seg;
	struct xpmem_ctl_attachment att;
	struct xpmem_ctl_stats st;
	struct xpmem_ctl_rule rule;
	struct xpmem_ctl_job job;
	struct xpmem_ctl_quota quota;
	struct xpmem_ctl_event ev;
};

union any_cb {
	xpmem_ctl_segment_cb seg;
	xpmem_ctl_attachment_cb att;
	xpmem_ctl_stats_cb st;
	xpmem_ctl_rule_cb rule;
	xpmem_ctl_job_cb job;
	xpmem_ctl_quota_cb quota;
	xpmem_ctl_event_cb ev;
};

struct xpmem_ctl {
	struct nl_sock *sk;
	int family;
	unsigned int version;
	uint32_t events_grp;		/* 0: the family has no such group */
	struct xpmem_ctl_error err;

	/* the request in flight */
	struct nl_msg *req;
	uint32_t seq;
	const struct set *set;		/* NULL: the controller's reply */
	enum set_id set_id;
	void *reply;			/* a do's reply goes here, if wanted */
	union any_cb cb;
	void *arg;
	bool done, interrupted;
	int status;			/* the kernel's -errno */
	int cb_ret;			/* the first non-zero from cb */
};

/*
 * What our receive function saw last: libnl's receive callback has no
 * user argument and would turn the errno into an NLE code, so it leaves
 * the errno here (EAGAIN: timeout, or nothing yet when non-blocking) and
 * counts the datagrams read. Per thread, like errno.
 */
extern __thread int xpmem_ctl_recv_errno;
extern __thread unsigned int xpmem_ctl_recv_count;

/* control_sets.c */
void xpmem_ctl_unpack(const struct set *set, struct nlattr **tb, void *obj);
const char *xpmem_ctl_attr_name(const struct set *set, unsigned int type);

/* control.c */
void xpmem_ctl_set_error(struct xpmem_ctl_error *err, int ret, const char *msg);
struct nl_sock *xpmem_ctl_open_socket(struct xpmem_ctl_error *err, bool timeout);
/* A request of family xpmem for CMD; a do's reply will go to REPLY. */
struct nl_msg *xpmem_ctl_request(struct xpmem_ctl *ctl, uint8_t cmd, int flags,
				 enum set_id set, void *reply);
/* Send a built request and free it; PUT_FAILED: an nla_put failed. */
int xpmem_ctl_send(struct xpmem_ctl *ctl, struct nl_msg *msg, bool put_failed);
int xpmem_ctl_dump(struct xpmem_ctl *ctl, uint8_t cmd, enum set_id set,
		   union any_cb cb, void *arg);
/* A request without attributes; the reply, if any, goes to REPLY. */
int xpmem_ctl_simple(struct xpmem_ctl *ctl, uint8_t cmd, enum set_id set, void *reply);

#endif /* XPMEM_CONTROL_PRIVATE_H */
