// SPDX-License-Identifier: GPL-2.0
/*
 * ids.c - segment and permit ids, and the registry the dumps walk.
 *
 * The lineage built ids from the owner's pid and a per-process counter, so
 * any local user could guess a peer's segid. Ours are unpredictable
 * positive 64-bit values (random_id()), unique among the live ones,
 * found through a hash table whose buckets carry their own bit lock:
 * GET and RELEASE share no lock with each other or with MAKE unless their
 * ids fall in one bucket.
 * Lookups run under the bucket's lock too and take a reference only on
 * live objects, so an object out of its bucket is out of every lookup's
 * reach: permits, made and freed once per control cycle, are freed
 * without an RCU grace period (kfree_rcu() cost more than these locks).
 * Segments, made far less often, still go through kfree_rcu().
 *
 * The registry numbers every live segment, permit and attachment for the
 * netlink dumps, so a dump resumes after the last position it sent (no
 * rescan, no lock held between messages). It is sharded, an object going
 * to the shard of the CPU that makes it: no global lock. A shard is an
 * array of slots and a stack of the free ones, so numbering an object and
 * taking it out are a few stores under the shard's lock (an xarray's
 * allocation and erase were a twentieth of a control cycle). A position
 * is the shard in the top bits and the slot below, so positions still
 * grow along a dump. The walk looks at each slot under the shard's lock
 * and takes a reference on a live object there: an object leaves its slot
 * before it is freed, so attachments, which nothing else looks up without
 * a reference, need no RCU grace period. A dump that spans messages may
 * miss objects made under it; the generation number tells it the set
 * changed.
 */
#include "xpmem_internal.h"	/* first: it orders list_bl.h after mm.h */

#include <linux/cpumask.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define ID_HASH_BITS	12
#define SHARD_SHIFT	24		/* index bits of a registry position */
#define SHARD_INDEX	((1UL << SHARD_SHIFT) - 1)
#define MAX_SHARDS	64		/* positions must fit a u32 */
#define FIRST_SLOTS	64		/* a shard's slots to begin with */
#define WALK_BATCH	256		/* slots the walk looks at per lock hold */

static struct hlist_bl_head segments[1 << ID_HASH_BITS];
static struct hlist_bl_head permits[1 << ID_HASH_BITS];
static siphash_key_t id_key;
static DEFINE_PER_CPU(u64, id_count);

struct slots {
	u32 cap;
	void *obj[];			/* slot 0 unused: position 0 is "out" */
};

struct shard {
	spinlock_t lock;		/* everything below and in *slots */
	struct slots *slots;
	u32 *free;			/* a stack of free slots, cap deep */
	u32 nfree;
	u32 used;			/* slots [1, used) were handed out */
	u32 gen;			/* objects in and out so far */
} ____cacheline_aligned_in_smp;

static struct shard *registry[XPMEM_KINDS];	/* shards of each kind */
static unsigned int nr_shards;

void xpmem_ids_exit(void)
{
	unsigned int kind, shard;

	for (kind = 0; kind < XPMEM_KINDS; kind++) {
		if (!registry[kind])
			continue;
		/* every object holds a module reference: all slots are free */
		for (shard = 0; shard < nr_shards; shard++) {
			kvfree(registry[kind][shard].slots);
			kvfree(registry[kind][shard].free);
		}
		kfree(registry[kind]);
		registry[kind] = NULL;
	}
}

static struct slots *slots_alloc(u32 cap, u32 **free)
{
	struct slots *sl = kvzalloc(struct_size(sl, obj, cap),
				    GFP_KERNEL_ACCOUNT);

	*free = kvmalloc_array(cap, sizeof(**free), GFP_KERNEL_ACCOUNT);
	if (!sl || !*free) {
		kvfree(sl);
		kvfree(*free);
		return NULL;
	}
	sl->cap = cap;
	return sl;
}

int xpmem_ids_init(void)
{
	unsigned int kind, shard;

	get_random_bytes(&id_key, sizeof(id_key));
	nr_shards = min_t(unsigned int, MAX_SHARDS,
			  roundup_pow_of_two(num_possible_cpus()));
	for (kind = 0; kind < XPMEM_KINDS; kind++) {
		registry[kind] = kcalloc(nr_shards, sizeof(struct shard),
					 GFP_KERNEL);
		if (!registry[kind])
			goto err;
		for (shard = 0; shard < nr_shards; shard++) {
			struct shard *sh = &registry[kind][shard];

			spin_lock_init(&sh->lock);
			sh->used = 1;
			sh->slots = slots_alloc(FIRST_SLOTS, &sh->free);
			if (!sh->slots)
				goto err;
		}
	}
	return 0;

err:
	xpmem_ids_exit();
	return -ENOMEM;
}

/*
 * Double @sh's slots, which hold @cap; may sleep. 0, or -ENOMEM, or
 * -ENOSPC when positions would not fit.
 */
static int grow(struct shard *sh, u32 cap)
{
	struct slots *sl, *old = NULL;
	u32 *free, *old_free = NULL;

	if (cap * 2 > SHARD_INDEX + 1)
		return -ENOSPC;
	sl = slots_alloc(cap * 2, &free);
	if (!sl)
		return -ENOMEM;
	spin_lock(&sh->lock);
	if (sh->slots->cap == cap) {	/* nobody grew it meanwhile */
		old = sh->slots;
		old_free = sh->free;
		memcpy(sl->obj, old->obj, cap * sizeof(old->obj[0]));
		memcpy(free, old_free, sh->nfree * sizeof(free[0]));
		sh->slots = sl;
		sh->free = free;
		sl = NULL;
		free = NULL;
	}
	spin_unlock(&sh->lock);
	kvfree(sl);
	kvfree(free);
	kvfree(old);			/* walks read slots under the lock */
	kvfree(old_free);
	return 0;
}

/* Number @obj in the registry of @kind; *id is its dump position. */
int xpmem_registry_add(enum xpmem_kind kind, void *obj, u32 *id)
{
	unsigned int shard = raw_smp_processor_id() & (nr_shards - 1);
	struct shard *sh = &registry[kind][shard];
	u32 slot, cap;
	int ret;

	for (;;) {
		spin_lock(&sh->lock);
		cap = sh->slots->cap;
		if (sh->nfree || sh->used < cap)
			break;
		spin_unlock(&sh->lock);
		ret = grow(sh, cap);
		if (ret)
			return ret;
	}
	slot = sh->nfree ? sh->free[--sh->nfree] : sh->used++;
	sh->slots->obj[slot] = obj;
	WRITE_ONCE(sh->gen, sh->gen + 1);
	spin_unlock(&sh->lock);
	*id = (shard << SHARD_SHIFT) | slot;
	return 0;
}

/* Take @obj out of the registry; idempotent (*id is 0 once out). */
void xpmem_registry_del(enum xpmem_kind kind, u32 *id)
{
	u32 old = xchg(id, 0);
	struct shard *sh;

	if (!old)
		return;
	sh = &registry[kind][old >> SHARD_SHIFT];
	spin_lock(&sh->lock);
	sh->slots->obj[old & SHARD_INDEX] = NULL;
	sh->free[sh->nfree++] = old & SHARD_INDEX;
	WRITE_ONCE(sh->gen, sh->gen + 1);
	spin_unlock(&sh->lock);
}

/*
 * Changes whenever an object comes or goes: the sum of every shard's
 * count, with no shared counter for the control path to bounce.
 */
u32 xpmem_registry_gen(void)
{
	unsigned int kind, shard;
	u32 gen = 1;

	for (kind = 0; kind < XPMEM_KINDS; kind++)
		for (shard = 0; shard < nr_shards; shard++)
			gen += READ_ONCE(registry[kind][shard].gen);
	return gen;
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
 * The shard's lock keeps each slot's object from being freed while it is
 * looked at; it is let go every WALK_BATCH slots.
 */
void *xpmem_registry_next(enum xpmem_kind kind, unsigned long *pos)
{
	unsigned long shard = *pos >> SHARD_SHIFT;
	unsigned long slot = max(*pos & SHARD_INDEX, 1UL);

	for (; shard < nr_shards; shard++, slot = 1) {
		struct shard *sh = &registry[kind][shard];
		unsigned long batch_end;

		do {
			spin_lock(&sh->lock);
			batch_end = min_t(unsigned long, sh->used,
					  slot + WALK_BATCH);
			for (; slot < batch_end; slot++) {
				void *obj = sh->slots->obj[slot];

				if (obj && tryget(kind, obj)) {
					spin_unlock(&sh->lock);
					*pos = (shard << SHARD_SHIFT) | slot;
					return obj;
				}
			}
			spin_unlock(&sh->lock);
		} while (slot < READ_ONCE(sh->used));
	}
	return NULL;
}

/*
 * A keyed hash of (CPU, that CPU's count): no input comes twice, and
 * without the key, drawn at load, no output can be foretold. It costs a
 * fraction of get_random_u64(), whose batch refill runs with interrupts
 * off (2% of a control cycle under emulation).
 */
static s64 random_id(void)
{
	unsigned int cpu;
	s64 id;
	u64 n;

	do {
		cpu = get_cpu();
		n = __this_cpu_inc_return(id_count);
		put_cpu();
		id = (s64)(siphash_2u64(n, cpu, &id_key) & S64_MAX);
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
	hlist_bl_add_head(node, head);
	hlist_bl_unlock(head);
}

/* Idempotent: pprev says whether @node is still in. */
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

/*
 * The object with @id that @take (under the bucket's lock) accepts, e.g.
 * takes a reference to; NULL if there is none.
 */
static struct hlist_bl_node *hash_find(struct hlist_bl_head *table, s64 id,
				       ptrdiff_t id_off,
				       bool (*take)(struct hlist_bl_node *,
						    void *),
				       void *arg)
{
	struct hlist_bl_head *head = bucket(table, id);
	struct hlist_bl_node *n;

	hlist_bl_lock(head);
	for (n = hlist_bl_first(head); n; n = n->next)
		if (NODE_ID(n, id_off) == id && take(n, arg))
			break;
	hlist_bl_unlock(head);
	return n;
}

#define SEGID_OFF	(offsetof(struct xpmem_segment, segid) - \
			 offsetof(struct xpmem_segment, id_node))
#define APID_OFF	(offsetof(struct xpmem_permit, apid) - \
			 offsetof(struct xpmem_permit, id_node))

static bool segment_tryget(struct hlist_bl_node *n, void *unused)
{
	return kref_get_unless_zero(&hlist_bl_entry(n, struct xpmem_segment,
						    id_node)->ref);
}

static bool permit_tryget(struct hlist_bl_node *n, void *unused)
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
					    segment_tryget, NULL);

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
					    permit_tryget, NULL);

	return n ? hlist_bl_entry(n, struct xpmem_permit, id_node) : NULL;
}

struct owned {
	struct xpmem_proc *proc;
	bool someone_elses;
};

static bool permit_owned(struct hlist_bl_node *n, void *arg)
{
	struct owned *o = arg;

	if (READ_ONCE(hlist_bl_entry(n, struct xpmem_permit, id_node)->owner) ==
	    o->proc)
		return true;
	o->someone_elses = true;
	return false;
}

/*
 * The permit @apid if @proc owns it, with no reference of its own: the
 * caller holds proc->lock, and the owner's list keeps the permit while
 * it is on it (the bucket's lock keeps it while permit_owned() looks).
 * Otherwise NULL, and *@someone_elses says if another process has it.
 */
struct xpmem_permit *xpmem_permit_find_owned(xpmem_apid_t apid,
					     struct xpmem_proc *proc,
					     bool *someone_elses)
{
	struct owned o = { .proc = proc };
	struct hlist_bl_node *n;

	lockdep_assert_held(&proc->lock);
	n = hash_find(permits, apid, APID_OFF, permit_owned, &o);
	*someone_elses = o.someone_elses;
	return n ? hlist_bl_entry(n, struct xpmem_permit, id_node) : NULL;
}
