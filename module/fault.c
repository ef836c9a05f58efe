// SPDX-License-Identifier: GPL-2.0
/*
 * fault.c - how pages appear in an attachment.
 *
 * A fault looks the source's pages up with hmm_range_fault() over a window
 * around the faulting address, faulting in only the page that was touched
 * and taking its present neighbours as they are, then installs special
 * PTEs for all of them under the segment's map_lock -- provided no
 * invalidation of the source ran meanwhile (the interval notifier's
 * sequence), else it retries. No page is pinned: the source stays
 * swappable and migratable, and the notifier zaps before anything moves.
 *
 * A PTE is writable only if the attachment is writable, the source PTE is,
 * and the page is dirty; a write to a read-only PTE comes back through
 * pfn_mkwrite, which write-faults the source (breaking COW there) and
 * dirties the page, instead of letting the core make our PTE writable
 * behind the source's back.
 */
#include <linux/hmm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "xpmem_internal.h"

#define WINDOW_AHEAD	31	/* pages mapped after the faulting one */
#define WINDOW_BEHIND	16	/* and before it: memmove walks backwards */
#define WINDOW_MAX	(WINDOW_BEHIND + 1 + WINDOW_AHEAD)

struct window {
	struct xpmem_attach *att;
	struct mm_struct *mm;		/* the attacher's */
	unsigned long start;		/* attacher address of pfns[0] */
	unsigned long npages;
	unsigned long fault_idx;
	bool write;			/* a write fault: dirty that page */
	pgprot_t prot_rw, prot_ro;
	long installed;
	unsigned long pfns[WINDOW_MAX];
};

static void frame_window(struct window *w, struct vm_area_struct *vma,
			 unsigned long addr)
{
	unsigned long first = vma->vm_start, last = vma->vm_end;

	if (addr - vma->vm_start > WINDOW_BEHIND * PAGE_SIZE)
		first = addr - WINDOW_BEHIND * PAGE_SIZE;
	if (vma->vm_end - addr > (WINDOW_AHEAD + 1) * PAGE_SIZE)
		last = addr + (WINDOW_AHEAD + 1) * PAGE_SIZE;
	w->start = first;
	w->npages = (last - first) >> PAGE_SHIFT;
	w->fault_idx = (addr - first) >> PAGE_SHIFT;
}

static int touch_pte(pte_t *pte, unsigned long addr, void *data)
{
	return 0;
}

/*
 * Our special PTEs carry no dirty bit back to the page, so a page is
 * writable through an attachment only while it is dirty: otherwise reclaim
 * could drop a clean shmem or file page that was written only here. The
 * write fault dirties its page, as zap_pte_range() would have: under the
 * PTE lock, the page still mapped in the source (no invalidation can
 * finish while we hold map_lock), which keeps truncation out.
 */
static bool may_write(struct window *w, unsigned long idx, struct page *page)
{
	if (!w->att->writable || !(w->pfns[idx] & HMM_PFN_WRITE))
		return false;
	if (w->write && idx == w->fault_idx && !PageDirty(page))
		set_page_dirty(page);
	return PageDirty(page);
}

static int install_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct window *w = data;
	unsigned long idx = (addr - w->start) >> PAGE_SHIFT;
	unsigned long entry = w->pfns[idx];
	pte_t old = ptep_get(pte);
	struct page *page;
	unsigned long pfn;
	bool writable;

	if (!(entry & HMM_PFN_VALID))
		return 0;
	page = hmm_pfn_to_page(entry);
	pfn = page_to_pfn(page);
	writable = may_write(w, idx, page);
	if (!pte_none(old)) {
		/* only the write fault itself upgrades a read-only PTE */
		if (idx != w->fault_idx || !writable || pte_pfn(old) != pfn)
			return 0;
	} else {
		w->installed++;
	}
	set_pte_at(w->mm, addr, pte,
		   pte_mkspecial(pfn_pte(pfn, writable ? w->prot_rw : w->prot_ro)));
	return 0;
}

static void release_attacher_lock(struct vm_fault *vmf)
{
#ifdef XPMEM_HAVE_RELEASE_FAULT_LOCK
	release_fault_lock(vmf);
#else
	mmap_read_unlock(vmf->vma->vm_mm);
#endif
}

static bool holds_mmap_lock(struct vm_fault *vmf)
{
#ifdef XPMEM_HAVE_FAULT_FLAG_VMA_LOCK
	return !(vmf->flags & FAULT_FLAG_VMA_LOCK);
#else
	return true;
#endif
}

/*
 * Take the source's mmap_lock without ever sleeping on it while we hold
 * the attacher's: two ranks attached to each other could otherwise
 * deadlock behind two queued writers. On contention, drop everything, wait
 * for the source lock once, and have the core retry the fault.
 */
static vm_fault_t lock_source(struct vm_fault *vmf, struct mm_struct *src,
			      bool *locked)
{
	*locked = false;
	if (src == vmf->vma->vm_mm && holds_mmap_lock(vmf))
		return 0;
	if (mmap_read_trylock(src)) {
		*locked = true;
		return 0;
	}
	if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY)) {
		mmap_read_lock(src);
		*locked = true;
		return 0;
	}
	return VM_FAULT_RETRY;
}

static vm_fault_t wait_for_source(struct vm_fault *vmf, struct mm_struct *src)
{
	if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT)
		return VM_FAULT_RETRY;
	release_attacher_lock(vmf);
	if (!mmap_read_lock_killable(src))
		mmap_read_unlock(src);
	return VM_FAULT_RETRY;
}

/* Look the window up in the source; 0, a vm_fault_t error, or RETRY. */
static vm_fault_t lookup_source(struct vm_fault *vmf, struct hmm_range *range,
				struct window *w, bool write)
{
	struct mm_struct *src = range->notifier->mm;
	bool locked;
	vm_fault_t ret;
	int err;

	do {
		if (fatal_signal_pending(current))
			return VM_FAULT_SIGBUS;
		memset(w->pfns, 0, w->npages * sizeof(w->pfns[0]));
		w->pfns[w->fault_idx] = HMM_PFN_REQ_FAULT |
					(write ? HMM_PFN_REQ_WRITE : 0);
		range->notifier_seq = mmu_interval_read_begin(range->notifier);
		ret = lock_source(vmf, src, &locked);
		if (ret)
			return ret;
		err = hmm_range_fault(range);
		if (locked)
			mmap_read_unlock(src);
	} while (err == -EBUSY);

	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	/* a hole, an unmapped page, or a write the source may not do */
	return err ? VM_FAULT_SIGBUS : 0;
}

static vm_fault_t map_window(struct vm_fault *vmf, bool write, bool mkwrite)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xpmem_attach *att = vma->vm_private_data;
	struct xpmem_segment *seg = vma->vm_file->private_data;
	struct mm_struct *src = seg->mm;
	struct hmm_range range = {};
	struct window w;
	vm_fault_t ret;

	if (!att)
		return VM_FAULT_SIGBUS;
	xpmem_account_add(&att->charge, faults, 1);
	frame_window(&w, vma, vmf->address & PAGE_MASK);
	/* under a mapped-pages quota, map only what is asked for */
	if (xpmem_quota_check(&att->charge, XPMEM_QUOTA_MAPPED_PAGES,
			      w.npages)) {
		if (xpmem_quota_check(&att->charge, XPMEM_QUOTA_MAPPED_PAGES, 1)) {
			xpmem_event_quota(&att->charge, XPMEM_QUOTA_MAPPED_PAGES,
					  seg->segid);
			return VM_FAULT_SIGBUS;
		}
		w.start += w.fault_idx << PAGE_SHIFT;
		w.fault_idx = 0;
		w.npages = 1;
	}
	w.att = att;
	w.write = write;
	w.mm = vma->vm_mm;
	w.installed = 0;
	w.prot_rw = vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED);
	w.prot_ro = vm_get_page_prot(VM_READ | VM_SHARED);

	down_read(&seg->sem);
	if (seg->removed || READ_ONCE(att->permit->revoked) ||
	    !mmget_not_zero(src)) {
		up_read(&seg->sem);
		return VM_FAULT_SIGBUS;
	}
	/*
	 * Page tables first, outside map_lock: allocating under it could
	 * enter reclaim, whose invalidation of the source needs that lock.
	 */
	if (apply_to_page_range(w.mm, w.start, w.npages << PAGE_SHIFT,
				touch_pte, NULL)) {
		ret = VM_FAULT_OOM;
		goto out;
	}

	range.notifier = &seg->notifier;
	range.start = (vma->vm_pgoff << PAGE_SHIFT) + (w.start - vma->vm_start);
	range.end = range.start + (w.npages << PAGE_SHIFT);
	range.hmm_pfns = w.pfns;
	range.pfn_flags_mask = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;

	for (;;) {
		ret = lookup_source(vmf, &range, &w, write);
		if (ret)
			break;
		mutex_lock(&seg->map_lock);
		if (!mmu_interval_read_retry(&seg->notifier,
					     range.notifier_seq)) {
			/* tables exist already: this allocates nothing */
			apply_to_page_range(w.mm, w.start,
					    w.npages << PAGE_SHIFT,
					    install_pte, &w);
			mutex_unlock(&seg->map_lock);
			ret = VM_FAULT_NOPAGE;
			break;
		}
		mutex_unlock(&seg->map_lock);
	}
	if (w.installed)
		xpmem_attach_count_mapped(att, w.installed);
out:
	up_read(&seg->sem);
	if (ret == VM_FAULT_RETRY && mkwrite) {
		/* the core cannot retry pfn_mkwrite: let the access refault */
		cond_resched();
		ret = VM_FAULT_NOPAGE;
	} else if (ret == VM_FAULT_RETRY) {
		/* the VMA may be gone once its lock is dropped: use src only */
		ret = wait_for_source(vmf, src);
	}
	mmput_async(src);
	return ret;
}

vm_fault_t xpmem_fault(struct vm_fault *vmf)
{
	return map_window(vmf, vmf->flags & FAULT_FLAG_WRITE, false);
}

vm_fault_t xpmem_pfn_mkwrite(struct vm_fault *vmf)
{
	return map_window(vmf, true, true);
}
