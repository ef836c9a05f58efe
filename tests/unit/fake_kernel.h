/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_kernel.h - a fake xpmem kernel behind the control client's API
 * (libxpmem/xpmem_control.h), for the host tests of xpmemd/apply.c: it
 * keeps the settings, rules, quotas and jobs, logs every change ("D+ S A-
 * V+ L- Q ...": deny/allow rule added/removed, strict/compat, visibility
 * all/own, segment limit raised/lowered, quota), can fail the Nth change,
 * and flags any state wider than both the state before and the one after
 * (set before and after to check).
 */
#ifndef XPMEM_UNIT_FAKE_KERNEL_H
#define XPMEM_UNIT_FAKE_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "xpmem_control.h"

struct xpmem_ctl {
	uint32_t mode, visibility, default_max_segments;
	struct xpmem_ctl_rule rules[64];
	int nrules;
	uint32_t next_id;
	struct xpmem_ctl_quota quotas[16];
	int nquotas;
	struct xpmem_ctl_job jobs[8];
	int njobs;
	int ops;			/* changes made */
	int fail_at;			/* make change number N fail (1-based) */
	char log[1024];			/* "D+ S A- A+ D- C V+ L- Q" ... */
	struct xpmem_ctl_error err;
	/* the permissiveness check */
	struct xpmem_ctl *before, *after;
	bool widened;
};

extern struct xpmem_ctl k;

/* cgroup ids with this bit are gone (-ENOENT, as cgroup_get_from_id) */
#define GONE	(1ULL << 62)

/* an empty kernel with the module's defaults */
void reset_kernel(void);
/* add a rule directly: uid and peer -1 mean no such selector */
void kernel_rule(uint32_t action, int uid, int peer, bool same_job);

#endif
