// SPDX-License-Identifier: GPL-2.0
/*
 * family.c - watch the xpmem generic netlink family appear and disappear
 * (module load and unload), without ever causing a module load.
 *
 * libnl sets the sockets up; the notifications are read with recv() and
 * walked by hand, so that ENOBUFS (notifications lost) is seen as such.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include "family.h"
#include "xpmem_netlink.h"

struct xpmem_family_watch {
	struct nl_sock *sk;
};

static struct nl_sock *connect_generic(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (genl_connect(sk) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

struct xpmem_family_watch *xpmem_family_watch_open(char *err, size_t len)
{
	struct xpmem_family_watch *w;
	int grp, ret;

	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	w->sk = connect_generic();
	if (!w->sk) {
		snprintf(err, len, "cannot open a generic netlink socket: %s", strerror(errno));
		goto err_free;
	}
	/* nlctrl is built into the kernel: resolving it loads nothing */
	grp = genl_ctrl_resolve_grp(w->sk, "nlctrl", "notify");
	if (grp < 0) {
		snprintf(err, len, "cannot find nlctrl's notify group: %s", nl_geterror(grp));
		goto err_sock;
	}
	ret = nl_socket_add_membership(w->sk, grp);
	if (ret < 0) {
		snprintf(err, len, "cannot join nlctrl's notify group: %s", nl_geterror(ret));
		goto err_sock;
	}
	if (nl_socket_set_nonblocking(w->sk) < 0) {
		snprintf(err, len, "cannot make the socket non-blocking: %s", strerror(errno));
		goto err_sock;
	}
	return w;

err_sock:
	nl_socket_free(w->sk);
err_free:
	free(w);
	return NULL;
}

int xpmem_family_watch_fd(const struct xpmem_family_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

void xpmem_family_watch_close(struct xpmem_family_watch *w)
{
	if (!w)
		return;
	nl_socket_free(w->sk);
	free(w);
}

/* Is this nlctrl message a NEWFAMILY or DELFAMILY of "xpmem"? */
static bool about_xpmem(struct nlmsghdr *nlh)
{
	struct genlmsghdr *g;
	struct nlattr *a;
	int rem;

	if (nlh->nlmsg_type != GENL_ID_CTRL || !genlmsg_valid_hdr(nlh, 0))
		return false;
	g = nlmsg_data(nlh);
	if (g->cmd != CTRL_CMD_NEWFAMILY && g->cmd != CTRL_CMD_DELFAMILY)
		return false;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		if (nla_type(a) == CTRL_ATTR_FAMILY_NAME &&
		    nla_len(a) == (int)sizeof(XPMEM_GENL_NAME) &&
		    !memcmp(nla_data(a), XPMEM_GENL_NAME, sizeof(XPMEM_GENL_NAME)))
			return true;
	}
	return false;
}

int xpmem_family_watch_read(struct xpmem_family_watch *w)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = nl_socket_get_fd(w->sk), hit = 0;
	struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return hit;
			if (errno == ENOBUFS) {
				hit = 1;	/* lost some: look again */
				continue;
			}
			return -errno;
		}
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len))
			if (about_xpmem(nlh))
				hit = 1;
	}
}

int xpmem_family_lookup(uint32_t *id)
{
	struct genl_family *fam;
	struct nl_cache *cache;
	struct nl_sock *sk;
	int ret;

	*id = 0;
	sk = connect_generic();
	if (!sk)
		return errno ? -errno : -ENOMEM;
	/* a dump of all families: no request_module() for a missing one */
	ret = genl_ctrl_alloc_cache(sk, &cache);
	if (ret < 0) {
		nl_socket_free(sk);
		return -EIO;
	}
	fam = genl_ctrl_search_by_name(cache, XPMEM_GENL_NAME);
	if (fam) {
		*id = (uint32_t)genl_family_get_id(fam);
		genl_family_put(fam);
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return 0;
}
