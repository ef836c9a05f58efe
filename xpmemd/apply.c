// SPDX-License-Identifier: GPL-2.0
/*
 * apply.c - make the kernel's site policy exactly the configuration's, and
 * register jobs.
 *
 * The family has no transaction, so "as a whole" means: validate all of
 * it first (config.c), compare with what the kernel holds, and change only
 * the difference, in an order whose every intermediate state is at most
 * as permissive as the old or the new policy. The kernel's rule semantics
 * make that possible: a matching deny rule wins wherever it is, an allow
 * rule counts wherever it is, so rules form a set and their order does
 * not matter.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "apply.h"
#include "xpmem_control.h"

/* "what: why", why being the kernel's message if it sent one. */
__attribute__((format(printf, 5, 6)))
static int failed(struct xpmem_ctl *ctl, int ret, char *err, size_t len,
		  const char *fmt, ...)
{
	const struct xpmem_ctl_error *e = xpmem_ctl_last_error(ctl);
	char what[512];
	const char *why;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	why = e && e->kmsg[0] ? e->kmsg : e && e->msg[0] ? e->msg : strerror(-ret);
	snprintf(err, len, "%s: %s", what, why);
	return ret;
}

/* ---- rules ------------------------------------------------------------- */

struct rules {
	struct xpmem_ctl_rule *v;
	size_t n;
	int err;
};

static int collect_rule(const struct xpmem_ctl_rule *rule, void *arg)
{
	struct rules *r = arg;
	struct xpmem_ctl_rule *grown;

	grown = realloc(r->v, (r->n + 1) * sizeof(*grown));
	if (!grown) {
		r->err = -ENOMEM;
		return -ENOMEM;
	}
	r->v = grown;
	r->v[r->n++] = *rule;
	return 0;
}

/* Does the kernel's rule K select exactly what the configured rule C does? */
static bool same_rule(const struct xpmem_ctl_rule *k, const struct xpmem_cfg_rule *c)
{
	bool uid = XPMEM_CTL_HAS(k, XPMEM_A_RULE_UID);
	bool gid = XPMEM_CTL_HAS(k, XPMEM_A_RULE_GID);
	bool peer = XPMEM_CTL_HAS(k, XPMEM_A_RULE_PEER_UID);

	return k->action == c->action && k->same_job == c->same_job &&
	       uid == c->has_uid && (!uid || k->uid == c->uid) &&
	       gid == c->has_gid && (!gid || k->gid == c->gid) &&
	       peer == c->has_peer_uid && (!peer || k->peer_uid == c->peer_uid);
}

static int add_rule(struct xpmem_ctl *ctl, const struct xpmem_config *cfg,
		    const struct xpmem_cfg_rule *c, char *err, size_t len)
{
	struct xpmem_ctl_rule r = {
		.action = c->action, .uid = c->uid, .gid = c->gid,
		.peer_uid = c->peer_uid, .same_job = c->same_job,
	};
	char where[PATH_MAX + 16];
	int ret;

	if (c->has_uid)
		XPMEM_CTL_SET(&r, XPMEM_A_RULE_UID);
	if (c->has_gid)
		XPMEM_CTL_SET(&r, XPMEM_A_RULE_GID);
	if (c->has_peer_uid)
		XPMEM_CTL_SET(&r, XPMEM_A_RULE_PEER_UID);
	ret = xpmem_ctl_rule_add(ctl, &r, NULL);
	if (ret < 0)
		return failed(ctl, ret, err, len, "cannot add the rule of %s",
			      xpmem_config_where(cfg, c->file, c->line, where, sizeof(where)));
	return 0;
}

static int del_rule(struct xpmem_ctl *ctl, uint32_t id, char *err, size_t len)
{
	int ret = xpmem_ctl_rule_del(ctl, id);

	/* gone already (someone else removed it): that is what we wanted */
	if (ret < 0 && ret != -ENOENT)
		return failed(ctl, ret, err, len, "cannot delete rule %" PRIu32, id);
	return 0;
}

/* ---- settings ------------------------------------------------------------ */

/* Is segment limit A wider than B? 0 is unlimited. */
static bool more_segments(uint32_t a, uint32_t b)
{
	return a != b && (!a || (b && a > b));
}

/*
 * Send the settings of CFG that differ from the kernel's (HAVE) in the
 * direction asked: WIDER false, those that make the policy stricter
 * (strict, visibility own, a lower segment limit); true, the others.
 */
static int move_settings(struct xpmem_ctl *ctl, const struct xpmem_config *cfg,
			 const struct xpmem_ctl_policy *have, bool wider,
			 struct xpmem_apply_stats *stats, char *err, size_t len)
{
	struct xpmem_ctl_policy set = {
		.mode = cfg->mode, .visibility = cfg->visibility,
		.default_max_segments = cfg->default_max_segments,
	};
	int ret;

	if (have->mode != cfg->mode && (cfg->mode == XPMEM_MODE_COMPAT) == wider) {
		XPMEM_CTL_SET(&set, XPMEM_A_POLICY_MODE);
		stats->mode_changed = 1;
	}
	if (have->visibility != cfg->visibility &&
	    (cfg->visibility == XPMEM_VISIBILITY_ALL) == wider) {
		XPMEM_CTL_SET(&set, XPMEM_A_POLICY_VISIBILITY);
		stats->settings_changed++;
	}
	if (have->default_max_segments != cfg->default_max_segments &&
	    more_segments(cfg->default_max_segments, have->default_max_segments) == wider) {
		XPMEM_CTL_SET(&set, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS);
		stats->settings_changed++;
	}
	if (!set.has)
		return 0;
	ret = xpmem_ctl_policy_set(ctl, &set);
	if (ret < 0)
		return failed(ctl, ret, err, len, "cannot change the policy settings");
	return 0;
}

/* ---- quotas ------------------------------------------------------------- */

struct quotas {
	struct xpmem_ctl_quota *v;
	size_t n;
	int err;
};

static int collect_quota(const struct xpmem_ctl_quota *q, void *arg)
{
	struct quotas *r = arg;
	struct xpmem_ctl_quota *grown;

	if (!XPMEM_CTL_HAS(q, XPMEM_A_QUOTA_MAX_SEGMENTS) && !q->max_attached_bytes &&
	    !q->max_mapped_pages)
		return 0;
	grown = realloc(r->v, (r->n + 1) * sizeof(*grown));
	if (!grown) {
		r->err = -ENOMEM;
		return -ENOMEM;
	}
	r->v = grown;
	r->v[r->n++] = *q;
	return 0;
}

/* The quotas of C's uid, or with C NULL none for UID (the default applies). */
static int set_quota(struct xpmem_ctl *ctl, uint32_t uid, const struct xpmem_cfg_quota *c,
		     char *err, size_t len)
{
	struct xpmem_ctl_quota q = { .uid = uid };
	int ret;

	XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_UID);
	XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES);
	XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_MAX_MAPPED_PAGES);
	if (c) {
		q.max_segments = c->max_segments;
		q.max_attached_bytes = c->max_attached_bytes;
		q.max_mapped_pages = c->max_mapped_pages;
		if (c->has_max_segments)
			XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_MAX_SEGMENTS);
	}
	ret = xpmem_ctl_quota_set(ctl, &q);
	if (ret < 0)
		return failed(ctl, ret, err, len, "cannot set the quotas of uid %" PRIu32, uid);
	return 0;
}

static bool same_quota(const struct xpmem_ctl_quota *k, const struct xpmem_cfg_quota *c)
{
	bool segs = XPMEM_CTL_HAS(k, XPMEM_A_QUOTA_MAX_SEGMENTS);

	return segs == c->has_max_segments && (!segs || k->max_segments == c->max_segments) &&
	       k->max_attached_bytes == c->max_attached_bytes &&
	       k->max_mapped_pages == c->max_mapped_pages;
}

static int apply_quotas(struct xpmem_ctl *ctl, const struct xpmem_config *cfg,
			struct xpmem_apply_stats *stats, char *err, size_t len)
{
	struct quotas have = { 0 };
	size_t i, j;
	int ret;

	ret = xpmem_ctl_quotas(ctl, collect_quota, &have);
	if (ret < 0) {
		ret = have.err ? have.err : failed(ctl, ret, err, len, "cannot read the quotas");
		goto out;
	}
	/* lower or remove the stale ones first, then set the configured ones */
	for (i = 0; i < have.n; i++) {
		for (j = 0; j < cfg->nquotas; j++)
			if (cfg->quotas[j].uid == have.v[i].uid)
				break;
		if (j < cfg->nquotas)
			continue;
		ret = set_quota(ctl, have.v[i].uid, NULL, err, len);
		if (ret)
			goto out;
		stats->quotas_set++;
	}
	for (j = 0; j < cfg->nquotas; j++) {
		const struct xpmem_cfg_quota *q = &cfg->quotas[j];

		for (i = 0; i < have.n; i++)
			if (have.v[i].uid == q->uid)
				break;
		if (i < have.n && same_quota(&have.v[i], q))
			continue;
		ret = set_quota(ctl, q->uid, q, err, len);
		if (ret)
			goto out;
		stats->quotas_set++;
	}
	ret = 0;
out:
	if (have.err)
		snprintf(err, len, "cannot read the quotas: %s", strerror(-have.err));
	free(have.v);
	return ret;
}

/* ---- the whole policy ----------------------------------------------------- */

/* Add the configured rules of ACTION that the kernel does not have. */
static int add_new(struct xpmem_ctl *ctl, const struct xpmem_config *cfg,
		   const bool *present, uint32_t action, struct xpmem_apply_stats *stats,
		   char *err, size_t len)
{
	int ret;

	for (size_t j = 0; j < cfg->nrules; j++) {
		if (present[j] || cfg->rules[j].action != action)
			continue;
		ret = add_rule(ctl, cfg, &cfg->rules[j], err, len);
		if (ret)
			return ret;
		stats->rules_added++;
	}
	return 0;
}

/* Delete the kernel's rules of ACTION that the configuration does not have. */
static int drop_stale(struct xpmem_ctl *ctl, const struct rules *have, const bool *kept,
		      uint32_t action, struct xpmem_apply_stats *stats, char *err, size_t len)
{
	int ret;

	for (size_t i = 0; i < have->n; i++) {
		if (kept[i] || have->v[i].action != action)
			continue;
		ret = del_rule(ctl, have->v[i].id, err, len);
		if (ret)
			return ret;
		stats->rules_removed++;
	}
	return 0;
}

int xpmem_apply_policy(struct xpmem_ctl *ctl, const struct xpmem_config *cfg,
		       struct xpmem_apply_stats *stats, char *err, size_t len)
{
	struct xpmem_ctl_policy pol = { 0 };
	struct rules have = { 0 };
	bool *kept = NULL, *present = NULL;
	struct xpmem_apply_stats none;
	size_t i, j;
	int ret;

	if (!stats)
		stats = &none;
	memset(stats, 0, sizeof(*stats));
	ret = xpmem_ctl_policy_get(ctl, &pol);
	if (ret < 0)
		return failed(ctl, ret, err, len, "cannot read the policy");
	ret = xpmem_ctl_rules(ctl, collect_rule, &have);
	if (ret < 0) {
		if (have.err)
			snprintf(err, len, "cannot read the rules: %s", strerror(-have.err));
		else
			failed(ctl, ret, err, len, "cannot read the rules");
		goto out;
	}

	/* pair each configured rule with a distinct identical kernel rule */
	ret = -ENOMEM;
	kept = calloc(have.n + 1, sizeof(*kept));
	present = calloc(cfg->nrules + 1, sizeof(*present));
	if (!kept || !present) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	for (j = 0; j < cfg->nrules; j++) {
		for (i = 0; i < have.n; i++) {
			if (!kept[i] && same_rule(&have.v[i], &cfg->rules[j])) {
				kept[i] = present[j] = true;
				break;
			}
		}
	}

	/* 1. new deny rules, 2. the stricter settings, 3. stale allow rules out */
	ret = add_new(ctl, cfg, present, XPMEM_ACTION_DENY, stats, err, len);
	if (ret)
		goto out;
	ret = move_settings(ctl, cfg, &pol, false, stats, err, len);
	if (ret)
		goto out;
	ret = drop_stale(ctl, &have, kept, XPMEM_ACTION_ALLOW, stats, err, len);
	if (ret)
		goto out;
	/* 4. new allow rules, 5. stale deny rules out */
	ret = add_new(ctl, cfg, present, XPMEM_ACTION_ALLOW, stats, err, len);
	if (ret)
		goto out;
	ret = drop_stale(ctl, &have, kept, XPMEM_ACTION_DENY, stats, err, len);
	if (ret)
		goto out;
	/* 6. the wider settings last (compat, visibility all, more segments) */
	ret = move_settings(ctl, cfg, &pol, true, stats, err, len);
	if (ret)
		goto out;
	ret = apply_quotas(ctl, cfg, stats, err, len);
out:
	free(kept);
	free(present);
	free(have.v);
	return ret;
}

/* ---- jobs ------------------------------------------------------------------ */

int xpmem_cgroup_id(const char *root, const char *path, uint64_t *id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 64];
	} h;
	char full[PATH_MAX];
	struct statfs sfs;
	int mnt;

	if (path[0] != '/') {
		if (snprintf(full, sizeof(full), "%s/%s", root, path) >= (int)sizeof(full))
			return -ENAMETOOLONG;
		path = full;
	}
	if (statfs(path, &sfs) < 0)
		return -errno;
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = sizeof(h.buf) - sizeof(struct file_handle);
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0) < 0)
		return -errno;
	if (h.fh.handle_bytes != sizeof(*id))
		return -EMEDIUMTYPE;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

static int add_job(struct xpmem_ctl *ctl, const struct xpmem_job_state *st, uint64_t cgid)
{
	struct xpmem_ctl_job job = {
		.id = st->id, .uid = st->uid, .cgroup_id = cgid,
		.max_segments = st->max_segments,
		.max_attached_bytes = st->max_attached_bytes,
		.max_mapped_pages = st->max_mapped_pages,
	};

	XPMEM_CTL_SET(&job, XPMEM_A_JOB_MAX_SEGMENTS);
	XPMEM_CTL_SET(&job, XPMEM_A_JOB_MAX_ATTACHED_BYTES);
	XPMEM_CTL_SET(&job, XPMEM_A_JOB_MAX_MAPPED_PAGES);
	return xpmem_ctl_job_add(ctl, &job);
}

int xpmem_apply_job(struct xpmem_ctl *ctl, struct xpmem_job_state *st,
		    const char *cgroup_root, char *err, size_t len)
{
	uint64_t cgid = st->cgroup_id;
	int ret;

	if (cgid) {
		ret = add_job(ctl, st, cgid);
		if (ret != -ENOENT)
			goto done;
		/* that cgroup is gone; a path may name a newer one */
		if (!st->cgroup_path[0] ||
		    xpmem_cgroup_id(cgroup_root, st->cgroup_path, &cgid) || cgid == st->cgroup_id) {
			snprintf(err, len, "job %" PRIu64 ": cgroup %" PRIu64 " no longer exists",
				 st->id, st->cgroup_id);
			return -ESTALE;
		}
	} else {
		ret = xpmem_cgroup_id(cgroup_root, st->cgroup_path, &cgid);
		if (ret == -ENOENT)
			return 1;
		if (ret) {
			snprintf(err, len, "job %" PRIu64 ": invalid cgroup \"%s\": %s", st->id,
				 st->cgroup_path,
				 ret == -EMEDIUMTYPE ? "not a cgroup v2 directory" : strerror(-ret));
			return ret;
		}
	}
	ret = add_job(ctl, st, cgid);
	if (ret == -ENOENT && !st->cgroup_id)
		return 1;		/* removed between lookup and add */
done:
	if (ret < 0)
		return failed(ctl, ret, err, len, "cannot register job %" PRIu64, st->id);
	st->cgroup_id = cgid;
	return 0;
}
