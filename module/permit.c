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
	xpmem_charge_release(&permit->charge);
	kfree(permit);		/* out of the hash: no lookup can reach it */
}

void xpmem_permit_put(struct xpmem_permit *permit)
{
	kref_put(&permit->ref, permit_free);
}

static void deny(struct xpmem_segment *seg, struct xpmem_charge *c,
		 u32 rule_id)
{
	struct xpmem_event ev = {
		.type = XPMEM_EVENT_TYPE_ACCESS_DENIED,
		.segid = seg->segid,
		.pid = current->tgid,
		.uid = current_euid(),
		.peer_pid = seg->tgid,
		.peer_uid = seg->uid,
		.has_peer = true,
		.job_id = c->job ? c->job->id : 0,
		.rule_id = rule_id,
	};

	xpmem_account_add(c, denials, 1);
	xpmem_event(&ev);
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

/*
 * Make @permit unusable: unhash it, stop its faults, take its attachments'
 * PTEs away and, when called in its process, unmap them (RELEASE detaches
 * them, as the lineage). Attachments that stay mapped (a revocation from
 * outside) SIGBUS on their next touch. Drops the live reference.
 *
 * Once revoked is set under permit->lock, publish() adds no attachment.
 * So a permit with none then (the common RELEASE, after DETACH) has no
 * fault to wait for and no PTE to take: only one with attachments takes
 * seg->sem, which waits out the faults that checked revoked before it was
 * set; the ones after it see it (xpmem_enter_source()).
 */
void xpmem_permit_revoke(struct xpmem_permit *permit)
{
	struct xpmem_segment *seg = permit->seg;
	bool attached;

	mutex_lock(&permit->lock);
	if (permit->revoked) {
		mutex_unlock(&permit->lock);
		return;
	}
	WRITE_ONCE(permit->revoked, true);
	attached = !list_empty(&permit->attachments);
	mutex_unlock(&permit->lock);
	if (attached) {
		down_write(&seg->sem);
		xpmem_attach_zap_all(permit);
		up_write(&seg->sem);
	}

	xpmem_permit_unhash(permit);
	xpmem_registry_del(XPMEM_PERMITS, &permit->dump_id);
	if (attached)
		xpmem_attach_unmap_all(permit);
	atomic_dec(&seg->permit_count);
	xpmem_account_add(&permit->charge, permits, -1);
	xpmem_permit_put(permit);	/* the live reference */
}

/* Under proc->lock: the owner's list lets go; its reference is the caller's. */
static void disown(struct xpmem_permit *permit)
{
	list_del_init(&permit->owner_link);
	WRITE_ONCE(permit->owner, NULL);
}

/* A failed GET: off the owner's list, if still on it, then revoked. */
static void unlink_from_owner(struct xpmem_permit *permit,
			      struct xpmem_proc *proc)
{
	mutex_lock(&proc->lock);
	if (permit->owner != proc) {
		mutex_unlock(&proc->lock);
		return;
	}
	disown(permit);
	mutex_unlock(&proc->lock);
	xpmem_permit_revoke(permit);
	xpmem_permit_put(permit);	/* the owner's list */
}

long xpmem_get(struct xpmem_proc *proc, struct xpmem_cmd_get __user *arg)
{
	struct xpmem_cmd_get cmd;
	struct xpmem_segment *seg;
	struct xpmem_permit *permit;
	u32 rule_id;
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

	ret = -ENOMEM;
	permit = kzalloc(sizeof(*permit), GFP_KERNEL_ACCOUNT);
	if (!permit)
		goto err_seg;
	/* the live one, dropped by revoke, and the owner's list's */
	refcount_set(&permit->ref.refcount, 2);
	INIT_HLIST_BL_NODE(&permit->id_node);
	INIT_LIST_HEAD(&permit->owner_link);
	INIT_LIST_HEAD(&permit->attachments);
	mutex_init(&permit->lock);
	permit->seg = seg;		/* takes over the lookup reference */
	permit->mm = current->mm;
	permit->flags = cmd.flags;
	permit->tgid = current->tgid;
	permit->uid = current_euid();
	ret = xpmem_charge_current(&permit->charge, proc);
	if (ret)
		goto err_permit;

	/* the mode bits, as the lineage; then the site policy */
	if (!mode_allows(seg, cmd.flags)) {
		deny(seg, &permit->charge, 0);
		ret = -EACCES;
		goto err_permit;
	}
	ret = xpmem_policy_check(seg, &rule_id);
	if (ret) {
		deny(seg, &permit->charge, rule_id);
		goto err_permit;
	}
	ret = xpmem_registry_add(XPMEM_PERMITS, permit, &permit->dump_id);
	if (ret)
		goto err_permit;

	mutex_lock(&proc->lock);
	if (proc->dead) {
		mutex_unlock(&proc->lock);
		ret = -XPMEM_ERRNO_NOPROC;
		goto err_registry;
	}
	permit->owner = proc;
	list_add_tail(&permit->owner_link, &proc->permits);
	xpmem_permit_hash(permit);
	mutex_unlock(&proc->lock);
	atomic_inc(&seg->permit_count);
	xpmem_account_add(&permit->charge, permits, 1);

	if (put_user(permit->apid, &arg->apid)) {
		unlink_from_owner(permit, proc);
		return -EFAULT;
	}
	return 0;

err_registry:
	xpmem_registry_del(XPMEM_PERMITS, &permit->dump_id);
err_permit:
	xpmem_permit_put(permit);	/* the owner's list's, never taken */
	xpmem_permit_put(permit);	/* drops the segment reference too */
	return ret;
err_seg:
	xpmem_segment_put(seg);
	return ret;
}

long xpmem_release(struct xpmem_proc *proc,
		   struct xpmem_cmd_release __user *arg)
{
	struct xpmem_cmd_release cmd;
	struct xpmem_permit *permit;
	bool someone_elses;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.apid <= 0)
		return -EINVAL;
	mutex_lock(&proc->lock);
	permit = xpmem_permit_find_owned(cmd.apid, proc, &someone_elses);
	if (permit)
		disown(permit);
	mutex_unlock(&proc->lock);
	if (!permit)
		return someone_elses ? -EACCES : -ENOENT;
	xpmem_permit_revoke(permit);
	xpmem_permit_put(permit);	/* the owner's list */
	return 0;
}

/* Revoke every permit charged to @job (a job being unregistered). */
int xpmem_revoke_permits(struct xpmem_job *job)
{
	struct xpmem_permit *permit;
	unsigned long pos = 0;
	int count = 0;

	while ((permit = xpmem_registry_next(XPMEM_PERMITS, &pos))) {
		if (permit->charge.job == job) {
			xpmem_permit_revoke(permit);	/* leaves the registry */
			count++;
		}
		xpmem_permit_put(permit);
		pos++;
	}
	return count;
}
