// SPDX-License-Identifier: GPL-2.0
/*
 * pages.c - which pages of an attachment are mapped in the attacher.
 *
 * Our PTEs are special (no struct page accounting), and walking the
 * attacher's page tables to count them needs helpers not every kernel
 * exports and cannot be done from every context. Instead each attachment
 * keeps one bit per page, in 512-page chunks allocated on first touch:
 * a fault sets the bits of the PTEs it installed, and every path that
 * removes our PTEs clears the bits of the range it removes. Counts follow
 * bit transitions, so a page counted twice or forgotten twice is
 * impossible and the totals balance by construction.
 *
 * Indices are page offsets from the attachment's source start. Memory is
 * one 64-byte chunk per 2 MiB touched, freed with the attachment; the
 * first 2 MiB's chunk is part of the record itself, so a small attachment
 * costs no allocation and no xarray walk.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>

#include "xpmem_internal.h"

#define CHUNK_SHIFT	9
#define CHUNK_PAGES	BIT(CHUNK_SHIFT)
#define CHUNK_MASK	(CHUNK_PAGES - 1)

static_assert(CHUNK_PAGES == XPMEM_PAGES_CHUNK);

struct chunk {
	DECLARE_BITMAP(bits, CHUNK_PAGES);
};

/*
 * The bits of the first prepared chunk in [*idx, last], *idx becoming its
 * index, or NULL if there is none. Chunk 0 is the record's own, never
 * allocated; the others are in the xarray. Under p->lock.
 */
static unsigned long *next_bits(struct xpmem_pages *p, unsigned long *idx,
				unsigned long last)
{
	struct chunk *c;

	if (*idx > last)
		return NULL;
	if (!*idx)
		return p->first;
	c = xa_find(&p->chunks, idx, last, XA_PRESENT);
	return c ? c->bits : NULL;
}

void xpmem_pages_init(struct xpmem_pages *p)
{
	spin_lock_init(&p->lock);
	xa_init(&p->chunks);
	bitmap_zero(p->first, CHUNK_PAGES);
	atomic64_set(&p->count, 0);
}

/* Allocate the chunks that pages [first, first + n) fall in; may sleep. */
int xpmem_pages_prepare(struct xpmem_pages *p, unsigned long first,
			unsigned long n)
{
	unsigned long idx, last = (first + n - 1) >> CHUNK_SHIFT;
	struct chunk *c, *old;

	for (idx = max(first >> CHUNK_SHIFT, 1UL); idx <= last; idx++) {
		if (xa_load(&p->chunks, idx))
			continue;
		c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
		if (!c)
			return -ENOMEM;
		old = xa_cmpxchg(&p->chunks, idx, NULL, c, GFP_KERNEL_ACCOUNT);
		if (old) {
			kfree(c);	/* another fault was first, or no memory */
			if (xa_is_err(old))
				return xa_err(old);
		}
	}
	return 0;
}

/*
 * Set the bits of pages first + i for each i set in @fresh (n bits); the
 * chunks were prepared. Returns how many bits went from 0 to 1.
 */
long xpmem_pages_mark(struct xpmem_pages *p, unsigned long first,
		      unsigned long n, const unsigned long *fresh)
{
	unsigned long i, idx, cur = ULONG_MAX, *bits = NULL;
	long set = 0;

	spin_lock(&p->lock);
	for_each_set_bit(i, fresh, n) {
		idx = (first + i) >> CHUNK_SHIFT;
		if (idx != cur) {
			cur = idx;
			bits = next_bits(p, &idx, idx);
		}
		if (bits && !__test_and_set_bit((first + i) & CHUNK_MASK, bits))
			set++;
	}
	atomic64_add(set, &p->count);
	spin_unlock(&p->lock);
	return set;
}

/* The bits [*lo, *hi) of chunk @idx that pages [first, end) cover. */
static void chunk_span(unsigned long idx, unsigned long first,
		       unsigned long end, unsigned long *lo, unsigned long *hi)
{
	*lo = max(first, idx << CHUNK_SHIFT) & CHUNK_MASK;
	*hi = min(end - (idx << CHUNK_SHIFT), CHUNK_PAGES);
}

/*
 * Set (@set) or clear the bits [lo, hi) of @bits; how many changed. Whole
 * words at a time: a 2 MiB mapping sets 512 bits, a detach clears them all.
 */
static long change_bits(unsigned long *bits, unsigned long lo,
			unsigned long hi, bool set)
{
	long was = bitmap_weight(bits, hi) - bitmap_weight(bits, lo);

	if (set) {
		bitmap_set(bits, lo, hi - lo);
		return hi - lo - was;
	}
	bitmap_clear(bits, lo, hi - lo);
	return was;
}

/*
 * Set (@set) or clear pages [first, first + n); setting needs the chunks
 * prepared. Returns how many bits changed.
 */
static long change(struct xpmem_pages *p, unsigned long first,
		   unsigned long n, bool set)
{
	unsigned long idx, lo, hi, end = first + n, *bits;
	long changed = 0;

	if (!n)
		return 0;
	spin_lock(&p->lock);
	/* nothing mapped, nothing to clear: a detach before any fault */
	if (!set && !atomic64_read(&p->count))
		goto out;
	for (idx = first >> CHUNK_SHIFT;
	     (bits = next_bits(p, &idx, (end - 1) >> CHUNK_SHIFT)); idx++) {
		chunk_span(idx, first, end, &lo, &hi);
		changed += change_bits(bits, lo, hi, set);
	}
	atomic64_add(set ? changed : -changed, &p->count);
out:
	spin_unlock(&p->lock);
	return changed;
}

/* Set pages [first, first + n); prepared. Returns how many were clear. */
long xpmem_pages_mark_all(struct xpmem_pages *p, unsigned long first,
			  unsigned long n)
{
	return change(p, first, n, true);
}

/* Clear pages [first, first + n); returns how many were set. */
long xpmem_pages_clear(struct xpmem_pages *p, unsigned long first,
		       unsigned long n)
{
	return change(p, first, n, false);
}

/* Whether any page of [first, first + n) is mapped; never sleeps. */
bool xpmem_pages_any(struct xpmem_pages *p, unsigned long first,
		     unsigned long n)
{
	unsigned long idx, lo, hi, end = first + n, *bits;
	bool any = false;

	if (!n)
		return false;
	spin_lock(&p->lock);
	for (idx = first >> CHUNK_SHIFT;
	     !any && (bits = next_bits(p, &idx, (end - 1) >> CHUNK_SHIFT));
	     idx++) {
		chunk_span(idx, first, end, &lo, &hi);
		any = find_next_bit(bits, hi, lo) < hi;
	}
	spin_unlock(&p->lock);
	return any;
}

/*
 * Free the record; returns how many pages it still counted. Its owner is
 * off every list that could count into it, so a read is enough.
 */
long xpmem_pages_destroy(struct xpmem_pages *p)
{
	unsigned long idx;
	struct chunk *c;

	/* a small attachment has only chunk 0: spare the xa lock */
	if (!xa_empty(&p->chunks)) {
		xa_for_each(&p->chunks, idx, c)
			kfree(c);
		xa_destroy(&p->chunks);
	}
	return atomic64_read(&p->count);
}
