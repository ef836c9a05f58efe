// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - site policy, jobs, quotas and the accounts they charge.
 *
 * Every segment, permit and attachment is charged to the uid of the
 * process that made it and, when that process runs inside a registered
 * job's cgroup (by cgroup v2 ancestry), to that job. netlink.c sets what
 * is here; the data path asks policy_check() at GET and the quota_*()
 * helpers before it makes, attaches or maps.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "xpmem_internal.h"

struct xpmem_account xpmem_global;

static DEFINE_MUTEX(policy_lock);	/* rules, jobs, quotas, mode */
static DEFINE_XARRAY(uid_accounts);	/* uid -> struct xpmem_account */
static LIST_HEAD(rules);
static LIST_HEAD(jobs);			/* RCU readers, policy_lock writers */
static u32 next_rule_id = 1;
static int default_mode = XPMEM_MODE_COMPAT;

struct rule {
	struct list_head link;
	struct xpmem_rule r;
	atomic64_t hits;
};

struct xpmem_account *xpmem_uid_account(kuid_t uid, gfp_t gfp)
{
	u32 key = from_kuid(&init_user_ns, uid);
	struct xpmem_account *acct, *old;

	acct = xa_load(&uid_accounts, key);
	if (acct)
		return acct;
	acct = kzalloc(sizeof(*acct), gfp);
	if (!acct)
		return NULL;
	acct->uid = uid;
	old = xa_cmpxchg(&uid_accounts, key, NULL, acct, gfp);
	if (old) {
		kfree(acct);
		return xa_is_err(old) ? NULL : old;
	}
	return acct;
}

struct xpmem_account *xpmem_uid_account_next(unsigned long *index)
{
	return xa_find(&uid_accounts, index, ULONG_MAX, XA_PRESENT);
}

static void job_free(struct kref *ref)
{
	struct xpmem_job *job = container_of(ref, struct xpmem_job, ref);

	cgroup_put(rcu_dereference_protected(job->cgrp, true));
	kfree_rcu(job, rcu);
}

void xpmem_job_put(struct xpmem_job *job)
{
	if (job)
		kref_put(&job->ref, job_free);
}

/* The job whose cgroup contains @cgrp, with a reference, or NULL. */
static struct xpmem_job *job_of_cgroup(struct cgroup *cgrp)
{
	struct xpmem_job *job, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(job, &jobs, link) {
		if (cgroup_is_descendant(cgrp, rcu_dereference(job->cgrp)) &&
		    kref_get_unless_zero(&job->ref)) {
			found = job;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* The caller's cgroup on the default hierarchy, with a reference. */
struct cgroup *xpmem_current_cgroup(void)
{
	struct cgroup *cgrp;

	rcu_read_lock();
	cgrp = task_dfl_cgroup(current);
	cgroup_get(cgrp);
	rcu_read_unlock();
	return cgrp;
}

/* Whom to charge for what current is about to make: its uid and job. */
int xpmem_charge_current(struct xpmem_charge *c)
{
	struct cgroup *cgrp;

	c->acct = xpmem_uid_account(current_uid(), GFP_KERNEL);
	if (!c->acct)
		return -ENOMEM;
	cgrp = xpmem_current_cgroup();
	c->job = job_of_cgroup(cgrp);
	cgroup_put(cgrp);
	return 0;
}

void xpmem_charge_release(struct xpmem_charge *c)
{
	xpmem_job_put(c->job);
	c->job = NULL;
}

static bool over(u64 used, u64 add, u64 max)
{
	return max && used + add > max;
}

/* 0, or -EDQUOT when adding @add to limit @which would exceed it. */
int xpmem_quota_check(struct xpmem_charge *c, int which, u64 add)
{
	struct xpmem_account *accts[] = { c->acct, c->job ? &c->job->acct : NULL };
	int i;

	for (i = 0; i < ARRAY_SIZE(accts); i++) {
		struct xpmem_account *a = accts[i];

		if (!a)
			continue;
		if ((which == XPMEM_QUOTA_SEGMENTS &&
		     over(atomic64_read(&a->segments), add,
			  READ_ONCE(a->max_segments))) ||
		    (which == XPMEM_QUOTA_ATTACHED_BYTES &&
		     over(atomic64_read(&a->attached_bytes), add,
			  READ_ONCE(a->max_attached_bytes))) ||
		    (which == XPMEM_QUOTA_MAPPED_PAGES &&
		     over(atomic64_read(&a->mapped_pages), add,
			  READ_ONCE(a->max_mapped_pages))))
			return -EDQUOT;
	}
	return 0;
}

static bool same_job(struct xpmem_segment *seg)
{
	struct cgroup *cgrp = xpmem_current_cgroup();
	struct xpmem_job *job;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(job, &jobs, link) {
		struct cgroup *jcg = rcu_dereference(job->cgrp);

		if (cgroup_is_descendant(seg->cgrp, jcg) &&
		    cgroup_is_descendant(cgrp, jcg)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	cgroup_put(cgrp);
	return found;
}

static bool rule_matches(struct xpmem_rule *r, struct xpmem_segment *seg)
{
	if (r->has_uid && !uid_eq(current_euid(), r->uid))
		return false;
	if (r->has_gid && !in_group_p(r->gid))
		return false;
	if (r->has_peer_uid && !uid_eq(seg->uid, r->peer_uid))
		return false;
	return !r->same_job || same_job(seg);
}

/*
 * The site policy at GET, after the mode bits: an explicit deny wins, the
 * same uid is always allowed, compat allows the rest, strict needs an
 * allow rule. Returns 0 or -EACCES with *rule_id the deciding rule (0: the
 * default mode decided).
 */
int xpmem_policy_check(struct xpmem_segment *seg, u32 *rule_id)
{
	struct rule *rule;
	int ret = -EACCES;

	*rule_id = 0;
	mutex_lock(&policy_lock);
	list_for_each_entry(rule, &rules, link) {
		if (rule->r.action == XPMEM_ACTION_DENY &&
		    rule_matches(&rule->r, seg)) {
			atomic64_inc(&rule->hits);
			*rule_id = rule->r.id;
			goto out;
		}
	}
	if (uid_eq(current_euid(), seg->uid) ||
	    default_mode == XPMEM_MODE_COMPAT) {
		ret = 0;
		goto out;
	}
	list_for_each_entry(rule, &rules, link) {
		if (rule->r.action == XPMEM_ACTION_ALLOW &&
		    rule_matches(&rule->r, seg)) {
			atomic64_inc(&rule->hits);
			*rule_id = rule->r.id;
			ret = 0;
			goto out;
		}
	}
out:
	mutex_unlock(&policy_lock);
	return ret;
}

int xpmem_policy_mode(void)
{
	return READ_ONCE(default_mode);
}

void xpmem_policy_set_mode(int mode)
{
	mutex_lock(&policy_lock);
	WRITE_ONCE(default_mode, mode);
	mutex_unlock(&policy_lock);
}

/* compat, no rules, no uid quotas; jobs and their quotas stay */
void xpmem_policy_reset(void)
{
	struct xpmem_account *acct;
	struct rule *rule, *tmp;
	unsigned long index;

	mutex_lock(&policy_lock);
	WRITE_ONCE(default_mode, XPMEM_MODE_COMPAT);
	list_for_each_entry_safe(rule, tmp, &rules, link) {
		list_del(&rule->link);
		kfree(rule);
	}
	xa_for_each(&uid_accounts, index, acct) {
		WRITE_ONCE(acct->max_segments, 0);
		WRITE_ONCE(acct->max_attached_bytes, 0);
		WRITE_ONCE(acct->max_mapped_pages, 0);
	}
	mutex_unlock(&policy_lock);
}

int xpmem_rule_add(struct xpmem_rule *r)
{
	struct rule *rule = kzalloc(sizeof(*rule), GFP_KERNEL);

	if (!rule)
		return -ENOMEM;
	rule->r = *r;
	mutex_lock(&policy_lock);
	rule->r.id = next_rule_id++;
	list_add_tail(&rule->link, &rules);
	mutex_unlock(&policy_lock);
	r->id = rule->r.id;
	return 0;
}

int xpmem_rule_del(u32 id)
{
	struct rule *rule;

	mutex_lock(&policy_lock);
	list_for_each_entry(rule, &rules, link) {
		if (rule->r.id == id) {
			list_del(&rule->link);
			mutex_unlock(&policy_lock);
			kfree(rule);
			return 0;
		}
	}
	mutex_unlock(&policy_lock);
	return -ENOENT;
}

/* Copy out the rules from position *pos on; returns how many were copied. */
int xpmem_rules_read(struct xpmem_rule *out, u64 *hits, int max, int pos)
{
	struct rule *rule;
	int i = 0, n = 0;

	mutex_lock(&policy_lock);
	list_for_each_entry(rule, &rules, link) {
		if (i++ < pos)
			continue;
		if (n == max)
			break;
		out[n] = rule->r;
		hits[n++] = atomic64_read(&rule->hits);
	}
	mutex_unlock(&policy_lock);
	return n;
}

int xpmem_policy_counts(u32 *nrules, u32 *njobs)
{
	struct xpmem_job *job;
	struct rule *rule;

	*nrules = 0;
	*njobs = 0;
	mutex_lock(&policy_lock);
	list_for_each_entry(rule, &rules, link)
		(*nrules)++;
	list_for_each_entry(job, &jobs, link)
		(*njobs)++;
	mutex_unlock(&policy_lock);
	return 0;
}

int xpmem_quota_set(kuid_t uid, u32 segments, u64 bytes, u64 pages)
{
	struct xpmem_account *acct = xpmem_uid_account(uid, GFP_KERNEL);

	if (!acct)
		return -ENOMEM;
	mutex_lock(&policy_lock);
	WRITE_ONCE(acct->max_segments, segments);
	WRITE_ONCE(acct->max_attached_bytes, bytes);
	WRITE_ONCE(acct->max_mapped_pages, pages);
	mutex_unlock(&policy_lock);
	return 0;
}

/*
 * Register @id, or update it (uid, cgroup, quotas) when it exists: the
 * Slurm prolog may run twice, a requeued job comes back with a new cgroup.
 * Returns 0 for a new job, 1 for an update, or -errno.
 */
int xpmem_job_add(u64 id, kuid_t uid, u64 cgroup_id, struct xpmem_account *q)
{
	struct xpmem_job *job;
	struct cgroup *cgrp;

	cgrp = cgroup_get_from_id(cgroup_id);
	if (IS_ERR(cgrp))
		return -ENOENT;
	mutex_lock(&policy_lock);
	list_for_each_entry(job, &jobs, link) {
		struct cgroup *old = NULL;

		if (job->id != id)
			continue;
		/* a requeued job may come back with a new cgroup */
		if (job->cgroup_id != cgroup_id) {
			old = rcu_replace_pointer(job->cgrp, cgrp,
						  lockdep_is_held(&policy_lock));
			job->cgroup_id = cgroup_id;
			cgrp = NULL;
		}
		job->uid = uid;
		job->acct.uid = uid;
		WRITE_ONCE(job->acct.max_segments, q->max_segments);
		WRITE_ONCE(job->acct.max_attached_bytes, q->max_attached_bytes);
		WRITE_ONCE(job->acct.max_mapped_pages, q->max_mapped_pages);
		mutex_unlock(&policy_lock);
		if (old) {
			synchronize_rcu();	/* readers of the old cgroup */
			cgroup_put(old);
		}
		if (cgrp)
			cgroup_put(cgrp);
		return 1;
	}
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		mutex_unlock(&policy_lock);
		cgroup_put(cgrp);
		return -ENOMEM;
	}
	kref_init(&job->ref);
	job->id = id;
	job->uid = uid;
	job->cgroup_id = cgroup_id;
	RCU_INIT_POINTER(job->cgrp, cgrp);
	job->acct.uid = uid;
	job->acct.max_segments = q->max_segments;
	job->acct.max_attached_bytes = q->max_attached_bytes;
	job->acct.max_mapped_pages = q->max_mapped_pages;
	list_add_tail_rcu(&job->link, &jobs);
	mutex_unlock(&policy_lock);
	return 0;
}

/* The job registered as @id, with a reference, or NULL. */
struct xpmem_job *xpmem_job_find(u64 id)
{
	struct xpmem_job *job, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(job, &jobs, link) {
		if (job->id == id && kref_get_unless_zero(&job->ref)) {
			found = job;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* Unlink @id; the caller revokes what it charged. NULL if absent. */
struct xpmem_job *xpmem_job_unlink(u64 id)
{
	struct xpmem_job *job;

	mutex_lock(&policy_lock);
	list_for_each_entry(job, &jobs, link) {
		if (job->id == id) {
			list_del_rcu(&job->link);
			WRITE_ONCE(job->dead, true);
			mutex_unlock(&policy_lock);
			return job;	/* the list's reference */
		}
	}
	mutex_unlock(&policy_lock);
	return NULL;
}

/* The job at position @pos of the list, with a reference, or NULL. */
struct xpmem_job *xpmem_job_at(int pos)
{
	struct xpmem_job *job, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(job, &jobs, link) {
		if (pos-- == 0) {
			if (kref_get_unless_zero(&job->ref))
				found = job;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

void xpmem_policy_exit(void)
{
	struct xpmem_job *job, *jtmp;
	struct xpmem_account *acct;
	unsigned long index;

	xpmem_policy_reset();
	list_for_each_entry_safe(job, jtmp, &jobs, link) {
		list_del_rcu(&job->link);
		xpmem_job_put(job);
	}
	xa_for_each(&uid_accounts, index, acct)
		kfree(acct);
	xa_destroy(&uid_accounts);
	rcu_barrier();
}
