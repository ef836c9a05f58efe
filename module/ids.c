// SPDX-License-Identifier: GPL-2.0
/*
 * ids.c - segment and permit ids, and the registry the dumps walk.
 *
 * The lineage built ids from the owner's pid and a per-process counter, so
 * any local user could guess a peer's segid. Ours are random positive
 * 64-bit values, unique among the live ones, found through a hash table
 * whose buckets carry their own bit lock: GET and RELEASE share no lock
 * with each other or with MAKE unless their ids fall in one bucket.
 * Lookups run under RCU and take a reference only on live objects.
 *
 * The registry numbers every live segment, permit and attachment for the
 * netlink dumps, so a dump resumes after the last position it sent (no
 * rescan, no lock held between messages) and walks the entries under RCU.
 * It is sharded, one xarray per kind and shard, an object going to the
 * shard of the CPU that makes it: no global lock either. A position is
 * the shard in the top bits and the index in it below, so positions still
 * grow along a dump. Indexes are the lowest free ones, and index 1 of each
 * shard is reserved for good, so the xarray keeps its first node when the
 * last object goes: a get/attach/detach/release cycle allocates and frees
 * no xarray node (cyclic indexes did, one node a cycle, which was a fifth
 * of the cycle). A dump that spans messages may miss objects made under
 * it either way; the generation number tells it the set changed.
 */
#include "xpmem_internal.h"	/* first: it orders list_bl.h after mm.h */

#include <linux/cpumask.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/rculist_bl.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#define ID_HASH_BITS	12
#define SHARD_SHIFT	24		/* index bits of a registry position */
#define SHARD_INDEX	((1UL << SHARD_SHIFT) - 1)
#define MAX_SHARDS	64		/* positions must fit a u32 */
#define RESERVED_INDEX	1		/* keeps each shard's first node */

static struct hlist_bl_head segments[1 << ID_HASH_BITS];
static struct hlist_bl_head permits[1 << ID_HASH_BITS];

static struct xarray *registry[XPMEM_KINDS];	/* shards of each kind */
static unsigned int nr_shards;
static atomic_t registry_gen = ATOMIC_INIT(1);

void xpmem_ids_exit(void)
{
	unsigned int kind, shard;

	for (kind = 0; kind < XPMEM_KINDS; kind++) {
		if (!registry[kind])
			continue;
		for (shard = 0; shard < nr_shards; shard++) {
			struct xarray *xa = &registry[kind][shard];

			xa_release(xa, RESERVED_INDEX);
			/* every object holds a module reference */
			WARN_ON(!xa_empty(xa));
			xa_destroy(xa);
		}
		kfree(registry[kind]);
		registry[kind] = NULL;
	}
}

int xpmem_ids_init(void)
{
	unsigned int kind, shard;
	int ret;

	nr_shards = min_t(unsigned int, MAX_SHARDS,
			  roundup_pow_of_two(num_possible_cpus()));
	for (kind = 0; kind < XPMEM_KINDS; kind++) {
		registry[kind] = kcalloc(nr_shards, sizeof(struct xarray),
					 GFP_KERNEL);
		if (!registry[kind])
			goto err_nomem;
		for (shard = 0; shard < nr_shards; shard++) {
			xa_init_flags(&registry[kind][shard], XA_FLAGS_ALLOC1);
			ret = xa_reserve(&registry[kind][shard], RESERVED_INDEX,
					 GFP_KERNEL);
			if (ret)
				goto err;
		}
	}
	return 0;

err_nomem:
	ret = -ENOMEM;
err:
	xpmem_ids_exit();
	return ret;
}

/* Number @obj in the registry of @kind; *id is its dump position. */
int xpmem_registry_add(enum xpmem_kind kind, void *obj, u32 *id)
{
	unsigned int shard = raw_smp_processor_id() & (nr_shards - 1);
	u32 index;
	int ret;

	ret = xa_alloc(&registry[kind][shard], &index, obj,
		       XA_LIMIT(RESERVED_INDEX + 1, SHARD_INDEX),
		       GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		return ret;
	*id = (shard << SHARD_SHIFT) | index;
	atomic_inc(&registry_gen);
	return 0;
}

/* Take @obj out of the registry; idempotent (*id is 0 once out). */
void xpmem_registry_del(enum xpmem_kind kind, u32 *id)
{
	u32 old = xchg(id, 0);

	if (!old)
		return;
	xa_erase(&registry[kind][old >> SHARD_SHIFT], old & SHARD_INDEX);
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
 * Objects are freed after an RCU grace period, so the walk needs no lock;
 * xa_find() skips the reserved entries.
 */
void *xpmem_registry_next(enum xpmem_kind kind, unsigned long *pos)
{
	unsigned long shard = *pos >> SHARD_SHIFT;
	unsigned long index = *pos & SHARD_INDEX;
	void *obj = NULL;

	rcu_read_lock();
	for (; shard < nr_shards; shard++, index = 0) {
		struct xarray *xa = &registry[kind][shard];

		for (obj = xa_find(xa, &index, SHARD_INDEX, XA_PRESENT); obj;
		     obj = xa_find_after(xa, &index, SHARD_INDEX, XA_PRESENT)) {
			if (tryget(kind, obj)) {
				*pos = (shard << SHARD_SHIFT) | index;
				goto out;
			}
		}
	}
out:
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

static struct hlist_bl_head *bucket(struct hlist_bl_head *table, s64 id)
{
	return &table[hash_64(id, ID_HASH_BITS)];
}

/* the s64 id that lies @id_off bytes from the hash node @n */
#define NODE_ID(n, id_off)	(*(s64 *)((char *)(n) + (id_off)))

/* Give @node a random id that no live object of @table has, and hash it. */
static void hash_add_random(struct hlist_bl_head *table,
			    struct hlist_bl_node *node, ptrdiff_t id_off)
{
	struct hlist_bl_head *head;
	struct hlist_bl_node *n;
	s64 id;

again:
	id = random_id();
	head = bucket(table, id);
	hlist_bl_lock(head);
	for (n = hlist_bl_first(head); n; n = n->next) {
		if (NODE_ID(n, id_off) == id) {
			hlist_bl_unlock(head);
			goto again;
		}
	}
	NODE_ID(node, id_off) = id;
	hlist_bl_add_head_rcu(node, head);	/* publishes the id too */
	hlist_bl_unlock(head);
}

/*
 * Idempotent. Lookups may still be walking through @node: its next
 * pointer stays, only pprev says it is out (hlist_bl_del_rcu() would
 * poison it, and a second call could not tell).
 */
static void hash_del(struct hlist_bl_head *table, struct hlist_bl_node *node,
		     s64 id)
{
	struct hlist_bl_head *head = bucket(table, id);

	hlist_bl_lock(head);
	if (!hlist_bl_unhashed(node)) {
		__hlist_bl_del(node);
		node->pprev = NULL;
	}
	hlist_bl_unlock(head);
}

/* The live object with @id, through @tryget; NULL if there is none. */
static struct hlist_bl_node *hash_find(struct hlist_bl_head *table, s64 id,
				       ptrdiff_t id_off,
				       bool (*tryget)(struct hlist_bl_node *))
{
	struct hlist_bl_node *n;

	rcu_read_lock();
	for (n = hlist_bl_first_rcu(bucket(table, id)); n;
	     n = rcu_dereference_raw(n->next)) {
		if (NODE_ID(n, id_off) == id && tryget(n))
			break;
	}
	rcu_read_unlock();
	return n;
}

#define SEGID_OFF	(offsetof(struct xpmem_segment, segid) - \
			 offsetof(struct xpmem_segment, id_node))
#define APID_OFF	(offsetof(struct xpmem_permit, apid) - \
			 offsetof(struct xpmem_permit, id_node))

static bool segment_tryget(struct hlist_bl_node *n)
{
	return kref_get_unless_zero(&hlist_bl_entry(n, struct xpmem_segment,
						    id_node)->ref);
}

static bool permit_tryget(struct hlist_bl_node *n)
{
	return kref_get_unless_zero(&hlist_bl_entry(n, struct xpmem_permit,
						    id_node)->ref);
}

int xpmem_segment_hash(struct xpmem_segment *seg)
{
	hash_add_random(segments, &seg->id_node, SEGID_OFF);
	return 0;
}

void xpmem_segment_unhash(struct xpmem_segment *seg)
{
	hash_del(segments, &seg->id_node, seg->segid);
}

struct xpmem_segment *xpmem_segment_find(xpmem_segid_t segid)
{
	struct hlist_bl_node *n = hash_find(segments, segid, SEGID_OFF,
					    segment_tryget);

	return n ? hlist_bl_entry(n, struct xpmem_segment, id_node) : NULL;
}

int xpmem_permit_hash(struct xpmem_permit *permit)
{
	hash_add_random(permits, &permit->id_node, APID_OFF);
	return 0;
}

void xpmem_permit_unhash(struct xpmem_permit *permit)
{
	hash_del(permits, &permit->id_node, permit->apid);
}

struct xpmem_permit *xpmem_permit_find(xpmem_apid_t apid)
{
	struct hlist_bl_node *n = hash_find(permits, apid, APID_OFF,
					    permit_tryget);

	return n ? hlist_bl_entry(n, struct xpmem_permit, id_node) : NULL;
}
