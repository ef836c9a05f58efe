/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the few kernel interfaces that differ between the kernels we
 * build for, decided by the build-time probes in probes/ (see probe.sh).
 */
#ifndef _XPMEM_COMPAT_H
#define _XPMEM_COMPAT_H

#include <linux/mm.h>
#include <linux/mmu_notifier.h>

#include "generated/config.h"

static inline void xpmem_vm_flags_set(struct vm_area_struct *vma,
				      unsigned long flags)
{
#ifdef XPMEM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void xpmem_vm_flags_clear(struct vm_area_struct *vma,
					unsigned long flags)
{
#ifdef XPMEM_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/* drop the PTEs of part of a VM_PFNMAP VMA */
static inline void xpmem_zap_vma_ptes(struct vm_area_struct *vma,
				      unsigned long address, unsigned long size)
{
#ifdef XPMEM_HAVE_ZAP_SPECIAL_VMA_RANGE
	zap_special_vma_range(vma, address, size);
#else
	zap_vma_ptes(vma, address, size);
#endif
}

/*
 * Zapping attachers from a source's invalidate callback starts nested
 * invalidations of the attachers' mms; a kernel whose lockdep can be told
 * so has these two (tests/debug/patches), every other kernel nothing.
 */
static inline void xpmem_nested_invalidation_begin(void)
{
#ifdef XPMEM_HAVE_MMU_NOTIFIER_NESTED
	mmu_notifier_nested_begin();
#endif
}

static inline void xpmem_nested_invalidation_end(void)
{
#ifdef XPMEM_HAVE_MMU_NOTIFIER_NESTED
	mmu_notifier_nested_end();
#endif
}

/*
 * vm_normal_page() asks the VMA for the page behind a special PTE: the
 * hook GUP attachments need (gup.c), under either of its names.
 */
#if defined(XPMEM_HAVE_FIND_SPECIAL_PAGE)
#define XPMEM_HAVE_GUP_ATTACHMENTS 1
#define XPMEM_VM_OPS_FIND_PAGE find_special_page
#elif defined(XPMEM_HAVE_FIND_NORMAL_PAGE)
#define XPMEM_HAVE_GUP_ATTACHMENTS 1
#define XPMEM_VM_OPS_FIND_PAGE find_normal_page
#endif

#endif /* _XPMEM_COMPAT_H */
