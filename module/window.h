/* SPDX-License-Identifier: GPL-2.0 */
/*
 * window.h - a run of an attachment's pages looked up in the source
 * together: shared by the 4 KiB faults (fault.c), 2 MiB mappings
 * (huge.c), prefaults (populate.c) and debugger access (access.c).
 *
 * A window is framed in the attacher (start, npages) and in the source
 * (src), looked up with hmm_range_fault() while the segment is held
 * (xpmem_enter_source) and kept stable under the segment's map_lock
 * (xpmem_lookup_stable), where no invalidation of the source can finish.
 */
#ifndef _XPMEM_WINDOW_H
#define _XPMEM_WINDOW_H

#include <linux/hmm.h>

#include "xpmem_internal.h"

#define NO_FAULT	ULONG_MAX	/* a window that faults nothing in */

struct window {
	struct xpmem_attach *att;
	struct vm_area_struct *vma;
	unsigned long start;		/* attacher address of pfns[0] */
	unsigned long src;		/* source address of pfns[0] */
	unsigned long npages;
	unsigned long fault_idx;	/* the page to fault in, or NO_FAULT */
	bool write;			/* fault that page for write, dirty it */
	bool own_locked;		/* we hold the attacher's mmap_lock */
	bool may_drop;			/* and may drop it to wait for the source */
	pgprot_t prot_ro, prot_rw;	/* the VMA's, without and with write */
	unsigned long *fresh;		/* bitmap of the PTEs this fill added */
	unsigned long *pfns;
};

/* the one_page_faults module parameter: no windows, no 2 MiB mappings */
extern bool xpmem_one_page_faults;

void xpmem_window_set(struct window *w, struct vm_area_struct *vma,
		      unsigned long first, unsigned long npages);
bool xpmem_window_in_source(struct window *w);
bool xpmem_may_write(struct window *w, unsigned long idx, struct page *page);
bool xpmem_holds_mmap_lock(struct vm_fault *vmf);
struct mm_struct *xpmem_enter_source(struct xpmem_attach *att);
void xpmem_leave_source(struct xpmem_attach *att, struct mm_struct *src);
void xpmem_init_range(struct hmm_range *range, struct window *w);
vm_fault_t xpmem_lookup_stable(struct hmm_range *range, struct window *w);
vm_fault_t xpmem_retry_fault(struct vm_fault *vmf, struct mm_struct *busy);
void xpmem_wait_for_source(struct mm_struct *src);
vm_fault_t xpmem_fill_window(struct window *w, struct mm_struct **busy);
void xpmem_clip_to_block(unsigned long addr, unsigned long *first,
			 unsigned long *last);

/* huge.c: where the kernel cannot map 2 MiB, every block is 4 KiB PTEs */
#ifdef XPMEM_HAVE_HUGE_PFNMAP
void xpmem_huge_block_lock(struct xpmem_attach *att);
void xpmem_huge_block_unlock(struct xpmem_attach *att);
bool xpmem_huge_block_mapped(struct mm_struct *mm, unsigned long addr);
void xpmem_huge_populate(struct vm_area_struct *vma, unsigned long start,
			 unsigned long npages);
#else
static inline void xpmem_huge_block_lock(struct xpmem_attach *att) {}
static inline void xpmem_huge_block_unlock(struct xpmem_attach *att) {}
static inline bool xpmem_huge_block_mapped(struct mm_struct *mm,
					   unsigned long addr)
{
	return false;
}

static inline void xpmem_huge_populate(struct vm_area_struct *vma,
				       unsigned long start,
				       unsigned long npages) {}
#endif

#endif /* _XPMEM_WINDOW_H */
