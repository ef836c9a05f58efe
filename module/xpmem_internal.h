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
#include <linux/list_bl.h>	/* after mm.h: bit_spinlock.h needs cpu_relax() */
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "compat/compat.h"
#include "uapi/xpmem.h"
#include "uapi/xpmem_netlink.h"

struct cgroup;
struct xpmem_gup_mm;

/*
 * Counters of one uid, one job, or everything; quotas of the first two.
 * The counters, segments to quota_hits, are one run of atomic64_t.
 */
struct xpmem_account {
	kuid_t uid;
	atomic64_t segments;
	atomic64_t permits;
	atomic64_t attachments;
	atomic64_t attached_bytes;
	atomic64_t mapped_pages;
	atomic64_t faults;
	atomic64_t denials;
	atomic64_t quota_hits;
	u32 max_segments;		/* quotas: 0 is unlimited */
	u64 max_attached_bytes;
	u64 max_mapped_pages;
};

/* A batch job: the processes in the subtree of one cgroup v2 directory. */
struct xpmem_job {
	u64 id;
	kuid_t uid;
	u64 cgroup_id;
	struct cgroup __rcu *cgrp;	/* replaced under RCU on update */
	struct xpmem_account acct;
	struct kref ref;
	bool dead;			/* unregistered: revoke what it has */
	struct rcu_head rcu;
};

/* Whom an object is charged to. */
struct xpmem_charge {
	struct xpmem_account *acct;	/* the maker's uid; never freed */
	struct xpmem_job *job;		/* a reference, or NULL */
};

struct xpmem_rule {
	u32 id;
	int action;			/* enum xpmem_action */
	bool has_uid, has_gid, has_peer_uid, same_job;
	kuid_t uid;
	kgid_t gid;
	kuid_t peer_uid;
};

/*
 * No global account is kept: every charge has a uid account, and the
 * global counters are their sum (xpmem_global_account()), which spares
 * the control path one shared atomic per counter update.
 */
static inline void xpmem_account_add_at(struct xpmem_charge *c, size_t off,
					s64 n)
{
	atomic64_add(n, (atomic64_t *)((char *)c->acct + off));
	if (c->job)
		atomic64_add(n, (atomic64_t *)((char *)&c->job->acct + off));
}

/* add @n to counter @field of the uid and job accounts */
#define xpmem_account_add(c, field, n) \
	xpmem_account_add_at(c, offsetof(struct xpmem_account, field), n)

struct xpmem_proc {
	struct mm_struct *mm;		/* the opener's address space */
	pid_t tgid;
	kuid_t uid;			/* real ids at open, as the lineage */
	kgid_t gid;
	struct xpmem_account *acct;	/* the last charged uid's */
	struct mutex lock;		/* protects the lists and dead */
	struct list_head segments;
	struct list_head permits;
	bool dead;			/* torn down by its opener's close */
};

struct xpmem_segment {
	xpmem_segid_t segid;
	struct hlist_bl_node id_node;
	struct kref ref;
	struct xpmem_proc *owner;	/* NULL once removed */
	struct list_head owner_link;	/* holds a reference */
	u32 dump_id;			/* in the registry; 0 once out */
	struct mm_struct *mm;		/* source; kept by the notifier */
	pid_t tgid;
	struct cgroup *cgrp;		/* exporter's at MAKE, a reference */
	struct xpmem_charge charge;
	atomic_t permit_count;
	atomic64_t mapped_pages;	/* in all its attachments */
	unsigned long start, size;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	struct mmu_interval_notifier notifier;
	struct mutex map_lock;		/* PTE installs vs the notifier seq */
	/* faults read; removal and revocation write, so none is half done */
	struct rw_semaphore sem;
	bool removed;
	u8 huge_order;			/* largest block mapped whole: zaps widen */
	struct file *file;		/* private inode attachments map */
	spinlock_t attach_lock;		/* attachments, pending */
	struct list_head attachments;	/* every published xpmem_attach */
	struct list_head pending;	/* ATTACHes inside vm_mmap() */
	struct rcu_head rcu;
};

struct xpmem_permit {
	xpmem_apid_t apid;
	struct hlist_bl_node id_node;
	struct kref ref;
	struct xpmem_segment *seg;
	struct xpmem_proc *owner;	/* NULL once released */
	struct mm_struct *mm;		/* owner's mm: who may use it */
	struct list_head owner_link;	/* holds a reference */
	u32 dump_id;			/* in the registry; 0 once out */
	pid_t tgid;
	kuid_t uid;
	struct xpmem_charge charge;
	struct mutex lock;		/* protects attachments, revoked */
	struct list_head attachments;
	int flags;			/* XPMEM_RDONLY or XPMEM_RDWR */
	bool revoked;			/* set once, never cleared */
};

/*
 * Which pages of an attachment have a PTE in the attacher, by page index
 * from the attachment's source start: a bitmap per 2 MiB chunk, allocated
 * on first touch. Faults set bits under the segment's map_lock; every
 * removal of our PTEs clears them (vma close, mremap, the segment's zaps),
 * so the count is exact without walking page tables.
 */
#define XPMEM_PAGES_CHUNK	512	/* pages per chunk of bits */

struct xpmem_pages {
	spinlock_t lock;		/* the bits of every chunk */
	struct xarray chunks;		/* chunk 1 on, allocated on first touch */
	DECLARE_BITMAP(first, XPMEM_PAGES_CHUNK);	/* chunk 0 */
	atomic64_t count;
};

struct xpmem_attach {
	struct xpmem_permit *permit;	/* a reference */
	struct xpmem_segment *seg;	/* permit->seg */
	struct list_head permit_link;	/* permit->attachments */
	struct list_head seg_link;	/* seg->attachments */
	/* the ATTACH ioctl while it runs, and one per VMA piece */
	struct kref ref;
	atomic_t vmas;			/* VMA pieces that hold it */
	struct mm_struct *mm;		/* attacher */
	unsigned long start, end;	/* the original mapping; set by ->mmap */
	unsigned long src_start, src_end;	/* its source range */
	u32 dump_id;			/* in the registry; 0 once out */
	pid_t tgid;
	struct xpmem_charge charge;
	bool writable;			/* an RDWR permit */
	bool charged;			/* counted in attachments/bytes */
	struct xpmem_gup_mm *gup;	/* GUP may take its pages (gup.c) */
	struct xpmem_pages pages;
	/* 4 KiB page tables (read) vs a 2 MiB PMD (write) in one block */
	struct rw_semaphore huge_sem;
};

/* ids.c: ids, and every live object numbered for the dumps */
enum xpmem_kind { XPMEM_SEGMENTS, XPMEM_PERMITS, XPMEM_ATTACHMENTS, XPMEM_KINDS };
int xpmem_ids_init(void);
void xpmem_ids_exit(void);
int xpmem_registry_add(enum xpmem_kind kind, void *obj, u32 *id);
void xpmem_registry_del(enum xpmem_kind kind, u32 *id);
void *xpmem_registry_next(enum xpmem_kind kind, unsigned long *pos);
u32 xpmem_registry_gen(void);
int xpmem_segment_hash(struct xpmem_segment *seg);
void xpmem_segment_unhash(struct xpmem_segment *seg);
struct xpmem_segment *xpmem_segment_find(xpmem_segid_t segid);
int xpmem_permit_hash(struct xpmem_permit *permit);
void xpmem_permit_unhash(struct xpmem_permit *permit);
struct xpmem_permit *xpmem_permit_find(xpmem_apid_t apid);
struct xpmem_permit *xpmem_permit_find_owned(xpmem_apid_t apid,
					     struct xpmem_proc *proc,
					     bool *someone_elses);

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
void xpmem_segment_zap(struct xpmem_segment *seg, unsigned long start,
		       unsigned long end);

/* permit.c */
long xpmem_get(struct xpmem_proc *proc, struct xpmem_cmd_get __user *arg);
long xpmem_release(struct xpmem_proc *proc,
		   struct xpmem_cmd_release __user *arg);
void xpmem_permit_revoke(struct xpmem_permit *permit);
void xpmem_permit_put(struct xpmem_permit *permit);

/* attach.c */
long xpmem_attach(struct xpmem_proc *proc, struct xpmem_cmd_attach __user *arg);
long xpmem_detach(struct xpmem_proc *proc, struct xpmem_cmd_detach __user *arg);
void xpmem_attach_put(struct xpmem_attach *att);
void xpmem_attach_unmap_all(struct xpmem_permit *permit);
void xpmem_attach_zap_all(struct xpmem_permit *permit);
u32 xpmem_segment_attachments(struct xpmem_segment *seg);
u32 xpmem_permit_attachments(struct xpmem_permit *permit);
int xpmem_revoke_permits(struct xpmem_job *job);
#ifdef XPMEM_HAVE_MMAP_PREPARE_MAPPED
int xpmem_attach_mmap_prepare(struct xpmem_segment *seg,
			      struct vm_area_desc *desc);
#else
int xpmem_attach_mmap(struct xpmem_segment *seg, struct vm_area_struct *vma);
#endif
void xpmem_attach_count_mapped(struct xpmem_attach *att, long pages);
void xpmem_attach_forget(struct xpmem_attach *att, unsigned long src_start,
			 unsigned long src_end);
bool xpmem_attach_maps(struct xpmem_attach *att, unsigned long src_start,
		       unsigned long src_end);

/* The source address a VMA piece of an attachment starts (ends) at */
static inline unsigned long xpmem_vma_src_start(struct vm_area_struct *vma)
{
	return vma->vm_pgoff << PAGE_SHIFT;
}

static inline unsigned long xpmem_vma_src_end(struct vm_area_struct *vma)
{
	return xpmem_vma_src_start(vma) + (vma->vm_end - vma->vm_start);
}

/* pages.c */
void xpmem_pages_init(struct xpmem_pages *p);
int xpmem_pages_prepare(struct xpmem_pages *p, unsigned long first,
			unsigned long n);
long xpmem_pages_mark(struct xpmem_pages *p, unsigned long first,
		      unsigned long n, const unsigned long *fresh);
long xpmem_pages_mark_all(struct xpmem_pages *p, unsigned long first,
			  unsigned long n);
long xpmem_pages_clear(struct xpmem_pages *p, unsigned long first,
		       unsigned long n);
bool xpmem_pages_any(struct xpmem_pages *p, unsigned long first,
		     unsigned long n);
long xpmem_pages_destroy(struct xpmem_pages *p);

/* fault.c */
vm_fault_t xpmem_fault(struct vm_fault *vmf);
vm_fault_t xpmem_pfn_mkwrite(struct vm_fault *vmf);

/* populate.c */
int xpmem_populate(struct xpmem_attach *att, unsigned long start,
		   unsigned long end);
int xpmem_attach_advise(struct file *file, loff_t offset, loff_t len,
			int advice);

/* access.c */
int xpmem_access(struct vm_area_struct *vma, unsigned long addr, void *buf,
		 int len, int write);

/* gup.c: where the kernel has no hook for it, no attachment is one */
#ifdef XPMEM_HAVE_GUP_ATTACHMENTS
int xpmem_gup_attach(struct xpmem_attach *att);
void xpmem_gup_detach(struct xpmem_attach *att);
void xpmem_gup_exit(void);
struct page *xpmem_gup_find_page(struct vm_area_struct *vma,
				 unsigned long addr);
#else
static inline int xpmem_gup_attach(struct xpmem_attach *att)
{
	return 0;
}

static inline void xpmem_gup_detach(struct xpmem_attach *att) {}
static inline void xpmem_gup_exit(void) {}
#endif

/* huge.c */
vm_fault_t xpmem_huge_fault(struct vm_fault *vmf, unsigned int order);
int xpmem_huge_may_split(struct vm_area_struct *vma, unsigned long addr);
extern const struct vm_operations_struct xpmem_vm_ops;	/* attach.c */

/* policy.c */
struct xpmem_account *xpmem_uid_account(kuid_t uid, gfp_t gfp);
struct cgroup *xpmem_current_cgroup(void);
void xpmem_global_account(struct xpmem_account *sum);
int xpmem_charge_current(struct xpmem_charge *c, struct xpmem_proc *proc);
void xpmem_charge_share(struct xpmem_charge *c, const struct xpmem_charge *from);
void xpmem_charge_release(struct xpmem_charge *c);
int xpmem_quota_check(struct xpmem_charge *c, int which, u64 add);
int xpmem_charge_try(struct xpmem_charge *c, int which, u64 n);
int xpmem_policy_check(struct xpmem_segment *seg, u32 *rule_id);
int xpmem_policy_mode(void);
void xpmem_policy_reset(void);
int xpmem_rule_add(struct xpmem_rule *r);
int xpmem_rule_del(u32 id);
int xpmem_job_add(u64 id, kuid_t uid, u64 cgroup_id, struct xpmem_account *q);
struct xpmem_job *xpmem_job_find(u64 id);
struct xpmem_job *xpmem_job_unlink(u64 id);
void xpmem_job_put(struct xpmem_job *job);
void xpmem_policy_exit(void);

/* netlink.c */
struct xpmem_event {
	int type;			/* enum xpmem_event_type */
	xpmem_segid_t segid;
	pid_t pid, peer_pid;
	kuid_t uid, peer_uid;
	bool has_peer;
	u64 job_id;
	u32 rule_id;
	int quota;			/* enum xpmem_quota, or 0 */
	int mode;			/* for policy-changed */
};

extern struct genl_family xpmem_genl_family;
int xpmem_netlink_init(void);
void xpmem_netlink_exit(void);
void xpmem_event(struct xpmem_event *ev);
void xpmem_event_quota(struct xpmem_charge *c, int which, xpmem_segid_t segid);

/* revoke.c-like helpers in segment.c / permit.c */
int xpmem_revoke(u64 segid, pid_t pid, bool by_uid, kuid_t uid,
		 struct xpmem_job *job);

/* stats.c */
struct xpmem_stats {
	atomic64_t pages_mapped;	/* PTEs installed in attachers */
	atomic64_t pages_unmapped;	/* PTEs removed from attachers */
	atomic64_t invalidations;	/* source changes that zapped */
	atomic64_t invalidations_kept;	/* protection changes that did not */
};

extern struct xpmem_stats xpmem_stats;
int xpmem_stats_init(void);
void xpmem_stats_exit(void);

#endif /* _XPMEM_INTERNAL_H */
