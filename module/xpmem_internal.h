/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Objects of the data path and how they refer to each other.
 *
 *   xpmem_proc     one per open of /dev/xpmem, bound to the opener's mm.
 *   xpmem_segment  an exported range of a source mm. Owns a private inode
 *                  whose mapping is what attachments map: file offset ==
 *                  source virtual address, so invalidating source range
 *                  [a, b) is one unmap_mapping_range(a, b - a) over every
 *                  attacher, and munmap/split/mremap of attachments is
 *                  handled by the core rmap.
 *   xpmem_permit   an access permit (apid) a process got with GET.
 *   xpmem_attach   one ATTACH: a VMA (possibly split into pieces) in the
 *                  attacher; vm_private_data of every piece.
 *
 * Nothing is pinned: a segment mirrors its source through an
 * mmu_interval_notifier; faults look pages up with hmm_range_fault().
 */
#ifndef _XPMEM_INTERNAL_H
#define _XPMEM_INTERNAL_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "compat/compat.h"
#include "uapi/xpmem.h"

struct xpmem_proc {
	struct mm_struct *mm;		/* the opener's address space */
	pid_t tgid;
	kuid_t uid;			/* real ids at open, as the lineage */
	kgid_t gid;
	struct mutex lock;		/* protects the lists and dead */
	struct list_head segments;
	struct list_head permits;
	bool dead;			/* torn down by its opener's close */
};

struct xpmem_segment {
	xpmem_segid_t segid;
	struct hlist_node id_node;
	struct kref ref;
	struct xpmem_proc *owner;	/* NULL once removed */
	struct list_head owner_link;
	struct mm_struct *mm;		/* source; kept by the notifier */
	unsigned long start, size;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	struct mmu_interval_notifier notifier;
	struct mutex map_lock;		/* serialises PTE installs vs seq */
	struct rw_semaphore sem;	/* faults read; removal writes */
	bool removed;
	struct file *file;		/* private inode attachments map */
	struct mutex attach_lock;	/* hands @pending to ->mmap */
	struct xpmem_attach *pending;
	atomic_t attach_count;
	struct rcu_head rcu;
};

struct xpmem_permit {
	xpmem_apid_t apid;
	struct hlist_node id_node;
	struct kref ref;
	struct xpmem_segment *seg;
	struct xpmem_proc *owner;	/* NULL once released */
	struct mm_struct *mm;		/* owner's mm: who may use it */
	struct list_head owner_link;
	struct mutex lock;		/* protects attachments, revoked */
	struct list_head attachments;
	int flags;			/* XPMEM_RDONLY or XPMEM_RDWR */
	bool revoked;
	struct rcu_head rcu;
};

struct xpmem_attach {
	struct xpmem_permit *permit;
	struct list_head permit_link;
	struct kref ref;		/* one per VMA piece */
	struct mm_struct *mm;		/* attacher */
	unsigned long start, end;	/* range of the original mapping */
	bool writable;
	bool vma_created;		/* ->mmap ran: the VMA owns a ref */
	/* accounting of the PTEs installed in the attacher */
	struct mmu_interval_notifier notifier;
	bool notifier_live;
	spinlock_t dead_lock;		/* dead_ranges, released */
	struct list_head dead_ranges;	/* pieces already unmapped */
	bool released;			/* attacher mm torn down */
	atomic64_t mapped;
};

/* ids.c */
int xpmem_ids_init(void);
void xpmem_ids_exit(void);
int xpmem_segment_hash(struct xpmem_segment *seg);
void xpmem_segment_unhash(struct xpmem_segment *seg);
struct xpmem_segment *xpmem_segment_find(xpmem_segid_t segid);
int xpmem_permit_hash(struct xpmem_permit *permit);
void xpmem_permit_unhash(struct xpmem_permit *permit);
struct xpmem_permit *xpmem_permit_find(xpmem_apid_t apid);

/* process.c */
struct xpmem_proc *xpmem_proc_create(void);
void xpmem_proc_teardown(struct xpmem_proc *proc);
void xpmem_proc_free(struct xpmem_proc *proc);

/* segment.c */
int xpmem_segments_init(void);
void xpmem_segments_exit(void);
long xpmem_make(struct xpmem_proc *proc, struct xpmem_cmd_make __user *arg);
long xpmem_remove(struct xpmem_proc *proc, struct xpmem_cmd_remove __user *arg);
void xpmem_segment_destroy(struct xpmem_segment *seg);
void xpmem_segment_put(struct xpmem_segment *seg);
bool xpmem_zapping(void);

/* permit.c */
long xpmem_get(struct xpmem_proc *proc, struct xpmem_cmd_get __user *arg);
long xpmem_release(struct xpmem_proc *proc,
		   struct xpmem_cmd_release __user *arg);
void xpmem_permit_revoke(struct xpmem_permit *permit);
void xpmem_permit_put(struct xpmem_permit *permit);

/* attach.c */
long xpmem_attach(struct xpmem_proc *proc, struct xpmem_cmd_attach __user *arg);
long xpmem_detach(struct xpmem_proc *proc, struct xpmem_cmd_detach __user *arg);
void xpmem_attach_unmap_all(struct xpmem_permit *permit);
int xpmem_attach_mmap(struct xpmem_segment *seg, struct vm_area_struct *vma);
void xpmem_attach_count_mapped(struct xpmem_attach *att, long pages);

/* fault.c */
vm_fault_t xpmem_fault(struct vm_fault *vmf);
vm_fault_t xpmem_pfn_mkwrite(struct vm_fault *vmf);
extern const struct vm_operations_struct xpmem_vm_ops;	/* attach.c */

/* stats.c */
struct xpmem_stats {
	atomic64_t pages_mapped;	/* PTEs installed in attachers */
	atomic64_t pages_unmapped;	/* PTEs removed from attachers */
	atomic64_t faults;
};

extern struct xpmem_stats xpmem_stats;
int xpmem_stats_init(void);
void xpmem_stats_exit(void);

#endif /* _XPMEM_INTERNAL_H */
