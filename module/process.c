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

static bool ignore_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops ignore_ops = {
	.invalidate = ignore_invalidate,
};

/*
 * The first interval notifier of an mm registers the mm's notifier tree,
 * which write-locks the i_mmap_rwsem of every file it maps
 * (mm_take_all_locks()) in address order: an attachment's segment inode
 * may come before a file the exporter maps. Zapping attachers takes the
 * segment's lock inside that file's (truncation or reclaim walking its
 * rmap invalidates the exporter), so the two orders could deadlock.
 * Registered at open, the tree is there before any ioctl (they all run in
 * the opener's mm) can create an attachment, so MAKE never takes all
 * locks. An insertion does nothing more once the tree exists, and the
 * tree stays for the mm's life.
 */
static int register_notifier_tree(void)
{
	struct mmu_interval_notifier probe;
	int ret;

	ret = mmu_interval_notifier_insert(&probe, current->mm, 0, PAGE_SIZE,
					   &ignore_ops);
	if (ret)
		return ret;
	mmu_interval_notifier_remove(&probe);
	return 0;
}

struct xpmem_proc *xpmem_proc_create(void)
{
	struct xpmem_proc *proc;
	int ret;

	ret = register_notifier_tree();
	if (ret)
		return ERR_PTR(ret);
	proc = kzalloc(sizeof(*proc), GFP_KERNEL_ACCOUNT);
	if (!proc)
		return ERR_PTR(-ENOMEM);
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
		WRITE_ONCE(permit->owner, NULL);
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
