// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "xpmem" generic netlink family: registration, the
 * read-only operations (dumps of segments, permits, attachments, stats,
 * rules, jobs, quotas) and the event notifications. The policy tables and
 * the op table are generated from proto/xpmem.yaml (netlink_gen.c); the
 * changing operations live in netlink_admin.c.
 *
 * Dumps send one object per message and keep the key of the next object
 * (registry position, uid, job or rule id) in cb->args, so a dump of any
 * size goes on where it stopped, with no lock held in between; a
 * generation number flags a dump that raced with a change
 * (NLM_F_DUMP_INTR). Who may read what is decided per message by the
 * socket opener's identity (struct reader, and the family doc in
 * proto/xpmem.yaml).
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "netlink_gen.h"
#include "policy.h"

struct genl_family xpmem_genl_family;

static u32 uid_val(kuid_t uid)
{
	return from_kuid_munged(&init_user_ns, uid);
}

/*
 * Who reads. The identity is the socket opener's, from the file's
 * credentials: a dump goes on in whichever process calls recvmsg(), which
 * after SCM_RIGHTS may be another one. Its effective uid, the one GET's
 * same-uid check uses: whoever could GET a segment of that uid anyway
 * may see it listed. Privilege is netlink_capable(): the opener and the
 * process asking must both have CAP_NET_ADMIN.
 */
struct reader {
	kuid_t uid;
	bool all;		/* CAP_NET_ADMIN, or visibility all */
};

static void reader_of(struct netlink_callback *cb, struct reader *rd)
{
	const struct cred *cred = NETLINK_CB(cb->skb).sk->sk_socket->file->f_cred;

	rd->uid = cred->euid;
	rd->all = xpmem_policy_visibility() == XPMEM_VISIBILITY_ALL ||
		  netlink_capable(cb->skb, CAP_NET_ADMIN);
}

static bool may_see(const struct reader *rd, kuid_t owner)
{
	return rd->all || uid_eq(rd->uid, owner);
}

/*
 * The uid keys @rd may walk from *index on, up to *max: every uid, or its
 * own only. False when none is left.
 */
static bool uid_range(const struct reader *rd, unsigned long *index,
		      unsigned long *max)
{
	unsigned long own = from_kuid(&init_user_ns, rd->uid);

	*max = rd->all ? U32_MAX : own;
	if (!rd->all && *index < own)
		*index = own;
	return *index <= *max;
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

typedef int (*fill_fn)(struct sk_buff *skb, void *obj);

/* One dump message of @cmd about @obj; -EMSGSIZE once the skb is full. */
static int put_msg(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
		   fill_fn fill, void *obj)
{
	void *hdr = put_header(skb, cb, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (fill(skb, obj)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int put_segment(struct sk_buff *skb, void *obj)
{
	struct xpmem_segment *seg = obj;

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
			xpmem_segment_attachments(seg)) ||
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

static int put_permit_entry(struct sk_buff *skb, void *obj)
{
	struct xpmem_permit *permit = obj;

	return put_permit(skb, permit, permit->tgid) ?:
	       nla_put_u32(skb, XPMEM_A_ATTACHMENT_ATTACHMENTS,
			   xpmem_permit_attachments(permit));
}

static int put_attachment(struct sk_buff *skb, void *obj)
{
	struct xpmem_attach *att = obj;

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

/* The uid an object belongs to: its exporter's, or its attacher's. */
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
 * reference while it is looked at. A reader that sees only its own
 * objects still walks the others once, and yields the CPU as it goes.
 */
static int dump_kind(struct sk_buff *skb, struct netlink_callback *cb,
		     enum xpmem_kind kind, u8 cmd, fill_fn fill)
{
	unsigned long pos = cb->args[0];
	struct reader rd;
	void *obj;
	int ret;

	reader_of(cb, &rd);
	cb->seq = xpmem_registry_gen();
	while ((obj = xpmem_registry_next(kind, &pos))) {
		ret = 0;
		if (may_see(&rd, owner_of(kind, obj)))
			ret = put_msg(skb, cb, cmd, fill, obj);
		put_object_ref(kind, obj);
		if (ret)
			break;
		pos++;
		cond_resched();
	}
	cb->args[0] = pos;
	return skb->len;
}

int xpmem_nl_get_segments_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_kind(skb, cb, XPMEM_SEGMENTS, XPMEM_NL_CMD_GET_SEGMENTS,
			 put_segment);
}

int xpmem_nl_get_permits_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_kind(skb, cb, XPMEM_PERMITS, XPMEM_NL_CMD_GET_PERMITS,
			 put_permit_entry);
}

int xpmem_nl_get_attachments_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	return dump_kind(skb, cb, XPMEM_ATTACHMENTS,
			 XPMEM_NL_CMD_GET_ATTACHMENTS, put_attachment);
}

/* One stats message: the global, a uid's or a job's counters. */
struct stats_line {
	int scope;
	struct xpmem_account *acct;
	u64 job_id;
};

static int put_account(struct sk_buff *skb, void *obj)
{
	static const int fields[] = {
		XPMEM_A_STATS_SEGMENTS, XPMEM_A_STATS_PERMITS,
		XPMEM_A_STATS_ATTACHMENTS, XPMEM_A_STATS_ATTACHED_BYTES,
		XPMEM_A_STATS_MAPPED_PAGES, XPMEM_A_STATS_FAULTS,
		XPMEM_A_STATS_DENIALS, XPMEM_A_STATS_QUOTA_HITS,
	};
	struct stats_line *line = obj;
	struct xpmem_account *a = line->acct;
	atomic64_t *values[] = {
		&a->segments, &a->permits, &a->attachments, &a->attached_bytes,
		&a->mapped_pages, &a->faults, &a->denials, &a->quota_hits,
	};
	int i, scope = line->scope;

	if (nla_put_u32(skb, XPMEM_A_STATS_SCOPE, scope))
		return -EMSGSIZE;
	if (scope != XPMEM_SCOPE_GLOBAL &&
	    nla_put_u32(skb, XPMEM_A_STATS_UID, uid_val(a->uid)))
		return -EMSGSIZE;
	if (scope == XPMEM_SCOPE_JOB &&
	    nla_put_u64_64bit(skb, XPMEM_A_STATS_JOB_ID, line->job_id,
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
			       XPMEM_A_STATS_PAD) ||
	     nla_put_u64_64bit(skb, XPMEM_A_STATS_INVALIDATIONS_TOTAL,
			       atomic64_read(&xpmem_stats.invalidations),
			       XPMEM_A_STATS_PAD) ||
	     nla_put_u64_64bit(skb, XPMEM_A_STATS_INVALIDATIONS_KEPT_TOTAL,
			       atomic64_read(&xpmem_stats.invalidations_kept),
			       XPMEM_A_STATS_PAD)))
		return -EMSGSIZE;
	return 0;
}

int xpmem_nl_get_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct xpmem_account sum;
	struct stats_line global = { XPMEM_SCOPE_GLOBAL, &sum };
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	xpmem_global_account(&sum);
	hdr = genlmsg_put_reply(msg, info, &xpmem_genl_family, 0,
				XPMEM_NL_CMD_GET_STATS);
	if (!hdr || put_account(msg, &global)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * The uid accounts @rd may see from *index on (all, or its own only),
 * one message each by @fill; @quota_only: uids with quotas of their own.
 * *index is where to go on.
 */
static int dump_uids(struct sk_buff *skb, struct netlink_callback *cb,
		     const struct reader *rd, long *index, bool quota_only,
		     u8 cmd, fill_fn fill)
{
	unsigned long key = *index, max;
	struct stats_line line = { .scope = XPMEM_SCOPE_UID };
	int ret = 0;

	if (!uid_range(rd, &key, &max))
		return 0;
	while ((line.acct = xpmem_uid_account_find(&key, max, quota_only))) {
		ret = put_msg(skb, cb, cmd, fill, &line);
		if (ret)
			break;
		key++;
	}
	*index = key;
	return ret;
}

/*
 * The jobs @rd may see (all, or those registered for its uid) from job
 * id *pos on, one message each by @fill. 0 once all were sent, else
 * -EMSGSIZE with *pos where to go on.
 */
static int dump_jobs(struct sk_buff *skb, struct netlink_callback *cb,
		     const struct reader *rd, long *pos, u8 cmd, fill_fn fill)
{
	unsigned long id = *pos;
	struct xpmem_job *job;
	int ret = 0;

	while ((job = xpmem_job_next(&id))) {
		if (may_see(rd, job->uid))
			ret = put_msg(skb, cb, cmd, fill, job);
		xpmem_job_put(job);
		if (ret) {
			*pos = id;
			return ret;
		}
		if (id == ULONG_MAX)
			break;
		id++;
		cond_resched();
	}
	return 0;
}

static int put_job_stats(struct sk_buff *skb, void *obj)
{
	struct xpmem_job *job = obj;
	struct stats_line line = { XPMEM_SCOPE_JOB, &job->acct, job->id };

	return put_account(skb, &line);
}

/*
 * args[0]: 0 the global counters, 1 the uids, 2 the jobs, 3 done;
 * args[1]: the next uid or job id.
 */
int xpmem_nl_get_stats_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xpmem_account sum;
	struct stats_line global = { XPMEM_SCOPE_GLOBAL, &sum };
	struct reader rd;
	int ret = 0;

	reader_of(cb, &rd);
	cb->seq = xpmem_policy_gen();
	if (cb->args[0] == 0) {
		xpmem_global_account(&sum);
		ret = put_msg(skb, cb, XPMEM_NL_CMD_GET_STATS, put_account,
			      &global);
		if (!ret)
			cb->args[0] = 1;
	}
	if (!ret && cb->args[0] == 1) {
		ret = dump_uids(skb, cb, &rd, &cb->args[1], false,
				XPMEM_NL_CMD_GET_STATS, put_account);
		if (!ret) {
			cb->args[0] = 2;
			cb->args[1] = 0;
		}
	}
	if (!ret && cb->args[0] == 2 &&
	    !dump_jobs(skb, cb, &rd, &cb->args[1], XPMEM_NL_CMD_GET_STATS,
		       put_job_stats))
		cb->args[0] = 3;
	return skb->len;
}

int xpmem_nl_get_policy_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	struct xpmem_settings s;
	void *hdr;

	if (!msg)
		return -ENOMEM;
	xpmem_policy_get(&s);
	hdr = genlmsg_put_reply(msg, info, &xpmem_genl_family, 0,
				XPMEM_NL_CMD_GET_POLICY);
	if (!hdr ||
	    nla_put_u32(msg, XPMEM_A_POLICY_MODE, s.mode) ||
	    nla_put_u32(msg, XPMEM_A_POLICY_VISIBILITY, s.visibility) ||
	    nla_put_u32(msg, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS,
			s.default_max_segments) ||
	    nla_put_u32(msg, XPMEM_A_POLICY_RULES, s.rules) ||
	    nla_put_u32(msg, XPMEM_A_POLICY_JOBS, s.jobs)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

struct rule_line {
	struct xpmem_rule r;
	u64 hits;
};

static int put_rule(struct sk_buff *skb, void *obj)
{
	struct rule_line *line = obj;
	struct xpmem_rule *r = &line->r;

	if (nla_put_u32(skb, XPMEM_A_RULE_ID, r->id) ||
	    nla_put_u32(skb, XPMEM_A_RULE_ACTION, r->action) ||
	    (r->has_uid && nla_put_u32(skb, XPMEM_A_RULE_UID, uid_val(r->uid))) ||
	    (r->has_gid && nla_put_u32(skb, XPMEM_A_RULE_GID,
				       from_kgid_munged(&init_user_ns, r->gid))) ||
	    (r->has_peer_uid &&
	     nla_put_u32(skb, XPMEM_A_RULE_PEER_UID, uid_val(r->peer_uid))) ||
	    (r->same_job && nla_put_flag(skb, XPMEM_A_RULE_SAME_JOB)) ||
	    nla_put_u64_64bit(skb, XPMEM_A_RULE_HITS, line->hits,
			      XPMEM_A_RULE_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * Rules tell whom the site trusts: admins only, unless visibility all.
 * args[0]: the next rule id; args[1]: the last possible one was sent.
 */
int xpmem_nl_get_rules_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long pos = cb->args[0];
	struct rule_line line;
	struct reader rd;

	reader_of(cb, &rd);
	if (!rd.all) {
		NL_SET_ERR_MSG(cb->extack,
			       "reading the rules needs CAP_NET_ADMIN (or visibility all)");
		return -EPERM;
	}
	cb->seq = xpmem_policy_gen();
	while (!cb->args[1] && xpmem_rule_next(&pos, &line.r, &line.hits)) {
		if (put_msg(skb, cb, XPMEM_NL_CMD_GET_RULES, put_rule, &line))
			break;
		if (line.r.id == U32_MAX)
			cb->args[1] = 1;	/* the last id there can be */
		pos = line.r.id + 1UL;
	}
	cb->args[0] = pos;
	return skb->len;
}

static int put_job(struct sk_buff *skb, void *obj)
{
	struct xpmem_job *job = obj;
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

/* args[0]: the next job id; args[1]: all sent. */
int xpmem_nl_get_jobs_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct reader rd;

	if (cb->args[1])
		return 0;
	reader_of(cb, &rd);
	cb->seq = xpmem_policy_gen();
	if (!dump_jobs(skb, cb, &rd, &cb->args[0], XPMEM_NL_CMD_GET_JOBS,
		       put_job))
		cb->args[1] = 1;
	return skb->len;
}

/* Without a max-segments of its own, a uid's follows default-max-segments. */
static int put_quota(struct sk_buff *skb, void *obj)
{
	struct stats_line *line = obj;
	struct xpmem_uid_quota q;

	xpmem_uid_quota_get(line->acct, &q);
	if (nla_put_u32(skb, XPMEM_A_QUOTA_UID, uid_val(line->acct->uid)) ||
	    (q.has_max_segments &&
	     nla_put_u32(skb, XPMEM_A_QUOTA_MAX_SEGMENTS, q.max_segments)) ||
	    nla_put_u64_64bit(skb, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES,
			      q.max_attached_bytes, XPMEM_A_QUOTA_PAD) ||
	    nla_put_u64_64bit(skb, XPMEM_A_QUOTA_MAX_MAPPED_PAGES,
			      q.max_mapped_pages, XPMEM_A_QUOTA_PAD))
		return -EMSGSIZE;
	return 0;
}

/* args[0]: the next uid. */
int xpmem_nl_get_quotas_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct reader rd;

	reader_of(cb, &rd);
	cb->seq = xpmem_policy_gen();
	dump_uids(skb, cb, &rd, &cb->args[0], true, XPMEM_NL_CMD_GET_QUOTAS,
		  put_quota);
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

/*
 * Best effort: listeners that fall behind see ENOBUFS and dump again.
 * Where the kernel cannot keep the events group to CAP_NET_ADMIN, the
 * group is not registered (netlink_gen.c) and nothing is sent.
 */
void xpmem_event(struct xpmem_event *ev)
{
	struct sk_buff *msg;
	void *hdr;

	if (xpmem_nl_n_mcgrps <= XPMEM_NLGRP_EVENTS ||
	    !genl_has_listeners(&xpmem_genl_family, &init_net, XPMEM_NLGRP_EVENTS))
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
