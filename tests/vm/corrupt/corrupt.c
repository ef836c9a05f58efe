// SPDX-License-Identifier: GPL-2.0
/*
 * corrupt.ko: a test-only module that damages kernel memory in one real,
 * chosen way, so that tests/unit/splat.sh can prove that the guest harness
 * (tests/vm/run) fails a run on each kind of report the kernel prints.
 * Load it only in a throw-away guest:
 *
 *   insmod corrupt.ko kind=none|redzone|use_after_free|page_after_free|
 *                          list_double_del
 *
 * none does the same allocations as the others, used correctly: the control.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>

#define OBJ_SIZE	64
#define SCRIBBLE	0x5a
#define PAGE_TRIES	1024

static char *kind = "none";
module_param(kind, charp, 0444);
MODULE_PARM_DESC(kind,
		 "none, redzone, use_after_free, page_after_free or list_double_del");

/* none: a kmalloc object and a page, written within bounds and freed */
static int clean(void)
{
	struct page *page;
	u8 *obj;

	obj = kmalloc(OBJ_SIZE, GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	memset(obj, SCRIBBLE, OBJ_SIZE);
	kfree(obj);

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	memset(page_address(page), SCRIBBLE, PAGE_SIZE);
	__free_page(page);
	return 0;
}

/*
 * redzone: one byte past a kmalloc-64 object; kfree() finds the right red
 * zone overwritten (slub_debug=FZ on the guest command line; KASAN and
 * KFENCE report the write itself).
 */
static int redzone(void)
{
	size_t end = OBJ_SIZE;
	u8 *obj;

	obj = kmalloc(OBJ_SIZE, GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	OPTIMIZER_HIDE_VAR(end);
	obj[end] = SCRIBBLE;
	kfree(obj);
	return 0;
}

/*
 * use_after_free: a write into a freed, poisoned object of a cache of our
 * own; destroying the cache checks every object's poison ("Poison
 * overwritten"), whatever slub_debug says.  A second object keeps the
 * slab alive while the freed one is written.
 */
static int use_after_free(void)
{
	struct kmem_cache *cache;
	u8 *keep, *victim;
	int err = -ENOMEM;

	cache = kmem_cache_create("corrupt_uaf", OBJ_SIZE, 0,
				  SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE |
				  SLAB_POISON, NULL);
	if (!cache)
		return -ENOMEM;
	keep = kmem_cache_alloc(cache, GFP_KERNEL);
	if (!keep)
		goto err_cache;
	victim = kmem_cache_alloc(cache, GFP_KERNEL);
	if (!victim)
		goto err_keep;
	kmem_cache_free(cache, victim);
	OPTIMIZER_HIDE_VAR(victim);
	victim[OBJ_SIZE / 2] = SCRIBBLE;
	err = 0;
err_keep:
	kmem_cache_free(cache, keep);
err_cache:
	kmem_cache_destroy(cache);
	return err;
}

/*
 * page_after_free: a write into a freed page (poisoned by page_poison=1),
 * then pages are allocated until that one comes back: the allocator checks
 * the poison and reports "pagealloc: memory corruption".  Preemption stays
 * off, so the page waits on this CPU's free list and comes back first.
 */
static int page_after_free(void)
{
	struct page *victim, *page, *next;
	LIST_HEAD(taken);
	int i, err = -EAGAIN;
	u8 *addr;

	victim = alloc_page(GFP_KERNEL);
	if (!victim)
		return -ENOMEM;
	addr = page_address(victim);

	preempt_disable();
	__free_page(victim);
	OPTIMIZER_HIDE_VAR(addr);
	addr[PAGE_SIZE / 2] = SCRIBBLE;
	for (i = 0; i < PAGE_TRIES; i++) {
		page = alloc_page(GFP_NOWAIT | __GFP_NOWARN);
		if (!page)
			break;
		list_add(&page->lru, &taken);
		if (page == victim) {
			err = 0;
			break;
		}
	}
	preempt_enable();

	list_for_each_entry_safe(page, next, &taken, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	if (err)
		pr_err("%s: the freed page did not come back in %d allocations\n",
		       __func__, i);
	return err;
}

/* list_double_del: list_del() of an entry already deleted (LIST_POISON1) */
static int list_double_del(void)
{
	struct list_head entry;
	LIST_HEAD(head);

	list_add(&entry, &head);
	list_del(&entry);
	list_del(&entry);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(void);
} kinds[] = {
	{ "none", clean },
	{ "redzone", redzone },
	{ "use_after_free", use_after_free },
	{ "page_after_free", page_after_free },
	{ "list_double_del", list_double_del },
};

static int __init corrupt_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(kind, kinds[i].name))
			continue;
		pr_info("kind=%s\n", kind);
		return kinds[i].run();
	}
	pr_err("unknown kind '%s' (want none, redzone, use_after_free, page_after_free or list_double_del)\n",
	       kind);
	return -EINVAL;
}

static void __exit corrupt_exit(void)
{
}

module_init(corrupt_init);
module_exit(corrupt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test-only: corrupts kernel memory on purpose (tests/vm)");
