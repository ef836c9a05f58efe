// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * control_sets.c - how each attribute set of proto/xpmem.yaml maps onto its
 * struct in xpmem_control.h, the spec's attribute names (to name the one
 * the kernel blames), the unpacking of a parsed message into a struct, and
 * the spec's enum names.
 */
#include <errno.h>
#include <string.h>

#include "control_gen.h"
#include "control_private.h"

#define F(type, attr, member) \
	{ attr, sizeof(((struct type *)0)->member), offsetof(struct type, member) }
#define SET(name, max, type, flds, nms) {				\
	.maxattr = max, .policy = xpmem_nl_##name##_policy,		\
	.fields = flds, .nfields = sizeof(flds) / sizeof(flds[0]),	\
	.size = sizeof(struct type), .names = nms,			\
	.nnames = sizeof(nms) / sizeof(nms[0]) }

static const struct field segment_fields[] = {
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_SEGID, segid),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_PID, pid),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_UID, uid),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_GID, gid),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_CGROUP_ID, cgroup_id),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_START, start),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_SIZE, size),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_MODE, mode),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_PERMITS, permits),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_ATTACHMENTS, attachments),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_MAPPED_PAGES, mapped_pages),
	F(xpmem_ctl_segment, XPMEM_A_SEGMENT_JOB_ID, job_id),
};

static const struct field attachment_fields[] = {
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_APID, apid),
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_SEGID, segid),
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_PID, pid),
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_UID, uid),
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_ACCESS, access),
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_START, start),
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_SIZE, size),
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_MAPPED_PAGES, mapped_pages),
	F(xpmem_ctl_attachment, XPMEM_A_ATTACHMENT_ATTACHMENTS, attachments),
};

static const struct field stats_fields[] = {
	F(xpmem_ctl_stats, XPMEM_A_STATS_SCOPE, scope),
	F(xpmem_ctl_stats, XPMEM_A_STATS_UID, uid),
	F(xpmem_ctl_stats, XPMEM_A_STATS_JOB_ID, job_id),
	F(xpmem_ctl_stats, XPMEM_A_STATS_SEGMENTS, segments),
	F(xpmem_ctl_stats, XPMEM_A_STATS_PERMITS, permits),
	F(xpmem_ctl_stats, XPMEM_A_STATS_ATTACHMENTS, attachments),
	F(xpmem_ctl_stats, XPMEM_A_STATS_ATTACHED_BYTES, attached_bytes),
	F(xpmem_ctl_stats, XPMEM_A_STATS_MAPPED_PAGES, mapped_pages),
	F(xpmem_ctl_stats, XPMEM_A_STATS_FAULTS, faults),
	F(xpmem_ctl_stats, XPMEM_A_STATS_DENIALS, denials),
	F(xpmem_ctl_stats, XPMEM_A_STATS_QUOTA_HITS, quota_hits),
	F(xpmem_ctl_stats, XPMEM_A_STATS_PAGES_MAPPED_TOTAL, pages_mapped_total),
	F(xpmem_ctl_stats, XPMEM_A_STATS_PAGES_UNMAPPED_TOTAL, pages_unmapped_total),
	F(xpmem_ctl_stats, XPMEM_A_STATS_INVALIDATIONS_TOTAL, invalidations_total),
	F(xpmem_ctl_stats, XPMEM_A_STATS_INVALIDATIONS_KEPT_TOTAL, invalidations_kept_total),
};

static const struct field policy_fields[] = {
	F(xpmem_ctl_policy, XPMEM_A_POLICY_MODE, mode),
	F(xpmem_ctl_policy, XPMEM_A_POLICY_RULES, rules),
	F(xpmem_ctl_policy, XPMEM_A_POLICY_JOBS, jobs),
	F(xpmem_ctl_policy, XPMEM_A_POLICY_VISIBILITY, visibility),
	F(xpmem_ctl_policy, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS, default_max_segments),
};

static const struct field rule_fields[] = {
	F(xpmem_ctl_rule, XPMEM_A_RULE_ID, id),
	F(xpmem_ctl_rule, XPMEM_A_RULE_ACTION, action),
	F(xpmem_ctl_rule, XPMEM_A_RULE_UID, uid),
	F(xpmem_ctl_rule, XPMEM_A_RULE_GID, gid),
	F(xpmem_ctl_rule, XPMEM_A_RULE_PEER_UID, peer_uid),
	F(xpmem_ctl_rule, XPMEM_A_RULE_SAME_JOB, same_job),
	F(xpmem_ctl_rule, XPMEM_A_RULE_HITS, hits),
};

static const struct field job_fields[] = {
	F(xpmem_ctl_job, XPMEM_A_JOB_ID, id),
	F(xpmem_ctl_job, XPMEM_A_JOB_UID, uid),
	F(xpmem_ctl_job, XPMEM_A_JOB_CGROUP_ID, cgroup_id),
	F(xpmem_ctl_job, XPMEM_A_JOB_MAX_SEGMENTS, max_segments),
	F(xpmem_ctl_job, XPMEM_A_JOB_MAX_ATTACHED_BYTES, max_attached_bytes),
	F(xpmem_ctl_job, XPMEM_A_JOB_MAX_MAPPED_PAGES, max_mapped_pages),
	F(xpmem_ctl_job, XPMEM_A_JOB_SEGMENTS, segments),
	F(xpmem_ctl_job, XPMEM_A_JOB_ATTACHED_BYTES, attached_bytes),
	F(xpmem_ctl_job, XPMEM_A_JOB_MAPPED_PAGES, mapped_pages),
};

static const struct field quota_fields[] = {
	F(xpmem_ctl_quota, XPMEM_A_QUOTA_UID, uid),
	F(xpmem_ctl_quota, XPMEM_A_QUOTA_MAX_SEGMENTS, max_segments),
	F(xpmem_ctl_quota, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES, max_attached_bytes),
	F(xpmem_ctl_quota, XPMEM_A_QUOTA_MAX_MAPPED_PAGES, max_mapped_pages),
};

static const struct field revoke_fields[] = {
	F(revoke_reply, XPMEM_A_REVOKE_COUNT, count),
};

static const struct field event_fields[] = {
	F(xpmem_ctl_event, XPMEM_A_EVENT_TYPE, type),
	F(xpmem_ctl_event, XPMEM_A_EVENT_SEGID, segid),
	F(xpmem_ctl_event, XPMEM_A_EVENT_PID, pid),
	F(xpmem_ctl_event, XPMEM_A_EVENT_UID, uid),
	F(xpmem_ctl_event, XPMEM_A_EVENT_PEER_PID, peer_pid),
	F(xpmem_ctl_event, XPMEM_A_EVENT_PEER_UID, peer_uid),
	F(xpmem_ctl_event, XPMEM_A_EVENT_JOB_ID, job_id),
	F(xpmem_ctl_event, XPMEM_A_EVENT_RULE_ID, rule_id),
	F(xpmem_ctl_event, XPMEM_A_EVENT_QUOTA, quota),
	F(xpmem_ctl_event, XPMEM_A_EVENT_MODE, mode),
};

/*
 * Attribute names as the spec spells them, for the sets we send: the
 * kernel points at a bad or missing attribute by number or by offset.
 */
static const char *const no_names[] = { NULL };
static const char *const policy_names[] = {
	[XPMEM_A_POLICY_MODE] = "mode",
	[XPMEM_A_POLICY_VISIBILITY] = "visibility",
	[XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS] = "default-max-segments",
};
static const char *const rule_names[] = {
	[XPMEM_A_RULE_ID] = "id", [XPMEM_A_RULE_ACTION] = "action",
	[XPMEM_A_RULE_UID] = "uid", [XPMEM_A_RULE_GID] = "gid",
	[XPMEM_A_RULE_PEER_UID] = "peer-uid",
	[XPMEM_A_RULE_SAME_JOB] = "same-job",
};
static const char *const job_names[] = {
	[XPMEM_A_JOB_ID] = "id", [XPMEM_A_JOB_UID] = "uid",
	[XPMEM_A_JOB_CGROUP_ID] = "cgroup-id",
	[XPMEM_A_JOB_MAX_SEGMENTS] = "max-segments",
	[XPMEM_A_JOB_MAX_ATTACHED_BYTES] = "max-attached-bytes",
	[XPMEM_A_JOB_MAX_MAPPED_PAGES] = "max-mapped-pages",
};
static const char *const quota_names[] = {
	[XPMEM_A_QUOTA_UID] = "uid",
	[XPMEM_A_QUOTA_MAX_SEGMENTS] = "max-segments",
	[XPMEM_A_QUOTA_MAX_ATTACHED_BYTES] = "max-attached-bytes",
	[XPMEM_A_QUOTA_MAX_MAPPED_PAGES] = "max-mapped-pages",
};
static const char *const revoke_names[] = {
	[XPMEM_A_REVOKE_SEGID] = "segid", [XPMEM_A_REVOKE_PID] = "pid",
	[XPMEM_A_REVOKE_UID] = "uid", [XPMEM_A_REVOKE_JOB_ID] = "job-id",
};


const struct set xpmem_ctl_sets[] = {
	[S_SEGMENT] = SET(segment, XPMEM_A_SEGMENT_MAX, xpmem_ctl_segment, segment_fields, no_names),
	[S_ATTACHMENT] = SET(attachment, XPMEM_A_ATTACHMENT_MAX, xpmem_ctl_attachment,
			     attachment_fields, no_names),
	[S_STATS] = SET(stats, XPMEM_A_STATS_MAX, xpmem_ctl_stats, stats_fields, no_names),
	[S_POLICY] = SET(policy, XPMEM_A_POLICY_MAX, xpmem_ctl_policy, policy_fields, policy_names),
	[S_RULE] = SET(rule, XPMEM_A_RULE_MAX, xpmem_ctl_rule, rule_fields, rule_names),
	[S_JOB] = SET(job, XPMEM_A_JOB_MAX, xpmem_ctl_job, job_fields, job_names),
	[S_QUOTA] = SET(quota, XPMEM_A_QUOTA_MAX, xpmem_ctl_quota, quota_fields, quota_names),
	[S_REVOKE] = SET(revoke, XPMEM_A_REVOKE_MAX, revoke_reply, revoke_fields, revoke_names),
	[S_EVENT] = SET(event, XPMEM_A_EVENT_MAX, xpmem_ctl_event, event_fields, no_names),
};

/* Fill the struct of SET from the parsed attributes TB. */
void xpmem_ctl_unpack(const struct set *set, struct nlattr **tb, void *obj)
{
	uint32_t *has = obj;	/* every struct starts with it */

	memset(obj, 0, set->size);
	for (unsigned int i = 0; i < set->nfields; i++) {
		const struct field *f = &set->fields[i];
		char *p = (char *)obj + f->off;
		uint64_t v64;
		uint32_t v32;

		if (!tb[f->attr])
			continue;
		*has |= 1u << f->attr;
		if (f->width == 8) {
			v64 = nla_get_u64(tb[f->attr]);
			memcpy(p, &v64, sizeof(v64));
		} else if (f->width == 4) {
			v32 = nla_get_u32(tb[f->attr]);
			memcpy(p, &v32, sizeof(v32));
		} else {
			*(bool *)p = true;
		}
	}
}

const char *xpmem_ctl_attr_name(const struct set *set, unsigned int type)
{
	if (!set || type >= set->nnames)
		return NULL;
	return set->names[type];
}

/* ---- enum names ---- */

static const struct {
	const char *const *names;
	unsigned int max;
} enums[] = {
	[XPMEM_CTL_ENUM_MODE] = { xpmem_mode_names, XPMEM_MODE_NAMES_MAX },
	[XPMEM_CTL_ENUM_ACTION] = { xpmem_action_names, XPMEM_ACTION_NAMES_MAX },
	[XPMEM_CTL_ENUM_ACCESS] = { xpmem_access_names, XPMEM_ACCESS_NAMES_MAX },
	[XPMEM_CTL_ENUM_SCOPE] = { xpmem_scope_names, XPMEM_SCOPE_NAMES_MAX },
	[XPMEM_CTL_ENUM_QUOTA] = { xpmem_quota_names, XPMEM_QUOTA_NAMES_MAX },
	[XPMEM_CTL_ENUM_EVENT_TYPE] = { xpmem_event_type_names, XPMEM_EVENT_TYPE_NAMES_MAX },
	[XPMEM_CTL_ENUM_VISIBILITY] = { xpmem_visibility_names, XPMEM_VISIBILITY_NAMES_MAX },
};

const char *xpmem_ctl_name(enum xpmem_ctl_enum e, uint32_t value)
{
	if ((unsigned int)e >= sizeof(enums) / sizeof(enums[0]) || value > enums[e].max)
		return NULL;
	return enums[e].names[value];
}

int xpmem_ctl_value(enum xpmem_ctl_enum e, const char *name)
{
	if ((unsigned int)e >= sizeof(enums) / sizeof(enums[0]) || !name)
		return -EINVAL;
	for (unsigned int v = 0; v <= enums[e].max; v++)
		if (enums[e].names[v] && !strcmp(enums[e].names[v], name))
			return (int)v;
	return -EINVAL;
}
