// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "xpmem" generic netlink family: registration, the
 * read-only operations (dumps of segments, permits, attachments, stats,
 * rules, jobs, quotas) and the event notifications. The policy tables and
 * the op table are generated from proto/xpmem.yaml (netlink_gen.c); the
 * changing operations live in netlink_admin.c.
 *
 * Dumps send one object per message and keep their registry position in
 * cb->args, so a dump of any size continues across messages where it
 * stopped; a generation number flags a dump that raced with a change
 * (NLM_F_DUMP_INTR).
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink_gen.h"
#include "xpmem_internal.h"

struct genl_family xpmem_genl_family;

static u32 uid_val(kuid_t uid)
{
	return from_kuid_munged(&init_user_ns, uid);
}

/* Unprivileged readers see only what their own uid made. */
static bool may_see(struct netlink_callback *cb, kuid_t owner)
{
	return netlink_capable(cb->skb, CAP_NET_ADMIN) ||
	       uid_eq(current_euid(), owner);
}

static void *put_header(struct sk_buff *skb, struct netlink_callback *cb,
			u8 cmd)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &xpmem_genl_family, NLM_F_MULTI,
				cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

static int put_segment(struct sk_buff *skb, struct xpmem_segment *seg)
{
	if (nla_put_u64_64bit(skb, XPMEM_A_SEGMENT_SEGID, seg->segid,
			      XPMEM_A_SEGMENT_PAD) ||
	    nla_put_u32(skb, XPMEM_A_SEGMENT_PID, seg->tgid) ||
	    nla_put_u32(skb, XPMEM_A_SEGMENT_UID, uid_val(seg->uid)) ||
	    nla_put_u32(skb, XPMEM_A_SEGMENT_GID,
			from_kgid_munged(&init_user_ns, seg->gid)) ||
	    nla_put_u64_64bit(skb, XPMEM_A_SEGMENT_CGROUP_ID,
			      cgroup_id(seg->cgrp), XPMEM_A_SEGMENT_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_SEGMENT_START, seg->start,
			      XPMEM_A_SEGMENT_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_SEGMENT_SIZE, seg->size,
			      XPMEM_A_SEGMENT_PAD) ||
	    nla_put_u32(skb, XPMEM_A_SEGMENT_MODE, seg->mode) ||
	    nla_put_u32(skb, XPMEM_A_SEGMENT_PERMITS,
			atomic_read(&seg->permit_count)) ||
	    nla_put_u32(skb, XPMEM_A_SEGMENT_ATTACHMENTS,
			atomic_read(&seg->attach_count)) ||
	    nla_put_u64_64bit(skb, XPMEM_A_SEGMENT_MAPPED_PAGES,
			      atomic64_read(&seg->mapped_pages),
			      XPMEM_A_SEGMENT_PAD))
		return -EMSGSIZE;
	if (seg->charge.job &&
	    nla_put_u64_64bit(skb, XPMEM_A_SEGMENT_JOB_ID, seg->charge.job->id,
			      XPMEM_A_SEGMENT_PAD))
		return -EMSGSIZE;
	return 0;
}

static int put_permit(struct sk_buff *skb, struct xpmem_permit *permit,
		      pid_t pid)
{
	if (nla_put_u64_64bit(skb, XPMEM_A_ATTACHMENT_APID, permit->apid,
			      XPMEM_A_ATTACHMENT_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_ATTACHMENT_SEGID, permit->seg->segid,
			      XPMEM_A_ATTACHMENT_PAD) ||
	    nla_put_u32(skb, XPMEM_A_ATTACHMENT_PID, pid) ||
	    nla_put_u32(skb, XPMEM_A_ATTACHMENT_UID, uid_val(permit->uid)) ||
	    nla_put_u32(skb, XPMEM_A_ATTACHMENT_ACCESS, permit->flags))
		return -EMSGSIZE;
	return 0;
}

static int put_permit_entry(struct sk_buff *skb, struct xpmem_permit *permit)
{
	return put_permit(skb, permit, permit->tgid) ?:
	       nla_put_u32(skb, XPMEM_A_ATTACHMENT_ATTACHMENTS,
			   atomic_read(&permit->attach_count));
}

static int put_attachment(struct sk_buff *skb, struct xpmem_attach *att)
{
	if (put_permit(skb, att->permit, att->tgid) ||
	    nla_put_u64_64bit(skb, XPMEM_A_ATTACHMENT_START, READ_ONCE(att->start),
			      XPMEM_A_ATTACHMENT_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_ATTACHMENT_SIZE,
			      att->src_end - att->src_start,
			      XPMEM_A_ATTACHMENT_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_ATTACHMENT_MAPPED_PAGES,
			      atomic64_read(&att->pages.count),
			      XPMEM_A_ATTACHMENT_PAD))
		return -EMSGSIZE;
	return 0;
}

static kuid_t owner_of(enum xpmem_kind kind, void *obj)
{
	switch (kind) {
	case XPMEM_SEGMENTS:
		return ((struct xpmem_segment *)obj)->uid;
	case XPMEM_PERMITS:
		return ((struct xpmem_permit *)obj)->uid;
	default:
		return ((struct xpmem_attach *)obj)->permit->uid;
	}
}

static int put_object(struct sk_buff *skb, enum xpmem_kind kind, void *obj)
{
	switch (kind) {
	case XPMEM_SEGMENTS:
		return put_segment(skb, obj);
	case XPMEM_PERMITS:
		return put_permit_entry(skb, obj);
	default:
		return put_attachment(skb, obj);
	}
}

static void put_object_ref(enum xpmem_kind kind, void *obj)
{
	switch (kind) {
	case XPMEM_SEGMENTS:
		xpmem_segment_put(obj);
		break;
	case XPMEM_PERMITS:
		xpmem_permit_put(obj);
		break;
	default:
		xpmem_attach_put(obj);
	}
}

/*
 * One registry kind, one object per message, resuming after the position
 * in cb->args[0]. Nothing is locked between objects: each is held by a
 * reference while its message is filled.
 */
static int dump_kind(struct sk_buff *skb, struct netlink_callback *cb,
		     enum xpmem_kind kind, u8 cmd)
{
	unsigned long pos = cb->args[0];
	void *obj, *hdr;
	int ret;

	cb->seq = xpmem_registry_gen();
	while ((obj = xpmem_registry_next(kind, &pos))) {
		ret = 0;
		if (may_see(cb, owner_of(kind, obj))) {
			hdr = put_header(skb, cb, cmd);
			ret = hdr ? put_object(skb, kind, obj) : -EMSGSIZE;
			if (ret && hdr)
				genlmsg_cancel(skb, hdr);
			else if (hdr)
				genlmsg_end(skb, hdr);
		}
		put_object_ref(kind, obj);
		if (ret)
			break;
		pos++;
	}
	cb->args[0] = pos;
	return skb->len;
}

int xpmem_nl_get_segments_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_kind(skb, cb, XPMEM_SEGMENTS, XPMEM_NL_CMD_GET_SEGMENTS);
}

int xpmem_nl_get_permits_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_kind(skb, cb, XPMEM_PERMITS, XPMEM_NL_CMD_GET_PERMITS);
}

int xpmem_nl_get_attachments_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	return dump_kind(skb, cb, XPMEM_ATTACHMENTS,
			 XPMEM_NL_CMD_GET_ATTACHMENTS);
}

static int put_account(struct sk_buff *skb, int scope, struct xpmem_account *a,
		       u64 job_id)
{
	static const int fields[] = {
		XPMEM_A_STATS_SEGMENTS, XPMEM_A_STATS_PERMITS,
		XPMEM_A_STATS_ATTACHMENTS, XPMEM_A_STATS_ATTACHED_BYTES,
		XPMEM_A_STATS_MAPPED_PAGES, XPMEM_A_STATS_FAULTS,
		XPMEM_A_STATS_DENIALS, XPMEM_A_STATS_QUOTA_HITS,
	};
	atomic64_t *values[] = {
		&a->segments, &a->permits, &a->attachments, &a->attached_bytes,
		&a->mapped_pages, &a->faults, &a->denials, &a->quota_hits,
	};
	int i;

	if (nla_put_u32(skb, XPMEM_A_STATS_SCOPE, scope))
		return -EMSGSIZE;
	if (scope != XPMEM_SCOPE_GLOBAL &&
	    nla_put_u32(skb, XPMEM_A_STATS_UID, uid_val(a->uid)))
		return -EMSGSIZE;
	if (scope == XPMEM_SCOPE_JOB &&
	    nla_put_u64_64bit(skb, XPMEM_A_STATS_JOB_ID, job_id,
			      XPMEM_A_STATS_PAD))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (nla_put_u64_64bit(skb, fields[i], atomic64_read(values[i]),
				      XPMEM_A_STATS_PAD))
			return -EMSGSIZE;
	if (scope == XPMEM_SCOPE_GLOBAL &&
	    (nla_put_u64_64bit(skb, XPMEM_A_STATS_PAGES_MAPPED_TOTAL,
			       atomic64_read(&xpmem_stats.pages_mapped),
			       XPMEM_A_STATS_PAD) ||
	     nla_put_u64_64bit(skb, XPMEM_A_STATS_PAGES_UNMAPPED_TOTAL,
			       atomic64_read(&xpmem_stats.pages_unmapped),
			       XPMEM_A_STATS_PAD)))
		return -EMSGSIZE;
	return 0;
}

int xpmem_nl_get_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &xpmem_genl_family, 0,
				XPMEM_NL_CMD_GET_STATS);
	if (!hdr || put_account(msg, XPMEM_SCOPE_GLOBAL, &xpmem_global, 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* args[0]: 0 global, 1 uids, 2 jobs; args[1]: position within them */
int xpmem_nl_get_stats_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xpmem_account *acct;
	struct xpmem_job *job;
	unsigned long index;
	void *hdr;
	int ret;

	for (;;) {
		acct = NULL;
		job = NULL;
		if (cb->args[0] == 0) {
			acct = &xpmem_global;
		} else if (cb->args[0] == 1) {
			index = cb->args[1];
			acct = xpmem_uid_account_next(&index);
			if (acct)
				cb->args[1] = index;
		} else if (cb->args[0] == 2) {
			job = xpmem_job_at(cb->args[1]);
		} else {
			return skb->len;
		}
		if (!acct && !job) {
			cb->args[0]++;
			cb->args[1] = 0;
			continue;
		}
		hdr = put_header(skb, cb, XPMEM_NL_CMD_GET_STATS);
		ret = hdr ? 0 : -EMSGSIZE;
		if (!ret && job)
			ret = put_account(skb, XPMEM_SCOPE_JOB, &job->acct, job->id);
		else if (!ret)
			ret = put_account(skb, cb->args[0] ? XPMEM_SCOPE_UID :
					  XPMEM_SCOPE_GLOBAL, acct, 0);
		xpmem_job_put(job);
		if (ret) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			return skb->len;
		}
		genlmsg_end(skb, hdr);
		if (cb->args[0] == 0)
			cb->args[0] = 1;
		else
			cb->args[1]++;
	}
}

int xpmem_nl_get_policy_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	u32 nrules, njobs;
	void *hdr;

	if (!msg)
		return -ENOMEM;
	xpmem_policy_counts(&nrules, &njobs);
	hdr = genlmsg_put_reply(msg, info, &xpmem_genl_family, 0,
				XPMEM_NL_CMD_GET_POLICY);
	if (!hdr ||
	    nla_put_u32(msg, XPMEM_A_POLICY_MODE, xpmem_policy_mode()) ||
	    nla_put_u32(msg, XPMEM_A_POLICY_RULES, nrules) ||
	    nla_put_u32(msg, XPMEM_A_POLICY_JOBS, njobs)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int put_rule(struct sk_buff *skb, struct xpmem_rule *r, u64 hits)
{
	if (nla_put_u32(skb, XPMEM_A_RULE_ID, r->id) ||
	    nla_put_u32(skb, XPMEM_A_RULE_ACTION, r->action) ||
	    (r->has_uid && nla_put_u32(skb, XPMEM_A_RULE_UID, uid_val(r->uid))) ||
	    (r->has_gid && nla_put_u32(skb, XPMEM_A_RULE_GID,
				       from_kgid_munged(&init_user_ns, r->gid))) ||
	    (r->has_peer_uid &&
	     nla_put_u32(skb, XPMEM_A_RULE_PEER_UID, uid_val(r->peer_uid))) ||
	    (r->same_job && nla_put_flag(skb, XPMEM_A_RULE_SAME_JOB)) ||
	    nla_put_u64_64bit(skb, XPMEM_A_RULE_HITS, hits, XPMEM_A_RULE_PAD))
		return -EMSGSIZE;
	return 0;
}

int xpmem_nl_get_rules_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xpmem_rule r;
	void *hdr;
	u64 hits;

	while (xpmem_rules_read(&r, &hits, 1, cb->args[0]) == 1) {
		hdr = put_header(skb, cb, XPMEM_NL_CMD_GET_RULES);
		if (!hdr)
			break;
		if (put_rule(skb, &r, hits)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0]++;
	}
	return skb->len;
}

static int put_job(struct sk_buff *skb, struct xpmem_job *job)
{
	struct xpmem_account *a = &job->acct;

	if (nla_put_u64_64bit(skb, XPMEM_A_JOB_ID, job->id, XPMEM_A_JOB_PAD) ||
	    nla_put_u32(skb, XPMEM_A_JOB_UID, uid_val(job->uid)) ||
	    nla_put_u64_64bit(skb, XPMEM_A_JOB_CGROUP_ID, job->cgroup_id,
			      XPMEM_A_JOB_PAD) ||
	    nla_put_u32(skb, XPMEM_A_JOB_MAX_SEGMENTS, READ_ONCE(a->max_segments)) ||
	    nla_put_u64_64bit(skb, XPMEM_A_JOB_MAX_ATTACHED_BYTES,
			      READ_ONCE(a->max_attached_bytes), XPMEM_A_JOB_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_JOB_MAX_MAPPED_PAGES,
			      READ_ONCE(a->max_mapped_pages), XPMEM_A_JOB_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_JOB_SEGMENTS,
			      atomic64_read(&a->segments), XPMEM_A_JOB_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_JOB_ATTACHED_BYTES,
			      atomic64_read(&a->attached_bytes), XPMEM_A_JOB_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_JOB_MAPPED_PAGES,
			      atomic64_read(&a->mapped_pages), XPMEM_A_JOB_PAD))
		return -EMSGSIZE;
	return 0;
}

int xpmem_nl_get_jobs_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xpmem_job *job;
	void *hdr;
	int ret;

	while ((job = xpmem_job_at(cb->args[0]))) {
		hdr = put_header(skb, cb, XPMEM_NL_CMD_GET_JOBS);
		ret = hdr ? put_job(skb, job) : -EMSGSIZE;
		xpmem_job_put(job);
		if (ret) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0]++;
	}
	return skb->len;
}

int xpmem_nl_get_quotas_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long index = cb->args[0];
	struct xpmem_account *a;
	void *hdr;

	while ((a = xpmem_uid_account_next(&index))) {
		if (READ_ONCE(a->max_segments) || READ_ONCE(a->max_attached_bytes) ||
		    READ_ONCE(a->max_mapped_pages)) {
			hdr = put_header(skb, cb, XPMEM_NL_CMD_GET_QUOTAS);
			if (!hdr)
				break;
			if (nla_put_u32(skb, XPMEM_A_QUOTA_UID, uid_val(a->uid)) ||
			    nla_put_u32(skb, XPMEM_A_QUOTA_MAX_SEGMENTS,
					READ_ONCE(a->max_segments)) ||
			    nla_put_u64_64bit(skb, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES,
					      READ_ONCE(a->max_attached_bytes),
					      XPMEM_A_QUOTA_PAD) ||
			    nla_put_u64_64bit(skb, XPMEM_A_QUOTA_MAX_MAPPED_PAGES,
					      READ_ONCE(a->max_mapped_pages),
					      XPMEM_A_QUOTA_PAD)) {
				genlmsg_cancel(skb, hdr);
				break;
			}
			genlmsg_end(skb, hdr);
		}
		cb->args[0] = ++index;
	}
	return skb->len;
}

static int put_event(struct sk_buff *msg, struct xpmem_event *ev)
{
	if (nla_put_u32(msg, XPMEM_A_EVENT_TYPE, ev->type) ||
	    (ev->segid && nla_put_u64_64bit(msg, XPMEM_A_EVENT_SEGID, ev->segid,
					    XPMEM_A_EVENT_PAD)) ||
	    (ev->pid && nla_put_u32(msg, XPMEM_A_EVENT_PID, ev->pid)) ||
	    (ev->pid && nla_put_u32(msg, XPMEM_A_EVENT_UID, uid_val(ev->uid))) ||
	    (ev->has_peer && nla_put_u32(msg, XPMEM_A_EVENT_PEER_PID, ev->peer_pid)) ||
	    (ev->has_peer &&
	     nla_put_u32(msg, XPMEM_A_EVENT_PEER_UID, uid_val(ev->peer_uid))) ||
	    (ev->job_id && nla_put_u64_64bit(msg, XPMEM_A_EVENT_JOB_ID, ev->job_id,
					     XPMEM_A_EVENT_PAD)) ||
	    (ev->rule_id && nla_put_u32(msg, XPMEM_A_EVENT_RULE_ID, ev->rule_id)) ||
	    (ev->quota && nla_put_u32(msg, XPMEM_A_EVENT_QUOTA, ev->quota)) ||
	    (ev->type == XPMEM_EVENT_TYPE_POLICY_CHANGED &&
	     nla_put_u32(msg, XPMEM_A_EVENT_MODE, ev->mode)))
		return -EMSGSIZE;
	return 0;
}

/* Best effort: listeners that fall behind see ENOBUFS and dump again. */
void xpmem_event(struct xpmem_event *ev)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&xpmem_genl_family, &init_net, XPMEM_NLGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &xpmem_genl_family, 0, XPMEM_NL_CMD_EVENT);
	if (!hdr || put_event(msg, ev)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&xpmem_genl_family, msg, 0, XPMEM_NLGRP_EVENTS, GFP_KERNEL);
}

void xpmem_event_quota(struct xpmem_charge *c, int which, xpmem_segid_t segid)
{
	struct xpmem_event ev = {
		.type = XPMEM_EVENT_TYPE_QUOTA_EXCEEDED,
		.segid = segid,
		.pid = current->tgid,
		.uid = current_uid(),
		.job_id = c->job ? c->job->id : 0,
		.quota = which,
	};

	xpmem_account_add(c, quota_hits, 1);
	xpmem_event(&ev);
}

struct genl_family xpmem_genl_family __ro_after_init = {
	.name		= XPMEM_GENL_NAME,
	.version	= XPMEM_GENL_VERSION,
	.module		= THIS_MODULE,
	.netnsok	= false,	/* one policy per host */
	.parallel_ops	= true,
	.ops		= xpmem_nl_ops,
	.mcgrps		= xpmem_nl_mcgrps,
};

int xpmem_netlink_init(void)
{
	xpmem_genl_family.n_ops = xpmem_nl_n_ops;
	xpmem_genl_family.n_mcgrps = xpmem_nl_n_mcgrps;
	return genl_register_family(&xpmem_genl_family);
}

void xpmem_netlink_exit(void)
{
	genl_unregister_family(&xpmem_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(XPMEM_GENL_NAME);
