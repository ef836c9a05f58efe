/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - what policy.c offers the netlink family beyond the data
 * path's view in xpmem_internal.h: the settings, walks that resume a dump
 * after the last key it sent (rules by id, jobs by job id, uid accounts
 * by uid), per-uid quotas with an explicit-or-default segment limit, and
 * the generation number that flags a dump the policy changed under.
 */
#ifndef _XPMEM_POLICY_H
#define _XPMEM_POLICY_H

#include "xpmem_internal.h"

/* The site's settings; get-policy also reports the counts. */
struct xpmem_settings {
	int mode;			/* enum xpmem_mode */
	int visibility;			/* enum xpmem_visibility */
	u32 default_max_segments;	/* uids without their own; 0: none */
	u32 rules, jobs;		/* read only */
};

#define XPMEM_SET_MODE			BIT(0)
#define XPMEM_SET_VISIBILITY		BIT(1)
#define XPMEM_SET_DEFAULT_MAX_SEGMENTS	BIT(2)

void xpmem_policy_get(struct xpmem_settings *s);
/* Change the settings named in @which (XPMEM_SET_*) at once. */
void xpmem_policy_set(const struct xpmem_settings *s, unsigned int which);
int xpmem_policy_visibility(void);
/* Bumped by every change of rules, jobs, quotas, settings or uid accounts. */
u32 xpmem_policy_gen(void);

/* The first rule with id >= *pos, copied; *pos becomes its id. */
bool xpmem_rule_next(unsigned long *pos, struct xpmem_rule *out, u64 *hits);

/* The first job with id >= *pos, with a reference; *pos becomes its id. */
struct xpmem_job *xpmem_job_next(unsigned long *pos);

/*
 * The first uid account with key (uid) in [*index, max], or NULL; *index
 * becomes its key. @quota_only: only uids with quotas of their own.
 * Accounts live until the module goes, so no reference is needed.
 */
struct xpmem_account *xpmem_uid_account_find(unsigned long *index,
					     unsigned long max,
					     bool quota_only);

/* A uid's own quotas: without a max-segments, the site default applies. */
struct xpmem_uid_quota {
	bool has_max_segments;
	u32 max_segments;		/* 0: unlimited */
	u64 max_attached_bytes;		/* 0: unlimited */
	u64 max_mapped_pages;		/* 0: unlimited */
};

int xpmem_uid_quota_set(kuid_t uid, const struct xpmem_uid_quota *q);
void xpmem_uid_quota_get(struct xpmem_account *a, struct xpmem_uid_quota *q);

#endif /* _XPMEM_POLICY_H */
