// SPDX-License-Identifier: GPL-2.0
/*
 * fake_kernel.c - the xpmem_ctl_* calls xpmemd/apply.c makes, answered by
 * a fake kernel with the real one's rule semantics and settings (see
 * fake_kernel.h), for apply_test.c.
 *
 * After every change it checks that the policy in force is never more
 * permissive than both the old and the new policy: over a small universe
 * of accessors, groups, exporters and same-job pairs for GET, and for
 * visibility and the default segment limit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fake_kernel.h"

struct xpmem_ctl k;

static const uint32_t uids[] = { 0, 1, 1000, 1001, 65534 };
static const uint32_t gids[] = { 0, 100, 200 };

static bool matches(const struct xpmem_ctl_rule *r, uint32_t uid, uint32_t gid,
		    uint32_t peer, bool same_job)
{
	return (!XPMEM_CTL_HAS(r, XPMEM_A_RULE_UID) || r->uid == uid) &&
	       (!XPMEM_CTL_HAS(r, XPMEM_A_RULE_GID) || r->gid == gid) &&
	       (!XPMEM_CTL_HAS(r, XPMEM_A_RULE_PEER_UID) || r->peer_uid == peer) &&
	       (!r->same_job || same_job);
}

/* The kernel's xpmem_policy_check(), for one accessor with one group. */
static bool allows(const struct xpmem_ctl *s, uint32_t uid, uint32_t gid, uint32_t peer,
		   bool same_job)
{
	for (int i = 0; i < s->nrules; i++)
		if (s->rules[i].action == XPMEM_ACTION_DENY &&
		    matches(&s->rules[i], uid, gid, peer, same_job))
			return false;
	if (uid == peer || s->mode == XPMEM_MODE_COMPAT)
		return true;
	for (int i = 0; i < s->nrules; i++)
		if (s->rules[i].action == XPMEM_ACTION_ALLOW &&
		    matches(&s->rules[i], uid, gid, peer, same_job))
			return true;
	return false;
}

/* Is segment limit A wider than B? 0 is unlimited. */
static bool more_segments(uint32_t a, uint32_t b)
{
	return a != b && (!a || (b && a > b));
}

/* Is the state now wider than both before and after, on any setting or GET? */
static void check_not_wider(void)
{
	if (!k.before || !k.after)
		return;
	if (k.visibility == XPMEM_VISIBILITY_ALL &&
	    k.before->visibility == XPMEM_VISIBILITY_OWN &&
	    k.after->visibility == XPMEM_VISIBILITY_OWN)
		k.widened = true;
	if (more_segments(k.default_max_segments, k.before->default_max_segments) &&
	    more_segments(k.default_max_segments, k.after->default_max_segments))
		k.widened = true;
	for (size_t a = 0; a < sizeof(uids) / sizeof(uids[0]); a++)
		for (size_t g = 0; g < sizeof(gids) / sizeof(gids[0]); g++)
			for (size_t p = 0; p < sizeof(uids) / sizeof(uids[0]); p++)
				for (int j = 0; j < 2; j++)
					if (allows(&k, uids[a], gids[g], uids[p], j) &&
					    !allows(k.before, uids[a], gids[g], uids[p], j) &&
					    !allows(k.after, uids[a], gids[g], uids[p], j))
						k.widened = true;
}

/* Count one change; false if it is the one that must fail. */
static bool change(const char *what)
{
	if (++k.ops == k.fail_at) {
		k.err.err = -EINVAL;
		snprintf(k.err.kmsg, sizeof(k.err.kmsg), "injected failure");
		return false;
	}
	memset(&k.err, 0, sizeof(k.err));
	strncat(k.log, what, sizeof(k.log) - strlen(k.log) - 1);
	return true;
}

const struct xpmem_ctl_error *xpmem_ctl_last_error(const struct xpmem_ctl *ctl)
{
	return &ctl->err;
}

int xpmem_ctl_policy_get(struct xpmem_ctl *ctl, struct xpmem_ctl_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = ctl->mode;
	out->visibility = ctl->visibility;
	out->default_max_segments = ctl->default_max_segments;
	out->rules = (uint32_t)ctl->nrules;
	out->jobs = (uint32_t)ctl->njobs;
	out->has = 1u << XPMEM_A_POLICY_MODE | 1u << XPMEM_A_POLICY_VISIBILITY |
		   1u << XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS | 1u << XPMEM_A_POLICY_RULES |
		   1u << XPMEM_A_POLICY_JOBS;
	return 0;
}

/* One change; logged as S/C (mode), V+/V- (visibility), L+/L- (limit). */
int xpmem_ctl_policy_set(struct xpmem_ctl *ctl, const struct xpmem_ctl_policy *pol)
{
	char what[16] = "";

	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_MODE))
		strcat(what, pol->mode == XPMEM_MODE_STRICT ? "S " : "C ");
	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_VISIBILITY))
		strcat(what, pol->visibility == XPMEM_VISIBILITY_ALL ? "V+ " : "V- ");
	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS))
		strcat(what, more_segments(pol->default_max_segments,
					   ctl->default_max_segments) ? "L+ " : "L- ");
	if (!what[0]) {
		ctl->err.err = -EINVAL;
		return -EINVAL;		/* as the kernel: nothing to set */
	}
	if (!change(what))
		return -EINVAL;
	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_MODE))
		ctl->mode = pol->mode;
	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_VISIBILITY))
		ctl->visibility = pol->visibility;
	if (XPMEM_CTL_HAS(pol, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS))
		ctl->default_max_segments = pol->default_max_segments;
	check_not_wider();
	return 0;
}

int xpmem_ctl_rules(struct xpmem_ctl *ctl, xpmem_ctl_rule_cb cb, void *arg)
{
	int ret;

	for (int i = 0; i < ctl->nrules; i++)
		if ((ret = cb(&ctl->rules[i], arg)))
			return ret;
	return 0;
}

int xpmem_ctl_rule_add(struct xpmem_ctl *ctl, const struct xpmem_ctl_rule *rule, uint32_t *id)
{
	struct xpmem_ctl_rule *r = &ctl->rules[ctl->nrules];

	if (!change(rule->action == XPMEM_ACTION_DENY ? "D+ " : "A+ "))
		return -EINVAL;
	*r = *rule;
	r->has &= 1u << XPMEM_A_RULE_UID | 1u << XPMEM_A_RULE_GID | 1u << XPMEM_A_RULE_PEER_UID;
	r->has |= 1u << XPMEM_A_RULE_ID | 1u << XPMEM_A_RULE_ACTION;
	r->id = ++ctl->next_id;
	r->hits = 0;
	ctl->nrules++;
	if (id)
		*id = r->id;
	check_not_wider();
	return 0;
}

int xpmem_ctl_rule_del(struct xpmem_ctl *ctl, uint32_t id)
{
	for (int i = 0; i < ctl->nrules; i++) {
		if (ctl->rules[i].id != id)
			continue;
		if (!change(ctl->rules[i].action == XPMEM_ACTION_DENY ? "D- " : "A- "))
			return -EINVAL;
		memmove(&ctl->rules[i], &ctl->rules[i + 1],
			(size_t)(ctl->nrules - i - 1) * sizeof(ctl->rules[0]));
		ctl->nrules--;
		check_not_wider();
		return 0;
	}
	return -ENOENT;
}

int xpmem_ctl_quotas(struct xpmem_ctl *ctl, xpmem_ctl_quota_cb cb, void *arg)
{
	int ret;

	for (int i = 0; i < ctl->nquotas; i++)
		if ((ret = cb(&ctl->quotas[i], arg)))
			return ret;
	return 0;
}

int xpmem_ctl_quota_set(struct xpmem_ctl *ctl, const struct xpmem_ctl_quota *q)
{
	int i;

	if (!change("Q "))
		return -EINVAL;
	for (i = 0; i < ctl->nquotas; i++)
		if (ctl->quotas[i].uid == q->uid)
			break;
	if (i == ctl->nquotas)
		ctl->nquotas++;
	ctl->quotas[i] = *q;
	return 0;
}

int xpmem_ctl_jobs(struct xpmem_ctl *ctl, xpmem_ctl_job_cb cb, void *arg)
{
	int ret;

	for (int i = 0; i < ctl->njobs; i++)
		if ((ret = cb(&ctl->jobs[i], arg)))
			return ret;
	return 0;
}

int xpmem_ctl_job_add(struct xpmem_ctl *ctl, const struct xpmem_ctl_job *job)
{
	int i;

	memset(&ctl->err, 0, sizeof(ctl->err));
	if (job->cgroup_id & GONE) {
		ctl->err.err = -ENOENT;
		snprintf(ctl->err.kmsg, sizeof(ctl->err.kmsg), "no cgroup v2 directory with this id");
		return -ENOENT;
	}
	for (i = 0; i < ctl->njobs; i++) {
		if (ctl->jobs[i].id != job->id)
			continue;
		if (ctl->jobs[i].uid != job->uid || ctl->jobs[i].cgroup_id != job->cgroup_id) {
			ctl->err.err = -EEXIST;
			snprintf(ctl->err.kmsg, sizeof(ctl->err.kmsg),
				 "job registered with another uid or cgroup");
			return -EEXIST;
		}
		break;
	}
	if (i == ctl->njobs)
		ctl->njobs++;
	ctl->jobs[i] = *job;
	return 0;
}


void reset_kernel(void)
{
	memset(&k, 0, sizeof(k));
	k.mode = XPMEM_MODE_COMPAT;
	k.visibility = XPMEM_VISIBILITY_OWN;
	k.default_max_segments = XPMEM_DEFAULT_MAX_SEGMENTS;
}

void kernel_rule(uint32_t action, int uid, int peer, bool same_job)
{
	struct xpmem_ctl_rule r = { .action = action, .same_job = same_job };

	if (uid >= 0) {
		r.uid = (uint32_t)uid;
		XPMEM_CTL_SET(&r, XPMEM_A_RULE_UID);
	}
	if (peer >= 0) {
		r.peer_uid = (uint32_t)peer;
		XPMEM_CTL_SET(&r, XPMEM_A_RULE_PEER_UID);
	}
	xpmem_ctl_rule_add(&k, &r, NULL);
}
