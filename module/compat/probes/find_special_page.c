// SPDX-License-Identifier: GPL-2.0
/*
 * vm_normal_page() asks the VMA for the page behind a special PTE (6.1,
 * 6.12); later kernels name the hook find_normal_page (find_normal_page.c)
 */
#include <linux/mm.h>

static struct page *find(struct vm_area_struct *vma, unsigned long addr)
{
	return NULL;
}

const struct vm_operations_struct probe_ops;
const struct vm_operations_struct probe_ops = {
	.find_special_page = find,
};
