// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - the counters of the stats dump as text for Prometheus
 * (`xpmemctl stats --format=prometheus | openmetrics'). Every scope is kept
 * first, then printed sorted (global, uids by number, jobs by id) one metric
 * family after the other, so the text depends on the counters alone.
 *
 * Two variants of one exposition:
 *  - prometheus: the text format 0.0.4, which node_exporter's textfile
 *    collector parses; a counter's TYPE line names its sample (`_total').
 *  - openmetrics: OpenMetrics 1.0.0; a counter's TYPE line names the
 *    family (without `_total'), bytes carry a UNIT line, `# EOF' ends it.
 *
 * Series: the global one without labels; per uid {uid, user}; per job
 * {job_id, uid, user}. Not "job": Prometheus gives every series of a
 * target its scrape job in that label and would rename ours exported_job.
 * user is the uid's name when it has one (and is valid UTF-8, as label
 * values must be). Label values are escaped as both formats require:
 * backslash, double quote and line feed.
 */
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xpmemctl.h"

#define FIELD(name)	offsetof(struct xpmem_ctl_stats, name)

static const struct family {
	const char *name;	/* a counter's without "_total" */
	bool counter;
	const char *unit;	/* OpenMetrics UNIT, or NULL */
	int attr;		/* XPMEM_A_STATS_*: sent for this scope? */
	size_t field;		/* offset of the value */
	const char *help;	/* plain text: no backslash, quote or newline */
} families[] = {
	{ "xpmem_segments", false, NULL, XPMEM_A_STATS_SEGMENTS, FIELD(segments),
	  "Live exported segments." },
	{ "xpmem_permits", false, NULL, XPMEM_A_STATS_PERMITS, FIELD(permits),
	  "Live access permits (xpmem_get)." },
	{ "xpmem_attachments", false, NULL, XPMEM_A_STATS_ATTACHMENTS, FIELD(attachments),
	  "Live attachments (xpmem_attach)." },
	{ "xpmem_attached_bytes", false, "bytes", XPMEM_A_STATS_ATTACHED_BYTES,
	  FIELD(attached_bytes), "Bytes of live attachments." },
	{ "xpmem_mapped_pages", false, NULL, XPMEM_A_STATS_MAPPED_PAGES, FIELD(mapped_pages),
	  "Pages mapped into attachers now." },
	{ "xpmem_faults", true, NULL, XPMEM_A_STATS_FAULTS, FIELD(faults),
	  "Attachment faults served." },
	{ "xpmem_denials", true, NULL, XPMEM_A_STATS_DENIALS, FIELD(denials),
	  "Gets refused by the mode bits or the site policy." },
	{ "xpmem_quota_hits", true, NULL, XPMEM_A_STATS_QUOTA_HITS, FIELD(quota_hits),
	  "Calls refused by a quota." },
	{ "xpmem_pages_mapped", true, NULL, XPMEM_A_STATS_PAGES_MAPPED_TOTAL,
	  FIELD(pages_mapped_total), "Pages ever mapped into attachers." },
	{ "xpmem_pages_unmapped", true, NULL, XPMEM_A_STATS_PAGES_UNMAPPED_TOTAL,
	  FIELD(pages_unmapped_total), "Pages ever unmapped from attachers." },
	{ "xpmem_invalidations", true, NULL, XPMEM_A_STATS_INVALIDATIONS_TOTAL,
	  FIELD(invalidations_total), "Source page-table changes that zapped attachers." },
	{ "xpmem_invalidations_kept", true, NULL, XPMEM_A_STATS_INVALIDATIONS_KEPT_TOTAL,
	  FIELD(invalidations_kept_total),
	  "Source protection changes (NUMA hint passes) that kept attachers' PTEs." },
};

#define NFAMILIES	(sizeof(families) / sizeof(families[0]))

int metrics_add(const struct xpmem_ctl_stats *s, void *arg)
{
	struct metrics *m = arg;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct xpmem_ctl_stats *v = realloc(m->v, cap * sizeof(*v));

		if (!v) {
			/* as table_cell(): no half an exposition */
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(EXIT_FAIL);
		}
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = *s;
	return 0;
}

void metrics_free(struct metrics *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Global first, then the uids, then the jobs; by uid or job id within. */
static int compare(const void *a, const void *b)
{
	const struct xpmem_ctl_stats *x = a, *y = b;
	uint64_t ix = x->scope == XPMEM_SCOPE_JOB ? x->job_id : x->uid;
	uint64_t iy = y->scope == XPMEM_SCOPE_JOB ? y->job_id : y->uid;

	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	if (x->scope == XPMEM_SCOPE_GLOBAL || ix == iy)
		return 0;
	return ix < iy ? -1 : 1;
}

bool metrics_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned int c = *s++, n, cp, min;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		for (; n; n--, s++) {
			if ((*s & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*s & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

void metrics_label(FILE *f, const char *name, const char *value)
{
	fprintf(f, "%s=\"", name);
	for (; *value; value++) {
		if (*value == '\\')
			fputs("\\\\", f);
		else if (*value == '"')
			fputs("\\\"", f);
		else if (*value == '\n')
			fputs("\\n", f);
		else
			fputc(*value, f);
	}
	fputc('"', f);
}

/* The label set of scope S, "{...}" or "" for the global one, into *LABELS. */
static void labels_of(const struct xpmem_ctl_stats *s, char **labels)
{
	const struct passwd *pw;
	char num[24];
	size_t len;
	FILE *f;

	*labels = NULL;
	if (s->scope == XPMEM_SCOPE_GLOBAL)
		return;
	f = open_memstream(labels, &len);
	if (!f)
		goto oom;
	fputc('{', f);
	if (s->scope == XPMEM_SCOPE_JOB) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)s->job_id);
		metrics_label(f, "job_id", num);
		fputc(',', f);
	}
	snprintf(num, sizeof(num), "%u", s->uid);
	metrics_label(f, "uid", num);
	pw = getpwuid(s->uid);
	if (pw && pw->pw_name && pw->pw_name[0] && metrics_utf8(pw->pw_name)) {
		fputc(',', f);
		metrics_label(f, "user", pw->pw_name);
	}
	fputc('}', f);
	if (fclose(f) || !*labels)
		goto oom;
	return;
oom:
	fprintf(stderr, "%s: out of memory\n", prog);
	exit(EXIT_FAIL);
}

/* One family: its metadata, then a sample per scope that has the value. */
static void print_family(const struct family *fam, const struct metrics *m,
			 char *const *labels, enum metrics_format fmt)
{
	const char *suffix = fam->counter ? "_total" : "";
	/* 0.0.4 names a counter's sample in TYPE; OpenMetrics its family */
	const char *tsuffix = fmt == METRICS_PROMETHEUS ? suffix : "";
	bool any = false;
	size_t i;

	for (i = 0; i < m->n && !any; i++)
		any = XPMEM_CTL_HAS(&m->v[i], fam->attr);
	if (!any)
		return;
	fprintf(out, "# HELP %s%s %s\n", fam->name, tsuffix, fam->help);
	fprintf(out, "# TYPE %s%s %s\n", fam->name, tsuffix, fam->counter ? "counter" : "gauge");
	if (fmt == METRICS_OPENMETRICS && fam->unit)
		fprintf(out, "# UNIT %s %s\n", fam->name, fam->unit);
	for (i = 0; i < m->n; i++) {
		const struct xpmem_ctl_stats *s = &m->v[i];
		uint64_t v;

		if (!XPMEM_CTL_HAS(s, fam->attr))
			continue;
		memcpy(&v, (const char *)s + fam->field, sizeof(v));
		fprintf(out, "%s%s%s %llu\n", fam->name, suffix, labels[i] ? labels[i] : "",
			(unsigned long long)v);
	}
}

void metrics_print(struct metrics *m, enum metrics_format fmt)
{
	char **labels = calloc(m->n ? m->n : 1, sizeof(*labels));
	size_t i;

	if (!labels) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_FAIL);
	}
	if (m->n)	/* v is NULL then: `stats uid U' of a uid without an account */
		qsort(m->v, m->n, sizeof(*m->v), compare);
	for (i = 0; i < m->n; i++)
		labels_of(&m->v[i], &labels[i]);
	for (i = 0; i < NFAMILIES; i++)
		print_family(&families[i], m, labels, fmt);
	if (fmt == METRICS_OPENMETRICS)
		fputs("# EOF\n", out);
	for (i = 0; i < m->n; i++)
		free(labels[i]);
	free(labels);
}
