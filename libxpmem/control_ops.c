// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * control_ops.c - one function per operation of the xpmem family (see
 * xpmem_control.h): dumps, requests and what their replies carry. The
 * sending, receiving and error handling is control.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "control_private.h"

int xpmem_ctl_segments(struct xpmem_ctl *ctl, xpmem_ctl_segment_cb cb, void *arg)
{
	return xpmem_ctl_dump(ctl, XPMEM_NL_CMD_GET_SEGMENTS, S_SEGMENT, (union any_cb){ .seg = cb }, arg);
}

int xpmem_ctl_permits(struct xpmem_ctl *ctl, xpmem_ctl_attachment_cb cb, void *arg)
{
	return xpmem_ctl_dump(ctl, XPMEM_NL_CMD_GET_PERMITS, S_ATTACHMENT, (union any_cb){ .att = cb }, arg);
}

int xpmem_ctl_attachments(struct xpmem_ctl *ctl, xpmem_ctl_attachment_cb cb, void *arg)
{
	return xpmem_ctl_dump(ctl, XPMEM_NL_CMD_GET_ATTACHMENTS, S_ATTACHMENT,
		    (union any_cb){ .att = cb }, arg);
}

int xpmem_ctl_stats(struct xpmem_ctl *ctl, struct xpmem_ctl_stats *out)
{
	return xpmem_ctl_simple(ctl, XPMEM_NL_CMD_GET_STATS, S_STATS, out);
}

int xpmem_ctl_stats_dump(struct xpmem_ctl *ctl, xpmem_ctl_stats_cb cb, void *arg)
{
	return xpmem_ctl_dump(ctl, XPMEM_NL_CMD_GET_STATS, S_STATS, (union any_cb){ .st = cb }, arg);
}

int xpmem_ctl_policy_get(struct xpmem_ctl *ctl, struct xpmem_ctl_policy *out)
{
	return xpmem_ctl_simple(ctl, XPMEM_NL_CMD_GET_POLICY, S_POLICY, out);
}

int xpmem_ctl_policy_set(struct xpmem_ctl *ctl, const struct xpmem_ctl_policy *pol)
{
	struct nl_msg *msg = xpmem_ctl_request(ctl, XPMEM_NL_CMD_SET_POLICY, 0, S_POLICY, NULL);
	bool bad = false;

	if (!msg)
		return -ENOMEM;
	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_MODE))
		bad |= nla_put_u32(msg, XPMEM_A_POLICY_MODE, pol->mode) < 0;
	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_VISIBILITY))
		bad |= nla_put_u32(msg, XPMEM_A_POLICY_VISIBILITY, pol->visibility) < 0;
	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS))
		bad |= nla_put_u32(msg, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS,
				   pol->default_max_segments) < 0;
	return xpmem_ctl_send(ctl, msg, bad);
}

int xpmem_ctl_policy_reset(struct xpmem_ctl *ctl)
{
	return xpmem_ctl_simple(ctl, XPMEM_NL_CMD_RESET_POLICY, S_POLICY, NULL);
}

int xpmem_ctl_rules(struct xpmem_ctl *ctl, xpmem_ctl_rule_cb cb, void *arg)
{
	return xpmem_ctl_dump(ctl, XPMEM_NL_CMD_GET_RULES, S_RULE, (union any_cb){ .rule = cb }, arg);
}

int xpmem_ctl_rule_add(struct xpmem_ctl *ctl, const struct xpmem_ctl_rule *rule,
		       uint32_t *id)
{
	struct xpmem_ctl_rule reply = { 0 };
	struct nl_msg *msg = xpmem_ctl_request(ctl, XPMEM_NL_CMD_ADD_RULE, 0, S_RULE, &reply);
	bool bad;
	int ret;

	if (!msg)
		return -ENOMEM;
	bad = nla_put_u32(msg, XPMEM_A_RULE_ACTION, rule->action) < 0;
	if (XPMEM_CTL_HAS(rule, XPMEM_A_RULE_UID))
		bad |= nla_put_u32(msg, XPMEM_A_RULE_UID, rule->uid) < 0;
	if (XPMEM_CTL_HAS(rule, XPMEM_A_RULE_GID))
		bad |= nla_put_u32(msg, XPMEM_A_RULE_GID, rule->gid) < 0;
	if (XPMEM_CTL_HAS(rule, XPMEM_A_RULE_PEER_UID))
		bad |= nla_put_u32(msg, XPMEM_A_RULE_PEER_UID, rule->peer_uid) < 0;
	if (rule->same_job)
		bad |= nla_put_flag(msg, XPMEM_A_RULE_SAME_JOB) < 0;
	ret = xpmem_ctl_send(ctl, msg, bad);
	if (!ret && !XPMEM_CTL_HAS(&reply, XPMEM_A_RULE_ID)) {
		ret = ctl->err.err = -EPROTO;
		snprintf(ctl->err.msg, sizeof(ctl->err.msg),
			 "the kernel added the rule but sent no id");
	}
	if (!ret && id)
		*id = reply.id;
	return ret;
}

int xpmem_ctl_rule_del(struct xpmem_ctl *ctl, uint32_t id)
{
	struct nl_msg *msg = xpmem_ctl_request(ctl, XPMEM_NL_CMD_DEL_RULE, 0, S_RULE, NULL);

	if (!msg)
		return -ENOMEM;
	return xpmem_ctl_send(ctl, msg, nla_put_u32(msg, XPMEM_A_RULE_ID, id) < 0);
}

int xpmem_ctl_jobs(struct xpmem_ctl *ctl, xpmem_ctl_job_cb cb, void *arg)
{
	return xpmem_ctl_dump(ctl, XPMEM_NL_CMD_GET_JOBS, S_JOB, (union any_cb){ .job = cb }, arg);
}

int xpmem_ctl_job_add(struct xpmem_ctl *ctl, const struct xpmem_ctl_job *job)
{
	struct nl_msg *msg = xpmem_ctl_request(ctl, XPMEM_NL_CMD_ADD_JOB, 0, S_JOB, NULL);
	bool bad;

	if (!msg)
		return -ENOMEM;
	bad = nla_put_u64(msg, XPMEM_A_JOB_ID, job->id) < 0 ||
	      nla_put_u32(msg, XPMEM_A_JOB_UID, job->uid) < 0 ||
	      nla_put_u64(msg, XPMEM_A_JOB_CGROUP_ID, job->cgroup_id) < 0;
	if (XPMEM_CTL_HAS(job, XPMEM_A_JOB_MAX_SEGMENTS))
		bad |= nla_put_u32(msg, XPMEM_A_JOB_MAX_SEGMENTS, job->max_segments) < 0;
	if (XPMEM_CTL_HAS(job, XPMEM_A_JOB_MAX_ATTACHED_BYTES))
		bad |= nla_put_u64(msg, XPMEM_A_JOB_MAX_ATTACHED_BYTES,
				   job->max_attached_bytes) < 0;
	if (XPMEM_CTL_HAS(job, XPMEM_A_JOB_MAX_MAPPED_PAGES))
		bad |= nla_put_u64(msg, XPMEM_A_JOB_MAX_MAPPED_PAGES, job->max_mapped_pages) < 0;
	return xpmem_ctl_send(ctl, msg, bad);
}

int xpmem_ctl_job_del(struct xpmem_ctl *ctl, uint64_t id)
{
	struct nl_msg *msg = xpmem_ctl_request(ctl, XPMEM_NL_CMD_DEL_JOB, 0, S_JOB, NULL);

	if (!msg)
		return -ENOMEM;
	return xpmem_ctl_send(ctl, msg, nla_put_u64(msg, XPMEM_A_JOB_ID, id) < 0);
}

int xpmem_ctl_quotas(struct xpmem_ctl *ctl, xpmem_ctl_quota_cb cb, void *arg)
{
	return xpmem_ctl_dump(ctl, XPMEM_NL_CMD_GET_QUOTAS, S_QUOTA, (union any_cb){ .quota = cb }, arg);
}

int xpmem_ctl_quota_set(struct xpmem_ctl *ctl, const struct xpmem_ctl_quota *quota)
{
	struct nl_msg *msg = xpmem_ctl_request(ctl, XPMEM_NL_CMD_SET_QUOTA, 0, S_QUOTA, NULL);
	bool bad;

	if (!msg)
		return -ENOMEM;
	bad = nla_put_u32(msg, XPMEM_A_QUOTA_UID, quota->uid) < 0;
	if (XPMEM_CTL_HAS(quota, XPMEM_A_QUOTA_MAX_SEGMENTS))
		bad |= nla_put_u32(msg, XPMEM_A_QUOTA_MAX_SEGMENTS, quota->max_segments) < 0;
	if (XPMEM_CTL_HAS(quota, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES))
		bad |= nla_put_u64(msg, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES,
				   quota->max_attached_bytes) < 0;
	if (XPMEM_CTL_HAS(quota, XPMEM_A_QUOTA_MAX_MAPPED_PAGES))
		bad |= nla_put_u64(msg, XPMEM_A_QUOTA_MAX_MAPPED_PAGES,
				   quota->max_mapped_pages) < 0;
	return xpmem_ctl_send(ctl, msg, bad);
}

int xpmem_ctl_revoke(struct xpmem_ctl *ctl, int by, uint64_t value, uint32_t *count)
{
	struct revoke_reply reply = { 0 };
	struct nl_msg *msg;
	bool bad;
	int ret;

	switch (by) {
	case XPMEM_A_REVOKE_SEGID:
	case XPMEM_A_REVOKE_JOB_ID:
	case XPMEM_A_REVOKE_PID:
	case XPMEM_A_REVOKE_UID:
		break;
	default:
		memset(&ctl->err, 0, sizeof(ctl->err));
		return ctl->err.err = -EINVAL;
	}
	msg = xpmem_ctl_request(ctl, XPMEM_NL_CMD_REVOKE, 0, S_REVOKE, &reply);
	if (!msg)
		return -ENOMEM;
	if (by == XPMEM_A_REVOKE_SEGID || by == XPMEM_A_REVOKE_JOB_ID)
		bad = nla_put_u64(msg, by, value) < 0;
	else
		bad = nla_put_u32(msg, by, (uint32_t)value) < 0;
	ret = xpmem_ctl_send(ctl, msg, bad);
	if (!ret && count)
		*count = reply.count;
	return ret;
}
