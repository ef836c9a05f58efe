// SPDX-License-Identifier: GPL-2.0
/*
 * attach.c - ATTACH and DETACH, the attacher's VMA and its lifetime.
 *
 * An attachment is a shared mapping of the segment's private inode at
 * file offset == source address. The core splits, trims and unmaps it like
 * any file mapping: unmapping part of it just loses that part (the lineage
 * sent SIGKILL), it is not inherited across fork, and mremap is refused.
 *
 * Publication order is what keeps the object safe from its own users:
 * ATTACH builds the attachment completely (charge, registry, permit and
 * segment lists) and holds its own reference until it returns; only then
 * does it map. The segment file's ->mmap maps nothing but the ATTACH that
 * is waiting for it -- same thread, same source offset, same length -- so
 * remap_file_pages(), an mmap of the file reached any other way, or a
 * racing ATTACH cannot take an attachment that is not theirs.
 */
#include <linux/file.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"

/* An ATTACH inside vm_mmap(): what its ->mmap call must look like. */
struct pending_map {
	struct list_head link;		/* seg->pending */
	struct task_struct *task;
	unsigned long pgoff, pages;
	struct xpmem_attach *att;
	bool taken;
};

void xpmem_attach_count_mapped(struct xpmem_attach *att, long pages)
{
	if (!pages)
		return;
	atomic64_add(pages, &att->seg->mapped_pages);
	if (pages > 0)
		atomic64_add(pages, &xpmem_stats.pages_mapped);
	else
		atomic64_add(-pages, &xpmem_stats.pages_unmapped);
	xpmem_account_add(&att->charge, mapped_pages, pages);
}

/* page index range of the part of source [start, end) @att covers */
static bool clip(struct xpmem_attach *att, unsigned long start,
		 unsigned long end, unsigned long *first, unsigned long *n)
{
	start = max(start, att->src_start);
	end = min(end, att->src_end);
	if (start >= end)
		return false;
	*first = (start - att->src_start) >> PAGE_SHIFT;
	*n = (end - start) >> PAGE_SHIFT;
	return true;
}

/* The PTEs of source [start, end) are going away: stop counting them. */
void xpmem_attach_forget(struct xpmem_attach *att, unsigned long src_start,
			 unsigned long src_end)
{
	unsigned long first, n;

	if (clip(att, src_start, src_end, &first, &n))
		xpmem_attach_count_mapped(att,
					  -xpmem_pages_clear(&att->pages, first, n));
}

/* Whether @att maps a page of source [start, end); never sleeps. */
bool xpmem_attach_maps(struct xpmem_attach *att, unsigned long src_start,
		       unsigned long src_end)
{
	unsigned long first, n;

	return clip(att, src_start, src_end, &first, &n) &&
	       xpmem_pages_any(&att->pages, first, n);
}

/* the source range a VMA piece of an attachment maps */
static void attach_free(struct kref *ref)
{
	struct xpmem_attach *att = container_of(ref, struct xpmem_attach, ref);
	struct xpmem_permit *permit = att->permit;
	struct xpmem_segment *seg = att->seg;

	mutex_lock(&permit->lock);
	list_del_init(&att->permit_link);
	mutex_unlock(&permit->lock);
	spin_lock(&seg->attach_lock);
	list_del_init(&att->seg_link);
	spin_unlock(&seg->attach_lock);
	xpmem_registry_del(XPMEM_ATTACHMENTS, &att->dump_id);

	/* every VMA is gone, so every bit should be too */
	xpmem_attach_count_mapped(att, -xpmem_pages_destroy(&att->pages));
	if (att->charged) {
		xpmem_account_add(&att->charge, attachments, -1);
		xpmem_account_add(&att->charge, attached_bytes,
				  -(s64)(att->src_end - att->src_start));
	}
	xpmem_charge_release(&att->charge);
	xpmem_gup_detach(att);
	xpmem_permit_put(permit);
	kfree(att);		/* out of every list and the registry */
}

void xpmem_attach_put(struct xpmem_attach *att)
{
	kref_put(&att->ref, attach_free);
}

/*
 * vm_private_data is set before the VMA is visible (->mmap), or by
 * ->mapped right after it is (mmap_prepare kernels): it may be NULL in
 * between, then the VMA holds nothing.
 */
static void vma_open(struct vm_area_struct *vma)
{
	struct xpmem_attach *att = vma->vm_private_data;

	if (att) {
		atomic_inc(&att->vmas);
		kref_get(&att->ref);
	}
}

static void vma_close(struct vm_area_struct *vma)
{
	struct xpmem_attach *att = vma->vm_private_data;

	if (!att)
		return;
	/* the piece's PTEs are gone with it */
	xpmem_attach_forget(att, xpmem_vma_src_start(vma), xpmem_vma_src_end(vma));
	atomic_dec(&att->vmas);
	xpmem_attach_put(att);
}

static int vma_mremap(struct vm_area_struct *new_vma)
{
	/*
	 * The core moved our PTEs already and moves them back on error;
	 * drop them so nothing stale travels, and forget them: the source
	 * range of the new VMA is the one they were counted under.
	 */
	xpmem_zap_vma_ptes(new_vma, new_vma->vm_start,
			   new_vma->vm_end - new_vma->vm_start);
	if (new_vma->vm_private_data)
		xpmem_attach_forget(new_vma->vm_private_data,
				    xpmem_vma_src_start(new_vma), xpmem_vma_src_end(new_vma));
	return -EINVAL;
}

#ifdef XPMEM_HAVE_MMAP_PREPARE_MAPPED
static int vma_mapped(unsigned long start, unsigned long end, pgoff_t pgoff,
		      const struct file *file, void **vm_private_data);
#endif

const struct vm_operations_struct xpmem_vm_ops = {
#ifdef XPMEM_HAVE_MMAP_PREPARE_MAPPED
	.mapped		= vma_mapped,
#endif
	.open		= vma_open,
	.close		= vma_close,
	.mremap		= vma_mremap,
	.fault		= xpmem_fault,
	.pfn_mkwrite	= xpmem_pfn_mkwrite,
	.access		= xpmem_access,
#ifdef XPMEM_HAVE_GUP_ATTACHMENTS
	/* only VM_MIXEDMAP VMAs find pages, and write to them through here */
	.XPMEM_VM_OPS_FIND_PAGE = xpmem_gup_find_page,
	.page_mkwrite	= xpmem_pfn_mkwrite,
#endif
#ifdef XPMEM_HAVE_HUGE_PFNMAP
	.huge_fault	= xpmem_huge_fault,
	.may_split	= xpmem_huge_may_split,
#endif
};

/*
 * The ATTACH of this thread that expects exactly this mapping, or NULL;
 * with @take, it is handed over and cannot be found again.
 */
static struct xpmem_attach *find_pending(struct xpmem_segment *seg,
					 unsigned long pgoff,
					 unsigned long pages, bool take)
{
	struct xpmem_attach *att = NULL;
	struct pending_map *p;

	spin_lock(&seg->attach_lock);
	list_for_each_entry(p, &seg->pending, link) {
		if (p->task == current && !p->taken && p->pgoff == pgoff &&
		    p->pages == pages) {
			p->taken = take;
			att = p->att;
			break;
		}
	}
	spin_unlock(&seg->attach_lock);
	return att;
}

/* the attachment becomes what the new VMA maps */
static void bind_vma(struct xpmem_attach *att, unsigned long start,
		     unsigned long end)
{
	WRITE_ONCE(att->start, start);
	WRITE_ONCE(att->end, end);
	atomic_inc(&att->vmas);
	kref_get(&att->ref);		/* the VMA's, dropped by vma_close */
}

/*
 * Every caller of the segment file's mmap but the ATTACH waiting for this
 * exact mapping is refused: remap_file_pages() on an attachment, an mmap
 * of the file through /proc/PID/map_files or a passed descriptor.
 */
#ifdef XPMEM_HAVE_MMAP_PREPARE_MAPPED
int xpmem_attach_mmap_prepare(struct xpmem_segment *seg,
			      struct vm_area_desc *desc)
{
	unsigned long pages = (desc->end - desc->start) >> PAGE_SHIFT;
	struct xpmem_attach *att;

	if (!vma_desc_test(desc, VMA_SHARED_BIT))
		return -EACCES;
	att = find_pending(seg, desc->pgoff, pages, false);
	if (!att)
		return -EACCES;
	if (READ_ONCE(att->permit->revoked))
		return -ENOENT;
	/* GUP refuses VM_PFNMAP and VM_IO; VM_MIXEDMAP asks the hook */
	vma_desc_set_flags(desc, VMA_DONTEXPAND_BIT, VMA_DONTDUMP_BIT,
			   VMA_DONTCOPY_BIT);
	if (att->gup)
		vma_desc_set_flags(desc, VMA_MIXEDMAP_BIT);
	else
		vma_desc_set_flags(desc, VMA_PFNMAP_BIT, VMA_IO_BIT);
	if (!att->writable)
		vma_desc_clear_flags(desc, VMA_MAYWRITE_BIT);
	desc->vm_ops = &xpmem_vm_ops;
	return 0;
}

/* the VMA exists now: only here may it hold the attachment */
static int vma_mapped(unsigned long start, unsigned long end, pgoff_t pgoff,
		      const struct file *file, void **vm_private_data)
{
	struct xpmem_attach *att;

	att = find_pending(file->private_data, pgoff,
			   (end - start) >> PAGE_SHIFT, true);
	if (!att)
		return -EACCES;
	bind_vma(att, start, end);
	*vm_private_data = att;
	return 0;
}
#else
int xpmem_attach_mmap(struct xpmem_segment *seg, struct vm_area_struct *vma)
{
	struct xpmem_attach *att;

	if (!(vma->vm_flags & VM_SHARED))
		return -EACCES;
	att = find_pending(seg, vma->vm_pgoff, vma_pages(vma), true);
	if (!att)
		return -EACCES;
	if (READ_ONCE(att->permit->revoked))
		return -ENOENT;
	/* GUP refuses VM_PFNMAP and VM_IO; VM_MIXEDMAP asks the hook */
	xpmem_vm_flags_set(vma, (att->gup ? VM_MIXEDMAP : VM_PFNMAP | VM_IO) |
				VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY);
	if (!att->writable)
		xpmem_vm_flags_clear(vma, VM_MAYWRITE);
	vma->vm_ops = &xpmem_vm_ops;
	vma->vm_private_data = att;
	bind_vma(att, vma->vm_start, vma->vm_end);
	return 0;
}
#endif

/* The first of our VMAs in [start, end), @att's if not NULL; mmap_lock held. */
static struct vm_area_struct *our_vma(struct mm_struct *mm, unsigned long start,
				      unsigned long end,
				      struct xpmem_attach *att)
{
	struct vm_area_struct *vma;

	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end))
		if (vma->vm_ops == &xpmem_vm_ops &&
		    (!att || vma->vm_private_data == att))
			return vma;
	return NULL;
}

static bool range_has_attachment(struct mm_struct *mm, unsigned long start,
				 unsigned long end)
{
	bool found;

	mmap_read_lock(mm);
	found = our_vma(mm, start, end, NULL);
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

static struct xpmem_attach *attach_alloc(struct xpmem_permit *permit,
					 struct xpmem_cmd_attach *cmd)
{
	struct xpmem_attach *att;

	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (!att)
		return NULL;
	kref_init(&att->ref);		/* the ioctl's own */
	INIT_LIST_HEAD(&att->permit_link);
	INIT_LIST_HEAD(&att->seg_link);
	xpmem_pages_init(&att->pages);
	init_rwsem(&att->huge_sem);
	att->permit = permit;		/* takes over the lookup reference */
	att->seg = permit->seg;
	att->mm = current->mm;
	att->tgid = current->tgid;
	att->writable = permit->flags == XPMEM_RDWR;
	att->src_start = permit->seg->start + cmd->offset;
	att->src_end = att->src_start + cmd->size;
	return att;
}

/*
 * Everything an attachment is, before any VMA can see it: charged, in the
 * registry, on its permit's and segment's lists.
 */
static int publish(struct xpmem_attach *att)
{
	struct xpmem_permit *permit = att->permit;
	struct xpmem_segment *seg = att->seg;
	u64 bytes = att->src_end - att->src_start;
	int ret;

	xpmem_charge_share(&att->charge, &permit->charge);
	ret = xpmem_charge_try(&att->charge, XPMEM_QUOTA_ATTACHED_BYTES, bytes);
	if (ret) {
		xpmem_event_quota(&att->charge, XPMEM_QUOTA_ATTACHED_BYTES,
				  seg->segid);
		return ret;
	}
	/* from here on attach_free() uncharges */
	att->charged = true;
	xpmem_account_add(&att->charge, attachments, 1);

	ret = xpmem_registry_add(XPMEM_ATTACHMENTS, att, &att->dump_id);
	if (ret)
		return ret;
	mutex_lock(&permit->lock);
	if (permit->revoked) {
		mutex_unlock(&permit->lock);
		return -ENOENT;
	}
	list_add_tail(&att->permit_link, &permit->attachments);
	mutex_unlock(&permit->lock);
	spin_lock(&seg->attach_lock);
	list_add_tail(&att->seg_link, &seg->attachments);
	spin_unlock(&seg->attach_lock);
	return 0;
}

static unsigned long map_attachment(struct xpmem_attach *att,
				    struct xpmem_cmd_attach *cmd)
{
	struct xpmem_segment *seg = att->seg;
	unsigned long addr = cmd->vaddr, size = cmd->size;
	unsigned long prot = PROT_READ | (att->writable ? PROT_WRITE : 0);
	unsigned long flags = MAP_SHARED;
	struct pending_map pending = {
		.task = current,
		.pgoff = att->src_start >> PAGE_SHIFT,
		.pages = size >> PAGE_SHIFT,
		.att = att,
	};
	struct file *file = NULL;

	if (cmd->flags & XPMEM_ATTACH_SAME_VADDR) {
		addr = att->src_start;
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

	spin_lock(&seg->attach_lock);
	list_add(&pending.link, &seg->pending);
	spin_unlock(&seg->attach_lock);
	addr = vm_mmap(file, addr, size, prot, flags, att->src_start);
	spin_lock(&seg->attach_lock);
	list_del(&pending.link);
	spin_unlock(&seg->attach_lock);
	fput(file);

	if (addr == (unsigned long)-EEXIST)
		addr = -EBUSY;
	return addr;
}

/* [*start, *end) becomes a VMA piece of @att, or *end 0 if none is left. */
static void find_piece(struct xpmem_attach *att, unsigned long *start,
		       unsigned long *end)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	vma = our_vma(mm, att->start, att->end, att);
	*start = vma ? vma->vm_start : 0;
	*end = vma ? vma->vm_end : 0;
	mmap_read_unlock(mm);
}

/*
 * Unmap every VMA piece of @att, from [start, end), a piece the caller
 * found (end 0: none found yet); the caller runs in the attacher's mm.
 * The piece count spares a last search that would find nothing.
 */
static void unmap_attachment(struct xpmem_attach *att, unsigned long start,
			     unsigned long end)
{
	if (!end)
		find_piece(att, &start, &end);
	while (end && !vm_munmap(start, end - start) &&
	       atomic_read(&att->vmas))
		find_piece(att, &start, &end);
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
	att = attach_alloc(permit, &cmd);
	if (!att)
		goto err_permit;
	ret = publish(att);
	if (!ret)
		ret = xpmem_gup_attach(att);
	if (ret)
		goto out_put;
	addr = map_attachment(att, &cmd);
	ret = IS_ERR_VALUE(addr) ? (long)addr : 0;
	if (!ret && put_user(addr, &arg->vaddr)) {
		/* only our own pieces: the range may be anyone's by now */
		unmap_attachment(att, 0, 0);
		ret = -EFAULT;
	}
	/* advisory, as MAP_POPULATE: the attachment stands either way */
	if (!ret && (cmd.flags & XPMEM_ATTACH_POPULATE))
		xpmem_populate(att, addr, addr + cmd.size);
out_put:
	xpmem_attach_put(att);		/* the ioctl's reference */
	return ret;

err_permit:
	xpmem_permit_put(permit);
	return ret;
}

long xpmem_detach(struct xpmem_proc *proc, struct xpmem_cmd_detach __user *arg)
{
	struct xpmem_cmd_detach cmd;
	struct vm_area_struct *vma;
	struct xpmem_attach *att;
	unsigned long start, end;
	long ret = 0;

	if (copy_from_user(&cmd, arg, sizeof(cmd)))
		return -EFAULT;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, cmd.vaddr);
	if (!vma) {
		mmap_read_unlock(current->mm);
		return 0;
	}
	if (vma->vm_ops != &xpmem_vm_ops) {
		mmap_read_unlock(current->mm);
		return -EINVAL;
	}
	att = vma->vm_private_data;
	kref_get(&att->ref);		/* the VMA holds one: never zero here */
	start = vma->vm_start;
	end = vma->vm_end;
	mmap_read_unlock(current->mm);

	if (att->permit->mm != current->mm)
		ret = -EACCES;
	else
		unmap_attachment(att, start, end);
	xpmem_attach_put(att);
	return ret;
}

/*
 * RELEASE: detach everything made with @permit, if we are its process.
 * An attachment whose last reference is being dropped right now is
 * finishing its own teardown: leave it alone.
 */
void xpmem_attach_unmap_all(struct xpmem_permit *permit)
{
	struct xpmem_attach *att;

	if (current->mm != permit->mm)
		return;
	for (;;) {
		mutex_lock(&permit->lock);
		do {
			att = list_first_entry_or_null(&permit->attachments,
						       struct xpmem_attach,
						       permit_link);
			if (att)
				list_del_init(&att->permit_link);
		} while (att && !kref_get_unless_zero(&att->ref));
		mutex_unlock(&permit->lock);
		if (!att)
			return;
		unmap_attachment(att, 0, 0);
		xpmem_attach_put(att);
	}
}

/*
 * A permit being revoked: take its attachments' PTEs away. The caller
 * holds seg->sem for writing, so no fault of the segment is half done and
 * the ones that follow see permit->revoked and raise SIGBUS.
 */
void xpmem_attach_zap_all(struct xpmem_permit *permit)
{
	struct xpmem_attach *att;

	mutex_lock(&permit->lock);
	list_for_each_entry(att, &permit->attachments, permit_link)
		xpmem_segment_zap(permit->seg, att->src_start, att->src_end);
	mutex_unlock(&permit->lock);
}

/*
 * How many attachments @seg and @permit have, for the dumps: counted on
 * their lists rather than kept in counters the control path would update.
 */
u32 xpmem_segment_attachments(struct xpmem_segment *seg)
{
	struct xpmem_attach *att;
	u32 n = 0;

	spin_lock(&seg->attach_lock);
	list_for_each_entry(att, &seg->attachments, seg_link)
		n++;
	spin_unlock(&seg->attach_lock);
	return n;
}

u32 xpmem_permit_attachments(struct xpmem_permit *permit)
{
	struct xpmem_attach *att;
	u32 n = 0;

	mutex_lock(&permit->lock);
	list_for_each_entry(att, &permit->attachments, permit_link)
		n++;
	mutex_unlock(&permit->lock);
	return n;
}
