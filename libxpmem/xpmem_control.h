/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xpmem_control.h - a small client of the xpmem generic netlink family (the
 * control plane: segments, permits, attachments, counters, site policy,
 * jobs, quotas, revocation, events), shared by xpmemctl and xpmemd.
 *
 * Built as libxpmem-control.a, never installed and never part of
 * libxpmem.so: MPI programs must not pull in libnl. No libnl type appears
 * here; the objects are plain C structs whose fields follow the attribute
 * sets of proto/xpmem.yaml, with a "has" bit per attribute the kernel sent.
 *
 * Every call returns 0 (or a count) on success and -errno on failure: the
 * kernel's own errno, not libnl's collapsed codes. The details of the last
 * failure, including the kernel's extended-ACK message, are kept in the
 * handle (xpmem_ctl_last_error). A handle is for one thread at a time.
 */
#ifndef XPMEM_CONTROL_H
#define XPMEM_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "xpmem_netlink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Replies are waited for this long before a call fails with -ETIMEDOUT. */
#define XPMEM_CTL_TIMEOUT_MS	5000

struct xpmem_ctl_error {
	int err;		/* -errno of the failure, 0 if none */
	char msg[160];		/* the library's own words when it knows more
				 * than strerror(), e.g. "xpmem module not
				 * loaded (...)"; "" otherwise */
	char kmsg[256];		/* the kernel's extended ACK message, or "" */
	const char *attr;	/* the attribute the kernel blamed (bad or
				 * missing), as named in the spec, or NULL */
};

/* Was attribute ATTR (an XPMEM_A_<SET>_<NAME>) present in OBJ? */
#define XPMEM_CTL_HAS(obj, attr)	(!!((obj)->has & (1u << (attr))))
#define XPMEM_CTL_SET(obj, attr)	((obj)->has |= 1u << (attr))

/* get-segments */
struct xpmem_ctl_segment {
	uint32_t has;		/* bits 1 << XPMEM_A_SEGMENT_* */
	uint64_t segid;
	uint32_t pid, uid, gid;
	uint64_t cgroup_id, start, size;
	uint32_t mode, permits, attachments;
	uint64_t mapped_pages, job_id;
};

/* get-permits (no start/size/mapped_pages) and get-attachments */
struct xpmem_ctl_attachment {
	uint32_t has;		/* bits 1 << XPMEM_A_ATTACHMENT_* */
	uint64_t apid, segid;
	uint32_t pid, uid, access;
	uint64_t start, size, mapped_pages;
	uint32_t attachments;
};

/* get-stats: one scope (global, a uid or a job) */
struct xpmem_ctl_stats {
	uint32_t has;		/* bits 1 << XPMEM_A_STATS_* */
	uint32_t scope, uid;
	uint64_t job_id;
	uint64_t segments, permits, attachments, attached_bytes, mapped_pages;
	uint64_t faults, denials, quota_hits;
	uint64_t pages_mapped_total, pages_unmapped_total;
	uint64_t invalidations_total, invalidations_kept_total;
};

/*
 * get-policy and set-policy. For set-policy, mode, visibility and
 * default_max_segments are sent when their has bit is set (at least one).
 */
struct xpmem_ctl_policy {
	uint32_t has;		/* bits 1 << XPMEM_A_POLICY_* */
	uint32_t mode, rules, jobs;
	uint32_t visibility;	/* XPMEM_VISIBILITY_* */
	uint32_t default_max_segments;	/* 0: unlimited */
};

/*
 * get-rules and add-rule. For add-rule, the selectors uid, gid and
 * peer_uid are sent when their has bit is set (XPMEM_CTL_SET), same_job
 * when true; action is always sent.
 */
struct xpmem_ctl_rule {
	uint32_t has;		/* bits 1 << XPMEM_A_RULE_* */
	uint32_t id, action, uid, gid, peer_uid;
	bool same_job;
	uint64_t hits;
};

/*
 * get-jobs and add-job. For add-job, id, uid and cgroup_id are always
 * sent, each max_* when its has bit is set.
 */
struct xpmem_ctl_job {
	uint32_t has;		/* bits 1 << XPMEM_A_JOB_* */
	uint64_t id;
	uint32_t uid;
	uint64_t cgroup_id;
	uint32_t max_segments;
	uint64_t max_attached_bytes, max_mapped_pages;
	uint64_t segments, attached_bytes, mapped_pages;
};

/*
 * get-quotas and set-quota (uid always sent, each max_* if its bit is
 * set). Without the max_segments bit the uid follows the site's
 * default-max-segments; with it, max_segments 0 is unlimited.
 */
struct xpmem_ctl_quota {
	uint32_t has;		/* bits 1 << XPMEM_A_QUOTA_* */
	uint32_t uid, max_segments;
	uint64_t max_attached_bytes, max_mapped_pages;
};

/*
 * An event. type is an XPMEM_EVENT_TYPE_*, or XPMEM_CTL_EVENT_LOST when
 * the socket overflowed and events were dropped: dump again to resync.
 */
#define XPMEM_CTL_EVENT_LOST	0
struct xpmem_ctl_event {
	uint32_t has;		/* bits 1 << XPMEM_A_EVENT_* */
	uint32_t type;
	uint64_t segid;
	uint32_t pid, uid, peer_pid, peer_uid;
	uint64_t job_id;
	uint32_t rule_id, quota, mode;
};

struct xpmem_ctl;
struct xpmem_ctl_events;

/*
 * Connect and resolve the family; asking for it by name lets the kernel
 * load the module. NULL on failure, with *err filled (err may be NULL);
 * a missing family is -ENOENT with msg "xpmem module not loaded (...)".
 */
struct xpmem_ctl *xpmem_ctl_open(struct xpmem_ctl_error *err);
void xpmem_ctl_close(struct xpmem_ctl *ctl);
/* The details of the last failed call on CTL (err == 0 after a success). */
const struct xpmem_ctl_error *xpmem_ctl_last_error(const struct xpmem_ctl *ctl);
/* The family version the kernel reports. */
unsigned int xpmem_ctl_family_version(const struct xpmem_ctl *ctl);

/*
 * Dumps call CB once per object, in the kernel's order. A non-zero return
 * from CB stops the calls (the rest of the dump is read and dropped) and
 * becomes the result. Unprivileged callers see only their own objects
 * (unless the site set visibility all), and get -EPERM for the rules.
 */
typedef int (*xpmem_ctl_segment_cb)(const struct xpmem_ctl_segment *seg, void *arg);
typedef int (*xpmem_ctl_attachment_cb)(const struct xpmem_ctl_attachment *att, void *arg);
typedef int (*xpmem_ctl_stats_cb)(const struct xpmem_ctl_stats *st, void *arg);
typedef int (*xpmem_ctl_rule_cb)(const struct xpmem_ctl_rule *rule, void *arg);
typedef int (*xpmem_ctl_job_cb)(const struct xpmem_ctl_job *job, void *arg);
typedef int (*xpmem_ctl_quota_cb)(const struct xpmem_ctl_quota *quota, void *arg);
typedef int (*xpmem_ctl_event_cb)(const struct xpmem_ctl_event *ev, void *arg);

int xpmem_ctl_segments(struct xpmem_ctl *ctl, xpmem_ctl_segment_cb cb, void *arg);
int xpmem_ctl_permits(struct xpmem_ctl *ctl, xpmem_ctl_attachment_cb cb, void *arg);
int xpmem_ctl_attachments(struct xpmem_ctl *ctl, xpmem_ctl_attachment_cb cb, void *arg);

/* The global counters (do), or every scope: global, each uid, each job. */
int xpmem_ctl_stats(struct xpmem_ctl *ctl, struct xpmem_ctl_stats *out);
int xpmem_ctl_stats_dump(struct xpmem_ctl *ctl, xpmem_ctl_stats_cb cb, void *arg);

/*
 * Site policy; every change needs CAP_NET_ADMIN (-EPERM otherwise).
 * policy_set sends the settings whose has bit is set in POL.
 */
int xpmem_ctl_policy_get(struct xpmem_ctl *ctl, struct xpmem_ctl_policy *out);
int xpmem_ctl_policy_set(struct xpmem_ctl *ctl, const struct xpmem_ctl_policy *pol);
int xpmem_ctl_policy_reset(struct xpmem_ctl *ctl);

int xpmem_ctl_rules(struct xpmem_ctl *ctl, xpmem_ctl_rule_cb cb, void *arg);
/* Append RULE; the kernel's id for it goes to *id (if id is not NULL). */
int xpmem_ctl_rule_add(struct xpmem_ctl *ctl, const struct xpmem_ctl_rule *rule,
		       uint32_t *id);
int xpmem_ctl_rule_del(struct xpmem_ctl *ctl, uint32_t id);

/* add-job and del-job are idempotent in the kernel. */
int xpmem_ctl_jobs(struct xpmem_ctl *ctl, xpmem_ctl_job_cb cb, void *arg);
int xpmem_ctl_job_add(struct xpmem_ctl *ctl, const struct xpmem_ctl_job *job);
int xpmem_ctl_job_del(struct xpmem_ctl *ctl, uint64_t id);

int xpmem_ctl_quotas(struct xpmem_ctl *ctl, xpmem_ctl_quota_cb cb, void *arg);
int xpmem_ctl_quota_set(struct xpmem_ctl *ctl, const struct xpmem_ctl_quota *quota);

/*
 * Remove one segment, or every segment of a pid, uid or job: BY is
 * XPMEM_A_REVOKE_SEGID, _PID, _UID or _JOB_ID. The number of segments
 * removed goes to *count (if count is not NULL).
 */
int xpmem_ctl_revoke(struct xpmem_ctl *ctl, int by, uint64_t value, uint32_t *count);

/*
 * Events: a socket of its own in the "events" group (CAP_NET_ADMIN, or
 * -EPERM; -EOPNOTSUPP when the kernel has no admin-only multicast groups
 * and the module therefore registers no events group), non-blocking. Poll xpmem_ctl_events_fd for POLLIN, then call
 * xpmem_ctl_events_read: it calls CB for each pending event (and once
 * with type XPMEM_CTL_EVENT_LOST after an overflow) and returns how many
 * it delivered, or -errno; a non-zero return from CB stops it and is
 * returned.
 */
struct xpmem_ctl_events *xpmem_ctl_events_open(struct xpmem_ctl_error *err);
int xpmem_ctl_events_fd(const struct xpmem_ctl_events *ev);
int xpmem_ctl_events_read(struct xpmem_ctl_events *ev, xpmem_ctl_event_cb cb, void *arg);
const struct xpmem_ctl_error *xpmem_ctl_events_last_error(const struct xpmem_ctl_events *ev);
void xpmem_ctl_events_close(struct xpmem_ctl_events *ev);

/*
 * Names of the spec's enums ("compat", "rdwr", "quota-exceeded", ...):
 * xpmem_ctl_name returns NULL for an unknown value, xpmem_ctl_value the
 * value of NAME or -EINVAL.
 */
enum xpmem_ctl_enum {
	XPMEM_CTL_ENUM_MODE,
	XPMEM_CTL_ENUM_ACTION,
	XPMEM_CTL_ENUM_ACCESS,
	XPMEM_CTL_ENUM_SCOPE,
	XPMEM_CTL_ENUM_QUOTA,
	XPMEM_CTL_ENUM_EVENT_TYPE,
	XPMEM_CTL_ENUM_VISIBILITY,
};
const char *xpmem_ctl_name(enum xpmem_ctl_enum e, uint32_t value);
int xpmem_ctl_value(enum xpmem_ctl_enum e, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* XPMEM_CONTROL_H */
