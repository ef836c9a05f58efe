// SPDX-License-Identifier: GPL-2.0
/* zap_vma_ptes() became zap_special_vma_range() (7.x) */
#include <linux/mm.h>

void probe(struct vm_area_struct *vma);
void probe(struct vm_area_struct *vma)
{
	zap_special_vma_range(vma, vma->vm_start, PAGE_SIZE);
}
