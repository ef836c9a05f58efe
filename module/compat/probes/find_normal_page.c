// SPDX-License-Identifier: GPL-2.0
/*
 * the find_special_page hook under its later name (find_special_page.c)
 */
#include <linux/mm.h>

static struct page *find(struct vm_area_struct *vma, unsigned long addr)
{
	return NULL;
}

const struct vm_operations_struct probe_ops;
const struct vm_operations_struct probe_ops = {
	.find_normal_page = find,
};
