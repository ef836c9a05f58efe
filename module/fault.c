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
 * The window never leaves the attachment's source range (nor, therefore,
 * the segment), whatever the VMA says. PTE protections come from the VMA's
 * flags (VM_READ, VM_WRITE, VM_EXEC), so mprotect() is honoured. A
 * PTE is writable only if the permit is RDWR, the VMA is writable, the
 * source PTE is, and the page is dirty; a write to a read-only PTE comes
 * back through pfn_mkwrite, which write-faults the source (breaking COW
 * there) and dirties the page, instead of letting the core make our PTE
 * writable behind the source's back.
 */
#include <linux/hmm.h>
#include <linux/magic.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "xpmem_internal.h"

#define WINDOW_AHEAD	31	/* pages mapped after the faulting one */
#define WINDOW_BEHIND	16	/* and before it: memmove walks backwards */
#define WINDOW_MAX	(WINDOW_BEHIND + 1 + WINDOW_AHEAD)

/* a fault that may not drop its locks polls the source's this long */
#define SOURCE_POLL_JIFFIES	(HZ / 5)

struct window {
	struct xpmem_attach *att;
	struct vm_area_struct *vma;
	unsigned long start;		/* attacher address of pfns[0] */
	unsigned long src;		/* source address of pfns[0] */
	unsigned long npages;
	unsigned long fault_idx;
	bool write;			/* a write fault: dirty that page */
	pgprot_t prot_ro, prot_rw;	/* the VMA's, without and with write */
	DECLARE_BITMAP(fresh, WINDOW_MAX);	/* PTEs this fault added */
	unsigned long pfns[WINDOW_MAX];
};

/*
 * Frame the window around @addr inside the VMA, and check it against the
 * attachment: a VMA of ours maps only its attachment's source range, but
 * the fault must not take that on trust.
 */
static bool frame_window(struct window *w, struct vm_area_struct *vma,
			 unsigned long addr)
{
	struct xpmem_attach *att = w->att;
	unsigned long first = vma->vm_start, last = vma->vm_end;

	if (addr - vma->vm_start > WINDOW_BEHIND * PAGE_SIZE)
		first = addr - WINDOW_BEHIND * PAGE_SIZE;
	if (vma->vm_end - addr > (WINDOW_AHEAD + 1) * PAGE_SIZE)
		last = addr + (WINDOW_AHEAD + 1) * PAGE_SIZE;
	w->start = first;
	w->npages = (last - first) >> PAGE_SHIFT;
	w->fault_idx = (addr - first) >> PAGE_SHIFT;
	w->src = (vma->vm_pgoff << PAGE_SHIFT) + (first - vma->vm_start);
	return w->src >= att->src_start && w->src < att->src_end &&
	       w->npages <= (att->src_end - w->src) >> PAGE_SHIFT;
}

/* Map only the faulting page (a mapped-pages quota is near). */
static void shrink_window(struct window *w)
{
	w->start += w->fault_idx << PAGE_SHIFT;
	w->src += w->fault_idx << PAGE_SHIFT;
	w->fault_idx = 0;
	w->npages = 1;
}

static unsigned long window_page(struct window *w, unsigned long idx)
{
	return ((w->src - w->att->src_start) >> PAGE_SHIFT) + idx;
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
	struct folio *folio = page_folio(page);

	if (!w->att->writable || !(w->vma->vm_flags & VM_WRITE) ||
	    !(w->pfns[idx] & HMM_PFN_WRITE))
		return false;
	if (w->write && idx == w->fault_idx && !folio_test_dirty(folio))
		folio_mark_dirty(folio);
	return folio_test_dirty(folio);
}

static int install_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct window *w = data;
	unsigned long idx = (addr - w->start) >> PAGE_SHIFT;
	unsigned long entry = w->pfns[idx];
	pte_t old = ptep_get(pte), new;
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
		__set_bit(idx, w->fresh);
	}
	new = pfn_pte(pfn, writable ? w->prot_rw : w->prot_ro);
	if (writable)
		new = pte_mkdirty(new);
	set_pte_at(w->vma->vm_mm, addr, pte, pte_mkspecial(new));
	return 0;
}

/*
 * Install the window's PTEs; the caller holds map_lock. This must not
 * allocate: an allocation could enter reclaim, whose invalidation of the
 * source needs map_lock. The page tables were created before the lock was
 * taken (touch_pte), and nothing frees the tables of a VMA while its fault
 * holds it: our inode has no page cache for khugepaged to collapse, and
 * madvise() cannot zap a VM_PFNMAP VMA. apply_to_existing_page_range()
 * would be no safer: it skips empty PTEs, the very ones we fill.
 */
static void install_window(struct window *w)
{
	apply_to_page_range(w->vma->vm_mm, w->start, w->npages << PAGE_SHIFT,
			    install_pte, w);
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
 * A fault that may not drop its locks (no FAULT_FLAG_ALLOW_RETRY: a futex
 * fixing up its word, say) must not sleep on the source's mmap_lock while
 * it holds its own: two processes attached to each other would deadlock
 * behind queued writers. Poll for a bounded time instead, then give up.
 */
static bool poll_source_lock(struct mm_struct *src)
{
	unsigned long deadline = jiffies + SOURCE_POLL_JIFFIES;

	do {
		if (schedule_timeout_killable(1) && fatal_signal_pending(current))
			return false;
		if (mmap_read_trylock(src))
			return true;
	} while (time_before(jiffies, deadline));
	return false;
}

/*
 * Take the source's mmap_lock without ever sleeping on it while we hold
 * the attacher's. On contention, drop everything, wait for the source
 * lock once, and have the core retry the fault.
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
		*locked = poll_source_lock(src);
		return *locked ? 0 : VM_FAULT_SIGBUS;
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

static bool vma_is_secret(struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       file_inode(vma->vm_file)->i_sb->s_magic == SECRETMEM_MAGIC;
}

/*
 * memfd_secret() memory is out of the kernel's direct map and out of
 * get_user_pages()' reach; hmm_range_fault() does not check for it, so we
 * do: its pages are never mirrored. Called with the source's mmap_lock.
 * Returns false if the faulting page itself is secret.
 */
static bool drop_secret_pages(struct mm_struct *src, struct window *w)
{
	unsigned long end = w->src + (w->npages << PAGE_SHIFT), from, to, i;
	struct vm_area_struct *vma;

	for (vma = find_vma(src, w->src); vma && vma->vm_start < end;
	     vma = find_vma(src, vma->vm_end)) {
		if (!vma_is_secret(vma))
			continue;
		from = max(vma->vm_start, w->src);
		to = min(vma->vm_end, end);
		for (i = (from - w->src) >> PAGE_SHIFT;
		     i < (to - w->src) >> PAGE_SHIFT; i++) {
			if (i == w->fault_idx)
				return false;
			w->pfns[i] = 0;
		}
	}
	return true;
}

/* Look the window up in the source; 0, a vm_fault_t error, or RETRY. */
static vm_fault_t lookup_source(struct vm_fault *vmf, struct hmm_range *range,
				struct window *w)
{
	struct mm_struct *src = range->notifier->mm;
	bool locked, secret_ok;
	vm_fault_t ret;
	int err;

	do {
		if (fatal_signal_pending(current))
			return VM_FAULT_SIGBUS;
		memset(w->pfns, 0, w->npages * sizeof(w->pfns[0]));
		w->pfns[w->fault_idx] = HMM_PFN_REQ_FAULT |
					(w->write ? HMM_PFN_REQ_WRITE : 0);
		range->notifier_seq = mmu_interval_read_begin(range->notifier);
		ret = lock_source(vmf, src, &locked);
		if (ret)
			return ret;
		err = hmm_range_fault(range);
		secret_ok = err || drop_secret_pages(src, w);
		if (locked)
			mmap_read_unlock(src);
	} while (err == -EBUSY);

	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	/* a hole, an unmapped or secret page, or a write the source may not do */
	return err || !secret_ok ? VM_FAULT_SIGBUS : 0;
}

/* 0 if the window may map, else how to fail (quota, removal, revocation) */
static vm_fault_t check_window(struct window *w)
{
	struct xpmem_attach *att = w->att;

	xpmem_account_add(&att->charge, faults, 1);
	/* under a mapped-pages quota, map only what is asked for */
	if (xpmem_quota_check(&att->charge, XPMEM_QUOTA_MAPPED_PAGES,
			      w->npages)) {
		if (xpmem_quota_check(&att->charge, XPMEM_QUOTA_MAPPED_PAGES, 1)) {
			xpmem_event_quota(&att->charge, XPMEM_QUOTA_MAPPED_PAGES,
					  att->seg->segid);
			return VM_FAULT_SIGBUS;
		}
		shrink_window(w);
	}
	return 0;
}

static vm_fault_t map_window(struct vm_fault *vmf, bool write, bool mkwrite)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xpmem_attach *att = vma->vm_private_data;
	struct window w = { .att = att, .vma = vma, .write = write };
	struct hmm_range range = {};
	struct xpmem_segment *seg;
	struct mm_struct *src;
	vm_fault_t ret;
	long added;

	if (!att)
		return VM_FAULT_SIGBUS;		/* not bound yet: see vma_open */
	seg = att->seg;
	src = seg->mm;
	if (!frame_window(&w, vma, vmf->address & PAGE_MASK))
		return VM_FAULT_SIGBUS;
	/* as mprotect() left the VMA: vm_flags and vm_page_prot agree */
	w.prot_ro = vm_get_page_prot(vma->vm_flags & ~VM_WRITE);
	w.prot_rw = vm_get_page_prot(vma->vm_flags);
	ret = check_window(&w);
	if (ret)
		return ret;

	down_read(&seg->sem);
	if (seg->removed || READ_ONCE(att->permit->revoked) ||
	    !mmget_not_zero(src)) {
		up_read(&seg->sem);
		return VM_FAULT_SIGBUS;
	}
	/*
	 * Page tables and the page record first, outside map_lock:
	 * allocating under it could enter reclaim, whose invalidation of the
	 * source needs that lock.
	 */
	if (xpmem_pages_prepare(&att->pages, window_page(&w, 0), w.npages) ||
	    apply_to_page_range(vma->vm_mm, w.start, w.npages << PAGE_SHIFT,
				touch_pte, NULL)) {
		ret = VM_FAULT_OOM;
		goto out;
	}

	range.notifier = &seg->notifier;
	range.start = w.src;
	range.end = w.src + (w.npages << PAGE_SHIFT);
	range.hmm_pfns = w.pfns;
	range.pfn_flags_mask = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;

	for (;;) {
		ret = lookup_source(vmf, &range, &w);
		if (ret)
			break;
		mutex_lock(&seg->map_lock);
		if (!mmu_interval_read_retry(&seg->notifier,
					     range.notifier_seq)) {
			install_window(&w);
			added = xpmem_pages_mark(&att->pages, window_page(&w, 0),
						 w.npages, w.fresh);
			xpmem_attach_count_mapped(att, added);
			mutex_unlock(&seg->map_lock);
			ret = VM_FAULT_NOPAGE;
			break;
		}
		mutex_unlock(&seg->map_lock);
	}
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
