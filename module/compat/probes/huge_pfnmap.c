// SPDX-License-Identifier: GPL-2.0
/*
 * special huge PMDs in VM_PFNMAP VMAs: ->huge_fault(vmf, order) reached for
 * them, pmd_special(), and thp_get_unmapped_area() to line blocks up
 * (6.12 and later on x86-64)
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>

#ifndef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#error "no special huge PMDs"
#endif

static vm_fault_t probe_fault(struct vm_fault *vmf, unsigned int order)
{
	return VM_FAULT_FALLBACK;
}

static int probe_split(struct vm_area_struct *vma, unsigned long addr)
{
	return 0;
}

void probe(pmd_t *pmdp, unsigned long pfn, struct file *file);
void probe(pmd_t *pmdp, unsigned long pfn, struct file *file)
{
	pmd_t pmd = pmdp_get_lockless(pmdp);

	if (thp_get_unmapped_area(file, 0, PMD_SIZE, 0, 0) &&
	    !pmd_special(pmd) && !pmd_leaf(pmd))
		*pmdp = pmd_mkspecial(pmd_mkhuge(pfn_pmd(pfn, PAGE_SHARED)));
}

const struct vm_operations_struct probe_ops = {
	.huge_fault = probe_fault,
	.may_split = probe_split,
};
