// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * control_events.c - the "events" multicast group of the xpmem family: a
 * non-blocking socket of its own, joined directly so EPERM stays EPERM, and
 * reading in bounded batches that report an overflow (ENOBUFS) as a "lost"
 * event rather than an error: the listener should then dump again. A
 * family without the group is a kernel that cannot make it admin-only:
 * EOPNOTSUPP, said in those words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "control_private.h"

/* The module registers the group only where the kernel can keep it admin-only. */
#define NO_EVENTS "this kernel has no admin-only multicast groups (GENL_MCAST_CAP_NET_ADMIN), " \
		  "so the xpmem module publishes no events"

struct xpmem_ctl_events {
	struct nl_sock *sk;
	int family;
	struct xpmem_ctl_error err;
	xpmem_ctl_event_cb cb;
	void *arg;
	int delivered, cb_ret;
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct xpmem_ctl_events *ev = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	const struct set *set = &xpmem_ctl_sets[S_EVENT];
	struct nlattr *tb[TB_MAX + 1];
	struct xpmem_ctl_event e;

	if (ev->cb_ret || hdr->nlmsg_type != ev->family ||
	    genlmsg_hdr(hdr)->cmd != XPMEM_NL_CMD_EVENT)
		return NL_SKIP;
	if (genlmsg_parse(hdr, 0, tb, set->maxattr, set->policy) < 0)
		return NL_SKIP;
	xpmem_ctl_unpack(set, tb, &e);
	ev->delivered++;
	ev->cb_ret = ev->cb(&e, ev->arg);
	return NL_OK;
}

struct xpmem_ctl_events *xpmem_ctl_events_open(struct xpmem_ctl_error *err)
{
	struct xpmem_ctl_error local;
	struct xpmem_ctl_events *ev;
	struct xpmem_ctl *ctl;
	int fd, grp, size = 1 << 20;

	if (!err)
		err = &local;
	ctl = xpmem_ctl_open(err);
	if (!ctl)
		return NULL;
	grp = ctl->events_grp;
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		xpmem_ctl_set_error(err, -ENOMEM, NULL);
		goto err_ctl;
	}
	ev->family = ctl->family;
	if (!grp) {
		xpmem_ctl_set_error(err, -EOPNOTSUPP, NO_EVENTS);
		goto err_free;
	}
	ev->sk = xpmem_ctl_open_socket(err, false);
	if (!ev->sk)
		goto err_free;
	nl_socket_disable_seq_check(ev->sk);
	nl_socket_modify_cb(ev->sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, ev);
	fd = nl_socket_get_fd(ev->sk);
	if (nl_socket_set_nonblocking(ev->sk) < 0) {
		xpmem_ctl_set_error(err, -errno, NULL);
		goto err_sock;
	}
	/* A bigger buffer loses fewer events; root may go past rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* Directly, not nl_socket_add_membership(): keep EPERM an EPERM. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		err->err = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot join the xpmem events group: %s%s",
			 strerror(errno), errno == EPERM ? " (it needs CAP_NET_ADMIN)" : "");
		goto err_sock;
	}
	xpmem_ctl_close(ctl);
	return ev;

err_sock:
	nl_socket_free(ev->sk);
err_free:
	free(ev);
err_ctl:
	xpmem_ctl_close(ctl);
	return NULL;
}

int xpmem_ctl_events_fd(const struct xpmem_ctl_events *ev)
{
	return nl_socket_get_fd(ev->sk);
}

int xpmem_ctl_events_read(struct xpmem_ctl_events *ev, xpmem_ctl_event_cb cb, void *arg)
{
	struct xpmem_ctl_event lost = { .type = XPMEM_CTL_EVENT_LOST };
	int ret;

	memset(&ev->err, 0, sizeof(ev->err));
	ev->cb = cb;
	ev->arg = arg;
	ev->delivered = ev->cb_ret = 0;
	/* A bounded batch, so a storm of events cannot starve a caller's loop. */
	for (int i = 0; i < 256 && !ev->cb_ret; i++) {
		xpmem_ctl_recv_errno = 0;
		xpmem_ctl_recv_count = 0;
		ret = nl_recvmsgs_default(ev->sk);
		if (ret >= 0 && xpmem_ctl_recv_count)
			continue;
		if (ret >= 0 || xpmem_ctl_recv_errno == EAGAIN)
			break;
		if (xpmem_ctl_recv_errno == ENOBUFS) {
			ev->delivered++;
			ev->cb_ret = cb(&lost, arg);
			continue;
		}
		ev->err.err = xpmem_ctl_recv_errno ? -xpmem_ctl_recv_errno : -EPROTO;
		return ev->err.err;
	}
	return ev->cb_ret ? ev->cb_ret : ev->delivered;
}

const struct xpmem_ctl_error *xpmem_ctl_events_last_error(const struct xpmem_ctl_events *ev)
{
	return &ev->err;
}

void xpmem_ctl_events_close(struct xpmem_ctl_events *ev)
{
	if (!ev)
		return;
	nl_socket_free(ev->sk);
	free(ev);
}
