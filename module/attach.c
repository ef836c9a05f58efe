// SPDX-License-Identifier: GPL-2.0
/*
 * attach.c - ATTACH and DETACH, the attacher's VMA and its lifetime.
 *
 * An attachment is a shared mapping of the segment's private inode at
 * file offset == source address. The core splits, trims and unmaps it like
 * any file mapping: unmapping part of it just loses that part (the lineage
 * sent SIGKILL), it is not inherited across fork, and mremap is refused.
 *
 * A second, attacher-side interval notifier counts the PTEs that leave the
 * attachment, so the mapped-page counters are exact while it lives.
 */
#include <linux/file.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"

/* Parts of [start, end) the attachment no longer covers. */
struct dead_range {
	struct list_head link;
	unsigned long start, end;
};

static int count_pte(pte_t *pte, unsigned long addr, void *data)
{
	long *present = data;
	pte_t entry = ptep_get(pte);

	if (pte_present(entry) && pte_special(entry))
		(*present)++;
	return 0;
}

/*
 * Count our PTEs in [start, end), walking only the parts still covered by
 * the attachment: a dead part may hold anyone's mapping by now, huge
 * pages included, which the page-range walker refuses.
 */
static long count_live(struct xpmem_attach *att, unsigned long start,
		       unsigned long end)
{
	unsigned long cur = start, stop;
	struct dead_range *d;
	long present = 0;
	bool dead;

	while (cur < end) {
		stop = end;
		dead = false;
		list_for_each_entry(d, &att->dead_ranges, link) {
			if (cur >= d->start && cur < d->end) {
				cur = d->end;
				dead = true;
				break;
			}
			if (d->start > cur && d->start < stop)
				stop = d->start;
		}
		if (dead)
			continue;
		apply_to_existing_page_range(att->mm, cur, stop - cur,
					     count_pte, &present);
		cur = stop;
	}
	return present;
}

void xpmem_attach_count_mapped(struct xpmem_attach *att, long pages)
{
	atomic64_add(pages, &att->mapped);
	atomic64_add(pages, &att->permit->seg->mapped_pages);
	atomic64_add(pages, &xpmem_stats.pages_mapped);
	xpmem_account_add(&att->charge, mapped_pages, pages);
}

/*
 * Two invalidations racing over the same PTEs (a source zap and the
 * attacher's exit, say) may both count them before either removes them;
 * never take more than was mapped, so the totals still balance at rest.
 */
static void count_unmapped(struct xpmem_attach *att, long pages)
{
	s64 cur = atomic64_read(&att->mapped), take;

	do {
		take = min_t(s64, cur, pages);
		if (take <= 0)
			return;
	} while (!atomic64_try_cmpxchg(&att->mapped, &cur, cur - take));
	atomic64_sub(take, &att->permit->seg->mapped_pages);
	atomic64_add(take, &xpmem_stats.pages_unmapped);
	xpmem_account_add(&att->charge, mapped_pages, -take);
}

static bool attacher_invalidate(struct mmu_interval_notifier *mni,
				const struct mmu_notifier_range *range,
				unsigned long cur_seq)
{
	struct xpmem_attach *att =
		container_of(mni, struct xpmem_attach, notifier);
	unsigned long start, end;
	long present = 0;

	/* only removals matter; protection changes keep the PTEs */
	if (range->event != MMU_NOTIFY_UNMAP &&
	    range->event != MMU_NOTIFY_CLEAR &&
	    range->event != MMU_NOTIFY_RELEASE)
		return true;

	spin_lock(&att->dead_lock);
	if (att->released) {
		spin_unlock(&att->dead_lock);
		return true;
	}
	if (range->event == MMU_NOTIFY_RELEASE)
		att->released = true;
	start = max(range->start, att->start);
	end = min(range->end, att->end);
	if (start < end)
		present = count_live(att, start, end);
	spin_unlock(&att->dead_lock);
	if (present)
		count_unmapped(att, present);
	return true;
}

static const struct mmu_interval_notifier_ops attacher_notifier_ops = {
	.invalidate = attacher_invalidate,
};

static void attach_free(struct kref *ref)
{
	struct xpmem_attach *att = container_of(ref, struct xpmem_attach, ref);
	struct xpmem_permit *permit = att->permit;
	struct dead_range *d, *tmp;
	long left;

	mutex_lock(&permit->lock);
	list_del_init(&att->permit_link);
	mutex_unlock(&permit->lock);
	xpmem_unregister(&att->all_link);
	if (att->notifier_live)
		mmu_interval_notifier_remove(&att->notifier);
	/* anything the notifier could not see still balances at rest */
	left = atomic64_read(&att->mapped);
	if (left > 0)
		count_unmapped(att, left);
	list_for_each_entry_safe(d, tmp, &att->dead_ranges, link)
		kfree(d);
	atomic_dec(&permit->seg->attach_count);
	atomic_dec(&permit->attach_count);
	if (att->charged) {
		xpmem_account_add(&att->charge, attachments, -1);
		xpmem_account_add(&att->charge, attached_bytes,
				  -(s64)(att->end - att->start));
	}
	xpmem_charge_release(&att->charge);
	xpmem_permit_put(permit);
	kfree(att);
}

static void vma_open(struct vm_area_struct *vma)
{
	struct xpmem_attach *att = vma->vm_private_data;

	if (att)
		kref_get(&att->ref);
}

static void vma_close(struct vm_area_struct *vma)
{
	struct xpmem_attach *att = vma->vm_private_data;
	struct dead_range *d;

	if (!att)
		return;
	/* the piece's PTEs are gone; later mappings there are not ours */
	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (d) {
		d->start = vma->vm_start;
		d->end = vma->vm_end;
		spin_lock(&att->dead_lock);
		list_add(&d->link, &att->dead_ranges);
		spin_unlock(&att->dead_lock);
	}
	kref_put(&att->ref, attach_free);
}

static int vma_mremap(struct vm_area_struct *new_vma)
{
	/*
	 * The core moved our PTEs already and moves them back on error;
	 * drop them so nothing stale travels (they were counted as removed
	 * when they left the old range).
	 */
	zap_vma_ptes(new_vma, new_vma->vm_start,
		     new_vma->vm_end - new_vma->vm_start);
	return -EINVAL;
}

const struct vm_operations_struct xpmem_vm_ops = {
	.open		= vma_open,
	.close		= vma_close,
	.mremap		= vma_mremap,
	.fault		= xpmem_fault,
	.pfn_mkwrite	= xpmem_pfn_mkwrite,
};

/* ->mmap of the segment file: only attach() gets here, holding attach_lock */
int xpmem_attach_mmap(struct xpmem_segment *seg, struct vm_area_struct *vma)
{
	struct xpmem_attach *att = seg->pending;

	if (!att || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	seg->pending = NULL;
	xpmem_vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND |
				VM_DONTDUMP | VM_DONTCOPY);
	if (!(vma->vm_flags & VM_WRITE))
		xpmem_vm_flags_clear(vma, VM_MAYWRITE);
	vma->vm_ops = &xpmem_vm_ops;
	vma->vm_private_data = att;
	att->vma_created = true;
	return 0;
}

static bool range_has_attachment(struct mm_struct *mm, unsigned long start,
				 unsigned long end)
{
	struct vm_area_struct *vma;
	bool found = false;

	mmap_read_lock(mm);
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end)) {
		if (vma->vm_ops == &xpmem_vm_ops) {
			found = true;
			break;
		}
	}
	mmap_read_unlock(mm);
	return found;
}

static int check_attach(struct xpmem_cmd_attach *cmd, struct xpmem_permit *permit)
{
	struct xpmem_segment *seg = permit->seg;
	unsigned long src = seg->start + cmd->offset;

	if (cmd->offset + cmd->size < cmd->size ||
	    cmd->offset + cmd->size > seg->size)
		return -EINVAL;
	if (!cmd->vaddr || (cmd->flags & XPMEM_ATTACH_SAME_VADDR))
		return 0;
	if (cmd->vaddr + cmd->size < cmd->vaddr ||
	    cmd->vaddr + cmd->size > TASK_SIZE)
		return -EINVAL;
	/* a fixed attach must not replace its own source or an attachment */
	if (seg->mm == current->mm && cmd->vaddr < src + cmd->size &&
	    src < cmd->vaddr + cmd->size)
		return -EINVAL;
	if (range_has_attachment(current->mm, cmd->vaddr,
				 cmd->vaddr + cmd->size))
		return -EINVAL;
	return 0;
}

static unsigned long map_attachment(struct xpmem_segment *seg,
				    struct xpmem_attach *att,
				    struct xpmem_cmd_attach *cmd)
{
	unsigned long src = seg->start + cmd->offset, addr = cmd->vaddr;
	unsigned long prot = PROT_READ | (att->writable ? PROT_WRITE : 0);
	unsigned long flags = MAP_SHARED;
	struct file *file = NULL;

	if (cmd->flags & XPMEM_ATTACH_SAME_VADDR) {
		addr = src;
		flags |= MAP_FIXED_NOREPLACE;
	} else if (addr) {
		flags |= MAP_FIXED;
	}

	down_read(&seg->sem);
	if (!seg->removed)
		file = get_file(seg->file);
	up_read(&seg->sem);
	if (!file)
		return -ENOENT;

	mutex_lock(&seg->attach_lock);
	seg->pending = att;
	addr = vm_mmap(file, addr, cmd->size, prot, flags, src);
	seg->pending = NULL;
	mutex_unlock(&seg->attach_lock);
	fput(file);

	if (addr == (unsigned long)-EEXIST)
		addr = -EBUSY;
	return addr;
}

long xpmem_attach(struct xpmem_proc *proc, struct xpmem_cmd_attach __user *arg)
{
	struct xpmem_cmd_attach cmd;
	struct xpmem_permit *permit;
	struct xpmem_attach *att;
	unsigned long addr;
	long ret;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.apid <= 0 || cmd.offset < 0 || cmd.size == 0 ||
	    !PAGE_ALIGNED(cmd.offset) || !PAGE_ALIGNED(cmd.vaddr) ||
	    cmd.flags & ~XPMEM_ATTACH_FLAGS_ALL ||
	    ((cmd.flags & XPMEM_ATTACH_SAME_VADDR) && cmd.vaddr))
		return -EINVAL;
	if (PAGE_ALIGN(cmd.size) < cmd.size)
		return -EINVAL;
	cmd.size = PAGE_ALIGN(cmd.size);

	permit = xpmem_permit_find(cmd.apid);
	if (!permit)
		return -ENOENT;
	ret = -EACCES;
	if (permit->mm != current->mm)
		goto err_permit;
	ret = -ENOENT;
	if (READ_ONCE(permit->revoked))
		goto err_permit;
	ret = check_attach(&cmd, permit);
	if (ret)
		goto err_permit;

	ret = -ENOMEM;
	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (!att)
		goto err_permit;
	kref_init(&att->ref);
	INIT_LIST_HEAD(&att->permit_link);
	INIT_LIST_HEAD(&att->all_link);
	INIT_LIST_HEAD(&att->dead_ranges);
	spin_lock_init(&att->dead_lock);
	att->permit = permit;		/* takes over the lookup reference */
	att->mm = current->mm;
	att->tgid = current->tgid;
	att->writable = permit->flags == XPMEM_RDWR;
	att->src_start = permit->seg->start + cmd.offset;
	atomic_inc(&permit->seg->attach_count);
	atomic_inc(&permit->attach_count);
	ret = xpmem_charge_current(&att->charge);
	if (!ret)
		ret = xpmem_quota_check(&att->charge,
					XPMEM_QUOTA_ATTACHED_BYTES, cmd.size);
	if (ret) {
		if (ret == -EDQUOT)
			xpmem_event_quota(&att->charge,
					  XPMEM_QUOTA_ATTACHED_BYTES,
					  permit->seg->segid);
		kref_put(&att->ref, attach_free);
		return ret;
	}

	addr = map_attachment(permit->seg, att, &cmd);
	if (IS_ERR_VALUE(addr)) {
		ret = addr;
		if (!att->vma_created)
			kref_put(&att->ref, attach_free);
		return ret;
	}
	att->start = addr;
	att->end = addr + cmd.size;
	att->charged = true;
	xpmem_account_add(&att->charge, attachments, 1);
	xpmem_account_add(&att->charge, attached_bytes, cmd.size);
	xpmem_register(&att->all_link, &xpmem_all_attachments);
	if (!mmu_interval_notifier_insert(&att->notifier, current->mm, addr,
					  cmd.size, &attacher_notifier_ops))
		att->notifier_live = true;

	mutex_lock(&permit->lock);
	list_add_tail(&att->permit_link, &permit->attachments);
	mutex_unlock(&permit->lock);

	if (put_user(addr, &arg->vaddr)) {
		vm_munmap(addr, cmd.size);
		return -EFAULT;
	}
	return 0;

err_permit:
	xpmem_permit_put(permit);
	return ret;
}

/* Unmap every VMA piece of @att; the caller runs in the attacher's mm. */
static void unmap_attachment(struct xpmem_attach *att)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long start, end;

	for (;;) {
		start = 0;
		end = 0;
		mmap_read_lock(mm);
		for (vma = find_vma(mm, att->start); vma && vma->vm_start < att->end;
		     vma = find_vma(mm, vma->vm_end)) {
			if (vma->vm_private_data == att &&
			    vma->vm_ops == &xpmem_vm_ops) {
				start = vma->vm_start;
				end = vma->vm_end;
				break;
			}
		}
		mmap_read_unlock(mm);
		if (!end || vm_munmap(start, end - start))
			return;
	}
}

long xpmem_detach(struct xpmem_proc *proc, struct xpmem_cmd_detach __user *arg)
{
	struct xpmem_cmd_detach cmd;
	struct vm_area_struct *vma;
	struct xpmem_attach *att;
	long ret = 0;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, cmd.vaddr);
	if (!vma) {
		mmap_read_unlock(current->mm);
		return 0;
	}
	if (vma->vm_ops != &xpmem_vm_ops || !vma->vm_private_data) {
		mmap_read_unlock(current->mm);
		return -EINVAL;
	}
	att = vma->vm_private_data;
	kref_get(&att->ref);
	mmap_read_unlock(current->mm);

	if (att->permit->mm != current->mm)
		ret = -EACCES;
	else
		unmap_attachment(att);
	kref_put(&att->ref, attach_free);
	return ret;
}

/* RELEASE: detach everything made with @permit, if we are its process. */
void xpmem_attach_unmap_all(struct xpmem_permit *permit)
{
	struct xpmem_attach *att;

	if (current->mm != permit->mm)
		return;
	for (;;) {
		mutex_lock(&permit->lock);
		att = list_first_entry_or_null(&permit->attachments,
					       struct xpmem_attach, permit_link);
		if (att) {
			list_del_init(&att->permit_link);
			kref_get(&att->ref);
		}
		mutex_unlock(&permit->lock);
		if (!att)
			return;
		unmap_attachment(att);
		kref_put(&att->ref, attach_free);
	}
}

/*
 * A permit revoked from outside its process (a job unregistered): its
 * attachments stay mapped but lose their PTEs, and refault to SIGBUS.
 */
void xpmem_attach_zap_all(struct xpmem_permit *permit)
{
	struct xpmem_attach *att;

	mutex_lock(&permit->lock);
	list_for_each_entry(att, &permit->attachments, permit_link)
		xpmem_segment_zap(permit->seg, att->src_start,
				  att->end - att->start);
	mutex_unlock(&permit->lock);
}
