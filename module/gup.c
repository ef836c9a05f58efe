// SPDX-License-Identifier: GPL-2.0
/*
 * gup.c - attachments that get_user_pages() accepts (gup_attachments=Y).
 *
 * Our PTEs are special: no reference, no rmap, no mapcount. GUP, and so
 * process_vm_readv(), O_DIRECT, vmsplice() and RDMA registration, refuse
 * them in a VM_PFNMAP VMA. In a VM_MIXEDMAP VMA, vm_normal_page() asks the
 * VMA's find_special_page hook (find_normal_page in later kernels) for
 * the page behind a special PTE, and GUP takes its own reference on what
 * we return. The page stays coherent without a pin: the source's notifier
 * zaps our PTE before the source lets the page go, and a third party's
 * reference only keeps the page alive after that.
 *
 * The danger is every other caller of vm_normal_page(). The core's zap
 * (munmap, exit, MADV_DONTNEED, unmap_mapping_range() of our own source
 * invalidations, mremap's clean-up) would treat the page as one this VMA
 * mapped through rmap: drop a mapcount and a reference it never took. Each
 * of those runs between invalidate_range_start() and _end() of the
 * attacher's mm, in the task that zaps. So a notifier on every attacher mm
 * with such VMAs records which tasks are inside an invalidation, and the
 * hook gives them no page: their zap clears a special PTE and nothing
 * else. From ->release on (exit, whose zap follows it), nobody gets one.
 * An invalidation that could not be recorded (no memory for a mark)
 * blinds the hook for everyone for as long as the notifier lives: an end
 * that matches no mark may be one whose start came before we were
 * registered, so counting ends could unblind us too early. GUP fails as
 * it does on VM_PFNMAP, nothing is ever mistaken.
 *
 * The hook also keeps the core's write-fault paths away from pages it
 * must not touch: an anonymous page is found only while it is exclusive
 * to the source (GUP would otherwise ask us to unshare it, which only the
 * source can do) and, in a writable VMA, only through a writable PTE
 * (6.1's do_wp_page() reuses or copies anonymous pages before it looks at
 * VM_SHARED). Writes to other pages reach page_mkwrite, which does what
 * pfn_mkwrite does. fork never copies the VMA (VM_DONTCOPY); mlock,
 * KSM, khugepaged, userfaultfd and NUMA hinting skip VM_MIXEDMAP VMAs.
 * madvise(MADV_COLD/PAGEOUT), mbind() and move_pages() on an attachment
 * reach the source's page through its own rmap, as they would through any
 * shared mapping of it: it may be aged, reclaimed or moved, and the
 * source's notifier zaps us first.
 *
 * No 2 MiB mappings in such VMAs (a special PMD has no page for GUP).
 * Pages of huge pages the source maps whole are not handed out either:
 * the kernel marks them exclusive on the head page only (hugetlb; THP
 * while mapped by a PMD), while GUP checks the 4 KiB page it gets.
 */
#include <linux/moduleparam.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "xpmem_internal.h"

#ifdef XPMEM_HAVE_GUP_ATTACHMENTS

static bool gup_attachments;
module_param(gup_attachments, bool, 0644);
MODULE_PARM_DESC(gup_attachments,
		 "new attachments accept get_user_pages() (process_vm_readv, O_DIRECT, vmsplice, RDMA) and map 4 KiB pages only");

#define RESERVED_MARKS	16

/* a task inside an invalidation of the attacher's mm */
struct mark {
	struct list_head link;
	struct task_struct *task;
	const struct mmu_notifier_range *range;
	bool reserved;			/* one of xpmem_gup_mm.reserve */
};

struct xpmem_gup_mm {
	struct mmu_notifier mn;		/* one per mm: mmu_notifier_get() */
	spinlock_t lock;		/* everything below */
	struct list_head active;	/* marks of invalidations in flight */
	struct list_head spare;		/* unused reserved marks */
	bool blind;			/* an invalidation went unrecorded */
	bool dead;			/* ->release ran: the mm is going */
	struct mark reserve[RESERVED_MARKS];
};

static struct xpmem_gup_mm *to_gup_mm(struct mmu_notifier *mn)
{
	return container_of(mn, struct xpmem_gup_mm, mn);
}

static int invalidate_start(struct mmu_notifier *mn,
			    const struct mmu_notifier_range *range)
{
	struct xpmem_gup_mm *g = to_gup_mm(mn);
	struct mark *m;

	spin_lock(&g->lock);
	m = list_first_entry_or_null(&g->spare, struct mark, link);
	if (m)
		list_del(&m->link);
	spin_unlock(&g->lock);
	if (!m) {
		/* may not sleep or reclaim: reclaim invalidates too */
		m = kmalloc(sizeof(*m), GFP_NOWAIT | __GFP_NOWARN);
		if (m)
			m->reserved = false;
	}
	spin_lock(&g->lock);
	if (m) {
		m->task = current;
		m->range = range;
		list_add(&m->link, &g->active);
	} else {
		g->blind = true;
	}
	spin_unlock(&g->lock);
	return 0;
}

static void invalidate_end(struct mmu_notifier *mn,
			   const struct mmu_notifier_range *range)
{
	struct xpmem_gup_mm *g = to_gup_mm(mn);
	struct mark *m, *found = NULL;

	spin_lock(&g->lock);
	list_for_each_entry(m, &g->active, link) {
		if (m->range == range && m->task == current) {
			found = m;
			break;
		}
	}
	if (found) {
		list_del(&found->link);
		if (found->reserved) {
			list_add(&found->link, &g->spare);
			found = NULL;
		}
	}
	spin_unlock(&g->lock);
	kfree(found);
}

static void release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct xpmem_gup_mm *g = to_gup_mm(mn);

	spin_lock(&g->lock);
	g->dead = true;
	spin_unlock(&g->lock);
}

static struct mmu_notifier *alloc_notifier(struct mm_struct *mm)
{
	struct xpmem_gup_mm *g;
	int i;

	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&g->lock);
	INIT_LIST_HEAD(&g->active);
	INIT_LIST_HEAD(&g->spare);
	for (i = 0; i < RESERVED_MARKS; i++) {
		g->reserve[i].reserved = true;
		list_add(&g->reserve[i].link, &g->spare);
	}
	return &g->mn;
}

/*
 * After an SRCU grace period, no callback runs. Marks may be left: the
 * last put (or ->release at exit) unlinks us from the mm, so an
 * invalidation another task opened before it without the mm's mmap_lock
 * (an exporter's zap, reclaim, migration) ends without telling us.
 * Nothing can look them up any more.
 */
static void free_notifier(struct mmu_notifier *mn)
{
	struct xpmem_gup_mm *g = to_gup_mm(mn);
	struct mark *m, *next;

	list_for_each_entry_safe(m, next, &g->active, link)
		if (!m->reserved)
			kfree(m);
	kfree(g);
}

static const struct mmu_notifier_ops gup_mm_ops = {
	.release		= release,
	.invalidate_range_start	= invalidate_start,
	.invalidate_range_end	= invalidate_end,
	.alloc_notifier		= alloc_notifier,
	.free_notifier		= free_notifier,
};

/*
 * Make @att a GUP attachment if the module parameter says so; before its
 * VMA exists, so every invalidation that could meet one of its PTEs is
 * recorded. 0, or -ENOMEM.
 */
int xpmem_gup_attach(struct xpmem_attach *att)
{
	struct mmu_notifier *mn;

	if (!READ_ONCE(gup_attachments))
		return 0;
	mn = mmu_notifier_get(&gup_mm_ops, current->mm);
	if (IS_ERR(mn))
		return PTR_ERR(mn);
	att->gup = to_gup_mm(mn);
	return 0;
}

void xpmem_gup_detach(struct xpmem_attach *att)
{
	if (att->gup)
		mmu_notifier_put(&att->gup->mn);
}

void xpmem_gup_exit(void)
{
	mmu_notifier_synchronize();	/* every free_notifier has run */
}

/* Whether the current task must not get pages of @g's mm. */
static bool in_invalidation(struct xpmem_gup_mm *g)
{
	struct mark *m;
	bool busy;

	spin_lock(&g->lock);
	busy = g->dead || g->blind;
	if (!busy) {
		list_for_each_entry(m, &g->active, link) {
			if (m->task == current) {
				busy = true;
				break;
			}
		}
	}
	spin_unlock(&g->lock);
	return busy;
}

/*
 * The PTE at @addr; every caller of vm_normal_page() holds the lock of its
 * page table, so the walk down to it is stable.
 */
static bool read_pte(struct mm_struct *mm, unsigned long addr, pte_t *pte)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd, pmdval;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return false;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || pud_bad(*pud))
		return false;
	pmd = pmd_offset(pud, addr);
	pmdval = READ_ONCE(*pmd);
	if (pmd_none(pmdval) || pmd_bad(pmdval))
		return false;
	*pte = ptep_get(pte_offset_kernel(&pmdval, addr));
	return true;
}

/*
 * vm_operations_struct.find_special_page: the page behind our special PTE
 * at @addr, for anyone but a task zapping this mm, or NULL.
 */
struct page *xpmem_gup_find_page(struct vm_area_struct *vma,
				 unsigned long addr)
{
	struct xpmem_attach *att = vma->vm_private_data;
	struct page *page;
	pte_t pte;

	if (!(vma->vm_flags & VM_MIXEDMAP) || !att || !att->gup ||
	    in_invalidation(att->gup) || !read_pte(vma->vm_mm, addr, &pte))
		return NULL;
	if (!pte_present(pte) || !pte_special(pte) || !pfn_valid(pte_pfn(pte)) ||
	    is_zero_pfn(pte_pfn(pte)))
		return NULL;
	page = pfn_to_page(pte_pfn(pte));
	/*
	 * hugetlb keeps the exclusive mark on the head page, and kernels
	 * differ on whether PageAnonExclusive() of a tail looks there (6.1
	 * asserts it is never asked): we could not agree with GUP's own
	 * check, so no hugetlb page is handed out.
	 */
	if (is_zone_device_page(page) || folio_test_hugetlb(page_folio(page)))
		return NULL;
	if (PageAnon(page) &&
	    (!PageAnonExclusive(page) ||
	     (!pte_write(pte) && (vma->vm_flags & VM_WRITE))))
		return NULL;
	return page;
}

#endif /* XPMEM_HAVE_GUP_ATTACHMENTS */
