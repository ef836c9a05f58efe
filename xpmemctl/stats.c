// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - `xpmemctl stats': the global counters, or a table of every
 * scope (`all'), of the uids (`uid [U]') or of the registered jobs
 * (`job [ID]'). The kernel's dump gives all scopes; we filter.
 * --format picks text (the default), json (-j) or Prometheus text
 * (metrics.c: every scope unless one is asked for).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xpmemctl.h"

static const char *const heads[] = {
	"SCOPE", "ID", ">SEGMENTS", ">PERMITS", ">ATTACHMENTS", ">ATTACHED",
	">MAPPED", ">FAULTS", ">DENIALS", ">QUOTA-HITS",
};

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_PROMETHEUS, FORMAT_OPENMETRICS };

static const char *const format_names[] = { "text", "json", "prometheus", "openmetrics" };

#define NFORMATS	(int)(sizeof(format_names) / sizeof(format_names[0]))

/* A dump changed by a job or quota change under way is read again. */
#define DUMP_TRIES	3

struct filter {
	struct table t;
	struct metrics m;
	int scope;		/* -1: all */
	bool has_id;
	uint64_t id;
};

static void json_stats(const struct xpmem_ctl_stats *s)
{
	char num[16];

	j_open('{');
	j_kstr("scope", enum_name(XPMEM_CTL_ENUM_SCOPE, s->scope, num, sizeof(num)));
	j_ku64_if("uid", s->scope == XPMEM_SCOPE_UID, s->uid);
	j_ku64_if("job_id", s->scope == XPMEM_SCOPE_JOB, s->job_id);
	j_ku64("segments", s->segments);
	j_ku64("permits", s->permits);
	j_ku64("attachments", s->attachments);
	j_ku64("attached_bytes", s->attached_bytes);
	j_ku64("mapped_pages", s->mapped_pages);
	j_ku64("faults", s->faults);
	j_ku64("denials", s->denials);
	j_ku64("quota_hits", s->quota_hits);
	j_ku64("pages_mapped_total", s->pages_mapped_total);
	j_ku64("pages_unmapped_total", s->pages_unmapped_total);
	j_ku64_if("invalidations_total", s->scope == XPMEM_SCOPE_GLOBAL,
		  s->invalidations_total);
	j_ku64_if("invalidations_kept_total", s->scope == XPMEM_SCOPE_GLOBAL,
		  s->invalidations_kept_total);
	j_close('}');
}

static bool wanted(const struct filter *f, const struct xpmem_ctl_stats *s)
{
	uint64_t id = s->scope == XPMEM_SCOPE_JOB ? s->job_id : s->uid;

	if (f->scope >= 0 && (uint32_t)f->scope != s->scope)
		return false;
	return !f->has_id || id == f->id;
}

static int keep(const struct xpmem_ctl_stats *s, void *arg)
{
	struct filter *f = arg;

	return wanted(f, s) ? metrics_add(s, &f->m) : 0;
}

static int row(const struct xpmem_ctl_stats *s, void *arg)
{
	struct filter *f = arg;
	uint64_t id = s->scope == XPMEM_SCOPE_JOB ? s->job_id : s->uid;
	char num[16], sz[32];

	if (!wanted(f, s))
		return 0;
	if (json) {
		json_stats(s);
		return 0;
	}
	table_cell(&f->t, "%s", enum_name(XPMEM_CTL_ENUM_SCOPE, s->scope, num, sizeof(num)));
	if (s->scope == XPMEM_SCOPE_GLOBAL)
		table_cell(&f->t, "-");
	else
		table_cell(&f->t, "%llu", (unsigned long long)id);
	table_cell(&f->t, "%llu", (unsigned long long)s->segments);
	table_cell(&f->t, "%llu", (unsigned long long)s->permits);
	table_cell(&f->t, "%llu", (unsigned long long)s->attachments);
	table_cell(&f->t, "%s", format_size(sz, sizeof(sz), s->attached_bytes));
	table_cell(&f->t, "%llu", (unsigned long long)s->mapped_pages);
	table_cell(&f->t, "%llu", (unsigned long long)s->faults);
	table_cell(&f->t, "%llu", (unsigned long long)s->denials);
	table_cell(&f->t, "%llu", (unsigned long long)s->quota_hits);
	return 0;
}

static void print_global(const struct xpmem_ctl_stats *s)
{
	char sz[32];

	if (json) {
		json_stats(s);
		j_end();
		return;
	}
	fprintf(out, "segments:              %llu\n", (unsigned long long)s->segments);
	fprintf(out, "permits:               %llu\n", (unsigned long long)s->permits);
	fprintf(out, "attachments:           %llu\n", (unsigned long long)s->attachments);
	fprintf(out, "attached bytes:        %llu (%s)\n", (unsigned long long)s->attached_bytes,
		format_size(sz, sizeof(sz), s->attached_bytes));
	fprintf(out, "mapped pages:          %llu\n", (unsigned long long)s->mapped_pages);
	fprintf(out, "faults:                %llu\n", (unsigned long long)s->faults);
	fprintf(out, "denials:               %llu\n", (unsigned long long)s->denials);
	fprintf(out, "quota hits:            %llu\n", (unsigned long long)s->quota_hits);
	fprintf(out, "pages mapped total:    %llu\n", (unsigned long long)s->pages_mapped_total);
	fprintf(out, "pages unmapped total:  %llu\n",
		(unsigned long long)s->pages_unmapped_total);
	fprintf(out, "invalidations total:   %llu\n",
		(unsigned long long)s->invalidations_total);
	fprintf(out, "invalidations kept:    %llu\n",
		(unsigned long long)s->invalidations_kept_total);
}

/* The whole dump, read again if it changed under us, as Prometheus text. */
static int print_metrics(struct xpmem_ctl *ctl, struct filter *f, enum metrics_format fmt)
{
	int ret, tries = 0;

	do {
		metrics_free(&f->m);
		ret = xpmem_ctl_stats_dump(ctl, keep, f);
	} while (ret == -EAGAIN && ++tries < DUMP_TRIES);
	if (ret >= 0)
		metrics_print(&f->m, fmt);
	metrics_free(&f->m);
	return ret;
}

/*
 * Take `--format F', `--format=F' or `format F' out of ARGV (the first
 * stays the command's name) into *FMT. EXIT_OK or a usage error.
 */
static int take_format(int *argc, const char *argv[], enum format *fmt)
{
	const char *value = NULL;
	int i, j, k;

	for (i = j = 1; i < *argc; i++) {
		if (!strncmp(argv[i], "--format=", 9)) {
			value = argv[i] + 9;
		} else if (is_kw(argv[i], "format")) {
			value = value_of(*argc, argv, ++i, argv[0]);
			if (!value)
				return EXIT_USAGE;
		} else {
			argv[j++] = argv[i];
			continue;
		}
		for (k = 0; k < NFORMATS; k++)
			if (!strcmp(value, format_names[k]))
				break;
		if (k == NFORMATS)
			return bad_value("format", value);
		if (json && k != FORMAT_JSON)
			return usage_error(argv[0], "-j and --format %s contradict each other",
					   value);
		*fmt = k;
	}
	*argc = j;
	argv[j] = NULL;
	return EXIT_OK;
}

int stats_main(int argc, const char *argv[])
{
	struct filter f = { .scope = XPMEM_SCOPE_GLOBAL };
	enum format fmt = json ? FORMAT_JSON : FORMAT_TEXT;
	struct xpmem_ctl_stats st;
	struct xpmem_ctl *ctl;
	bool dump = false;
	uint32_t uid;
	int ret;

	ret = take_format(&argc, argv, &fmt);
	if (ret != EXIT_OK)
		return ret;
	json = fmt == FORMAT_JSON;
	if (fmt == FORMAT_PROMETHEUS || fmt == FORMAT_OPENMETRICS) {
		dump = true;
		f.scope = -1;
	}
	if (argc > 1) {
		dump = true;
		if (is_kw(argv[1], "all"))
			f.scope = -1;
		else if (is_kw(argv[1], "uid"))
			f.scope = XPMEM_SCOPE_UID;
		else if (is_kw(argv[1], "job"))
			f.scope = XPMEM_SCOPE_JOB;
		else
			return usage_error(argv[0], "unexpected argument `%s'", argv[1]);
		if (argc > 2 && f.scope == XPMEM_SCOPE_UID) {
			if (parse_uid(argv[2], &uid))
				return bad_value("uid", argv[2]);
			f.id = uid;
			f.has_id = true;
		} else if (argc > 2 && f.scope == XPMEM_SCOPE_JOB) {
			if (parse_job_id(argv[2], &f.id))
				return bad_value("job id", argv[2]);
			f.has_id = true;
		}
		if (argc > (f.has_id ? 3 : 2))
			return usage_error(argv[0], "unexpected argument `%s'",
					   argv[f.has_id ? 3 : 2]);
	}
	ctl = ctl_open();
	if (!ctl)
		return EXIT_FAIL;
	if (fmt == FORMAT_PROMETHEUS || fmt == FORMAT_OPENMETRICS) {
		ret = print_metrics(ctl, &f, fmt == FORMAT_PROMETHEUS ?
				    METRICS_PROMETHEUS : METRICS_OPENMETRICS);
		if (ret < 0)
			goto err;
		xpmem_ctl_close(ctl);
		return EXIT_OK;
	}
	if (!dump) {
		ret = xpmem_ctl_stats(ctl, &st);
		if (ret < 0)
			goto err;
		print_global(&st);
		xpmem_ctl_close(ctl);
		return EXIT_OK;
	}
	table_init(&f.t, heads, sizeof(heads) / sizeof(heads[0]));
	if (json)
		j_open('[');
	ret = xpmem_ctl_stats_dump(ctl, row, &f);
	if (ret < 0) {
		table_free(&f.t);
		goto err;
	}
	if (json) {
		j_close(']');
		j_end();
	} else {
		table_print(&f.t);
	}
	xpmem_ctl_close(ctl);
	return EXIT_OK;
err:
	ctl_fail(ctl, "cannot read the counters");
	xpmem_ctl_close(ctl);
	return EXIT_FAIL;
}
