// SPDX-License-Identifier: GPL-2.0
/*
 * huge.c - 2 MiB mappings of source memory the exporter maps with a PMD
 * (transparent huge pages, hugetlb).
 *
 * Where the kernel has special huge PMDs (the huge_pfnmap probe: 6.12 and
 * later on x86-64), a fault in a 2 MiB block of an attachment installs one
 * special PMD -- 512 pages for one fault, and one TLB entry -- when the
 * block lies whole inside its VMA, its source block is 2 MiB-aligned
 * inside the attachment's range, and the source maps that block with one
 * PMD. Attachments are placed so that attacher and source addresses agree
 * modulo 2 MiB (thp_get_unmapped_area()), which is what makes blocks line
 * up. Anything else falls back to the 4 KiB window of fault.c.
 *
 * Coherence is the 4 KiB path's: the PMD is installed under map_lock
 * with a lookup no invalidation overlapped; the core zaps a special PMD
 * whole whenever any part of its block is unmapped, invalidated, split or
 * mprotect()ed partly, and the next touch refaults. Writability follows
 * the same rule (permit, VMA, source PMD writable, folio dirty or fresh
 * anonymous); a store to a read-only PMD comes back here through the
 * core's huge write fault.
 *
 * A block holds either one PMD or a table of 4 KiB PTEs, never both,
 * because apply_to_page_range() must never meet a huge PMD: 4 KiB faults
 * work on one block at a time under att->huge_sem held for reading, and
 * give up on a block that holds a PMD; a PMD goes in under it held for
 * writing, and only into an empty slot.
 *
 * 1 GiB blocks work the same way one level up where the kernel has
 * special huge PUDs (the huge_pfnmap_pud probe): a 1 GiB hugetlb source
 * block gets one PUD if the block lies whole in the VMA and attacher and
 * source agree modulo 1 GiB (attachments of 1 GiB and more are placed so,
 * segment.c). The core asks for a PUD first and falls back to PMDs, and a
 * 1 GiB block holds either the PUD or page tables. Zaps widen to the
 * largest block the segment ever mapped whole (seg->huge_order). Kernels
 * without special huge PMDs (6.1) map 4 KiB PTEs only.
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/moduleparam.h>
#include <linux/pgtable.h>

#include "window.h"

/* read-only: whether this build maps 2 MiB blocks with one PMD */
#ifdef XPMEM_HAVE_HUGE_PFNMAP
static bool pmd_mappings = true;
#else
static bool pmd_mappings;
#endif
module_param(pmd_mappings, bool, 0444);
MODULE_PARM_DESC(pmd_mappings, "2 MiB source blocks mapped with one PMD (kernel support)");

/* read-only: whether this build maps 1 GiB blocks with one PUD */
#ifdef XPMEM_HAVE_HUGE_PFNMAP_PUD
static bool pud_mappings = true;
#else
static bool pud_mappings;
#endif
module_param(pud_mappings, bool, 0444);
MODULE_PARM_DESC(pud_mappings, "1 GiB source blocks mapped with one PUD (kernel support)");

#ifdef XPMEM_HAVE_HUGE_PFNMAP

void xpmem_huge_block_lock(struct xpmem_attach *att)
{
	down_read(&att->huge_sem);
}

void xpmem_huge_block_unlock(struct xpmem_attach *att)
{
	up_read(&att->huge_sem);
}

/* Whether the 2 MiB block of @addr holds a PMD; under the mmap or VMA lock. */
bool xpmem_huge_block_mapped(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	if (pud_none(READ_ONCE(*pud)))
		return false;
	if (pud_leaf(READ_ONCE(*pud)))
		return true;
	return pmd_leaf(pmdp_get_lockless(pmd_offset(pud, addr)));
}

static unsigned long block_size(unsigned int order)
{
	return PAGE_SIZE << order;
}

/*
 * Frame the one-page window of @addr, and say whether its block of @order
 * may take one entry: whole in the VMA, source block aligned and in range.
 */
static bool frame_block(struct window *w, struct vm_area_struct *vma,
			unsigned long addr, unsigned int order)
{
	unsigned long size = block_size(order);
	unsigned long haddr = addr & ~(size - 1);
	struct xpmem_attach *att = w->att;
	unsigned long src_block;

	/* GUP attachments: a special PMD has no page for get_user_pages() */
	if (!att || att->gup || READ_ONCE(xpmem_one_page_faults) ||
	    arch_needs_pgtable_deposit() || haddr < vma->vm_start ||
	    haddr + size > vma->vm_end)
		return false;
	xpmem_window_set(w, vma, addr & PAGE_MASK, 1);
	w->fault_idx = 0;
	src_block = w->src - (w->start - haddr);
	return IS_ALIGNED(src_block, size) && src_block >= att->src_start &&
	       src_block + size <= att->src_end;
}

/*
 * The page frame of the block's first page if the source maps the whole
 * block of @order with one entry (hmm reports the order of the mapping),
 * else 0.
 */
static unsigned long block_pfn(struct window *w, unsigned int order)
{
	unsigned long entry = w->pfns[0], idx, pfn;
	struct folio *folio;

	if (!(entry & HMM_PFN_VALID) || hmm_pfn_to_map_order(entry) < order)
		return 0;
	idx = (w->start & (block_size(order) - 1)) >> PAGE_SHIFT;
	pfn = page_to_pfn(hmm_pfn_to_page(entry)) - idx;
	if (!IS_ALIGNED(pfn, 1UL << order))
		return 0;
	folio = page_folio(pfn_to_page(pfn));
	if (folio_is_zone_device(folio) || folio_nr_pages(folio) < (1L << order))
		return 0;
	/*
	 * A folio with no mapping, neither anonymous nor a file's, is the
	 * huge zero folio (a THP source read before any write; the kernel
	 * does not export which folio that is). Newer kernels' zap of a PMD
	 * that maps it withdraws a deposited page table, which a special
	 * PMD has none of (7.2 oopses). Its 4 KiB pages map as PTEs, and the
	 * exporter's first write zaps them.
	 */
	if (!READ_ONCE(folio->mapping))
		return 0;
	return pfn;
}

/*
 * Put the PMD in, or make a read-only one of ours writable; the caller
 * holds map_lock. Returns the pages newly mapped, or -1 if the block
 * holds a page table (the 4 KiB path is to map it).
 */
static long install_pmd(struct vm_fault *vmf, struct window *w,
			unsigned long pfn)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & PMD_MASK;
	bool writable = xpmem_may_write(w, 0, pfn_to_page(pfn));
	pmd_t old, new;
	spinlock_t *ptl;		/* the PMD's page-table lock */
	long added = 0;

	new = pmd_mkhuge(pfn_pmd(pfn, writable ? w->prot_rw : w->prot_ro));
	if (writable)
		new = pmd_mkdirty(new);
	new = pmd_mkspecial(new);

	ptl = pmd_lock(vma->vm_mm, vmf->pmd);
	old = pmdp_get_lockless(vmf->pmd);
	if (pmd_none(old)) {
		set_pmd_at(vma->vm_mm, haddr, vmf->pmd, new);
		added = PTRS_PER_PMD;
	} else if (!pmd_leaf(old)) {
		added = -1;
	} else if (writable && !pmd_write(old) && pmd_pfn(old) == pfn) {
		/* only an upgrade: a stale read-only TLB entry just refaults */
		pmdp_huge_get_and_clear(vma->vm_mm, haddr, vmf->pmd);
		set_pmd_at(vma->vm_mm, haddr, vmf->pmd, new);
	}
	spin_unlock(ptl);
	return added;
}

#ifdef XPMEM_HAVE_HUGE_PFNMAP_PUD
/* install_pmd() one level up: for a block of PUD_ORDER */
static long install_pud(struct vm_fault *vmf, struct window *w,
			unsigned long pfn)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & PUD_MASK;
	bool writable = xpmem_may_write(w, 0, pfn_to_page(pfn));
	pud_t old, new;
	spinlock_t *ptl;		/* the PUD's page-table lock */
	long added = 0;

	new = pud_mkhuge(pfn_pud(pfn, writable ? w->prot_rw : w->prot_ro));
	if (writable)
		new = pud_mkdirty(new);
	new = pud_mkspecial(new);

	ptl = pud_lock(vma->vm_mm, vmf->pud);
	old = READ_ONCE(*vmf->pud);
	if (pud_none(old)) {
		set_pud_at(vma->vm_mm, haddr, vmf->pud, new);
		added = 1L << PUD_ORDER;
	} else if (!pud_leaf(old)) {
		added = -1;
	} else if (writable && !pud_write(old) && pud_pfn(old) == pfn) {
		pudp_huge_get_and_clear(vma->vm_mm, haddr, vmf->pud);
		set_pud_at(vma->vm_mm, haddr, vmf->pud, new);
	}
	spin_unlock(ptl);
	return added;
}
#endif

static long install_block(struct vm_fault *vmf, struct window *w,
			  unsigned long pfn, unsigned int order)
{
#ifdef XPMEM_HAVE_HUGE_PFNMAP_PUD
	if (order == PUD_ORDER)
		return install_pud(vmf, w, pfn);
#endif
	return install_pmd(vmf, w, pfn);
}

/* Look the block up and map it; under huge_sem for writing. */
static vm_fault_t map_block(struct vm_fault *vmf, struct window *w,
			    struct mm_struct **busy, unsigned int order)
{
	struct xpmem_attach *att = w->att;
	struct xpmem_segment *seg = att->seg;
	unsigned long first, pfn;
	struct hmm_range range;
	struct mm_struct *src;
	vm_fault_t ret;
	long added;

	src = xpmem_enter_source(att);
	if (!src)
		return VM_FAULT_FALLBACK;	/* the 4 KiB path says why */
	first = (w->src - att->src_start -
		 (w->start & (block_size(order) - 1))) >> PAGE_SHIFT;
	if (xpmem_pages_prepare(&att->pages, first, 1UL << order)) {
		ret = VM_FAULT_FALLBACK;
		goto out;
	}
	xpmem_init_range(&range, w);
	ret = xpmem_lookup_stable(&range, w);
	if (ret == VM_FAULT_RETRY) {
		mmgrab(src);
		*busy = src;
		goto out;
	}
	if (ret) {
		ret = VM_FAULT_FALLBACK;
		goto out;
	}
	pfn = block_pfn(w, order);
	added = -1;
	if (pfn) {
		/* before the entry, under map_lock: zaps widen to its block */
		if (seg->huge_order < order)
			WRITE_ONCE(seg->huge_order, order);
		added = install_block(vmf, w, pfn, order);
	}
	if (added > 0) {
		added = xpmem_pages_mark_all(&att->pages, first, 1UL << order);
		xpmem_attach_count_mapped(att, added);
		xpmem_account_add(&att->charge, faults, 1);
	}
	mutex_unlock(&seg->map_lock);
	ret = added < 0 ? VM_FAULT_FALLBACK : VM_FAULT_NOPAGE;
out:
	xpmem_leave_source(att, src);
	return ret;
}

/*
 * ->huge_fault: a first touch of an empty block, or a store to a read-only
 * PMD of ours. VM_FAULT_FALLBACK sends the core to the 4 KiB path.
 */
vm_fault_t xpmem_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long pfn;
	struct window w = {
		.att = vma->vm_private_data,
		.write = vmf->flags & FAULT_FLAG_WRITE,
		.own_locked = xpmem_holds_mmap_lock(vmf),
		.may_drop = vmf->flags & FAULT_FLAG_ALLOW_RETRY,
		.pfns = &pfn,
	};
	struct mm_struct *busy = NULL;
	vm_fault_t ret;

	if (order != PMD_ORDER && (!pud_mappings || order != PUD_ORDER))
		return VM_FAULT_FALLBACK;
	if (!frame_block(&w, vma, vmf->address, order) ||
	    xpmem_quota_check(&w.att->charge, XPMEM_QUOTA_MAPPED_PAGES,
			      1UL << order))
		return VM_FAULT_FALLBACK;
	down_write(&w.att->huge_sem);
	ret = map_block(vmf, &w, &busy, order);
	up_write(&w.att->huge_sem);
	if (ret == VM_FAULT_RETRY)
		ret = xpmem_retry_fault(vmf, busy);
	return ret;
}

/*
 * Prefault of one 2 MiB block (populate): if the source maps it with a PMD
 * or a PUD, map it as a fault would, through the core, which finds the
 * page-table slot and tries a PUD first; otherwise leave it to the 4 KiB
 * batch. Needs the mmap lock for reading; faults nothing into the source.
 */
void xpmem_huge_populate(struct vm_area_struct *vma, unsigned long start,
			 unsigned long npages)
{
	struct window w = { .att = vma->vm_private_data };
	struct hmm_range range;
	struct mm_struct *src;
	unsigned long pfn;
	bool huge = false;

	if (npages != PTRS_PER_PMD || !frame_block(&w, vma, start, PMD_ORDER) ||
	    xpmem_huge_block_mapped(vma->vm_mm, start))
		return;
	w.fault_idx = NO_FAULT;
	w.own_locked = true;
	w.pfns = &pfn;
	src = xpmem_enter_source(w.att);
	if (!src)
		return;
	xpmem_init_range(&range, &w);
	if (!xpmem_lookup_stable(&range, &w)) {
		huge = block_pfn(&w, PMD_ORDER) != 0;
		mutex_unlock(&w.att->seg->map_lock);
	}
	xpmem_leave_source(w.att, src);
	if (huge)
		handle_mm_fault(vma, start, FAULT_FLAG_REMOTE, NULL);
}

/*
 * A VMA of ours is being split at @addr (munmap, mprotect or mremap of
 * part of it): a PMD or PUD across @addr would be cleared by the core
 * behind our page record's back, so take the mappings of the largest
 * block the segment maps whole around @addr away first, counted.
 */
int xpmem_huge_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	struct xpmem_attach *att = vma->vm_private_data;
	unsigned long start, end, src, size;
	unsigned int order;

	order = att ? READ_ONCE(att->seg->huge_order) : 0;
	size = block_size(order);
	if (!order || att->gup || IS_ALIGNED(addr, size))
		return 0;
	start = max(addr & ~(size - 1), vma->vm_start);
	end = min((addr & ~(size - 1)) + size, vma->vm_end);
	src = (vma->vm_pgoff << PAGE_SHIFT) + (start - vma->vm_start);
	xpmem_zap_vma_ptes(vma, start, end - start);
	xpmem_attach_forget(att, src, src + (end - start));
	return 0;
}

#endif /* XPMEM_HAVE_HUGE_PFNMAP */
