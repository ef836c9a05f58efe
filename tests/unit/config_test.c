// SPDX-License-Identifier: GPL-2.0
/*
 * config_test.c - host tests of xpmemd's configuration reader
 * (xpmemd/config.c): good files give the expected policy, drop-ins are
 * read in lexical order, every kind of mistake is refused with the right
 * "file:line: what" naming the bad value. Prints TAP lines "ok - name" /
 * "not ok - name" with "# ..." diagnostics; exit 1 if any failed.
 * tests/unit/config.sh builds and runs it, plain and sanitized.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "xpmem_netlink.h"
#include "tap.h"

static char tmpdir[] = "/tmp/xpmemd-config-test.XXXXXX";
static char dir[PATH_MAX];
static int ndirs;


/* A fresh configuration directory for one test. */
static const char *fresh(void)
{
	snprintf(dir, sizeof(dir), "%s/%d", tmpdir, ++ndirs);
	if (mkdir(dir, 0755) < 0)
		perror(dir);
	return dir;
}

/* Write TEXT to NAME under the current directory ("" for xpmemd.conf). */
static void put(const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	if (!*name) {
		snprintf(path, sizeof(path), "%s/xpmemd.conf", dir);
	} else {
		snprintf(path, sizeof(path), "%s/xpmemd.conf.d", dir);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/xpmemd.conf.d/%s", dir, name);
	}
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

/* Load; on a failure show every error as a diagnostic. */
static int load(struct xpmem_config *cfg)
{
	int ret = xpmem_config_load(cfg, dir, NULL);

	if (ret && ok_now)
		printf("# load: %d (%s)\n", ret, cfg->error);
	return ret;
}

/* The single-file config TEXT must be refused with "xpmemd.conf:LINE: WHAT...". */
static bool refused(const char *text, unsigned int line, const char *what)
{
	struct xpmem_config cfg;
	char want[PATH_MAX + 256];
	bool ok;
	int ret;

	fresh();
	put("", text);
	ret = xpmem_config_load(&cfg, dir, NULL);
	snprintf(want, sizeof(want), "%s/xpmemd.conf:%u: %s", dir, line, what);
	ok = ret == -EINVAL && !strncmp(cfg.error, want, strlen(want));
	if (!ok)
		printf("# want \"%s...\"\n#  got %d \"%s\"\n", want, ret, cfg.error);
	xpmem_config_free(&cfg);
	return ok;
}

static void no_files_mean_compat_and_no_rules(void)
{
	struct xpmem_config cfg;
	char sum[128];

	fresh();
	CHECK(load(&cfg) == 0);
	CHECK(cfg.mode == XPMEM_MODE_COMPAT);
	CHECK(cfg.visibility == XPMEM_VISIBILITY_OWN);
	CHECK(cfg.default_max_segments == XPMEM_DEFAULT_MAX_SEGMENTS);
	CHECK(cfg.nrules == 0 && cfg.nquotas == 0 && cfg.nfiles == 0);
	CHECK(!strcmp(cfg.cgroup_root, "/sys/fs/cgroup/system.slice/slurmstepd.scope"));
	CHECK(cfg.log_events == XPMEM_LOG_ALL);
	xpmem_config_summary(&cfg, sum, sizeof(sum));
	CHECK(!strcmp(sum, "compat, 0 rules, 0 quotas"));
	xpmem_config_free(&cfg);
}

static void a_full_file_gives_the_policy(void)
{
	struct xpmem_config cfg;
	char sum[128];

	fresh();
	put("", "# a comment\n"
		"; another\n"
		"\n"
		"  [Policy]  \n"
		"DefaultMode = strict\n"
		"Visibility=all\n"
		"DefaultMaxSegments=100\n"
		"[Rule]\n"
		"Action=allow\n"
		"SameJob=yes\n"
		"[Rule]\n"
		"\tAction=deny\t\n"
		"User=root\n"
		"Group=0\n"
		"PeerUser=1000\n"
		"[Quota]\n"
		"User=1001\n"
		"MaxSegments=10\n"
		"MaxAttachedBytes=2G\n"
		"MaxMappedPages=infinity\n"
		"[Jobs]\n"
		"CgroupRoot=/sys/fs/cgroup/jobs.slice\n"
		"[Events]\n"
		"Log=denied, quota job-added\n");
	CHECK(load(&cfg) == 0);
	CHECK(cfg.mode == XPMEM_MODE_STRICT);
	CHECK(cfg.visibility == XPMEM_VISIBILITY_ALL);
	CHECK(cfg.default_max_segments == 100);
	CHECK(cfg.nrules == 2);
	if (cfg.nrules == 2) {
		CHECK(cfg.rules[0].action == XPMEM_ACTION_ALLOW && cfg.rules[0].same_job);
		CHECK(!cfg.rules[0].has_uid && !cfg.rules[0].has_gid && !cfg.rules[0].has_peer_uid);
		CHECK(cfg.rules[0].line == 8);
		CHECK(cfg.rules[1].action == XPMEM_ACTION_DENY && !cfg.rules[1].same_job);
		CHECK(cfg.rules[1].has_uid && cfg.rules[1].uid == 0);
		CHECK(cfg.rules[1].has_gid && cfg.rules[1].gid == 0);
		CHECK(cfg.rules[1].has_peer_uid && cfg.rules[1].peer_uid == 1000);
		CHECK(cfg.rules[1].line == 11);
	}
	CHECK(cfg.nquotas == 1);
	if (cfg.nquotas == 1) {
		CHECK(cfg.quotas[0].uid == 1001 && cfg.quotas[0].has_max_segments &&
		      cfg.quotas[0].max_segments == 10);
		CHECK(cfg.quotas[0].max_attached_bytes == 2ULL << 30);
		CHECK(cfg.quotas[0].max_mapped_pages == 0);
	}
	CHECK(!strcmp(cfg.cgroup_root, "/sys/fs/cgroup/jobs.slice"));
	CHECK(cfg.log_events == (1u << XPMEM_EVENT_TYPE_ACCESS_DENIED |
				 1u << XPMEM_EVENT_TYPE_QUOTA_EXCEEDED |
				 1u << XPMEM_EVENT_TYPE_JOB_ADDED));
	xpmem_config_summary(&cfg, sum, sizeof(sum));
	CHECK(!strcmp(sum, "strict, 2 rules, 1 quota"));
	xpmem_config_free(&cfg);
}

static void names_resolve_to_ids(void)
{
	struct xpmem_config cfg;

	fresh();
	put("", "[Rule]\nAction=allow\nUser=nobody\nGroup=root\nPeerUser=daemon\n");
	CHECK(load(&cfg) == 0);
	CHECK(cfg.nrules == 1);
	if (cfg.nrules == 1) {
		CHECK(cfg.rules[0].uid == 65534);
		CHECK(cfg.rules[0].gid == 0);
		CHECK(cfg.rules[0].peer_uid == 1);
	}
	xpmem_config_free(&cfg);
}

static void dropins_come_after_the_file_in_lexical_order(void)
{
	struct xpmem_config cfg;

	fresh();
	put("", "[Policy]\nDefaultMode=strict\n[Rule]\nAction=allow\nUser=1\n");
	put("9-late.conf", "[Policy]\nDefaultMode=strict\n[Rule]\nAction=allow\nUser=9\n");
	put("10-early.conf", "[Policy]\nDefaultMode=compat\n[Rule]\nAction=allow\nUser=10\n");
	put("README", "not a drop-in: ignored\n");
	put(".hidden.conf", "ignored too\n");
	put("x.conf.bak", "and this\n");
	CHECK(load(&cfg) == 0);
	CHECK(cfg.nfiles == 3);
	if (cfg.nfiles == 3) {
		CHECK(strstr(cfg.files[0], "/xpmemd.conf") && !strstr(cfg.files[0], ".d/"));
		CHECK(strstr(cfg.files[1], "/10-early.conf"));
		CHECK(strstr(cfg.files[2], "/9-late.conf"));
	}
	CHECK(cfg.mode == XPMEM_MODE_STRICT);	/* 9-late.conf wins */
	CHECK(cfg.nrules == 3);
	if (cfg.nrules == 3)
		CHECK(cfg.rules[0].uid == 1 && cfg.rules[1].uid == 10 && cfg.rules[2].uid == 9);
	xpmem_config_free(&cfg);
}

static void dropins_alone_are_enough(void)
{
	struct xpmem_config cfg;

	fresh();
	put("50-site.conf", "[Policy]\nDefaultMode=strict\n");
	CHECK(load(&cfg) == 0);
	CHECK(cfg.nfiles == 1 && cfg.mode == XPMEM_MODE_STRICT);
	xpmem_config_free(&cfg);
}

static void the_last_quota_of_a_uid_wins(void)
{
	struct xpmem_config cfg;

	fresh();
	put("", "[Quota]\nUser=1000\nMaxSegments=5\n"
		"[Quota]\nUser=1001\nMaxSegments=6\n"
		"[Quota]\nUser=1002\nMaxMappedPages=7\n");
	put("20-override.conf", "[Quota]\nUser=1000\nMaxAttachedBytes=1M\n"
		"[Quota]\nUser=1001\nMaxAttachedBytes=0\n");
	CHECK(load(&cfg) == 0);
	CHECK(cfg.nquotas == 2);	/* 1001's quota that limits nothing removed it */
	for (size_t i = 0; i < cfg.nquotas; i++) {
		const struct xpmem_cfg_quota *q = &cfg.quotas[i];

		CHECK(q->uid == 1000 || q->uid == 1002);
		if (q->uid == 1000)
			CHECK(!q->has_max_segments && q->max_attached_bytes == 1 << 20);
		if (q->uid == 1002)
			CHECK(q->max_mapped_pages == 7);
	}
	xpmem_config_free(&cfg);
}

static void unlimited_max_segments_is_a_quota_of_its_own(void)
{
	struct xpmem_config cfg;

	fresh();
	put("", "[Quota]\nUser=1000\nMaxSegments=infinity\n"
		"[Quota]\nUser=1001\nMaxSegments=0\n"
		"[Policy]\nDefaultMaxSegments=infinity\n");
	CHECK(load(&cfg) == 0);
	CHECK(cfg.nquotas == 2);
	for (size_t i = 0; i < cfg.nquotas; i++)
		CHECK(cfg.quotas[i].has_max_segments && cfg.quotas[i].max_segments == 0);
	CHECK(cfg.default_max_segments == 0);
	xpmem_config_free(&cfg);
}

static void sizes_counts_and_booleans(void)
{
	uint64_t v;
	bool b;

	CHECK(xpmem_parse_size("0", &v) == 0 && v == 0);
	CHECK(xpmem_parse_size("infinity", &v) == 0 && v == 0);
	CHECK(xpmem_parse_size("4096", &v) == 0 && v == 4096);
	CHECK(xpmem_parse_size("1K", &v) == 0 && v == 1024);
	CHECK(xpmem_parse_size("3k", &v) == 0 && v == 3072);
	CHECK(xpmem_parse_size("2M", &v) == 0 && v == 2ULL << 20);
	CHECK(xpmem_parse_size("64G", &v) == 0 && v == 64ULL << 30);
	CHECK(xpmem_parse_size("4T", &v) == 0 && v == 4ULL << 40);
	CHECK(xpmem_parse_size("16777215T", &v) == 0 && v == 16777215ULL << 40);
	CHECK(xpmem_parse_size("16777216T", &v) == -ERANGE);
	CHECK(xpmem_parse_size("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK(xpmem_parse_size("18446744073709551616", &v) == -ERANGE);
	CHECK(xpmem_parse_size("", &v) == -EINVAL);
	CHECK(xpmem_parse_size("K", &v) == -EINVAL);
	CHECK(xpmem_parse_size("1.5G", &v) == -EINVAL);
	CHECK(xpmem_parse_size("-1", &v) == -EINVAL);
	CHECK(xpmem_parse_size("1KB", &v) == -EINVAL);
	CHECK(xpmem_parse_size("1 K", &v) == -EINVAL);
	CHECK(xpmem_parse_size("infinityK", &v) == -EINVAL);
	CHECK(xpmem_parse_count("4294967295", UINT32_MAX, &v) == 0 && v == UINT32_MAX);
	CHECK(xpmem_parse_count("4294967296", UINT32_MAX, &v) == -ERANGE);
	CHECK(xpmem_parse_count("0x10", UINT64_MAX, &v) == -EINVAL);
	CHECK(xpmem_parse_bool("yes", &b) == 0 && b);
	CHECK(xpmem_parse_bool("On", &b) == 0 && b);
	CHECK(xpmem_parse_bool("1", &b) == 0 && b);
	CHECK(xpmem_parse_bool("false", &b) == 0 && !b);
	CHECK(xpmem_parse_bool("no", &b) == 0 && !b);
	CHECK(xpmem_parse_bool("maybe", &b) == -EINVAL);
}

static void bad_values_name_the_value_and_line(void)
{
	CHECK(refused("[Policy]\nDefaultMode=stric\n", 2,
		      "invalid DefaultMode= value \"stric\" (expected compat or strict)"));
	CHECK(refused("[Rule]\nAction=permit\n", 2, "invalid Action= value \"permit\""));
	CHECK(refused("[Rule]\nAction=allow\nUser=no-such-user-xpmem\n", 3,
		      "unknown user \"no-such-user-xpmem\" in User="));
	CHECK(refused("[Rule]\nAction=allow\nGroup=no-such-group-xpmem\n", 3,
		      "unknown group \"no-such-group-xpmem\" in Group="));
	CHECK(refused("[Rule]\nAction=allow\nPeerUser=4294967295\n", 3,
		      "invalid PeerUser= value \"4294967295\""));
	CHECK(refused("[Rule]\nAction=allow\nUser=12ab\n", 3, "invalid User= value \"12ab\""));
	CHECK(refused("[Rule]\nAction=allow\nSameJob=maybe\n", 3,
		      "invalid SameJob= value \"maybe\" (expected yes or no)"));
	CHECK(refused("[Quota]\nUser=1\nMaxSegments=4294967296\n", 3,
		      "invalid MaxSegments= value \"4294967296\" (more than 4294967295)"));
	CHECK(refused("[Policy]\nVisibility=everyone\n", 2,
		      "invalid Visibility= value \"everyone\" (expected own or all)"));
	CHECK(refused("[Policy]\nDefaultMaxSegments=lots\n", 2,
		      "invalid DefaultMaxSegments= value \"lots\" (expected a number or infinity)"));
	CHECK(refused("[Policy]\nDefaultMaxSegments=4294967296\n", 2,
		      "invalid DefaultMaxSegments= value \"4294967296\" (more than 4294967295)"));
	CHECK(refused("[Quota]\nUser=1\nMaxAttachedBytes=12Q\n", 3,
		      "invalid MaxAttachedBytes= value \"12Q\""));
	CHECK(refused("[Quota]\nUser=1\nMaxMappedPages=-5\n", 3,
		      "invalid MaxMappedPages= value \"-5\""));
	CHECK(refused("[Jobs]\nCgroupRoot=sys/fs/cgroup\n", 2,
		      "invalid CgroupRoot= value \"sys/fs/cgroup\" (not an absolute path)"));
	CHECK(refused("[Jobs]\nCgroupRoot=/sys/fs/cgroup/../etc\n", 2,
		      "invalid CgroupRoot= value \"/sys/fs/cgroup/../etc\" (not a normalised"));
	CHECK(refused("[Jobs]\nCgroupRoot=/sys/fs/cgroup/\n", 2, "invalid CgroupRoot= value"));
	CHECK(refused("[Jobs]\nCgroupRoot=/sys//fs\n", 2, "invalid CgroupRoot= value"));
	CHECK(refused("[Events]\nLog=denied bogus\n", 2, "invalid Log= value \"bogus\""));
}

static void bad_structure_is_refused(void)
{
	CHECK(refused("\n[Policy]\nMode=strict\n", 3, "unknown key Mode= in [Policy]"));
	CHECK(refused("[Polcy]\nDefaultMode=strict\n", 1, "unknown section [Polcy]"));
	CHECK(refused("[Rule\nAction=allow\n", 1, "invalid section header \"[Rule\""));
	CHECK(refused("DefaultMode=strict\n", 1, "DefaultMode= outside of any section"));
	CHECK(refused("[Policy]\nstrict\n", 2, "not a [Section] or Key=Value line: \"strict\""));
	CHECK(refused("[Policy]\nDefaultMode=\n", 2, "empty DefaultMode= value"));
	CHECK(refused("[Rule]\nUser=1\n[Rule]\nAction=deny\n", 1, "[Rule] section without Action="));
	CHECK(refused("[Rule]\nAction=allow\n[Rule]\nUser=1\n", 3, "[Rule] section without Action="));
	CHECK(refused("[Quota]\nMaxSegments=1\n", 1, "[Quota] section without User="));
	CHECK(refused("[Rule]\nAction=allow\nUser=1\nUser=2\n", 4,
		      "User= given twice in one [Rule] section"));
	CHECK(refused("[Quota]\nUser=1\nMaxSegments=1\nMaxSegments=2\n", 4,
		      "MaxSegments= given twice"));
	CHECK(refused("[Policy]\nUser=1\n", 2, "unknown key User= in [Policy]"));
	CHECK(refused("[Quota]\nUser=1\nAction=allow\n", 3, "unknown key Action= in [Quota]"));
}

static void errors_in_dropins_name_the_dropin(void)
{
	struct xpmem_config cfg;
	char want[PATH_MAX + 64];

	fresh();
	put("", "[Policy]\nDefaultMode=strict\n");
	put("30-bad.conf", "[Rule]\nAction=allow\n\nSameJob=perhaps\n");
	CHECK(xpmem_config_load(&cfg, dir, NULL) == -EINVAL);
	snprintf(want, sizeof(want), "%s/xpmemd.conf.d/30-bad.conf:4: invalid SameJob=", dir);
	CHECK(!strncmp(cfg.error, want, strlen(want)));
	xpmem_config_free(&cfg);
}

static void every_error_is_logged_and_counted(void)
{
	struct xpmem_config cfg;
	char *text = NULL;
	size_t len = 0;
	FILE *log;

	fresh();
	put("", "[Policy]\nDefaultMode=x\n[Rule]\nAction=y\n[Nope]\n");
	log = open_memstream(&text, &len);
	CHECK(log != NULL);
	if (!log)
		return;
	CHECK(xpmem_config_load(&cfg, dir, log) == -EINVAL);
	fclose(log);
	CHECK(cfg.nerrors == 3);
	CHECK(strstr(text, "xpmemd.conf:2: invalid DefaultMode= value \"x\""));
	CHECK(strstr(text, "xpmemd.conf:4: invalid Action= value \"y\""));
	CHECK(strstr(text, "xpmemd.conf:5: unknown section [Nope]"));
	CHECK(strstr(cfg.error, ":2: invalid DefaultMode="));	/* the first */
	free(text);
	xpmem_config_free(&cfg);
}

static void unreadable_files_are_errors(void)
{
	struct xpmem_config cfg;
	char path[PATH_MAX + 32];

	fresh();
	snprintf(path, sizeof(path), "%s/xpmemd.conf", dir);
	mkdir(path, 0755);
	CHECK(xpmem_config_load(&cfg, dir, NULL) == -EINVAL);
	CHECK(strstr(cfg.error, "xpmemd.conf: is a directory") != NULL);
	xpmem_config_free(&cfg);

	fresh();
	put("", "[Policy]\nDefaultMode=strict\n");
	snprintf(path, sizeof(path), "%s/xpmemd.conf.d", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/xpmemd.conf.d/dangling.conf", dir);
	CHECK(symlink("/nonexistent/xpmem", path) == 0);
	CHECK(xpmem_config_load(&cfg, dir, NULL) == -EINVAL);
	CHECK(strstr(cfg.error, "dangling.conf: cannot read: No such file") != NULL);
	xpmem_config_free(&cfg);
}

static void show_prints_a_config_that_loads_the_same(void)
{
	struct xpmem_config cfg, again;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	fresh();
	put("", "[Policy]\nDefaultMode=strict\nVisibility=all\nDefaultMaxSegments=0\n"
		"[Rule]\nAction=allow\nSameJob=yes\n"
		"[Rule]\nAction=deny\nUser=5\nGroup=6\nPeerUser=7\n"
		"[Quota]\nUser=8\nMaxSegments=9\nMaxAttachedBytes=1536M\nMaxMappedPages=10\n"
		"[Quota]\nUser=11\nMaxSegments=infinity\n[Quota]\nUser=12\nMaxMappedPages=3\n"
		"[Jobs]\nCgroupRoot=/a/b\n[Events]\nLog=policy job-removed\n");
	CHECK(load(&cfg) == 0);
	f = open_memstream(&text, &len);
	if (!f)
		return;
	xpmem_config_show(&cfg, f);
	fclose(f);
	CHECK(strstr(text, "MaxAttachedBytes=1536M\n") != NULL);
	CHECK(strstr(text, "Log=policy job-removed\n") != NULL);
	CHECK(strstr(text, "Visibility=all\nDefaultMaxSegments=infinity\n") != NULL);
	fresh();
	put("", text);
	CHECK(load(&again) == 0);
	CHECK(again.mode == cfg.mode && again.nrules == cfg.nrules &&
	      again.nquotas == cfg.nquotas && again.log_events == cfg.log_events &&
	      !strcmp(again.cgroup_root, cfg.cgroup_root));
	CHECK(again.visibility == XPMEM_VISIBILITY_ALL && again.default_max_segments == 0);
	if (again.nrules == 2 && again.nquotas == 3) {
		CHECK(again.rules[1].uid == 5 && again.rules[1].gid == 6 &&
		      again.rules[1].peer_uid == 7 && again.rules[0].same_job);
		CHECK(again.quotas[0].max_attached_bytes == 1536ULL << 20);
		CHECK(again.quotas[1].has_max_segments && again.quotas[1].max_segments == 0);
		CHECK(!again.quotas[2].has_max_segments && again.quotas[2].max_mapped_pages == 3);
	}
	free(text);
	xpmem_config_free(&cfg);
	xpmem_config_free(&again);
}

static void event_names_are_the_journal_names(void)
{
	CHECK(!strcmp(xpmem_event_name(XPMEM_EVENT_TYPE_SEGMENT_MADE), "segment-made"));
	CHECK(!strcmp(xpmem_event_name(XPMEM_EVENT_TYPE_SEGMENT_REMOVED), "segment-removed"));
	CHECK(!strcmp(xpmem_event_name(XPMEM_EVENT_TYPE_ACCESS_DENIED), "denied"));
	CHECK(!strcmp(xpmem_event_name(XPMEM_EVENT_TYPE_QUOTA_EXCEEDED), "quota"));
	CHECK(!strcmp(xpmem_event_name(XPMEM_EVENT_TYPE_POLICY_CHANGED), "policy"));
	CHECK(!strcmp(xpmem_event_name(XPMEM_EVENT_TYPE_JOB_ADDED), "job-added"));
	CHECK(!strcmp(xpmem_event_name(XPMEM_EVENT_TYPE_JOB_REMOVED), "job-removed"));
	CHECK(xpmem_event_name(0) == NULL && xpmem_event_name(99) == NULL);
}

int main(void)
{
	char cmd[PATH_MAX];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	run("config_no_files_mean_compat_and_no_rules", no_files_mean_compat_and_no_rules);
	run("config_a_full_file_gives_the_policy", a_full_file_gives_the_policy);
	run("config_names_resolve_to_ids", names_resolve_to_ids);
	run("config_dropins_come_after_the_file_in_lexical_order",
	    dropins_come_after_the_file_in_lexical_order);
	run("config_dropins_alone_are_enough", dropins_alone_are_enough);
	run("config_the_last_quota_of_a_uid_wins", the_last_quota_of_a_uid_wins);
	run("config_unlimited_max_segments_is_a_quota_of_its_own",
	    unlimited_max_segments_is_a_quota_of_its_own);
	run("config_sizes_counts_and_booleans", sizes_counts_and_booleans);
	run("config_bad_values_name_the_value_and_line", bad_values_name_the_value_and_line);
	run("config_bad_structure_is_refused", bad_structure_is_refused);
	run("config_errors_in_dropins_name_the_dropin", errors_in_dropins_name_the_dropin);
	run("config_every_error_is_logged_and_counted", every_error_is_logged_and_counted);
	run("config_unreadable_files_are_errors", unreadable_files_are_errors);
	run("config_show_prints_a_config_that_loads_the_same",
	    show_prints_a_config_that_loads_the_same);
	run("config_event_names_are_the_journal_names", event_names_are_the_journal_names);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return failed;
}
