// SPDX-License-Identifier: GPL-2.0
/*
 * permit.c - GET and RELEASE: access permits and the permission check.
 *
 * The check is the lineage's, SysV-IPC style: the segment's 0777 mode
 * against the exporter's uid/gid, CAP_IPC_OWNER bypasses. Unlike the
 * lineage, the permit remembers what was asked for and attach honours it:
 * XPMEM_RDONLY maps read-only, XPMEM_RDWR needs the write bit, and
 * flags == 0 (which used to smuggle a writable attach past a read-only
 * check) is refused.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"

static void permit_free(struct kref *ref)
{
	struct xpmem_permit *permit = container_of(ref, struct xpmem_permit, ref);

	xpmem_segment_put(permit->seg);
	kfree_rcu(permit, rcu);
}

void xpmem_permit_put(struct xpmem_permit *permit)
{
	kref_put(&permit->ref, permit_free);
}

static bool mode_allows(struct xpmem_segment *seg, int flags)
{
	int want = 04 | (flags == XPMEM_RDWR ? 02 : 0);
	int granted;

	if (uid_eq(current_euid(), seg->uid))
		granted = seg->mode >> 6;
	else if (in_group_p(seg->gid))
		granted = seg->mode >> 3;
	else
		granted = seg->mode;
	return !(want & ~granted & 07) || capable(CAP_IPC_OWNER);
}

long xpmem_get(struct xpmem_proc *proc, struct xpmem_cmd_get __user *arg)
{
	struct xpmem_cmd_get cmd;
	struct xpmem_segment *seg;
	struct xpmem_permit *permit;
	long ret;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.segid <= 0 || cmd.permit_type != XPMEM_PERMIT_MODE ||
	    cmd.permit_value ||
	    (cmd.flags != XPMEM_RDONLY && cmd.flags != XPMEM_RDWR))
		return -EINVAL;

	seg = xpmem_segment_find(cmd.segid);
	if (!seg)
		return -ENOENT;
	ret = -ENOENT;
	if (READ_ONCE(seg->removed))
		goto err_seg;
	ret = -EACCES;
	if (!mode_allows(seg, cmd.flags))
		goto err_seg;

	ret = -ENOMEM;
	permit = kzalloc(sizeof(*permit), GFP_KERNEL_ACCOUNT);
	if (!permit)
		goto err_seg;
	kref_init(&permit->ref);
	INIT_HLIST_NODE(&permit->id_node);
	INIT_LIST_HEAD(&permit->owner_link);
	INIT_LIST_HEAD(&permit->attachments);
	mutex_init(&permit->lock);
	permit->seg = seg;		/* takes over the lookup reference */
	permit->mm = current->mm;
	permit->flags = cmd.flags;

	mutex_lock(&proc->lock);
	if (proc->dead) {
		mutex_unlock(&proc->lock);
		xpmem_permit_put(permit);
		return -XPMEM_ERRNO_NOPROC;
	}
	permit->owner = proc;
	list_add_tail(&permit->owner_link, &proc->permits);
	xpmem_permit_hash(permit);
	mutex_unlock(&proc->lock);

	if (put_user(permit->apid, &arg->apid)) {
		mutex_lock(&proc->lock);
		list_del_init(&permit->owner_link);
		permit->owner = NULL;
		mutex_unlock(&proc->lock);
		xpmem_permit_revoke(permit);
		return -EFAULT;
	}
	return 0;

err_seg:
	xpmem_segment_put(seg);
	return ret;
}

/*
 * Make @permit unusable: unhash it, unmap its attachments (when called in
 * its process), and drop the owner's reference. Attachments that cannot
 * be unmapped from here SIGBUS on their next fault.
 */
void xpmem_permit_revoke(struct xpmem_permit *permit)
{
	mutex_lock(&permit->lock);
	if (permit->revoked) {
		mutex_unlock(&permit->lock);
		return;
	}
	WRITE_ONCE(permit->revoked, true);
	mutex_unlock(&permit->lock);

	xpmem_permit_unhash(permit);
	xpmem_attach_unmap_all(permit);
	xpmem_permit_put(permit);
}

long xpmem_release(struct xpmem_proc *proc,
		   struct xpmem_cmd_release __user *arg)
{
	struct xpmem_cmd_release cmd;
	struct xpmem_permit *permit;
	long ret = 0;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.apid <= 0)
		return -EINVAL;
	permit = xpmem_permit_find(cmd.apid);
	if (!permit)
		return -ENOENT;

	mutex_lock(&proc->lock);
	if (permit->owner != proc) {
		mutex_unlock(&proc->lock);
		ret = -EACCES;
		goto out;
	}
	list_del_init(&permit->owner_link);
	permit->owner = NULL;
	mutex_unlock(&proc->lock);
	xpmem_permit_revoke(permit);
out:
	xpmem_permit_put(permit);
	return ret;
}
