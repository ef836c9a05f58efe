// SPDX-License-Identifier: GPL-2.0
/*
 * special huge PUDs in VM_PFNMAP VMAs, which ->huge_fault(vmf, PUD_ORDER)
 * may install and the core zaps and splits whole (6.12 and later on
 * x86-64)
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>

#if !defined(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP) || \
	!defined(CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD)
#error "no special huge PUDs"
#endif

void probe(struct mm_struct *mm, pud_t *pudp, unsigned long pfn);
void probe(struct mm_struct *mm, pud_t *pudp, unsigned long pfn)
{
	spinlock_t *ptl = pud_lock(mm, pudp);
	pud_t pud = READ_ONCE(*pudp);

	if (pud_special(pud) && pud_leaf(pud))
		pudp_huge_get_and_clear(mm, 0, pudp);
	else
		set_pud_at(mm, 0, pudp,
			   pud_mkspecial(pud_mkdirty(pud_mkhuge(pfn_pud(pfn, PAGE_SHARED)))));
	spin_unlock(ptl);
}
