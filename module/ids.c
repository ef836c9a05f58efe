// SPDX-License-Identifier: GPL-2.0
/*
 * ids.c - segment and permit ids.
 *
 * The lineage built ids from the owner's pid and a per-process counter, so
 * any local user could guess a peer's segid. Ours are random positive
 * 64-bit values, unique among the live ones, found through a hash table.
 * Lookups run under RCU and take a reference only on live objects.
 *
 * The registry lists every live segment, permit and attachment for the
 * netlink dumps; its generation number tells a dump that spans several
 * messages whether the lists changed under it.
 */
#include <linux/hashtable.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>

#include "xpmem_internal.h"

#define ID_HASH_BITS 10

static DEFINE_HASHTABLE(segments, ID_HASH_BITS);
static DEFINE_HASHTABLE(permits, ID_HASH_BITS);
static DEFINE_SPINLOCK(ids_lock);

DEFINE_MUTEX(xpmem_registry_lock);	/* the three lists and the gen */
LIST_HEAD(xpmem_all_segments);
LIST_HEAD(xpmem_all_permits);
LIST_HEAD(xpmem_all_attachments);
unsigned int xpmem_registry_gen = 1;

void xpmem_register(struct list_head *link, struct list_head *list)
{
	mutex_lock(&xpmem_registry_lock);
	list_add_tail(link, list);
	xpmem_registry_gen++;
	mutex_unlock(&xpmem_registry_lock);
}

void xpmem_unregister(struct list_head *link)
{
	mutex_lock(&xpmem_registry_lock);
	if (!list_empty(link)) {
		list_del_init(link);
		xpmem_registry_gen++;
	}
	mutex_unlock(&xpmem_registry_lock);
}

void xpmem_ids_exit(void)
{
	/* every object holds a module reference through its file or proc */
	WARN_ON(!hash_empty(segments) || !hash_empty(permits));
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
