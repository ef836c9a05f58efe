// SPDX-License-Identifier: GPL-2.0
/*
 * f_op->mmap_prepare() describes a mapping before its VMA exists, and
 * vm_ops->mapped() is told once it does (7.x); together they replace ->mmap
 */
#include <linux/fs.h>
#include <linux/mm.h>

static int prepare(struct vm_area_desc *desc)
{
	vma_desc_set_flags(desc, VMA_PFNMAP_BIT);
	return vma_desc_test(desc, VMA_SHARED_BIT) ? 0 : -EINVAL;
}

static int mapped(unsigned long start, unsigned long end, pgoff_t pgoff,
		  const struct file *file, void **vm_private_data)
{
	return 0;
}

const struct file_operations *probe(void);
const struct file_operations *probe(void)
{
	static const struct vm_operations_struct vm_ops = { .mapped = mapped };
	static const struct file_operations fops = { .mmap_prepare = prepare };

	return vm_ops.mapped ? &fops : NULL;
}
