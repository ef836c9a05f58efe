// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_admin.c - the operations that change the site policy: its
 * settings (mode, visibility, default segment limit), rules, jobs, quotas
 * and revocation. All need CAP_NET_ADMIN (the op table says
 * GENL_ADMIN_PERM); every refusal names what was wrong in the extended
 * ACK. Changes are announced on the events group.
 */
#include <linux/cred.h>
#include <net/genetlink.h>

#include "netlink_gen.h"
#include "policy.h"

static void announce(int type, u64 job_id, int mode)
{
	struct xpmem_event ev = {
		.type = type,
		.pid = current->tgid,
		.uid = current_uid(),
		.job_id = job_id,
		.mode = mode,
	};

	xpmem_event(&ev);
}

static void policy_changed(void)
{
	announce(XPMEM_EVENT_TYPE_POLICY_CHANGED, 0, xpmem_policy_mode());
}

/* A uid attribute as a kuid; false (with extack) if it maps to nothing. */
static bool read_uid(struct genl_info *info, int attr, kuid_t *uid)
{
	*uid = make_kuid(&init_user_ns, nla_get_u32(info->attrs[attr]));
	if (uid_valid(*uid))
		return true;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[attr], "invalid uid");
	return false;
}

/* Any of mode, visibility and default-max-segments; those absent stay. */
int xpmem_nl_set_policy_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct xpmem_settings s = {};
	unsigned int which = 0;

	if (attrs[XPMEM_A_POLICY_MODE]) {
		s.mode = nla_get_u32(attrs[XPMEM_A_POLICY_MODE]);
		which |= XPMEM_SET_MODE;
	}
	if (attrs[XPMEM_A_POLICY_VISIBILITY]) {
		s.visibility = nla_get_u32(attrs[XPMEM_A_POLICY_VISIBILITY]);
		which |= XPMEM_SET_VISIBILITY;
	}
	if (attrs[XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS]) {
		s.default_max_segments =
			nla_get_u32(attrs[XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS]);
		which |= XPMEM_SET_DEFAULT_MAX_SEGMENTS;
	}
	if (!which) {
		NL_SET_ERR_MSG(info->extack,
			       "give at least one of mode, visibility, default-max-segments");
		return -EINVAL;
	}
	xpmem_policy_set(&s, which);
	policy_changed();
	return 0;
}

int xpmem_nl_reset_policy_doit(struct sk_buff *skb, struct genl_info *info)
{
	xpmem_policy_reset();
	policy_changed();
	return 0;
}

int xpmem_nl_add_rule_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct xpmem_rule r = {};
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, XPMEM_A_RULE_ACTION))
		return -EINVAL;
	r.action = nla_get_u32(attrs[XPMEM_A_RULE_ACTION]);
	r.has_uid = attrs[XPMEM_A_RULE_UID];
	if (r.has_uid && !read_uid(info, XPMEM_A_RULE_UID, &r.uid))
		return -EINVAL;
	r.has_peer_uid = attrs[XPMEM_A_RULE_PEER_UID];
	if (r.has_peer_uid && !read_uid(info, XPMEM_A_RULE_PEER_UID, &r.peer_uid))
		return -EINVAL;
	r.has_gid = attrs[XPMEM_A_RULE_GID];
	if (r.has_gid) {
		r.gid = make_kgid(&init_user_ns,
				  nla_get_u32(attrs[XPMEM_A_RULE_GID]));
		if (!gid_valid(r.gid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[XPMEM_A_RULE_GID],
					    "invalid gid");
			return -EINVAL;
		}
	}
	r.same_job = nla_get_flag(attrs[XPMEM_A_RULE_SAME_JOB]);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = xpmem_rule_add(&r);
	if (ret)
		goto err_msg;
	hdr = genlmsg_put_reply(msg, info, &xpmem_genl_family, 0,
				XPMEM_NL_CMD_ADD_RULE);
	ret = -EMSGSIZE;
	if (!hdr || nla_put_u32(msg, XPMEM_A_RULE_ID, r.id))
		goto err_msg;
	genlmsg_end(msg, hdr);
	policy_changed();
	return genlmsg_reply(msg, info);

err_msg:
	nlmsg_free(msg);
	return ret;
}

int xpmem_nl_del_rule_doit(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, XPMEM_A_RULE_ID))
		return -EINVAL;
	ret = xpmem_rule_del(nla_get_u32(info->attrs[XPMEM_A_RULE_ID]));
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[XPMEM_A_RULE_ID],
				    "no rule with this id");
		return ret;
	}
	policy_changed();
	return 0;
}

static u64 get_u64_or_zero(struct nlattr *attr)
{
	return attr ? nla_get_u64(attr) : 0;
}

int xpmem_nl_add_job_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct xpmem_account quotas = {};
	kuid_t uid;
	u64 id;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, XPMEM_A_JOB_ID) ||
	    GENL_REQ_ATTR_CHECK(info, XPMEM_A_JOB_UID) ||
	    GENL_REQ_ATTR_CHECK(info, XPMEM_A_JOB_CGROUP_ID))
		return -EINVAL;
	if (!read_uid(info, XPMEM_A_JOB_UID, &uid))
		return -EINVAL;
	id = nla_get_u64(attrs[XPMEM_A_JOB_ID]);
	if (attrs[XPMEM_A_JOB_MAX_SEGMENTS])
		quotas.max_segments = nla_get_u32(attrs[XPMEM_A_JOB_MAX_SEGMENTS]);
	quotas.max_attached_bytes =
		get_u64_or_zero(attrs[XPMEM_A_JOB_MAX_ATTACHED_BYTES]);
	quotas.max_mapped_pages =
		get_u64_or_zero(attrs[XPMEM_A_JOB_MAX_MAPPED_PAGES]);

	ret = xpmem_job_add(id, uid, nla_get_u64(attrs[XPMEM_A_JOB_CGROUP_ID]),
			    &quotas);
	if (ret == -ERANGE)
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[XPMEM_A_JOB_ID],
				    "job id too large for this kernel");
	else if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[XPMEM_A_JOB_CGROUP_ID],
				    "no cgroup v2 directory with this id");
	else if (ret == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[XPMEM_A_JOB_ID],
				    "job registered with another uid or cgroup");
	if (ret < 0)
		return ret;
	if (ret == 0)
		announce(XPMEM_EVENT_TYPE_JOB_ADDED, id, 0);
	return 0;
}

/* Idempotent: an absent job is not an error (an epilog may run twice). */
int xpmem_nl_del_job_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct xpmem_job *job;
	u64 id;

	if (GENL_REQ_ATTR_CHECK(info, XPMEM_A_JOB_ID))
		return -EINVAL;
	id = nla_get_u64(info->attrs[XPMEM_A_JOB_ID]);
	job = xpmem_job_unlink(id);
	if (!job)
		return 0;
	xpmem_revoke(0, 0, false, INVALID_UID, job);
	xpmem_revoke_permits(job);
	xpmem_job_put(job);
	announce(XPMEM_EVENT_TYPE_JOB_REMOVED, id, 0);
	return 0;
}

/* Without max-segments, the uid's segments follow default-max-segments. */
int xpmem_nl_set_quota_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct xpmem_uid_quota q = {};
	kuid_t uid;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, XPMEM_A_QUOTA_UID))
		return -EINVAL;
	if (!read_uid(info, XPMEM_A_QUOTA_UID, &uid))
		return -EINVAL;
	if (attrs[XPMEM_A_QUOTA_MAX_SEGMENTS]) {
		q.has_max_segments = true;
		q.max_segments = nla_get_u32(attrs[XPMEM_A_QUOTA_MAX_SEGMENTS]);
	}
	q.max_attached_bytes = get_u64_or_zero(attrs[XPMEM_A_QUOTA_MAX_ATTACHED_BYTES]);
	q.max_mapped_pages = get_u64_or_zero(attrs[XPMEM_A_QUOTA_MAX_MAPPED_PAGES]);
	ret = xpmem_uid_quota_set(uid, &q);
	if (!ret)
		policy_changed();
	return ret;
}

int xpmem_nl_revoke_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct xpmem_job *job = NULL;
	kuid_t uid = INVALID_UID;
	struct sk_buff *msg;
	int selectors, count;
	u64 segid = 0;
	pid_t pid = 0;
	void *hdr;

	selectors = !!attrs[XPMEM_A_REVOKE_SEGID] + !!attrs[XPMEM_A_REVOKE_PID] +
		    !!attrs[XPMEM_A_REVOKE_UID] + !!attrs[XPMEM_A_REVOKE_JOB_ID];
	if (selectors != 1) {
		NL_SET_ERR_MSG(info->extack,
			       "give exactly one of segid, pid, uid, job-id");
		return -EINVAL;
	}
	if (attrs[XPMEM_A_REVOKE_SEGID]) {
		segid = nla_get_u64(attrs[XPMEM_A_REVOKE_SEGID]);
		if (!segid) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[XPMEM_A_REVOKE_SEGID],
					    "segid 0 is never valid");
			return -EINVAL;
		}
	}
	if (attrs[XPMEM_A_REVOKE_PID]) {
		pid = nla_get_u32(attrs[XPMEM_A_REVOKE_PID]);
		if (pid <= 0) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[XPMEM_A_REVOKE_PID],
					    "invalid pid");
			return -EINVAL;
		}
	}
	if (attrs[XPMEM_A_REVOKE_UID] && !read_uid(info, XPMEM_A_REVOKE_UID, &uid))
		return -EINVAL;
	if (attrs[XPMEM_A_REVOKE_JOB_ID]) {
		job = xpmem_job_find(nla_get_u64(attrs[XPMEM_A_REVOKE_JOB_ID]));
		if (!job) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[XPMEM_A_REVOKE_JOB_ID],
					    "no job with this id");
			return -ENOENT;
		}
	}

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		xpmem_job_put(job);
		return -ENOMEM;
	}
	count = xpmem_revoke(segid, pid, uid_valid(uid), uid, job);
	xpmem_job_put(job);
	if (segid && !count) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[XPMEM_A_REVOKE_SEGID],
				    "no segment with this id");
		return -ENOENT;
	}
	hdr = genlmsg_put_reply(msg, info, &xpmem_genl_family, 0, XPMEM_NL_CMD_REVOKE);
	if (!hdr || nla_put_u32(msg, XPMEM_A_REVOKE_COUNT, count)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}
