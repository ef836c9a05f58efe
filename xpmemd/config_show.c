// SPDX-License-Identifier: GPL-2.0
/*
 * config_show.c - a validated configuration in words: the one-line summary
 * of STATUS= and --check-config, and --show-config's INI text (numeric
 * ids, exact size suffixes), which reads back as the same configuration.
 */
#include <inttypes.h>
#include <stdio.h>

#include "config.h"
#include "xpmem_netlink.h"

void xpmem_config_summary(const struct xpmem_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "%s, %zu rule%s, %zu quota%s",
		 cfg->mode == XPMEM_MODE_STRICT ? "strict" : "compat",
		 cfg->nrules, cfg->nrules == 1 ? "" : "s",
		 cfg->nquotas, cfg->nquotas == 1 ? "" : "s");
}

const char *xpmem_config_where(const struct xpmem_config *cfg, unsigned int file,
			       unsigned int line, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u", file < cfg->nfiles ? cfg->files[file] : "?", line);
	return buf;
}

/* A size with the largest suffix that keeps it exact: 64G, 1536M, 100. */
static void show_size(uint64_t v, FILE *f)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && v && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		fprintf(f, "%" PRIu64 "\n", v);
	else
		fprintf(f, "%" PRIu64 "%c\n", v, units[u]);
}

/* A segment limit: 0 is infinity. */
static void show_segments(uint32_t v, FILE *f)
{
	if (v)
		fprintf(f, "%" PRIu32 "\n", v);
	else
		fputs("infinity\n", f);
}

static void show_events(uint32_t mask, FILE *f)
{
	const char *sep = "";

	if ((mask & XPMEM_LOG_ALL) == XPMEM_LOG_ALL) {
		fputs("Log=all\n", f);
		return;
	}
	if (!mask) {
		fputs("Log=none\n", f);
		return;
	}
	fputs("Log=", f);
	for (uint32_t i = 1; xpmem_event_name(i); i++) {
		if (mask & (1u << i)) {
			fprintf(f, "%s%s", sep, xpmem_event_name(i));
			sep = " ";
		}
	}
	fputc('\n', f);
}

void xpmem_config_show(const struct xpmem_config *cfg, FILE *f)
{
	char where[PATH_MAX + 16];

	fputs("# the effective configuration, read from:\n", f);
	for (unsigned int i = 0; i < cfg->nfiles; i++)
		fprintf(f, "#   %s\n", cfg->files[i]);
	fprintf(f, "\n[Policy]\nDefaultMode=%s\nVisibility=%s\nDefaultMaxSegments=",
		cfg->mode == XPMEM_MODE_STRICT ? "strict" : "compat",
		cfg->visibility == XPMEM_VISIBILITY_ALL ? "all" : "own");
	show_segments(cfg->default_max_segments, f);
	fprintf(f, "\n[Jobs]\nCgroupRoot=%s\n\n[Events]\n", cfg->cgroup_root);
	show_events(cfg->log_events, f);
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct xpmem_cfg_rule *r = &cfg->rules[i];

		fprintf(f, "\n# %s\n[Rule]\nAction=%s\n",
			xpmem_config_where(cfg, r->file, r->line, where, sizeof(where)),
			r->action == XPMEM_ACTION_DENY ? "deny" : "allow");
		if (r->has_uid)
			fprintf(f, "User=%" PRIu32 "\n", r->uid);
		if (r->has_gid)
			fprintf(f, "Group=%" PRIu32 "\n", r->gid);
		if (r->has_peer_uid)
			fprintf(f, "PeerUser=%" PRIu32 "\n", r->peer_uid);
		if (r->same_job)
			fputs("SameJob=yes\n", f);
	}
	for (size_t i = 0; i < cfg->nquotas; i++) {
		const struct xpmem_cfg_quota *q = &cfg->quotas[i];

		fprintf(f, "\n# %s\n[Quota]\nUser=%" PRIu32 "\n",
			xpmem_config_where(cfg, q->file, q->line, where, sizeof(where)), q->uid);
		if (q->has_max_segments) {
			fputs("MaxSegments=", f);
			show_segments(q->max_segments, f);
		}
		if (q->max_attached_bytes) {
			fputs("MaxAttachedBytes=", f);
			show_size(q->max_attached_bytes, f);
		}
		if (q->max_mapped_pages)
			fprintf(f, "MaxMappedPages=%" PRIu64 "\n", q->max_mapped_pages);
	}
}
