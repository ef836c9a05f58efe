// SPDX-License-Identifier: GPL-2.0
/*
 * ids.c - segment and permit ids.
 *
 * The lineage built ids from the owner's pid and a per-process counter, so
 * any local user could guess a peer's segid. Ours are random positive
 * 64-bit values, unique among the live ones, found through a hash table.
 * Lookups run under RCU and take a reference only on live objects.
 *
 * The registry numbers every live segment, permit and attachment for the
 * netlink dumps: one xarray per kind, small cyclic ids, so a dump resumes
 * after the last id it sent (no rescan, no lock held between messages) and
 * walks the entries under RCU. Its generation number tells a dump that
 * spans several messages whether the set changed under it.
 */
#include <linux/hashtable.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "xpmem_internal.h"

#define ID_HASH_BITS 10

static DEFINE_HASHTABLE(segments, ID_HASH_BITS);
static DEFINE_HASHTABLE(permits, ID_HASH_BITS);
static DEFINE_SPINLOCK(ids_lock);

static struct xarray registry[XPMEM_KINDS];
static u32 registry_next_id[XPMEM_KINDS];
static atomic_t registry_gen = ATOMIC_INIT(1);

void xpmem_ids_init(void)
{
	int kind;

	for (kind = 0; kind < XPMEM_KINDS; kind++)
		xa_init_flags(&registry[kind], XA_FLAGS_ALLOC1);
}

void xpmem_ids_exit(void)
{
	int kind;

	/* every object holds a module reference through its file or proc */
	WARN_ON(!hash_empty(segments) || !hash_empty(permits));
	for (kind = 0; kind < XPMEM_KINDS; kind++) {
		WARN_ON(!xa_empty(&registry[kind]));
		xa_destroy(&registry[kind]);
	}
}

/* Number @obj in the registry of @kind; *id is its dump position. */
int xpmem_registry_add(enum xpmem_kind kind, void *obj, u32 *id)
{
	int ret;

	ret = xa_alloc_cyclic(&registry[kind], id, obj, xa_limit_32b,
			      &registry_next_id[kind], GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		return ret;
	atomic_inc(&registry_gen);
	return 0;
}

/* Take @obj out of the registry; idempotent (*id is 0 once out). */
void xpmem_registry_del(enum xpmem_kind kind, u32 *id)
{
	u32 old = xchg(id, 0);

	if (!old)
		return;
	xa_erase(&registry[kind], old);
	atomic_inc(&registry_gen);
}

u32 xpmem_registry_gen(void)
{
	return atomic_read(&registry_gen);
}

static bool tryget(enum xpmem_kind kind, void *obj)
{
	switch (kind) {
	case XPMEM_SEGMENTS:
		return kref_get_unless_zero(&((struct xpmem_segment *)obj)->ref);
	case XPMEM_PERMITS:
		return kref_get_unless_zero(&((struct xpmem_permit *)obj)->ref);
	case XPMEM_ATTACHMENTS:
		return kref_get_unless_zero(&((struct xpmem_attach *)obj)->ref);
	default:
		return false;
	}
}

/*
 * The first live object of @kind at position *pos or after it, with a
 * reference the caller drops (xpmem_*_put); *pos becomes its position.
 * Objects are freed after an RCU grace period, so the walk needs no lock.
 */
void *xpmem_registry_next(enum xpmem_kind kind, unsigned long *pos)
{
	void *obj;

	rcu_read_lock();
	for (obj = xa_find(&registry[kind], pos, ULONG_MAX, XA_PRESENT); obj;
	     obj = xa_find_after(&registry[kind], pos, ULONG_MAX, XA_PRESENT)) {
		if (tryget(kind, obj))
			break;
	}
	rcu_read_unlock();
	return obj;
}

static s64 random_id(void)
{
	s64 id;

	do {
		id = (s64)(get_random_u64() & S64_MAX);
	} while (id == 0);
	return id;
}

static bool segid_taken(s64 id)
{
	struct xpmem_segment *seg;

	hash_for_each_possible(segments, seg, id_node, id)
		if (seg->segid == id)
			return true;
	return false;
}

static bool apid_taken(s64 id)
{
	struct xpmem_permit *permit;

	hash_for_each_possible(permits, permit, id_node, id)
		if (permit->apid == id)
			return true;
	return false;
}

int xpmem_segment_hash(struct xpmem_segment *seg)
{
	s64 id;

	spin_lock(&ids_lock);
	do {
		id = random_id();
	} while (segid_taken(id));
	seg->segid = id;
	hash_add_rcu(segments, &seg->id_node, id);
	spin_unlock(&ids_lock);
	return 0;
}

void xpmem_segment_unhash(struct xpmem_segment *seg)
{
	spin_lock(&ids_lock);
	if (!hlist_unhashed(&seg->id_node))
		hash_del_rcu(&seg->id_node);
	spin_unlock(&ids_lock);
}

struct xpmem_segment *xpmem_segment_find(xpmem_segid_t segid)
{
	struct xpmem_segment *seg, *found = NULL;

	rcu_read_lock();
	hash_for_each_possible_rcu(segments, seg, id_node, segid) {
		if (seg->segid == segid && kref_get_unless_zero(&seg->ref)) {
			found = seg;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

int xpmem_permit_hash(struct xpmem_permit *permit)
{
	s64 id;

	spin_lock(&ids_lock);
	do {
		id = random_id();
	} while (apid_taken(id));
	permit->apid = id;
	hash_add_rcu(permits, &permit->id_node, id);
	spin_unlock(&ids_lock);
	return 0;
}

void xpmem_permit_unhash(struct xpmem_permit *permit)
{
	spin_lock(&ids_lock);
	if (!hlist_unhashed(&permit->id_node))
		hash_del_rcu(&permit->id_node);
	spin_unlock(&ids_lock);
}

struct xpmem_permit *xpmem_permit_find(xpmem_apid_t apid)
{
	struct xpmem_permit *permit, *found = NULL;

	rcu_read_lock();
	hash_for_each_possible_rcu(permits, permit, id_node, apid) {
		if (permit->apid == apid && kref_get_unless_zero(&permit->ref)) {
			found = permit;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}
