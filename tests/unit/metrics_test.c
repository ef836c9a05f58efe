// SPDX-License-Identifier: GPL-2.0
/*
 * metrics_test.c - host tests of xpmemctl's Prometheus text
 * (xpmemctl/metrics.c): the exact exposition of a known dump, counters
 * versus gauges, the order whatever the kernel's, label escaping, the
 * user label, and the OpenMetrics variant. getpwuid() is wrapped
 * (--wrap=getpwuid) to give uids names no real passwd file has.
 *
 * TAP: "ok - name" / "not ok - name" with "# ..." diagnostics; exit 1 if
 * any failed. `metrics_test --print prometheus|openmetrics' prints the
 * exposition of a dump with every awkward name instead, for
 * tests/unit/metrics.sh to hand to the format checker (promtext.py).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "xpmemctl.h"

const char *prog = "xpmemctl";
FILE *out;

/* ---- the fake passwd file ----------------------------------------------- */

struct passwd *__wrap_getpwuid(uid_t uid);

struct passwd *__wrap_getpwuid(uid_t uid)
{
	static const struct {
		uid_t uid;
		const char *name;
	} users[] = {
		{ 0, "root" },
		{ 1000, "alice" },
		{ 1001, "o\"brien\\x" },	/* o"brien\x */
		{ 1002, "two\nlines" },
		{ 1003, "\xff\xfe" },		/* not UTF-8 */
		{ 1004, "j\xc3\xb6rg" },	/* jörg */
		{ 1005, "" },
	};
	static struct passwd pw;

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		if (users[i].uid == uid) {
			pw.pw_name = (char *)users[i].name;
			pw.pw_uid = uid;
			return &pw;
		}
	}
	return NULL;
}

/* ---- dumps ----------------------------------------------------------------- */

/* One scope as the kernel sends it; the counters are BASE + 1 .. 8. */
static struct xpmem_ctl_stats scope(uint32_t kind, uint32_t uid, uint64_t job, uint64_t base)
{
	struct xpmem_ctl_stats s = {
		.scope = kind, .uid = uid, .job_id = job,
		.segments = base + 1, .permits = base + 2, .attachments = base + 3,
		.attached_bytes = (base + 4) * 4096, .mapped_pages = base + 5,
		.faults = base + 6, .denials = base + 7, .quota_hits = base + 8,
	};
	int a;

	XPMEM_CTL_SET(&s, XPMEM_A_STATS_SCOPE);
	for (a = XPMEM_A_STATS_SEGMENTS; a <= XPMEM_A_STATS_QUOTA_HITS; a++)
		XPMEM_CTL_SET(&s, a);
	if (kind != XPMEM_SCOPE_GLOBAL)
		XPMEM_CTL_SET(&s, XPMEM_A_STATS_UID);
	if (kind == XPMEM_SCOPE_JOB)
		XPMEM_CTL_SET(&s, XPMEM_A_STATS_JOB_ID);
	if (kind == XPMEM_SCOPE_GLOBAL) {
		s.pages_mapped_total = 1000;
		s.pages_unmapped_total = 900;
		s.invalidations_total = 40;
		s.invalidations_kept_total = 60;
		XPMEM_CTL_SET(&s, XPMEM_A_STATS_PAGES_MAPPED_TOTAL);
		XPMEM_CTL_SET(&s, XPMEM_A_STATS_PAGES_UNMAPPED_TOTAL);
		XPMEM_CTL_SET(&s, XPMEM_A_STATS_INVALIDATIONS_TOTAL);
		XPMEM_CTL_SET(&s, XPMEM_A_STATS_INVALIDATIONS_KEPT_TOTAL);
	}
	return s;
}

#define GLOBAL(base)		scope(XPMEM_SCOPE_GLOBAL, 0, 0, base)
#define UID(uid, base)		scope(XPMEM_SCOPE_UID, uid, 0, base)
#define JOB(job, uid, base)	scope(XPMEM_SCOPE_JOB, uid, job, base)

/* The exposition of the N scopes of V, as the dump callback gets them. */
static char *expose(const struct xpmem_ctl_stats *v, size_t n, enum metrics_format fmt)
{
	struct metrics m = { 0 };
	char *text = NULL;
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		metrics_add(&v[i], &m);
	out = open_memstream(&text, &len);
	if (!out)
		abort();
	metrics_print(&m, fmt);
	fclose(out);
	metrics_free(&m);
	return text;
}

/* Does TEXT have LINE as a whole line? */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define N(v)	(sizeof(v) / sizeof((v)[0]))

/* ---- the tests ------------------------------------------------------------- */

/* job 7 of alice, alice, the global scope and root, in no useful order */
static const char golden[] =
	"# HELP xpmem_segments Live exported segments.\n"
	"# TYPE xpmem_segments gauge\n"
	"xpmem_segments 101\n"
	"xpmem_segments{uid=\"0\",user=\"root\"} 11\n"
	"xpmem_segments{uid=\"1000\",user=\"alice\"} 21\n"
	"xpmem_segments{job_id=\"7\",uid=\"1000\",user=\"alice\"} 31\n"
	"# HELP xpmem_permits Live access permits (xpmem_get).\n"
	"# TYPE xpmem_permits gauge\n"
	"xpmem_permits 102\n"
	"xpmem_permits{uid=\"0\",user=\"root\"} 12\n"
	"xpmem_permits{uid=\"1000\",user=\"alice\"} 22\n"
	"xpmem_permits{job_id=\"7\",uid=\"1000\",user=\"alice\"} 32\n"
	"# HELP xpmem_attachments Live attachments (xpmem_attach).\n"
	"# TYPE xpmem_attachments gauge\n"
	"xpmem_attachments 103\n"
	"xpmem_attachments{uid=\"0\",user=\"root\"} 13\n"
	"xpmem_attachments{uid=\"1000\",user=\"alice\"} 23\n"
	"xpmem_attachments{job_id=\"7\",uid=\"1000\",user=\"alice\"} 33\n"
	"# HELP xpmem_attached_bytes Bytes of live attachments.\n"
	"# TYPE xpmem_attached_bytes gauge\n"
	"xpmem_attached_bytes 425984\n"
	"xpmem_attached_bytes{uid=\"0\",user=\"root\"} 57344\n"
	"xpmem_attached_bytes{uid=\"1000\",user=\"alice\"} 98304\n"
	"xpmem_attached_bytes{job_id=\"7\",uid=\"1000\",user=\"alice\"} 139264\n"
	"# HELP xpmem_mapped_pages Pages mapped into attachers now.\n"
	"# TYPE xpmem_mapped_pages gauge\n"
	"xpmem_mapped_pages 105\n"
	"xpmem_mapped_pages{uid=\"0\",user=\"root\"} 15\n"
	"xpmem_mapped_pages{uid=\"1000\",user=\"alice\"} 25\n"
	"xpmem_mapped_pages{job_id=\"7\",uid=\"1000\",user=\"alice\"} 35\n"
	"# HELP xpmem_faults_total Attachment faults served.\n"
	"# TYPE xpmem_faults_total counter\n"
	"xpmem_faults_total 106\n"
	"xpmem_faults_total{uid=\"0\",user=\"root\"} 16\n"
	"xpmem_faults_total{uid=\"1000\",user=\"alice\"} 26\n"
	"xpmem_faults_total{job_id=\"7\",uid=\"1000\",user=\"alice\"} 36\n"
	"# HELP xpmem_denials_total Gets refused by the mode bits or the site policy.\n"
	"# TYPE xpmem_denials_total counter\n"
	"xpmem_denials_total 107\n"
	"xpmem_denials_total{uid=\"0\",user=\"root\"} 17\n"
	"xpmem_denials_total{uid=\"1000\",user=\"alice\"} 27\n"
	"xpmem_denials_total{job_id=\"7\",uid=\"1000\",user=\"alice\"} 37\n"
	"# HELP xpmem_quota_hits_total Calls refused by a quota.\n"
	"# TYPE xpmem_quota_hits_total counter\n"
	"xpmem_quota_hits_total 108\n"
	"xpmem_quota_hits_total{uid=\"0\",user=\"root\"} 18\n"
	"xpmem_quota_hits_total{uid=\"1000\",user=\"alice\"} 28\n"
	"xpmem_quota_hits_total{job_id=\"7\",uid=\"1000\",user=\"alice\"} 38\n"
	"# HELP xpmem_pages_mapped_total Pages ever mapped into attachers.\n"
	"# TYPE xpmem_pages_mapped_total counter\n"
	"xpmem_pages_mapped_total 1000\n"
	"# HELP xpmem_pages_unmapped_total Pages ever unmapped from attachers.\n"
	"# TYPE xpmem_pages_unmapped_total counter\n"
	"xpmem_pages_unmapped_total 900\n"
	"# HELP xpmem_invalidations_total Source page-table changes that zapped attachers.\n"
	"# TYPE xpmem_invalidations_total counter\n"
	"xpmem_invalidations_total 40\n"
	"# HELP xpmem_invalidations_kept_total Source protection changes (NUMA hint passes) "
	"that kept attachers' PTEs.\n"
	"# TYPE xpmem_invalidations_kept_total counter\n"
	"xpmem_invalidations_kept_total 60\n";

/* The dump of golden[], into V. */
#define GOLDEN_DUMP(v)	\
	const struct xpmem_ctl_stats v[] = { \
		JOB(7, 1000, 30), UID(1000, 20), GLOBAL(100), UID(0, 10), \
	}

static void prometheus_text_of_a_dump_is_exactly_as_expected(void)
{
	GOLDEN_DUMP(v);
	char *text = expose(v, N(v), METRICS_PROMETHEUS);

	CHECK(!strcmp(text, golden));
	if (strcmp(text, golden))
		printf("# got:\n%s", text);
	free(text);
}

static void the_order_is_the_same_whatever_order_the_kernel_sends(void)
{
	struct xpmem_ctl_stats v[] = {
		GLOBAL(100), UID(0, 10), UID(1000, 20), UID(70000, 40),
		JOB(7, 1000, 30), JOB(12, 0, 50), JOB(UINT64_MAX, 70000, 60),
	};
	char *first = expose(v, N(v), METRICS_PROMETHEUS), *again;
	unsigned int seed = 1;

	/* uid 70000 after 1000, job 12 after 7, the largest job id last */
	CHECK(strstr(first, "xpmem_segments{uid=\"1000\",user=\"alice\"} 21\n"
			    "xpmem_segments{uid=\"70000\"} 41\n") != NULL);
	CHECK(strstr(first, "xpmem_segments{job_id=\"12\",uid=\"0\",user=\"root\"} 51\n"
			    "xpmem_segments{job_id=\"18446744073709551615\",uid=\"70000\"} 61\n"
			    "# HELP xpmem_permits") != NULL);
	for (int round = 0; round < 20; round++) {
		for (size_t i = N(v) - 1; i > 0; i--) {	/* shuffle */
			size_t j = rand_r(&seed) % (i + 1);
			struct xpmem_ctl_stats t = v[i];

			v[i] = v[j];
			v[j] = t;
		}
		again = expose(v, N(v), METRICS_PROMETHEUS);
		CHECK(!strcmp(first, again));
		free(again);
	}
	free(first);
}

static void counters_end_in_total_and_gauges_do_not(void)
{
	const struct xpmem_ctl_stats v[] = { GLOBAL(0) };
	char *text = expose(v, N(v), METRICS_PROMETHEUS);
	static const char *const gauges[] = {
		"segments", "permits", "attachments", "attached_bytes", "mapped_pages",
	};
	static const char *const counters[] = {
		"faults", "denials", "quota_hits", "pages_mapped", "pages_unmapped",
		"invalidations", "invalidations_kept",
	};
	char line[128];

	for (size_t i = 0; i < N(gauges); i++) {
		snprintf(line, sizeof(line), "# TYPE xpmem_%s gauge", gauges[i]);
		CHECK(has_line(text, line));
	}
	for (size_t i = 0; i < N(counters); i++) {
		snprintf(line, sizeof(line), "# TYPE xpmem_%s_total counter", counters[i]);
		CHECK(has_line(text, line));
	}
	CHECK(strstr(text, "_total gauge") == NULL);
	free(text);
}

static void the_global_series_has_no_labels_and_only_it_has_the_page_totals(void)
{
	const struct xpmem_ctl_stats v[] = { UID(1000, 20), GLOBAL(100) };
	char *text = expose(v, N(v), METRICS_PROMETHEUS);

	CHECK(has_line(text, "xpmem_faults_total 106"));
	CHECK(has_line(text, "xpmem_pages_mapped_total 1000"));
	CHECK(has_line(text, "xpmem_pages_unmapped_total 900"));
	CHECK(strstr(text, "xpmem_pages_mapped_total{") == NULL);
	CHECK(strstr(text, "xpmem_pages_unmapped_total{") == NULL);
	CHECK(has_line(text, "xpmem_invalidations_total 40"));
	CHECK(has_line(text, "xpmem_invalidations_kept_total 60"));
	CHECK(strstr(text, "xpmem_invalidations_total{") == NULL);
	free(text);
}

static void a_family_without_samples_is_left_out(void)
{
	const struct xpmem_ctl_stats v[] = { UID(1000, 20) };	/* stats uid 1000 */
	char *text = expose(v, N(v), METRICS_PROMETHEUS);

	CHECK(strstr(text, "xpmem_pages_mapped") == NULL);
	CHECK(has_line(text, "xpmem_quota_hits_total{uid=\"1000\",user=\"alice\"} 28"));
	free(text);
	text = expose(NULL, 0, METRICS_PROMETHEUS);
	CHECK(!strcmp(text, ""));
	free(text);
	text = expose(NULL, 0, METRICS_OPENMETRICS);
	CHECK(!strcmp(text, "# EOF\n"));
	free(text);
}

static void job_series_carry_the_job_and_its_owner(void)
{
	const struct xpmem_ctl_stats v[] = { JOB(42, 1000, 0), JOB(43, 70000, 0) };
	char *text = expose(v, N(v), METRICS_PROMETHEUS);

	CHECK(has_line(text, "xpmem_segments{job_id=\"42\",uid=\"1000\",user=\"alice\"} 1"));
	CHECK(has_line(text, "xpmem_segments{job_id=\"43\",uid=\"70000\"} 1"));
	free(text);
}

static void label_values_escape_backslash_quote_and_newline(void)
{
	const struct xpmem_ctl_stats v[] = { UID(1001, 0), UID(1002, 0) };
	char *text = expose(v, N(v), METRICS_PROMETHEUS), *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(has_line(text, "xpmem_segments{uid=\"1001\",user=\"o\\\"brien\\\\x\"} 1"));
	CHECK(has_line(text, "xpmem_segments{uid=\"1002\",user=\"two\\nlines\"} 1"));
	free(text);
	f = open_memstream(&buf, &len);
	metrics_label(f, "l", "a\\\"\n\t\xc3\xb6");	/* tab and UTF-8 stay as they are */
	metrics_label(f, "e", "");
	fclose(f);
	CHECK(!strcmp(buf, "l=\"a\\\\\\\"\\n\t\xc3\xb6\"e=\"\""));
	free(buf);
}

static void the_user_label_needs_a_name_in_valid_utf8(void)
{
	const struct xpmem_ctl_stats v[] = {
		UID(1003, 0), UID(1004, 0), UID(1005, 0), UID(4242, 0),
	};
	char *text = expose(v, N(v), METRICS_PROMETHEUS);

	CHECK(has_line(text, "xpmem_segments{uid=\"1003\"} 1"));	/* not UTF-8 */
	CHECK(has_line(text, "xpmem_segments{uid=\"1004\",user=\"j\xc3\xb6rg\"} 1"));
	CHECK(has_line(text, "xpmem_segments{uid=\"1005\"} 1"));	/* empty */
	CHECK(has_line(text, "xpmem_segments{uid=\"4242\"} 1"));	/* no entry */
	free(text);
}

static void utf8_check_refuses_what_the_formats_refuse(void)
{
	CHECK(metrics_utf8(""));
	CHECK(metrics_utf8("plain ascii"));
	CHECK(metrics_utf8("\xc3\xb6"));		/* U+00F6 */
	CHECK(metrics_utf8("\xe2\x82\xac"));		/* U+20AC */
	CHECK(metrics_utf8("\xf0\x9f\x98\x80"));	/* U+1F600 */
	CHECK(metrics_utf8("\xf4\x8f\xbf\xbf"));	/* U+10FFFF */
	CHECK(!metrics_utf8("\xff"));
	CHECK(!metrics_utf8("\x80"));			/* a lone continuation */
	CHECK(!metrics_utf8("\xc3"));			/* cut short */
	CHECK(!metrics_utf8("\xe2\x82"));
	CHECK(!metrics_utf8("\xc0\xaf"));		/* overlong '/' */
	CHECK(!metrics_utf8("\xe0\x80\xaf"));		/* overlong, 3 bytes */
	CHECK(!metrics_utf8("\xed\xa0\x80"));		/* surrogate U+D800 */
	CHECK(!metrics_utf8("\xf4\x90\x80\x80"));	/* above U+10FFFF */
	CHECK(!metrics_utf8("\xf5\x80\x80\x80"));
}

static void openmetrics_types_families_adds_units_and_ends_with_eof(void)
{
	GOLDEN_DUMP(v);
	char *text = expose(v, N(v), METRICS_OPENMETRICS);
	size_t len = strlen(text);

	CHECK(has_line(text, "# TYPE xpmem_faults counter"));
	CHECK(has_line(text, "# HELP xpmem_faults Attachment faults served."));
	CHECK(has_line(text, "xpmem_faults_total{uid=\"0\",user=\"root\"} 16"));
	CHECK(has_line(text, "# TYPE xpmem_pages_mapped counter"));
	CHECK(has_line(text, "xpmem_pages_mapped_total 1000"));
	CHECK(has_line(text, "# TYPE xpmem_segments gauge"));
	CHECK(has_line(text, "# UNIT xpmem_attached_bytes bytes"));
	CHECK(strstr(text, "_total counter") == NULL);
	CHECK(len > 6 && !strcmp(text + len - 6, "# EOF\n"));
	CHECK(strstr(text, "# EOF") == text + len - 6);
	free(text);
}

/* Every awkward name at once, for the format checker. */
static int print_sample(const char *format)
{
	const struct xpmem_ctl_stats v[] = {
		GLOBAL(100), UID(0, 10), UID(1000, 20), UID(1001, 0), UID(1002, 0),
		UID(1003, 0), UID(1004, 0), UID(1005, 0), UID(4242, 0),
		JOB(7, 1000, 30), JOB(UINT64_MAX, 1001, 0),
	};
	char *text;

	if (strcmp(format, "prometheus") && strcmp(format, "openmetrics")) {
		fprintf(stderr, "metrics_test: --print prometheus|openmetrics\n");
		return 2;
	}
	text = expose(v, N(v), strcmp(format, "prometheus") ?
		      METRICS_OPENMETRICS : METRICS_PROMETHEUS);
	fputs(text, stdout);
	free(text);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc == 3 && !strcmp(argv[1], "--print"))
		return print_sample(argv[2]);
	run("prometheus_text_of_a_dump_is_exactly_as_expected",
	    prometheus_text_of_a_dump_is_exactly_as_expected);
	run("the_order_is_the_same_whatever_order_the_kernel_sends",
	    the_order_is_the_same_whatever_order_the_kernel_sends);
	run("counters_end_in_total_and_gauges_do_not", counters_end_in_total_and_gauges_do_not);
	run("the_global_series_has_no_labels_and_only_it_has_the_page_totals",
	    the_global_series_has_no_labels_and_only_it_has_the_page_totals);
	run("a_family_without_samples_is_left_out", a_family_without_samples_is_left_out);
	run("job_series_carry_the_job_and_its_owner", job_series_carry_the_job_and_its_owner);
	run("label_values_escape_backslash_quote_and_newline",
	    label_values_escape_backslash_quote_and_newline);
	run("the_user_label_needs_a_name_in_valid_utf8",
	    the_user_label_needs_a_name_in_valid_utf8);
	run("utf8_check_refuses_what_the_formats_refuse",
	    utf8_check_refuses_what_the_formats_refuse);
	run("openmetrics_types_families_adds_units_and_ends_with_eof",
	    openmetrics_types_families_adds_units_and_ends_with_eof);
	return failed;
}
