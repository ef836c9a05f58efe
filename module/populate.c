// SPDX-License-Identifier: GPL-2.0
/*
 * populate.c - mapping an attachment ahead of use: XPMEM_ATTACH_POPULATE
 * and madvise(MADV_WILLNEED). Both map the source pages that are present,
 * in large batches looked up together (fault.c's windows), and leave the
 * absent ones to fault in on first touch. Nothing is pinned: the
 * exporter's changes take the pages away as they would after a fault.
 */
#include <linux/fadvise.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "window.h"

#define POPULATE_BATCH	512	/* pages per lookup when mapping ahead */

/*
 * Frame the next batch at or after @start in a piece of w->att below
 * @end; false when nothing is left, or a mapped-pages quota would be
 * crossed (the faults that follow map what the quota allows).
 */
static bool next_batch(struct window *w, struct mm_struct *mm,
		       unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long first, last;

	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end)) {
		if (vma->vm_ops != &xpmem_vm_ops ||
		    vma->vm_private_data != w->att ||
		    !(vma->vm_flags & VM_ACCESS_FLAGS))
			continue;
		first = max(start, vma->vm_start);
		last = min3(end, vma->vm_end, first + POPULATE_BATCH * PAGE_SIZE);
		xpmem_clip_to_block(first, &first, &last);
		xpmem_window_set(w, vma, first, (last - first) >> PAGE_SHIFT);
		return xpmem_window_in_source(w) &&
		       !xpmem_quota_check(&w->att->charge,
					  XPMEM_QUOTA_MAPPED_PAGES, w->npages);
	}
	return false;
}

/*
 * Map the present source pages behind attacher range [start, end) of
 * @att, whose pieces live in the caller's mm; absent source pages stay
 * absent, for a fault to bring in on first touch. Advisory, as
 * MAP_POPULATE: a piece unmapped meanwhile, a removed segment or a quota
 * ends it quietly. Returns 0, -ENOMEM or -EINTR.
 */
int xpmem_populate(struct xpmem_attach *att, unsigned long start,
		   unsigned long end)
{
	struct mm_struct *mm = current->mm, *busy;
	struct window w = {
		.att = att,
		.fault_idx = NO_FAULT,
		.own_locked = true,
		.may_drop = true,
	};
	vm_fault_t ret;
	int err = 0;

	w.pfns = kvmalloc_array(POPULATE_BATCH, sizeof(*w.pfns), GFP_KERNEL);
	w.fresh = bitmap_zalloc(POPULATE_BATCH, GFP_KERNEL);
	if (!w.pfns || !w.fresh) {
		err = -ENOMEM;
		goto out;
	}
	while (start < end) {
		if (mmap_read_lock_killable(mm)) {
			err = -EINTR;
			break;
		}
		if (!next_batch(&w, mm, start, end)) {
			mmap_read_unlock(mm);
			break;
		}
		xpmem_huge_populate(w.vma, w.start, w.npages);
		ret = xpmem_fill_window(&w, &busy);
		mmap_read_unlock(mm);
		if (ret == VM_FAULT_RETRY) {
			xpmem_wait_for_source(busy);
			continue;
		}
		if (ret != VM_FAULT_NOPAGE) {
			if (ret & VM_FAULT_OOM)
				err = -ENOMEM;
			break;
		}
		start = w.start + (w.npages << PAGE_SHIFT);
		cond_resched();
	}
out:
	bitmap_free(w.fresh);
	kvfree(w.pfns);
	return err;
}

/*
 * The next piece of the caller's attachments of @file at or above @addr
 * that maps part of source range [src, src_end), as attacher range
 * [*start, *end), with a reference on its attachment; NULL when none.
 */
static struct xpmem_attach *next_piece(struct file *file, unsigned long addr,
				       unsigned long src, unsigned long src_end,
				       unsigned long *start, unsigned long *end)
{
	struct mm_struct *mm = current->mm;
	struct xpmem_attach *att = NULL;
	struct vm_area_struct *vma;
	unsigned long from, to;

	if (mmap_read_lock_killable(mm))
		return NULL;
	for (vma = find_vma(mm, addr); vma; vma = find_vma(mm, vma->vm_end)) {
		if (vma->vm_file != file || vma->vm_ops != &xpmem_vm_ops ||
		    !vma->vm_private_data)
			continue;
		from = max(xpmem_vma_src_start(vma), src);
		to = min(xpmem_vma_src_end(vma), src_end);
		if (from >= to)
			continue;
		*start = vma->vm_start + (from - xpmem_vma_src_start(vma));
		*end = *start + (to - from);
		if (*end <= addr)
			continue;
		*start = max(*start, addr);
		att = vma->vm_private_data;
		kref_get(&att->ref);	/* the VMA holds one: never zero here */
		break;
	}
	mmap_read_unlock(mm);
	return att;
}

/*
 * madvise(MADV_WILLNEED) on an attachment arrives as fadvise() on the
 * segment's file, the attacher's mmap_lock dropped and only the file
 * range (source addresses) left: populate every piece of the caller's
 * attachments of this segment that maps part of it. Other advice means
 * nothing to memory that is not ours to read ahead or drop.
 */
int xpmem_attach_advise(struct file *file, loff_t offset, loff_t len,
			int advice)
{
	unsigned long addr = 0, start, end, src_end;
	struct xpmem_attach *att;
	int ret;

	switch (advice) {
	case POSIX_FADV_WILLNEED:
		break;
	case POSIX_FADV_NORMAL:
	case POSIX_FADV_RANDOM:
	case POSIX_FADV_SEQUENTIAL:
	case POSIX_FADV_NOREUSE:
	case POSIX_FADV_DONTNEED:
		return 0;
	default:
		return -EINVAL;
	}
	if (!current->mm || offset < 0 || len < 0)
		return -EINVAL;
	if (!len || (unsigned long)len > ULONG_MAX - (unsigned long)offset)
		src_end = ULONG_MAX;	/* 0: to the end, as fadvise() */
	else
		src_end = offset + len;
	while ((att = next_piece(file, addr, offset, src_end, &start, &end))) {
		ret = xpmem_populate(att, start, end);
		xpmem_attach_put(att);
		if (ret)
			return ret;
		addr = end;
	}
	return 0;
}
