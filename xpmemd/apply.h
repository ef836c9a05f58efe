/* SPDX-License-Identifier: GPL-2.0 */
/*
 * apply.h - push a validated configuration, and the registered jobs, to
 * the kernel through the control client (libxpmem/xpmem_control.h).
 */
#ifndef XPMEMD_APPLY_H
#define XPMEMD_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "jobstate.h"

struct xpmem_ctl;

/* What an apply changed, for the log. */
struct xpmem_apply_stats {
	unsigned int rules_added, rules_removed, quotas_set, mode_changed;
	unsigned int settings_changed;	/* visibility, default-max-segments */
};

/*
 * Make the kernel's settings (mode, visibility, default-max-segments),
 * rule set and per-uid quotas exactly CFG's. Rules and quotas already in
 * force are kept (their ids and hit counters survive); the others are
 * added or removed in an order that never makes the policy more
 * permissive than both the old and the new one: new deny rules, then the
 * settings that tighten (strict, visibility own, a lower segment limit),
 * stale allow rules removed, new allow rules, stale deny rules removed,
 * the settings that widen last.
 * Returns 0, or -errno with "what failed: why" in ERR (the kernel's own
 * message when it gave one); the kernel then holds a mix of both.
 */
int xpmem_apply_policy(struct xpmem_ctl *ctl, const struct xpmem_config *cfg,
		       struct xpmem_apply_stats *stats, char *err, size_t errlen);

/*
 * The cgroup v2 id of PATH (relative paths are under ROOT): 0, -ENOENT
 * when it does not exist (yet), -EMEDIUMTYPE when not on cgroup2, -errno.
 */
int xpmem_cgroup_id(const char *root, const char *path, uint64_t *id);

/*
 * Register one job. Its cgroup is cgroup_id, or else cgroup_path
 * resolved now (st->cgroup_id is then filled in). Returns 0 when the
 * kernel has the job, 1 when its cgroup directory does not exist yet
 * (pending), -ESTALE when its cgroup is gone for good, other -errno with
 * ERR filled.
 */
int xpmem_apply_job(struct xpmem_ctl *ctl, struct xpmem_job_state *st,
		    const char *cgroup_root, char *err, size_t errlen);

#endif /* XPMEMD_APPLY_H */
