/* SPDX-License-Identifier: GPL-2.0 */
/*
 * family.h - is the "xpmem" generic netlink family there, and when does it
 * come and go? A socket in nlctrl's "notify" group hears the
 * CTRL_CMD_NEWFAMILY / CTRL_CMD_DELFAMILY of a module load or unload; a
 * lookup answers from a dump of the families, which (unlike asking for
 * the family by name) never makes the kernel load the module.
 */
#ifndef XPMEMD_FAMILY_H
#define XPMEMD_FAMILY_H

#include <stddef.h>
#include <stdint.h>

struct xpmem_family_watch;

/* A non-blocking socket in nlctrl's notify group; NULL with ERR filled. */
struct xpmem_family_watch *xpmem_family_watch_open(char *err, size_t errlen);
int xpmem_family_watch_fd(const struct xpmem_family_watch *w);
void xpmem_family_watch_close(struct xpmem_family_watch *w);

/*
 * Drain the pending notifications. Returns 1 if one of them was about
 * the xpmem family (or some were lost: the caller cannot know, and should
 * look again), 0 if none was, -errno on a socket error.
 */
int xpmem_family_watch_read(struct xpmem_family_watch *w);

/* The id of the xpmem family now (0 if absent) in *ID; 0 or -errno. */
int xpmem_family_lookup(uint32_t *id);

#endif /* XPMEMD_FAMILY_H */
