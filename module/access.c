// SPDX-License-Identifier: GPL-2.0
/*
 * access.c - debuggers on attached memory.
 *
 * get_user_pages() refuses our VM_PFNMAP VMAs, so ptrace(PEEKDATA/
 * POKEDATA) and /proc/PID/mem, what gdb uses, fall back to ->access. It
 * reads the source page through a one-page window that installs nothing:
 * the attachment's PTEs stay as they are, and nothing is pinned.
 */
#include <linux/highmem.h>

#include "window.h"

static void copy_page_part(struct page *page, unsigned long off, void *buf,
			   int len, bool write)
{
	void *kaddr = kmap_local_page(page);

	if (write) {
		memcpy(kaddr + off, buf, len);
		folio_mark_dirty(page_folio(page));
	} else {
		memcpy(buf, kaddr + off, len);
	}
	kunmap_local(kaddr);
}

/*
 * ->access: ptrace and /proc/PID/mem, after get_user_pages() refused our
 * VM_PFNMAP VMA. The attacher's mmap_lock is held and may not be dropped,
 * so the source's is polled for as a fault that cannot retry does. The
 * page is faulted in as a touch through the attachment would, and copied
 * under map_lock, where no invalidation can take it away. A write needs a
 * writable VMA, as FOLL_FORCE does on a shared mapping (and an RDONLY
 * attachment never has VM_MAYWRITE), and dirties the page. Returns the
 * bytes copied, at most to the end of the page, or an errno.
 */
int xpmem_access(struct vm_area_struct *vma, unsigned long addr, void *buf,
		 int len, int write)
{
	unsigned long off = offset_in_page(addr), pfn;
	struct window w = {
		.att = vma->vm_private_data,
		.fault_idx = 0,
		.write = write,
		.own_locked = true,
		.pfns = &pfn,
	};
	struct hmm_range range;
	struct mm_struct *src;
	vm_fault_t ret;

	if (!w.att || len <= 0)
		return -EFAULT;
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	xpmem_window_set(&w, vma, addr & PAGE_MASK, 1);
	if (!xpmem_window_in_source(&w))
		return -EFAULT;
	len = min_t(unsigned long, len, PAGE_SIZE - off);

	src = xpmem_enter_source(w.att);
	if (!src)
		return -EFAULT;
	xpmem_init_range(&range, &w);
	ret = xpmem_lookup_stable(&range, &w);
	if (!ret) {
		copy_page_part(hmm_pfn_to_page(pfn), off, buf, len, write);
		mutex_unlock(&w.att->seg->map_lock);
	}
	xpmem_leave_source(w.att, src);
	if (ret)
		return ret & VM_FAULT_OOM ? -ENOMEM : -EFAULT;
	return len;
}
