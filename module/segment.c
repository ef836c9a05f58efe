// SPDX-License-Identifier: GPL-2.0
/*
 * segment.c - MAKE and REMOVE, segment lifetime, and the source-side
 * interval notifier that keeps every attacher coherent with the source.
 *
 * Each segment owns a private inode on a small pseudo filesystem;
 * attachments are shared mappings of that inode whose file offset is the
 * source virtual address. When the source's page tables change over
 * [a, b) -- munmap, madvise, COW, reclaim, migration, compaction, NUMA
 * balancing, khugepaged, exit -- the notifier bumps the sequence the fault
 * path checks and zaps [a, b) in every attacher with one
 * unmap_mapping_range(). The next touch refaults the current page. Only
 * protection changes that leave the source's access as it was (NUMA
 * hinting) keep the attachers' PTEs: see keeps_pages().
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"

#define XPMEM_FS_MAGIC 0x78706d6d	/* "xpmm" */

static struct vfsmount *xpmem_mnt;

/*
 * Zapping an attachment fires the notifiers of the attacher's mm, and
 * that mm often exports itself too (MPI ranks export their whole address
 * space). Nothing can be mirrored from an attachment (hmm_range_fault
 * refuses VM_PFNMAP), so a segment notifier reached from inside one of our
 * own zaps only has to move its sequence on: zapping again from there
 * would nest the i_mmap_rwsem of two segment inodes.
 */
struct zapper {
	struct list_head link;
	struct task_struct *task;
};

static LIST_HEAD(zappers);
static DEFINE_SPINLOCK(zappers_lock);
static atomic_t zappers_active = ATOMIC_INIT(0);

static bool zapping(void)
{
	struct zapper *z;
	bool found = false;

	if (!atomic_read(&zappers_active))
		return false;
	spin_lock(&zappers_lock);
	list_for_each_entry(z, &zappers, link) {
		if (z->task == current) {
			found = true;
			break;
		}
	}
	spin_unlock(&zappers_lock);
	return found;
}

/*
 * Remove the PTEs of source range [start, end) from every attacher: first
 * forget them in each attachment's page record, then unmap them. The
 * caller keeps faults from installing meanwhile (a new notifier sequence,
 * or seg->sem held for writing).
 */
static void zap_attachers(struct xpmem_segment *seg, unsigned long start,
			  unsigned long end)
{
	struct zapper z = { .task = current };
	struct xpmem_attach *att;

	/* a PMD or PUD goes whole: forget and zap whole blocks */
	if (READ_ONCE(seg->huge_order)) {
		unsigned long block = PAGE_SIZE << READ_ONCE(seg->huge_order);

		start = max(round_down(start, block), seg->start);
		end = min(round_up(end, block), seg->start + seg->size);
	}
	spin_lock(&seg->attach_lock);
	list_for_each_entry(att, &seg->attachments, seg_link)
		xpmem_attach_forget(att, start, end);
	spin_unlock(&seg->attach_lock);

	spin_lock(&zappers_lock);
	list_add(&z.link, &zappers);
	atomic_inc(&zappers_active);
	spin_unlock(&zappers_lock);

	xpmem_nested_invalidation_begin();
	unmap_mapping_range(seg->file->f_mapping, start, end - start, 1);
	xpmem_nested_invalidation_end();

	spin_lock(&zappers_lock);
	list_del(&z.link);
	atomic_dec(&zappers_active);
	spin_unlock(&zappers_lock);
}

/*
 * Zap [start, end) of the source in every attacher while no fault of the
 * segment runs: for a revocation, whose faults check under seg->sem.
 */
void xpmem_segment_zap(struct xpmem_segment *seg, unsigned long start,
		       unsigned long end)
{
	lockdep_assert_held_write(&seg->sem);
	if (!seg->removed)
		zap_attachers(seg, start, end);
}

/*
 * The OOM reaper cannot wait for us to zap. Let it go on only where no
 * attacher maps a page of the range: then there is nothing to zap, and
 * the new sequence turns any fault in flight back.
 */
static bool invalidate_nonblock(struct xpmem_segment *seg,
				unsigned long start, unsigned long end,
				unsigned long cur_seq)
{
	struct xpmem_attach *att;
	bool busy = false;

	if (!mutex_trylock(&seg->map_lock))
		return false;
	spin_lock(&seg->attach_lock);
	list_for_each_entry(att, &seg->attachments, seg_link) {
		if (xpmem_attach_maps(att, start, end)) {
			busy = true;
			break;
		}
	}
	spin_unlock(&seg->attach_lock);
	if (!busy)
		mmu_interval_set_seq(&seg->notifier, cur_seq);
	mutex_unlock(&seg->map_lock);
	return !busy;
}

/*
 * A protection change that leaves every source VMA of the range readable
 * and writable moves no page: NUMA balancing's hint pass makes PTEs
 * PROT_NONE every scan period only to learn who touches them, and the
 * pages stay put until a migration, which sends an event of its own. The
 * attachers keep their PTEs, or each scan would cost them a refault of
 * everything they map. mprotect() updates vm_flags before it changes the
 * PTEs, so a VMA that lost read or write access shows it here and is
 * zapped; userfaultfd write-protection keeps the flags, so VMAs armed for
 * it are always zapped. Every caller holds the mmap lock; without it we
 * cannot look at the VMAs and zap.
 */
static bool keeps_pages(const struct mmu_notifier_range *range,
			unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long addr;

	if (range->event != MMU_NOTIFY_PROTECTION_VMA ||
	    !rwsem_is_locked(&range->mm->mmap_lock))
		return false;
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = find_vma(range->mm, addr);
		if (!vma || vma->vm_start > addr)
			return false;
		if ((vma->vm_flags & (VM_READ | VM_WRITE | VM_UFFD_WP)) !=
		    (VM_READ | VM_WRITE))
			return false;
	}
	return true;
}

static bool source_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct xpmem_segment *seg =
		container_of(mni, struct xpmem_segment, notifier);
	unsigned long start = max(range->start, seg->start);
	unsigned long end = min(range->end, seg->start + seg->size);

	if (!mmu_notifier_range_blockable(range))
		return invalidate_nonblock(seg, start, end, cur_seq);

	mutex_lock(&seg->map_lock);
	mmu_interval_set_seq(mni, cur_seq);
	mutex_unlock(&seg->map_lock);

	/*
	 * No fault can install from before the new sequence once the lock was
	 * dropped, so zapping outside the lock is enough and keeps nested
	 * notifiers of the attachers' mms from running under it.
	 */
	if (start >= end || zapping())
		return true;
	if (keeps_pages(range, start, end)) {
		atomic64_inc(&xpmem_stats.invalidations_kept);
		return true;
	}
	atomic64_inc(&xpmem_stats.invalidations);
	zap_attachers(seg, start, end);
	return true;
}

static const struct mmu_interval_notifier_ops source_notifier_ops = {
	.invalidate = source_invalidate,
};

static void segment_free(struct kref *ref)
{
	struct xpmem_segment *seg = container_of(ref, struct xpmem_segment, ref);

	if (seg->cgrp)
		cgroup_put(seg->cgrp);
	xpmem_charge_release(&seg->charge);
	kfree_rcu(seg, rcu);
}

void xpmem_segment_put(struct xpmem_segment *seg)
{
	kref_put(&seg->ref, segment_free);
}

#ifdef XPMEM_HAVE_MMAP_PREPARE_MAPPED
static int segment_file_mmap_prepare(struct vm_area_desc *desc)
{
	return xpmem_attach_mmap_prepare(desc->file->private_data, desc);
}
#else
static int segment_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	return xpmem_attach_mmap(file->private_data, vma);
}
#endif

static int segment_file_release(struct inode *inode, struct file *file)
{
	xpmem_segment_put(file->private_data);
	return 0;
}

static int segment_file_fadvise(struct file *file, loff_t offset, loff_t len,
				int advice)
{
	return xpmem_attach_advise(file, offset, len, advice);
}

#ifdef XPMEM_HAVE_HUGE_PFNMAP_PUD
/*
 * Where attachments go: attacher == source modulo 2 MiB, so PMD blocks
 * line up (thp_get_unmapped_area), and for 1 GiB or more modulo 1 GiB,
 * so PUD blocks do too (huge.c): ask for a hole 1 GiB longer, whose
 * start already agrees modulo 2 MiB, and slide into it.
 */
static unsigned long segment_get_unmapped_area(struct file *file,
					       unsigned long addr,
					       unsigned long len,
					       unsigned long pgoff,
					       unsigned long flags)
{
	unsigned long off = pgoff << PAGE_SHIFT, hole;

	if (addr || (flags & MAP_FIXED) || len < PUD_SIZE ||
	    len > TASK_SIZE - PUD_SIZE)
		return thp_get_unmapped_area(file, addr, len, pgoff, flags);
	hole = thp_get_unmapped_area(file, 0, len + PUD_SIZE, pgoff, flags);
	if (IS_ERR_VALUE(hole))
		return thp_get_unmapped_area(file, addr, len, pgoff, flags);
	return hole + ((off - hole) & (PUD_SIZE - 1));
}
#elif defined(XPMEM_HAVE_HUGE_PFNMAP)
/* attacher == source modulo 2 MiB, so PMD blocks line up (huge.c) */
#define segment_get_unmapped_area thp_get_unmapped_area
#endif

static const struct file_operations segment_fops = {
	.owner		= THIS_MODULE,
	.fadvise	= segment_file_fadvise,
#ifdef XPMEM_HAVE_HUGE_PFNMAP
	.get_unmapped_area = segment_get_unmapped_area,
#endif
#ifdef XPMEM_HAVE_MMAP_PREPARE_MAPPED
	.mmap_prepare	= segment_file_mmap_prepare,
#else
	.mmap		= segment_file_mmap,
#endif
	.release	= segment_file_release,
	.llseek		= noop_llseek,
};

/*
 * Zapping attachers takes our inode's i_mmap_rwsem inside the source's
 * invalidation, which may itself run under the i_mmap_rwsem of a file the
 * source maps (truncation, or reclaim walking that file's rmap). The
 * order is always source file, then segment inode, and never two segment
 * inodes (nested zaps are skipped), so our inodes get a class of their
 * own instead of sharing the one every other address_space has.
 */
static struct lock_class_key segment_i_mmap_key;

static int create_file(struct xpmem_segment *seg)
{
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(xpmem_mnt->mnt_sb);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	lockdep_set_class(&inode->i_mapping->i_mmap_rwsem,
			  &segment_i_mmap_key);
	/* the file's last fput drops a reference on segment_fops.owner */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, xpmem_mnt, "xpmem-segment", O_RDWR,
				 &segment_fops);
	if (IS_ERR(file)) {
		module_put(THIS_MODULE);
		iput(inode);
		return PTR_ERR(file);
	}
	kref_get(&seg->ref);		/* dropped by segment_file_release */
	file->private_data = seg;
	seg->file = file;
	return 0;
}

static void announce(struct xpmem_segment *seg, int type)
{
	struct xpmem_event ev = {
		.type = type,
		.segid = seg->segid,
		.pid = seg->tgid,
		.uid = seg->uid,
		.job_id = seg->charge.job ? seg->charge.job->id : 0,
	};

	xpmem_event(&ev);
}

/* REMOVE, or a failed MAKE: off the owner's list, then destroyed. */
static bool unlink_from_owner(struct xpmem_segment *seg, struct xpmem_proc *proc)
{
	mutex_lock(&proc->lock);
	if (seg->owner != proc) {
		mutex_unlock(&proc->lock);
		return false;
	}
	list_del_init(&seg->owner_link);
	seg->owner = NULL;
	mutex_unlock(&proc->lock);
	xpmem_segment_destroy(seg);
	xpmem_segment_put(seg);		/* the owner's list */
	return true;
}

/* Validate a MAKE request as the lineage does; whole-space sizes truncate. */
static int check_range(u64 vaddr, size_t *size)
{
	if (*size == 0)
		return -EINVAL;
	if (*size == XPMEM_MAXADDR_SIZE && vaddr == 0)
		*size = TASK_SIZE - vaddr;
	if (vaddr + *size < vaddr || vaddr + *size > TASK_SIZE)
		return -EINVAL;
	if (!PAGE_ALIGNED(vaddr) || !PAGE_ALIGNED(*size))
		return -EINVAL;
	return 0;
}

long xpmem_make(struct xpmem_proc *proc, struct xpmem_cmd_make __user *arg)
{
	struct xpmem_cmd_make cmd;
	struct xpmem_segment *seg;
	int ret;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.permit_type != XPMEM_PERMIT_MODE || cmd.permit_value & ~0777ULL)
		return -EINVAL;
	ret = check_range(cmd.vaddr, &cmd.size);
	if (ret)
		return ret;

	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg)
		return -ENOMEM;
	kref_init(&seg->ref);		/* the live reference, dropped by destroy */
	INIT_HLIST_BL_NODE(&seg->id_node);
	INIT_LIST_HEAD(&seg->owner_link);
	INIT_LIST_HEAD(&seg->attachments);
	INIT_LIST_HEAD(&seg->pending);
	mutex_init(&seg->map_lock);
	spin_lock_init(&seg->attach_lock);
	init_rwsem(&seg->sem);
	seg->start = cmd.vaddr;
	seg->size = cmd.size;
	seg->mode = cmd.permit_value;
	seg->uid = proc->uid;
	seg->gid = proc->gid;
	seg->mm = current->mm;
	seg->tgid = current->tgid;
	seg->cgrp = xpmem_current_cgroup();

	ret = xpmem_charge_current(&seg->charge, proc);
	if (ret)
		goto err_free;
	ret = xpmem_charge_try(&seg->charge, XPMEM_QUOTA_SEGMENTS, 1);
	if (ret) {
		xpmem_event_quota(&seg->charge, XPMEM_QUOTA_SEGMENTS, 0);
		goto err_free;
	}
	ret = create_file(seg);
	if (ret)
		goto err_uncharge;
	ret = mmu_interval_notifier_insert(&seg->notifier, current->mm,
					   seg->start, seg->size,
					   &source_notifier_ops);
	if (ret)
		goto err_file;
	ret = xpmem_registry_add(XPMEM_SEGMENTS, seg, &seg->dump_id);
	if (ret)
		goto err_notifier;

	mutex_lock(&proc->lock);
	if (proc->dead) {
		mutex_unlock(&proc->lock);
		ret = -XPMEM_ERRNO_NOPROC;
		goto err_registry;
	}
	seg->owner = proc;
	kref_get(&seg->ref);		/* the owner's list */
	list_add_tail(&seg->owner_link, &proc->segments);
	xpmem_segment_hash(seg);
	mutex_unlock(&proc->lock);
	announce(seg, XPMEM_EVENT_TYPE_SEGMENT_MADE);

	if (put_user(seg->segid, &arg->segid)) {
		unlink_from_owner(seg, proc);
		return -EFAULT;
	}
	return 0;

err_registry:
	xpmem_registry_del(XPMEM_SEGMENTS, &seg->dump_id);
err_notifier:
	mmu_interval_notifier_remove(&seg->notifier);
err_file:
	fput(seg->file);		/* drops the file's segment reference */
err_uncharge:
	xpmem_account_add(&seg->charge, segments, -1);
err_free:
	xpmem_segment_put(seg);
	return ret;
}

/*
 * Remove a segment: no new permits, every attacher loses its PTEs and
 * gets SIGBUS on the next touch. Permits and attacher VMAs keep the
 * object alive until they go. Safe to call more than once.
 */
void xpmem_segment_destroy(struct xpmem_segment *seg)
{
	down_write(&seg->sem);
	if (seg->removed) {
		up_write(&seg->sem);
		return;
	}
	/* no fault is under way, and none will map anything from now on */
	zap_attachers(seg, seg->start, seg->start + seg->size);
	seg->removed = true;
	up_write(&seg->sem);

	xpmem_segment_unhash(seg);
	xpmem_registry_del(XPMEM_SEGMENTS, &seg->dump_id);
	mmu_interval_notifier_remove(&seg->notifier);
	fput(seg->file);
	xpmem_account_add(&seg->charge, segments, -1);
	announce(seg, XPMEM_EVENT_TYPE_SEGMENT_REMOVED);
	xpmem_segment_put(seg);		/* the live reference */
}

long xpmem_remove(struct xpmem_proc *proc, struct xpmem_cmd_remove __user *arg)
{
	struct xpmem_cmd_remove cmd;
	struct xpmem_segment *seg;
	long ret = 0;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.segid <= 0)
		return -EINVAL;
	seg = xpmem_segment_find(cmd.segid);
	if (!seg)
		return -ENOENT;

	if (!unlink_from_owner(seg, proc))
		ret = -EACCES;
	xpmem_segment_put(seg);
	return ret;
}

static bool revoke_matches(struct xpmem_segment *seg, u64 segid, pid_t pid,
			   bool by_uid, kuid_t uid, struct xpmem_job *job)
{
	return (segid && seg->segid == segid) || (pid && seg->tgid == pid) ||
	       (by_uid && uid_eq(seg->uid, uid)) ||
	       (job && seg->charge.job == job);
}

/*
 * Remove every segment that matches: one segid, or all of a pid, uid or
 * job. The owner's list keeps its reference until the owner lets go.
 * Returns how many were removed.
 */
int xpmem_revoke(u64 segid, pid_t pid, bool by_uid, kuid_t uid,
		 struct xpmem_job *job)
{
	struct xpmem_segment *seg;
	unsigned long pos = 0;
	int count = 0;

	while ((seg = xpmem_registry_next(XPMEM_SEGMENTS, &pos))) {
		if (revoke_matches(seg, segid, pid, by_uid, uid, job)) {
			xpmem_segment_destroy(seg);	/* leaves the registry */
			count++;
		}
		xpmem_segment_put(seg);
		pos++;
	}
	return count;
}

static int xpmem_fs_init_context(struct fs_context *fc)
{
	return init_pseudo(fc, XPMEM_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type xpmem_fs_type = {
	.name		= "xpmem",
	.init_fs_context = xpmem_fs_init_context,
	.kill_sb	= kill_anon_super,
};

int xpmem_segments_init(void)
{
	xpmem_mnt = kern_mount(&xpmem_fs_type);
	return PTR_ERR_OR_ZERO(xpmem_mnt);
}

void xpmem_segments_exit(void)
{
	kern_unmount(xpmem_mnt);
}
