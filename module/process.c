// SPDX-License-Identifier: GPL-2.0
/*
 * process.c - the state behind one open of /dev/xpmem: the segments made
 * and the permits got through it, and their teardown when the opener
 * closes the descriptor or exits.
 */
#include <linux/cred.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "xpmem_internal.h"

struct xpmem_proc *xpmem_proc_create(void)
{
	struct xpmem_proc *proc;

	proc = kzalloc(sizeof(*proc), GFP_KERNEL_ACCOUNT);
	if (!proc)
		return NULL;
	mutex_init(&proc->lock);
	INIT_LIST_HEAD(&proc->segments);
	INIT_LIST_HEAD(&proc->permits);
	proc->mm = current->mm;
	mmgrab(proc->mm);
	proc->tgid = current->tgid;
	proc->uid = current_uid();
	proc->gid = current_gid();
	return proc;
}

/*
 * Release every permit (unmapping its attachments when we run in the
 * opener's mm; at exit they are gone with the mm already) and remove every
 * segment. Idempotent: flush and release may both get here.
 */
void xpmem_proc_teardown(struct xpmem_proc *proc)
{
	struct xpmem_segment *seg, *seg_tmp;
	struct xpmem_permit *permit, *permit_tmp;
	LIST_HEAD(segments);
	LIST_HEAD(permits);

	mutex_lock(&proc->lock);
	if (proc->dead) {
		mutex_unlock(&proc->lock);
		return;
	}
	WRITE_ONCE(proc->dead, true);
	list_splice_init(&proc->segments, &segments);
	list_splice_init(&proc->permits, &permits);
	list_for_each_entry(seg, &segments, owner_link)
		seg->owner = NULL;
	list_for_each_entry(permit, &permits, owner_link)
		permit->owner = NULL;
	mutex_unlock(&proc->lock);

	list_for_each_entry_safe(permit, permit_tmp, &permits, owner_link) {
		list_del_init(&permit->owner_link);
		xpmem_permit_revoke(permit);
		xpmem_permit_put(permit);	/* the list's reference */
	}
	list_for_each_entry_safe(seg, seg_tmp, &segments, owner_link) {
		list_del_init(&seg->owner_link);
		xpmem_segment_destroy(seg);
		xpmem_segment_put(seg);		/* the list's reference */
	}
}

void xpmem_proc_free(struct xpmem_proc *proc)
{
	mmdrop(proc->mm);
	kfree(proc);
}
