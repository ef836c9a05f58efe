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
 * The same windows, POPULATE_BATCH pages wide and faulting nothing in,
 * map a whole attachment ahead of use (XPMEM_ATTACH_POPULATE,
 * madvise(MADV_WILLNEED)); and a one-page window that installs nothing
 * serves ->access, through which ptrace and /proc/PID/mem reach attached
 * memory that get_user_pages() refuses.
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
#include <linux/highmem.h>
#include <linux/magic.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "window.h"

#define WINDOW_AHEAD	31	/* pages mapped after the faulting one */
#define WINDOW_BEHIND	16	/* and before it: memmove walks backwards */
#define WINDOW_MAX	(WINDOW_BEHIND + 1 + WINDOW_AHEAD)

/* a fault that may not drop its locks polls the source's this long */
#define SOURCE_POLL_JIFFIES	(HZ / 5)

bool xpmem_one_page_faults;
module_param_named(one_page_faults, xpmem_one_page_faults, bool, 0644);
MODULE_PARM_DESC(one_page_faults,
		 "benchmarks only: map one page per fault and dirty no page ahead of a write");

/* whether read faults leave NUMA hints on the source alone (read_quietly) */
#ifdef XPMEM_HAVE_GUP_QUIET_NUMA
static bool quiet_numa_reads = true;
#else
static bool quiet_numa_reads;
#endif
module_param(quiet_numa_reads, bool, 0444);
MODULE_PARM_DESC(quiet_numa_reads,
		 "Y where a read fault takes a NUMA-hinted source page as it is, as get_user_pages() does, instead of migrating it to the attacher's node");

/* Cover @npages from attacher address @first of @vma. */
void xpmem_window_set(struct window *w, struct vm_area_struct *vma,
		      unsigned long first, unsigned long npages)
{
	w->vma = vma;
	w->start = first;
	w->npages = npages;
	w->src = (vma->vm_pgoff << PAGE_SHIFT) + (first - vma->vm_start);
	/* as mprotect() left the VMA: vm_flags and vm_page_prot agree */
	w->prot_ro = vm_get_page_prot(vma->vm_flags & ~VM_WRITE);
	w->prot_rw = vm_get_page_prot(vma->vm_flags);
}

/*
 * A VMA of ours maps only its attachment's source range, but no window
 * may take that on trust.
 */
bool xpmem_window_in_source(struct window *w)
{
	struct xpmem_attach *att = w->att;

	return w->src >= att->src_start && w->src < att->src_end &&
	       w->npages <= (att->src_end - w->src) >> PAGE_SHIFT;
}

/*
 * Where 2 MiB blocks may hold one PMD, a window stays inside the block of
 * @addr, so that one check tells whether PTEs may go in (huge.c).
 */
void xpmem_clip_to_block(unsigned long addr, unsigned long *first,
			 unsigned long *last)
{
#ifdef XPMEM_HAVE_HUGE_PFNMAP
	*first = max(*first, addr & PMD_MASK);
	*last = min(*last, (addr & PMD_MASK) + PMD_SIZE);
#endif
}

/* Frame a fault's window around @addr inside the VMA. */
static bool frame_window(struct window *w, struct vm_area_struct *vma,
			 unsigned long addr)
{
	bool one = READ_ONCE(xpmem_one_page_faults);
	unsigned long behind = one ? 0 : WINDOW_BEHIND;
	unsigned long ahead = one ? 0 : WINDOW_AHEAD;
	unsigned long first = vma->vm_start, last = vma->vm_end;

	if (addr - vma->vm_start > behind * PAGE_SIZE)
		first = addr - behind * PAGE_SIZE;
	if (vma->vm_end - addr > (ahead + 1) * PAGE_SIZE)
		last = addr + (ahead + 1) * PAGE_SIZE;
	xpmem_clip_to_block(addr, &first, &last);
	xpmem_window_set(w, vma, first, (last - first) >> PAGE_SHIFT);
	w->fault_idx = (addr - first) >> PAGE_SHIFT;
	return xpmem_window_in_source(w);
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
 * An anonymous page outside the swap cache and not lazily freed
 * (MADV_FREE) is dirtied anyway before reclaim may drop it (add_to_swap),
 * so marking it dirty now loses nothing and spares a write stream one
 * pfn_mkwrite per page.
 */
static bool fresh_anon(struct folio *folio)
{
	return !READ_ONCE(xpmem_one_page_faults) && folio_test_anon(folio) &&
	       folio_test_swapbacked(folio) && !folio_test_swapcache(folio);
}

/*
 * Our special PTEs carry no dirty bit back to the page, so a page is
 * writable through an attachment only while it is dirty: otherwise reclaim
 * could drop a clean shmem or file page that was written only here. The
 * write fault dirties its page, as zap_pte_range() would have: under the
 * PTE lock, the page still mapped in the source (no invalidation can
 * finish while we hold map_lock), which keeps truncation out.
 */
bool xpmem_may_write(struct window *w, unsigned long idx, struct page *page)
{
	struct folio *folio = page_folio(page);

	if (!w->att->writable || !(w->vma->vm_flags & VM_WRITE) ||
	    !(w->pfns[idx] & HMM_PFN_WRITE))
		return false;
	/*
	 * GUP finds an anonymous page of a writable attachment only through
	 * a writable PTE (gup.c): dirtying it costs at most one more swap
	 * write, as an anonymous page in the swap cache gets rewritten.
	 */
	if (!folio_test_dirty(folio) &&
	    ((w->write && idx == w->fault_idx) || fresh_anon(folio) ||
	     (w->att->gup && folio_test_anon(folio))))
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
	writable = xpmem_may_write(w, idx, page);
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
 * enter reclaim, whose invalidation of the source needs map_lock. The
 * page tables were created before the lock was taken (touch_pte), and
 * for a VM_PFNMAP VMA nothing frees them meanwhile: our inode has no page
 * cache for khugepaged to collapse, and madvise() cannot zap it. A GUP
 * attachment (VM_MIXEDMAP) can be MADV_DONTNEEDed, and kernels that free
 * emptied page tables then may do so under us: a table allocated here
 * again must not reclaim. apply_to_existing_page_range() is no way out:
 * it skips empty PTEs, the very ones we fill.
 */
static void install_window(struct window *w)
{
	unsigned int noreclaim = memalloc_noreclaim_save();

	apply_to_page_range(w->vma->vm_mm, w->start, w->npages << PAGE_SHIFT,
			    install_pte, w);
	memalloc_noreclaim_restore(noreclaim);
}

static void release_attacher_lock(struct vm_fault *vmf)
{
#ifdef XPMEM_HAVE_RELEASE_FAULT_LOCK
	release_fault_lock(vmf);
#else
	mmap_read_unlock(vmf->vma->vm_mm);
#endif
}

bool xpmem_holds_mmap_lock(struct vm_fault *vmf)
{
#ifdef XPMEM_HAVE_FAULT_FLAG_VMA_LOCK
	return !(vmf->flags & FAULT_FLAG_VMA_LOCK);
#else
	return true;
#endif
}

/*
 * A fault that may not drop its locks (no FAULT_FLAG_ALLOW_RETRY: a futex
 * fixing up its word, say), or ->access, must not sleep on the source's
 * mmap_lock while it holds its own: two processes attached to each other
 * would deadlock behind queued writers. Poll for a bounded time instead,
 * then give up.
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
 * the attacher's. On contention, a caller that may drop everything gets
 * RETRY: it waits for the source lock once and tries again.
 */
static vm_fault_t lock_source(struct window *w, struct mm_struct *src,
			      bool *locked)
{
	*locked = false;
	if (src == w->vma->vm_mm && w->own_locked)
		return 0;
	if (mmap_read_trylock(src)) {
		*locked = true;
		return 0;
	}
	if (!w->may_drop) {
		*locked = poll_source_lock(src);
		return *locked ? 0 : VM_FAULT_SIGBUS;
	}
	return VM_FAULT_RETRY;
}

/* Wait for a contended source lock once; drops a reference on @src. */
void xpmem_wait_for_source(struct mm_struct *src)
{
	if (!mmap_read_lock_killable(src))
		mmap_read_unlock(src);
	mmdrop(src);
}

/*
 * A lookup found the source's lock contended (*@busy, a reference): drop
 * the attacher's lock, wait for the source's once, and have the core
 * retry. The VMA may be gone once its lock is dropped: use @busy only.
 */
vm_fault_t xpmem_retry_fault(struct vm_fault *vmf, struct mm_struct *busy)
{
	if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT) {
		mmdrop(busy);
		return VM_FAULT_RETRY;
	}
	release_attacher_lock(vmf);
	xpmem_wait_for_source(busy);
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

#ifdef XPMEM_HAVE_GUP_QUIET_NUMA
/*
 * hmm_range_fault() resolves a NUMA hint on the faulting page the way the
 * page's owner would: from the attacher's CPU, so NUMA balancing migrates
 * the exporter's page to the attacher's node and counts the fault to the
 * attacher, and the exporter's next access pulls it back. The kernel's own
 * remote readers (get_user_pages() without FOLL_HONOR_NUMA_FAULT) take a
 * hinted page as it is, and so does a read fault here: the faulting page
 * and the present pages after it come from GUP without a fault. Pages GUP
 * cannot take without one (absent, or a VMA GUP refuses) go to hmm, and
 * writes always do: a PROT_NONE entry is not writable, so they honour the
 * hint. Called with the source's mmap_lock; the page references are
 * dropped at once, as the lookup is checked against range->notifier_seq,
 * read before any of this. Returns 0, or -EAGAIN for the hmm way.
 */
static int read_quietly(struct mm_struct *src, struct window *w)
{
	unsigned long addr = w->src + (w->fault_idx << PAGE_SHIFT), i;
	unsigned long n = w->npages - w->fault_idx;
	struct page *pages[WINDOW_MAX];
	struct vm_area_struct *vma;
	long got;

	vma = vma_lookup(src, addr);
	/* only plain memory: what hmm would map is what GUP returns there */
	if (!vma || vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return -EAGAIN;
	n = min3(n, (vma->vm_end - addr) >> PAGE_SHIFT, ARRAY_SIZE(pages));
	got = get_user_pages_remote(src, addr, n, FOLL_NOFAULT, pages, NULL);
	if (got <= 0)
		return -EAGAIN;
	for (i = 0; i < got; i++) {
		unsigned long *entry = &w->pfns[w->fault_idx + i];

		if (!(*entry & HMM_PFN_VALID))
			*entry = page_to_pfn(pages[i]) | HMM_PFN_VALID;
		put_page(pages[i]);
	}
	return 0;
}

/*
 * Not for GUP attachments: a quiet read maps the page read-only, and their
 * hook hands out no anonymous page behind a read-only PTE of a writable
 * VMA (gup.c); hmm's lookup says whether the page may be mapped writable.
 */
static bool may_read_quietly(struct window *w)
{
	return w->fault_idx != NO_FAULT && !w->write && !w->att->gup;
}
#else
static int read_quietly(struct mm_struct *src, struct window *w)
{
	return -EAGAIN;
}

static bool may_read_quietly(struct window *w)
{
	return false;
}
#endif

/* Look the window up in the source; 0, a vm_fault_t error, or RETRY. */
static vm_fault_t lookup_source(struct hmm_range *range, struct window *w)
{
	struct mm_struct *src = range->notifier->mm;
	bool quiet = may_read_quietly(w), locked, secret_ok;
	vm_fault_t ret;
	int err;

	do {
		if (fatal_signal_pending(current))
			return VM_FAULT_SIGBUS;
		memset(w->pfns, 0, w->npages * sizeof(w->pfns[0]));
		if (w->fault_idx != NO_FAULT && !quiet)
			w->pfns[w->fault_idx] = HMM_PFN_REQ_FAULT |
				(w->write ? HMM_PFN_REQ_WRITE : 0);
		range->notifier_seq = mmu_interval_read_begin(range->notifier);
		ret = lock_source(w, src, &locked);
		if (ret)
			return ret;
		err = hmm_range_fault(range);
		if (!err && quiet && !(w->pfns[w->fault_idx] & HMM_PFN_VALID))
			err = read_quietly(src, w);
		quiet = quiet && err != -EAGAIN;
		secret_ok = err || drop_secret_pages(src, w);
		if (locked)
			mmap_read_unlock(src);
	} while (err == -EBUSY || err == -EAGAIN);

	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	/* a hole, an unmapped or secret page, or a write the source may not do */
	return err || !secret_ok ? VM_FAULT_SIGBUS : 0;
}

/*
 * Look the window up until no invalidation overlapped the lookup; returns
 * 0 with map_lock held, so the pages stay mapped in the source until the
 * caller unlocks.
 */
vm_fault_t xpmem_lookup_stable(struct hmm_range *range, struct window *w)
{
	struct xpmem_segment *seg = w->att->seg;
	vm_fault_t ret;

	for (;;) {
		ret = lookup_source(range, w);
		if (ret)
			return ret;
		mutex_lock(&seg->map_lock);
		if (!mmu_interval_read_retry(&seg->notifier,
					     range->notifier_seq))
			return 0;
		mutex_unlock(&seg->map_lock);
	}
}

void xpmem_init_range(struct hmm_range *range, struct window *w)
{
	memset(range, 0, sizeof(*range));
	range->notifier = &w->att->seg->notifier;
	range->start = w->src;
	range->end = w->src + (w->npages << PAGE_SHIFT);
	range->hmm_pfns = w->pfns;
	range->pfn_flags_mask = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
}

/*
 * Pin the segment against removal and revocation (seg->sem) and its
 * source mm against exit; NULL if either already happened.
 */
struct mm_struct *xpmem_enter_source(struct xpmem_attach *att)
{
	struct xpmem_segment *seg = att->seg;

	down_read(&seg->sem);
	if (!seg->removed && !READ_ONCE(att->permit->revoked) &&
	    mmget_not_zero(seg->mm))
		return seg->mm;
	up_read(&seg->sem);
	return NULL;
}

void xpmem_leave_source(struct xpmem_attach *att, struct mm_struct *src)
{
	up_read(&att->seg->sem);
	mmput_async(src);
}

/*
 * Look the window up and install it: VM_FAULT_NOPAGE once done, or an
 * error, or VM_FAULT_RETRY with *@busy the contended source (a reference
 * for xpmem_wait_for_source()) when the caller may drop its locks.
 */
vm_fault_t xpmem_fill_window(struct window *w, struct mm_struct **busy)
{
	struct xpmem_attach *att = w->att;
	struct hmm_range range;
	struct mm_struct *src;
	vm_fault_t ret;
	long added;

	xpmem_huge_block_lock(att);
	if (xpmem_huge_block_mapped(w->vma->vm_mm, w->start)) {
		xpmem_huge_block_unlock(att);
		return VM_FAULT_NOPAGE;		/* the PMD is there: refault */
	}
	src = xpmem_enter_source(att);
	if (!src) {
		xpmem_huge_block_unlock(att);
		return VM_FAULT_SIGBUS;
	}
	/*
	 * Page tables and the page record first, outside map_lock:
	 * allocating under it could enter reclaim, whose invalidation of the
	 * source needs that lock.
	 */
	if (xpmem_pages_prepare(&att->pages, window_page(w, 0), w->npages) ||
	    apply_to_page_range(w->vma->vm_mm, w->start,
				w->npages << PAGE_SHIFT, touch_pte, NULL)) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	bitmap_zero(w->fresh, w->npages);
	xpmem_init_range(&range, w);
	ret = xpmem_lookup_stable(&range, w);
	if (!ret) {
		install_window(w);
		added = xpmem_pages_mark(&att->pages, window_page(w, 0),
					 w->npages, w->fresh);
		xpmem_attach_count_mapped(att, added);
		mutex_unlock(&att->seg->map_lock);
		ret = VM_FAULT_NOPAGE;
	} else if (ret == VM_FAULT_RETRY) {
		mmgrab(src);
		*busy = src;
	}
out:
	xpmem_leave_source(att, src);
	xpmem_huge_block_unlock(att);
	return ret;
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
	unsigned long pfns[WINDOW_MAX];
	DECLARE_BITMAP(fresh, WINDOW_MAX);
	struct window w = {
		.att = vma->vm_private_data,
		.write = write,
		.own_locked = xpmem_holds_mmap_lock(vmf),
		.may_drop = vmf->flags & FAULT_FLAG_ALLOW_RETRY,
		.fresh = fresh,
		.pfns = pfns,
	};
	struct mm_struct *busy;
	vm_fault_t ret;

	if (!w.att)
		return VM_FAULT_SIGBUS;		/* not bound yet: see vma_open */
	if (!frame_window(&w, vma, vmf->address & PAGE_MASK))
		return VM_FAULT_SIGBUS;
	ret = check_window(&w);
	if (ret)
		return ret;
	ret = xpmem_fill_window(&w, &busy);
	if (ret != VM_FAULT_RETRY)
		return ret;
	if (mkwrite) {
		/* the core cannot retry pfn_mkwrite: let the access refault */
		mmdrop(busy);
		cond_resched();
		return VM_FAULT_NOPAGE;
	}
	return xpmem_retry_fault(vmf, busy);
}

vm_fault_t xpmem_fault(struct vm_fault *vmf)
{
	return map_window(vmf, vmf->flags & FAULT_FLAG_WRITE, false);
}

/*
 * pfn_mkwrite, and page_mkwrite for pages GUP attachments find (gup.c).
 * Only the latter can come here without VM_WRITE: GUP unsharing a page
 * that stopped being exclusive to the source; it refaults and finds none.
 */
vm_fault_t xpmem_pfn_mkwrite(struct vm_fault *vmf)
{
	if (!(vmf->vma->vm_flags & VM_WRITE))
		return VM_FAULT_NOPAGE;
	return map_window(vmf, true, true);
}
