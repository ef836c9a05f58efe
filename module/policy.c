// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - site policy, jobs, quotas and the accounts they charge.
 *
 * Every segment, permit and attachment is charged to the uid of the
 * process that made it and, when that process runs inside a registered
 * job's cgroup (by cgroup v2 ancestry), to that job. netlink*.c set what
 * is here; the data path asks xpmem_policy_check() at GET, charges
 * segments and attached bytes with xpmem_charge_try() and checks mapped
 * pages with xpmem_quota_check() before a fault maps.
 *
 * Rules, jobs and uid accounts live in xarrays keyed by rule id, job id
 * and uid. Readers (GET, MAKE, the dumps) walk them under RCU, and a dump
 * resumes after the last key it sent; writers serialise on policy_lock and
 * bump a generation number that flags a dump the policy changed under.
 * Two marks on the uid accounts say which uids have quotas of their own
 * and which of those set max-segments; the others get the site's
 * default-max-segments, so that no user can make an unbounded number of
 * segments (each is one more callback on every invalidation of its
 * exporter's address space).
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "policy.h"

#define QUOTA_SET	XA_MARK_0	/* the uid has quotas of its own */
#define SEGMENTS_SET	XA_MARK_1	/* ... and max-segments is one */

static DEFINE_MUTEX(policy_lock);	/* writers of everything below */
static DEFINE_XARRAY(uid_accounts);	/* uid -> struct xpmem_account */
static DEFINE_XARRAY_ALLOC1(rules);	/* id -> struct rule, evaluated in order */
static DEFINE_XARRAY(jobs);		/* job id -> struct xpmem_job */
static u32 next_rule_id;
static u32 nrules, njobs;
static atomic_t policy_gen = ATOMIC_INIT(1);
static int default_mode = XPMEM_MODE_COMPAT;
static int visibility = XPMEM_VISIBILITY_OWN;
static u32 default_max_segments = XPMEM_DEFAULT_MAX_SEGMENTS;

struct rule {
	struct xpmem_rule r;
	atomic64_t hits;
	struct rcu_head rcu;
};

static void changed(void)
{
	atomic_inc(&policy_gen);
}

u32 xpmem_policy_gen(void)
{
	return atomic_read(&policy_gen);
}

static unsigned long uid_key(kuid_t uid)
{
	return from_kuid(&init_user_ns, uid);
}

struct xpmem_account *xpmem_uid_account(kuid_t uid, gfp_t gfp)
{
	unsigned long key = uid_key(uid);
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
	changed();
	return acct;
}

/* The global counters into @sum: those of every uid account, added up. */
void xpmem_global_account(struct xpmem_account *sum)
{
	size_t first = offsetof(struct xpmem_account, segments);
	size_t last = offsetof(struct xpmem_account, quota_hits);
	struct xpmem_account *a;
	unsigned long uid;
	size_t off;

	memset(sum, 0, sizeof(*sum));
	rcu_read_lock();
	xa_for_each(&uid_accounts, uid, a)
		for (off = first; off <= last; off += sizeof(atomic64_t))
			atomic64_add(atomic64_read((atomic64_t *)((char *)a + off)),
				     (atomic64_t *)((char *)sum + off));
	rcu_read_unlock();
}

struct xpmem_account *xpmem_uid_account_find(unsigned long *index,
					     unsigned long max,
					     bool quota_only)
{
	return xa_find(&uid_accounts, index, max,
		       quota_only ? QUOTA_SET : XA_PRESENT);
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
	unsigned long id;

	if (xa_empty(&jobs))		/* no batch system: no walk */
		return NULL;
	rcu_read_lock();
	xa_for_each(&jobs, id, job) {
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

/*
 * Whom to charge for what current is about to make: its uid and job.
 * @proc remembers the last uid's account: accounts are never freed.
 */
int xpmem_charge_current(struct xpmem_charge *c, struct xpmem_proc *proc)
{
	struct xpmem_account *acct = READ_ONCE(proc->acct);
	kuid_t uid = current_uid();

	if (!acct || !uid_eq(acct->uid, uid)) {
		acct = xpmem_uid_account(uid, GFP_KERNEL);
		if (!acct)
			return -ENOMEM;
		WRITE_ONCE(proc->acct, acct);
	}
	c->acct = acct;
	rcu_read_lock();
	c->job = job_of_cgroup(task_dfl_cgroup(current));
	rcu_read_unlock();
	return 0;
}

/*
 * Charge @c where @from is: an attachment where its permit is, whatever
 * uid or cgroup the process has moved to since its GET, so that a job's
 * attachments are the ones its permits made.
 */
void xpmem_charge_share(struct xpmem_charge *c, const struct xpmem_charge *from)
{
	c->acct = from->acct;
	c->job = from->job;
	if (c->job)
		kref_get(&c->job->ref);
}

void xpmem_charge_release(struct xpmem_charge *c)
{
	xpmem_job_put(c->job);
	c->job = NULL;
}

/* A uid's segment limit: its own if it set one, else the site default. */
static u64 segment_limit(struct xpmem_account *a)
{
	if (xa_get_mark(&uid_accounts, uid_key(a->uid), SEGMENTS_SET))
		return READ_ONCE(a->max_segments);
	return READ_ONCE(default_max_segments);
}

/* The counter limit @which of @a bounds, and the bound (0: unlimited). */
static atomic64_t *limited(struct xpmem_account *a, bool uid_account,
			   int which, u64 *max)
{
	switch (which) {
	case XPMEM_QUOTA_SEGMENTS:
		*max = uid_account ? segment_limit(a) : READ_ONCE(a->max_segments);
		return &a->segments;
	case XPMEM_QUOTA_ATTACHED_BYTES:
		*max = READ_ONCE(a->max_attached_bytes);
		return &a->attached_bytes;
	default:
		*max = READ_ONCE(a->max_mapped_pages);
		return &a->mapped_pages;
	}
}

/* Would adding @add to limit @which of @a exceed it? */
static bool over(struct xpmem_account *a, bool uid_account, int which,
		 u64 add)
{
	u64 max;
	atomic64_t *used = limited(a, uid_account, which, &max);

	return max && atomic64_read(used) + add > max;
}

/* 0, or -EDQUOT when adding @add to limit @which would exceed it. */
int xpmem_quota_check(struct xpmem_charge *c, int which, u64 add)
{
	if (over(c->acct, true, which, add) ||
	    (c->job && over(&c->job->acct, false, which, add)))
		return -EDQUOT;
	return 0;
}

/* Add @n to @a's counter for @which, unless that passes its limit. */
static bool take(struct xpmem_account *a, bool uid_account, int which, u64 n)
{
	u64 max;
	atomic64_t *used = limited(a, uid_account, which, &max);

	if (!max) {
		atomic64_add(n, used);
		return true;
	}
	if (atomic64_add_return(n, used) <= max)
		return true;
	atomic64_sub(n, used);
	return false;
}

/*
 * Charge @n to counter @which of @c's uid and job accounts,
 * or fail with -EDQUOT and charge nothing. Check and charge are one
 * atomic step per account, so racing callers cannot both take the last
 * unit (a loser may briefly make a racer fail too: never the reverse).
 * The caller uncharges with xpmem_account_add(c, <field>, -n).
 */
int xpmem_charge_try(struct xpmem_charge *c, int which, u64 n)
{
	struct xpmem_account *job = c->job ? &c->job->acct : NULL;
	u64 max;

	if (!take(c->acct, true, which, n))
		return -EDQUOT;
	if (job && !take(job, false, which, n)) {
		atomic64_sub(n, limited(c->acct, true, which, &max));
		return -EDQUOT;
	}
	return 0;
}

/* Under RCU. */
static bool same_job(struct xpmem_segment *seg)
{
	struct cgroup *cgrp = xpmem_current_cgroup();
	struct xpmem_job *job;
	unsigned long id;
	bool found = false;

	xa_for_each(&jobs, id, job) {
		struct cgroup *jcg = rcu_dereference(job->cgrp);

		if (cgroup_is_descendant(seg->cgrp, jcg) &&
		    cgroup_is_descendant(cgrp, jcg)) {
			found = true;
			break;
		}
	}
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

/* The first matching rule of @action, counted as a hit; under RCU. */
static struct rule *first_match(int action, struct xpmem_segment *seg)
{
	struct rule *rule;
	unsigned long id;

	if (xa_empty(&rules))		/* most sites: no walk at each GET */
		return NULL;
	xa_for_each(&rules, id, rule) {
		if (rule->r.action == action && rule_matches(&rule->r, seg)) {
			atomic64_inc(&rule->hits);
			return rule;
		}
	}
	return NULL;
}

/*
 * The site policy at GET, after the mode bits: an explicit deny wins, the
 * same uid is always allowed, compat allows the rest, strict needs an
 * allow rule. Returns 0 or -EACCES with *rule_id the deciding rule (0: the
 * default mode decided). Every change is one step (a rule in or out, a
 * mode), so a concurrent check sees the old or the new policy per step.
 */
int xpmem_policy_check(struct xpmem_segment *seg, u32 *rule_id)
{
	struct rule *rule;
	int ret = 0;

	*rule_id = 0;
	rcu_read_lock();
	rule = first_match(XPMEM_ACTION_DENY, seg);
	if (rule) {
		ret = -EACCES;
	} else if (!uid_eq(current_euid(), seg->uid) &&
		   READ_ONCE(default_mode) != XPMEM_MODE_COMPAT) {
		rule = first_match(XPMEM_ACTION_ALLOW, seg);
		if (!rule)
			ret = -EACCES;
	}
	if (rule)
		*rule_id = rule->r.id;
	rcu_read_unlock();
	return ret;
}

int xpmem_policy_mode(void)
{
	return READ_ONCE(default_mode);
}

int xpmem_policy_visibility(void)
{
	return READ_ONCE(visibility);
}

void xpmem_policy_get(struct xpmem_settings *s)
{
	mutex_lock(&policy_lock);
	s->mode = default_mode;
	s->visibility = visibility;
	s->default_max_segments = default_max_segments;
	s->rules = nrules;
	s->jobs = njobs;
	mutex_unlock(&policy_lock);
}

void xpmem_policy_set(const struct xpmem_settings *s, unsigned int which)
{
	mutex_lock(&policy_lock);
	if (which & XPMEM_SET_MODE)
		WRITE_ONCE(default_mode, s->mode);
	if (which & XPMEM_SET_VISIBILITY)
		WRITE_ONCE(visibility, s->visibility);
	if (which & XPMEM_SET_DEFAULT_MAX_SEGMENTS)
		WRITE_ONCE(default_max_segments, s->default_max_segments);
	changed();
	mutex_unlock(&policy_lock);
}

/* Under policy_lock. */
static void set_uid_quota(struct xpmem_account *a, const struct xpmem_uid_quota *q)
{
	unsigned long key = uid_key(a->uid);

	/* the limit before the mark that makes it count, and back */
	if (!q->has_max_segments)
		xa_clear_mark(&uid_accounts, key, SEGMENTS_SET);
	WRITE_ONCE(a->max_segments, q->has_max_segments ? q->max_segments : 0);
	WRITE_ONCE(a->max_attached_bytes, q->max_attached_bytes);
	WRITE_ONCE(a->max_mapped_pages, q->max_mapped_pages);
	if (q->has_max_segments)
		xa_set_mark(&uid_accounts, key, SEGMENTS_SET);
	if (q->has_max_segments || q->max_attached_bytes || q->max_mapped_pages)
		xa_set_mark(&uid_accounts, key, QUOTA_SET);
	else
		xa_clear_mark(&uid_accounts, key, QUOTA_SET);
}

int xpmem_uid_quota_set(kuid_t uid, const struct xpmem_uid_quota *q)
{
	struct xpmem_account *acct = xpmem_uid_account(uid, GFP_KERNEL);

	if (!acct)
		return -ENOMEM;
	mutex_lock(&policy_lock);
	set_uid_quota(acct, q);
	changed();
	mutex_unlock(&policy_lock);
	return 0;
}

void xpmem_uid_quota_get(struct xpmem_account *a, struct xpmem_uid_quota *q)
{
	q->has_max_segments = xa_get_mark(&uid_accounts, uid_key(a->uid),
					  SEGMENTS_SET);
	q->max_segments = READ_ONCE(a->max_segments);
	q->max_attached_bytes = READ_ONCE(a->max_attached_bytes);
	q->max_mapped_pages = READ_ONCE(a->max_mapped_pages);
}

/* Under policy_lock. */
static void remove_rule(struct rule *rule)
{
	xa_erase(&rules, rule->r.id);
	nrules--;
	kfree_rcu(rule, rcu);
}

/*
 * compat, visibility own, the default segment limit, no rules, no uid
 * quotas; jobs and their quotas stay. The mode goes first: with it, a GET
 * meanwhile sees nothing stricter than the old policy nor wider than the
 * new one.
 */
void xpmem_policy_reset(void)
{
	static const struct xpmem_uid_quota none;
	struct xpmem_account *acct;
	struct rule *rule;
	unsigned long index;

	mutex_lock(&policy_lock);
	WRITE_ONCE(default_mode, XPMEM_MODE_COMPAT);
	WRITE_ONCE(visibility, XPMEM_VISIBILITY_OWN);
	WRITE_ONCE(default_max_segments, XPMEM_DEFAULT_MAX_SEGMENTS);
	xa_for_each(&rules, index, rule)
		remove_rule(rule);
	xa_for_each_marked(&uid_accounts, index, acct, QUOTA_SET)
		set_uid_quota(acct, &none);
	changed();
	mutex_unlock(&policy_lock);
}

int xpmem_rule_add(struct xpmem_rule *r)
{
	struct rule *rule = kzalloc(sizeof(*rule), GFP_KERNEL);
	int ret;

	if (!rule)
		return -ENOMEM;
	rule->r = *r;
	mutex_lock(&policy_lock);
	/* the id is written before the rule is published */
	ret = xa_alloc_cyclic(&rules, &rule->r.id, rule, XA_LIMIT(1, U32_MAX),
			      &next_rule_id, GFP_KERNEL);
	if (ret >= 0) {
		nrules++;
		changed();
		r->id = rule->r.id;
		ret = 0;
	}
	mutex_unlock(&policy_lock);
	if (ret)
		kfree(rule);
	return ret;
}

int xpmem_rule_del(u32 id)
{
	struct rule *rule;

	mutex_lock(&policy_lock);
	rule = xa_load(&rules, id);
	if (rule) {
		remove_rule(rule);
		changed();
	}
	mutex_unlock(&policy_lock);
	return rule ? 0 : -ENOENT;
}

bool xpmem_rule_next(unsigned long *pos, struct xpmem_rule *out, u64 *hits)
{
	struct rule *rule;

	rcu_read_lock();
	rule = xa_find(&rules, pos, U32_MAX, XA_PRESENT);
	if (rule) {
		*out = rule->r;
		*hits = atomic64_read(&rule->hits);
	}
	rcu_read_unlock();
	return rule;
}

/* Under policy_lock: a registered job takes new values in place. */
static void update_job(struct xpmem_job *job, kuid_t uid, struct cgroup **cgrp,
		       u64 cgroup_id, struct xpmem_account *q,
		       struct cgroup **old)
{
	/* a requeued job may come back with a new cgroup */
	if (job->cgroup_id != cgroup_id) {
		*old = rcu_replace_pointer(job->cgrp, *cgrp,
					   lockdep_is_held(&policy_lock));
		job->cgroup_id = cgroup_id;
		*cgrp = NULL;
	}
	job->uid = uid;
	job->acct.uid = uid;
	WRITE_ONCE(job->acct.max_segments, q->max_segments);
	WRITE_ONCE(job->acct.max_attached_bytes, q->max_attached_bytes);
	WRITE_ONCE(job->acct.max_mapped_pages, q->max_mapped_pages);
}

/*
 * Register @id, or update it (uid, cgroup, quotas) when it exists: the
 * Slurm prolog may run twice, a requeued job comes back with a new cgroup.
 * Returns 0 for a new job, 1 for an update, or -errno (-ERANGE: the id
 * does not fit this kernel's xarray index).
 */
int xpmem_job_add(u64 id, kuid_t uid, u64 cgroup_id, struct xpmem_account *q)
{
	struct cgroup *cgrp, *old = NULL;
	struct xpmem_job *job;
	int ret;

	if (id != (unsigned long)id)
		return -ERANGE;
	cgrp = cgroup_get_from_id(cgroup_id);
	if (IS_ERR(cgrp))
		return -ENOENT;
	mutex_lock(&policy_lock);
	job = xa_load(&jobs, id);
	if (job) {
		update_job(job, uid, &cgrp, cgroup_id, q, &old);
		ret = 1;
		goto out;
	}
	ret = -ENOMEM;
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		goto out;
	kref_init(&job->ref);
	job->id = id;
	job->uid = uid;
	job->cgroup_id = cgroup_id;
	RCU_INIT_POINTER(job->cgrp, cgrp);
	job->acct.uid = uid;
	job->acct.max_segments = q->max_segments;
	job->acct.max_attached_bytes = q->max_attached_bytes;
	job->acct.max_mapped_pages = q->max_mapped_pages;
	ret = xa_insert(&jobs, id, job, GFP_KERNEL);
	if (ret) {
		kfree(job);
		goto out;
	}
	cgrp = NULL;			/* the job's now */
	njobs++;
out:
	if (ret >= 0)
		changed();
	mutex_unlock(&policy_lock);
	if (old) {
		synchronize_rcu();	/* readers of the old cgroup */
		cgroup_put(old);
	}
	if (cgrp)
		cgroup_put(cgrp);
	return ret;
}

/* The job registered as @id, with a reference, or NULL. */
struct xpmem_job *xpmem_job_find(u64 id)
{
	struct xpmem_job *job;

	if (id != (unsigned long)id)
		return NULL;
	rcu_read_lock();
	job = xa_load(&jobs, id);
	if (job && !kref_get_unless_zero(&job->ref))
		job = NULL;
	rcu_read_unlock();
	return job;
}

/* Unlink @id; the caller revokes what it charged. NULL if absent. */
struct xpmem_job *xpmem_job_unlink(u64 id)
{
	struct xpmem_job *job = NULL;

	if (id != (unsigned long)id)
		return NULL;
	mutex_lock(&policy_lock);
	job = xa_erase(&jobs, id);
	if (job) {
		WRITE_ONCE(job->dead, true);
		njobs--;
		changed();
	}
	mutex_unlock(&policy_lock);
	return job;			/* the xarray's reference */
}

struct xpmem_job *xpmem_job_next(unsigned long *pos)
{
	struct xpmem_job *job;

	rcu_read_lock();
	for (job = xa_find(&jobs, pos, ULONG_MAX, XA_PRESENT); job;
	     job = xa_find_after(&jobs, pos, ULONG_MAX, XA_PRESENT)) {
		if (kref_get_unless_zero(&job->ref))
			break;
	}
	rcu_read_unlock();
	return job;
}

void xpmem_policy_exit(void)
{
	struct xpmem_account *acct;
	struct xpmem_job *job;
	unsigned long index;

	xpmem_policy_reset();
	xa_for_each(&jobs, index, job) {
		xa_erase(&jobs, index);
		xpmem_job_put(job);
	}
	xa_destroy(&jobs);
	xa_destroy(&rules);
	xa_for_each(&uid_accounts, index, acct)
		kfree(acct);
	xa_destroy(&uid_accounts);
	rcu_barrier();
}
