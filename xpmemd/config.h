/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h - xpmemd.conf: read DIR/xpmemd.conf, then the *.conf files of
 * DIR/xpmemd.conf.d in lexical order, validate every value, and produce
 * the policy to push to the kernel as a whole. The keys are documented in
 * xpmemd.conf(5).
 */
#ifndef XPMEMD_CONFIG_H
#define XPMEMD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XPMEM_CONFIG_DIR	"/etc/xpmem"
#define XPMEM_CGROUP_ROOT	"/sys/fs/cgroup/system.slice/slurmstepd.scope"
#define XPMEM_LOG_ALL		0xfeu	/* log_events: every XPMEM_EVENT_TYPE_* */

/* One [Rule] section, in the kernel's terms. */
struct xpmem_cfg_rule {
	uint32_t action;		/* XPMEM_ACTION_* */
	bool has_uid, has_gid, has_peer_uid;
	uint32_t uid, gid, peer_uid;
	bool same_job;
	unsigned int file, line;	/* where: files[file], line of [Rule] */
};

/*
 * The last [Quota] section of one uid (empty ones are dropped). Without
 * MaxSegments= the uid follows DefaultMaxSegments=; 0 is unlimited.
 */
struct xpmem_cfg_quota {
	uint32_t uid;
	bool has_max_segments;
	uint32_t max_segments;
	uint64_t max_attached_bytes;
	uint64_t max_mapped_pages;
	unsigned int file, line;
};

struct xpmem_config {
	uint32_t mode;			/* XPMEM_MODE_* */
	uint32_t visibility;		/* XPMEM_VISIBILITY_* */
	uint32_t default_max_segments;	/* 0: unlimited */
	struct xpmem_cfg_rule *rules;
	size_t nrules;
	struct xpmem_cfg_quota *quotas;
	size_t nquotas;
	char cgroup_root[PATH_MAX];
	uint32_t log_events;		/* bit 1 << XPMEM_EVENT_TYPE_* */
	char **files;			/* the files read, in order */
	unsigned int nfiles;
	unsigned int nerrors;
	char error[PATH_MAX + 256];	/* the first "file:line: what" */
};

/*
 * Read and validate the configuration under DIR into *CFG (which the
 * caller frees with xpmem_config_free, also on failure). Returns 0, or
 * -EINVAL when something is wrong: cfg->error holds the first problem as
 * "file:line: what is wrong", and every problem is written to ERRLOG, one
 * per line, when ERRLOG is not NULL.
 */
int xpmem_config_load(struct xpmem_config *cfg, const char *dir, FILE *errlog);
void xpmem_config_free(struct xpmem_config *cfg);

/* "strict, 3 rules, 2 quotas" (no trailing newline). */
void xpmem_config_summary(const struct xpmem_config *cfg, char *buf, size_t len);

/* The effective configuration, one section per object, as INI text. */
void xpmem_config_show(const struct xpmem_config *cfg, FILE *f);

/* "file:line" of a rule or quota, for messages. */
const char *xpmem_config_where(const struct xpmem_config *cfg, unsigned int file,
			       unsigned int line, char *buf, size_t len);

/* The journal names of the event types ("denied", ...), NULL if unknown. */
const char *xpmem_event_name(uint32_t type);

/*
 * Values, as xpmemd.conf(5) spells them (exported for the tests): a size
 * with an optional K, M, G or T suffix (powers of 1024) or "infinity" (0);
 * a count up to MAX or "infinity" (0); a boolean. 0 or -EINVAL/-ERANGE.
 */
int xpmem_parse_size(const char *s, uint64_t *out);
int xpmem_parse_count(const char *s, uint64_t max, uint64_t *out);
int xpmem_parse_bool(const char *s, bool *out);

#endif /* XPMEMD_CONFIG_H */
