// SPDX-License-Identifier: GPL-2.0
/*
 * apply_test.c - host tests of xpmemd/apply.c against a fake kernel
 * (fake_kernel.c: the xpmem_ctl_* calls it makes, with the kernel's rule
 * semantics and settings): the policy is made exact, in an order that is
 * never wider than both the old and the new one, and jobs register.
 *
 * TAP lines "ok - name" / "not ok - name", "# ..." diagnostics; exit 1 if
 * any failed. tests/unit/config.sh builds and runs it, plain and sanitized.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "apply.h"
#include "config.h"
#include "jobstate.h"
#include "fake_kernel.h"
#include "tap.h"

static char tmpdir[] = "/tmp/xpmemd-apply-test.XXXXXX";


/* A config from TEXT (in its own directory). */
static int config(struct xpmem_config *cfg, const char *text)
{
	static int n;
	char dir[PATH_MAX], path[PATH_MAX + 16];
	FILE *f;
	int ret;

	snprintf(dir, sizeof(dir), "%s/conf%d", tmpdir, ++n);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/xpmemd.conf", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	ret = xpmem_config_load(cfg, dir, NULL);
	if (ret)
		printf("# config: %s\n", cfg->error);
	return ret;
}

/*
 * Apply CFG to the fake kernel. A first run on a copy tells what the
 * kernel ends up as; the real run then checks every step against the
 * policy before and that end state.
 */
static int apply(const struct xpmem_config *cfg, char *err, size_t len)
{
	static struct xpmem_ctl before, after;
	int ret;

	before = k;
	k.fail_at = 0;
	xpmem_apply_policy(&k, cfg, NULL, err, len);
	after = k;
	k = before;
	k.before = &before;
	k.after = &after;
	k.ops = 0;
	k.log[0] = '\0';
	ret = xpmem_apply_policy(&k, cfg, NULL, err, len);
	k.before = k.after = NULL;
	return ret;
}

static bool same_rules_as(const struct xpmem_config *cfg)
{
	bool used[64] = { false };

	if ((size_t)k.nrules != cfg->nrules)
		return false;
	for (size_t j = 0; j < cfg->nrules; j++) {
		const struct xpmem_cfg_rule *c = &cfg->rules[j];
		bool found = false;

		for (int i = 0; i < k.nrules && !found; i++) {
			const struct xpmem_ctl_rule *r = &k.rules[i];

			if (used[i] || r->action != c->action || r->same_job != c->same_job ||
			    XPMEM_CTL_HAS(r, XPMEM_A_RULE_UID) != c->has_uid ||
			    XPMEM_CTL_HAS(r, XPMEM_A_RULE_PEER_UID) != c->has_peer_uid ||
			    XPMEM_CTL_HAS(r, XPMEM_A_RULE_GID) != c->has_gid ||
			    (c->has_uid && r->uid != c->uid) ||
			    (c->has_gid && r->gid != c->gid) ||
			    (c->has_peer_uid && r->peer_uid != c->peer_uid))
				continue;
			used[i] = found = true;
		}
		if (!found)
			return false;
	}
	return true;
}


/* ---- the policy --------------------------------------------------------------- */

static const char *example =
	"[Policy]\nDefaultMode=strict\n"
	"[Rule]\nAction=allow\nSameJob=yes\n"
	"[Rule]\nAction=deny\nPeerUser=0\n"
	"[Rule]\nAction=allow\nUser=1000\nPeerUser=1001\n"
	"[Quota]\nUser=1001\nMaxSegments=10\n";

static void from_scratch_denies_come_first(void)
{
	struct xpmem_config cfg;
	char err[512];

	reset_kernel();
	if (config(&cfg, example))
		return;
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(!strcmp(k.log, "D+ S A+ A+ Q "));
	if (strcmp(k.log, "D+ S A+ A+ Q "))
		printf("# log: %s\n", k.log);
	CHECK(k.mode == XPMEM_MODE_STRICT && same_rules_as(&cfg));
	CHECK(k.nquotas == 1 && k.quotas[0].uid == 1001 && k.quotas[0].max_segments == 10);
	CHECK(!k.widened);
	xpmem_config_free(&cfg);
}

static void applying_twice_changes_nothing(void)
{
	struct xpmem_config cfg;
	char err[512];

	reset_kernel();
	if (config(&cfg, example))
		return;
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(k.ops == 0 && !k.log[0]);
	xpmem_config_free(&cfg);
}

static void foreign_rules_go_and_kept_rules_keep_their_ids(void)
{
	struct xpmem_config cfg;
	uint32_t kept_id;
	char err[512];

	reset_kernel();
	kernel_rule(XPMEM_ACTION_ALLOW, 5, -1, false);		/* not configured */
	kernel_rule(XPMEM_ACTION_DENY, -1, 0, false);		/* configured */
	kept_id = k.rules[1].id;
	if (config(&cfg, "[Policy]\nDefaultMode=strict\n[Rule]\nAction=deny\nPeerUser=0\n"
		    "[Rule]\nAction=allow\nSameJob=yes\n"))
		return;
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(!strcmp(k.log, "S A- A+ "));
	CHECK(same_rules_as(&cfg));
	CHECK(k.rules[0].id == kept_id);
	CHECK(!k.widened);
	xpmem_config_free(&cfg);
}

static void relaxing_to_compat_happens_last(void)
{
	struct xpmem_config cfg;
	char err[512];

	reset_kernel();
	k.mode = XPMEM_MODE_STRICT;
	kernel_rule(XPMEM_ACTION_ALLOW, -1, -1, true);
	kernel_rule(XPMEM_ACTION_DENY, 1000, -1, false);
	if (config(&cfg, "[Policy]\nDefaultMode=compat\n"))
		return;
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(!strcmp(k.log, "A- D- C "));
	CHECK(k.nrules == 0 && k.mode == XPMEM_MODE_COMPAT && !k.widened);
	xpmem_config_free(&cfg);
}

static void swapping_rules_never_widens(void)
{
	struct xpmem_config cfg;
	char err[512];

	reset_kernel();
	k.mode = XPMEM_MODE_STRICT;
	kernel_rule(XPMEM_ACTION_ALLOW, 1000, -1, false);
	kernel_rule(XPMEM_ACTION_DENY, -1, 1001, false);
	kernel_rule(XPMEM_ACTION_ALLOW, 1, 0, false);
	if (config(&cfg, "[Policy]\nDefaultMode=strict\n"
		    "[Rule]\nAction=allow\nPeerUser=1001\n"
		    "[Rule]\nAction=deny\nUser=1000\n"
		    "[Rule]\nAction=allow\nGroup=100\n"))
		return;
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(!strcmp(k.log, "D+ A- A- A+ A+ D- "));
	CHECK(same_rules_as(&cfg) && !k.widened);
	xpmem_config_free(&cfg);
}

static void the_widening_check_works(void)
{
	struct xpmem_ctl_policy compat = { .mode = XPMEM_MODE_COMPAT };
	struct xpmem_ctl before, after;

	XPMEM_CTL_SET(&compat, XPMEM_A_POLICY_MODE);
	/* a naive "reset, then add" would open everything for a moment */
	reset_kernel();
	k.mode = XPMEM_MODE_STRICT;
	kernel_rule(XPMEM_ACTION_ALLOW, -1, -1, true);
	before = after = k;
	k.before = &before;
	k.after = &after;
	xpmem_ctl_rule_del(&k, k.rules[0].id);
	xpmem_ctl_policy_set(&k, &compat);
	CHECK(k.widened);
	k.before = k.after = NULL;
}

static void the_widening_check_covers_the_settings(void)
{
	struct xpmem_ctl_policy all = { .visibility = XPMEM_VISIBILITY_ALL };
	struct xpmem_ctl_policy unlimited = { .default_max_segments = 0 };
	struct xpmem_ctl before, after;

	XPMEM_CTL_SET(&all, XPMEM_A_POLICY_VISIBILITY);
	XPMEM_CTL_SET(&unlimited, XPMEM_A_POLICY_DEFAULT_MAX_SEGMENTS);
	reset_kernel();
	before = after = k;
	k.before = &before;
	k.after = &after;
	xpmem_ctl_policy_set(&k, &all);
	CHECK(k.widened);
	reset_kernel();
	k.before = &before;
	k.after = &after;
	xpmem_ctl_policy_set(&k, &unlimited);
	CHECK(k.widened);
	k.before = k.after = NULL;
}

/* apply CFG's TEXT and expect the change log LOG, never wider on the way */
static void applies_as(const char *text, const char *log)
{
	struct xpmem_config cfg;
	char err[512];

	if (config(&cfg, text))
		return;
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(!strcmp(k.log, log));
	if (strcmp(k.log, log))
		printf("# log: \"%s\", want \"%s\"\n", k.log, log);
	CHECK(!k.widened);
	CHECK(k.mode == cfg.mode && k.visibility == cfg.visibility &&
	      k.default_max_segments == cfg.default_max_segments);
	xpmem_config_free(&cfg);
}

static void tightening_settings_come_before_the_rules_go(void)
{
	reset_kernel();
	k.visibility = XPMEM_VISIBILITY_ALL;
	k.default_max_segments = 0;
	kernel_rule(XPMEM_ACTION_ALLOW, 6, -1, false);
	applies_as("[Policy]\nDefaultMode=strict\nDefaultMaxSegments=100\n"
		   "[Rule]\nAction=deny\nUser=5\n", "D+ S V- L- A- ");
}

static void widening_settings_come_after_the_rules(void)
{
	reset_kernel();
	k.mode = XPMEM_MODE_STRICT;
	k.default_max_segments = 100;
	kernel_rule(XPMEM_ACTION_DENY, 5, -1, false);
	applies_as("[Policy]\nVisibility=all\nDefaultMaxSegments=infinity\n"
		   "[Rule]\nAction=allow\nUser=6\n", "A+ D- C V+ L+ ");
}

static void settings_moving_both_ways_split(void)
{
	reset_kernel();
	k.visibility = XPMEM_VISIBILITY_ALL;
	k.default_max_segments = 100;
	applies_as("[Policy]\nDefaultMaxSegments=200\n", "V- L+ ");
	applies_as("[Policy]\nVisibility=all\nDefaultMaxSegments=50\n", "L- V+ ");
	applies_as("[Policy]\nVisibility=all\nDefaultMaxSegments=50\n", "");
}

static void an_unlimited_max_segments_quota_differs_from_none(void)
{
	struct xpmem_ctl_quota q = { .uid = 5, .max_attached_bytes = 1024 };

	reset_kernel();
	XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_UID);
	XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES);
	xpmem_ctl_quota_set(&k, &q);
	applies_as("[Quota]\nUser=5\nMaxSegments=infinity\nMaxAttachedBytes=1K\n", "Q ");
	CHECK(k.nquotas == 1 && XPMEM_CTL_HAS(&k.quotas[0], XPMEM_A_QUOTA_MAX_SEGMENTS) &&
	      k.quotas[0].max_segments == 0);
	applies_as("[Quota]\nUser=5\nMaxSegments=infinity\nMaxAttachedBytes=1K\n", "");
	applies_as("[Quota]\nUser=5\nMaxAttachedBytes=1K\n", "Q ");
	CHECK(!XPMEM_CTL_HAS(&k.quotas[0], XPMEM_A_QUOTA_MAX_SEGMENTS));
}

static void identical_rules_count_as_many(void)
{
	struct xpmem_config cfg;
	char err[512];

	reset_kernel();
	kernel_rule(XPMEM_ACTION_ALLOW, 7, -1, false);
	if (config(&cfg, "[Rule]\nAction=allow\nUser=7\n[Rule]\nAction=allow\nUser=7\n"))
		return;
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(!strcmp(k.log, "A+ ") && k.nrules == 2);
	xpmem_config_free(&cfg);
}

static void quotas_are_made_exact(void)
{
	struct xpmem_ctl_quota q = { .uid = 5, .max_segments = 1 };
	struct xpmem_config cfg;
	char err[512];

	reset_kernel();
	XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_UID);
	XPMEM_CTL_SET(&q, XPMEM_A_QUOTA_MAX_SEGMENTS);
	xpmem_ctl_quota_set(&k, &q);			/* stale */
	q.uid = 6;
	xpmem_ctl_quota_set(&k, &q);			/* changes */
	q.uid = 7;
	q.max_mapped_pages = 3;
	xpmem_ctl_quota_set(&k, &q);			/* stays */
	if (config(&cfg, "[Quota]\nUser=6\nMaxAttachedBytes=1K\n"
		    "[Quota]\nUser=7\nMaxSegments=1\nMaxMappedPages=3\n"
		    "[Quota]\nUser=8\nMaxSegments=2\n"))
		return;
	k.ops = 0;
	CHECK(apply(&cfg, err, sizeof(err)) == 0);
	CHECK(!strcmp(k.log, "Q Q Q "));
	for (int i = 0; i < k.nquotas; i++) {
		const struct xpmem_ctl_quota *x = &k.quotas[i];

		bool segs = XPMEM_CTL_HAS(x, XPMEM_A_QUOTA_MAX_SEGMENTS);

		if (x->uid == 5)
			CHECK(!segs && !x->max_attached_bytes && !x->max_mapped_pages);
		if (x->uid == 6)
			CHECK(!segs && x->max_attached_bytes == 1024);
		if (x->uid == 7)
			CHECK(x->max_segments == 1 && x->max_mapped_pages == 3);
		if (x->uid == 8)
			CHECK(x->max_segments == 2);
	}
	CHECK(k.nquotas == 4);
	xpmem_config_free(&cfg);
}

static void a_refusal_names_the_rule_and_the_kernel_reason(void)
{
	struct xpmem_config cfg;
	char err[512] = "";

	reset_kernel();
	if (config(&cfg, "\n[Rule]\nAction=deny\nUser=3\n"))
		return;
	k.fail_at = 1;
	CHECK(xpmem_apply_policy(&k, &cfg, NULL, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "cannot add the rule of ") && strstr(err, "/xpmemd.conf:2: injected failure"));
	if (!strstr(err, "xpmemd.conf:2: injected failure"))
		printf("# err: %s\n", err);
	xpmem_config_free(&cfg);
}

/* ---- jobs -------------------------------------------------------------------- */

static struct xpmem_job_state job(uint64_t id, uint32_t uid, uint64_t cgid, const char *path)
{
	struct xpmem_job_state st;

	memset(&st, 0, sizeof(st));
	st.id = id;
	st.uid = uid;
	st.cgroup_id = cgid;
	snprintf(st.cgroup_path, sizeof(st.cgroup_path), "%s", path);
	st.max_segments = 3;
	return st;
}

static void jobs_register_by_cgroup_id(void)
{
	struct xpmem_job_state st = job(7, 1000, 42, "");
	char err[256];

	reset_kernel();
	CHECK(xpmem_apply_job(&k, &st, "/nonexistent", err, sizeof(err)) == 0);
	CHECK(k.njobs == 1 && k.jobs[0].id == 7 && k.jobs[0].cgroup_id == 42);
	CHECK(k.jobs[0].max_segments == 3 &&
	      XPMEM_CTL_HAS(&k.jobs[0], XPMEM_A_JOB_MAX_ATTACHED_BYTES));
	/* again: idempotent */
	CHECK(xpmem_apply_job(&k, &st, "/nonexistent", err, sizeof(err)) == 0 && k.njobs == 1);
}

static void jobs_with_a_vanished_cgroup_are_stale(void)
{
	struct xpmem_job_state st = job(8, 1000, GONE | 5, "");
	char err[256] = "";

	reset_kernel();
	CHECK(xpmem_apply_job(&k, &st, "/", err, sizeof(err)) == -ESTALE);
	CHECK(strstr(err, "job 8: cgroup") && strstr(err, "no longer exists"));
	st = job(8, 1000, GONE | 5, "no-such-dir-xpmem");
	CHECK(xpmem_apply_job(&k, &st, tmpdir, err, sizeof(err)) == -ESTALE);
	CHECK(k.njobs == 0);
}

static void jobs_wait_for_a_missing_directory(void)
{
	struct xpmem_job_state st = job(9, 1000, 0, "job_9");
	char err[256];

	reset_kernel();
	CHECK(xpmem_apply_job(&k, &st, tmpdir, err, sizeof(err)) == 1);
	st = job(9, 1000, 0, "/nonexistent/xpmem/job_9");
	CHECK(xpmem_apply_job(&k, &st, tmpdir, err, sizeof(err)) == 1);
	CHECK(k.njobs == 0);
}

static void jobs_need_a_cgroup2_directory(void)
{
	struct xpmem_job_state st = job(10, 1000, 0, tmpdir);
	char err[256] = "";

	reset_kernel();
	CHECK(xpmem_apply_job(&k, &st, "/", err, sizeof(err)) == -EMEDIUMTYPE);
	CHECK(strstr(err, "not a cgroup v2 directory") != NULL);
}

static void jobs_conflicts_carry_the_kernel_message(void)
{
	struct xpmem_job_state st = job(11, 1000, 2, "");
	char err[256] = "";

	reset_kernel();
	CHECK(xpmem_apply_job(&k, &st, "/", err, sizeof(err)) == 0);
	st.uid = 1001;
	CHECK(xpmem_apply_job(&k, &st, "/", err, sizeof(err)) == -EEXIST);
	CHECK(strstr(err, "cannot register job 11: job registered with another uid or cgroup"));
}

/* The cgroup2 mount point, from /proc/self/mountinfo; "" if none. */
static void cgroup2_mount(char *buf, size_t len)
{
	char line[1024], *sep, *f[5], *save = NULL;
	FILE *mi = fopen("/proc/self/mountinfo", "r");

	buf[0] = '\0';
	while (mi && fgets(line, sizeof(line), mi)) {
		sep = strstr(line, " - cgroup2 ");
		if (!sep)
			continue;
		*sep = '\0';
		for (int i = 0; i < 5; i++)
			f[i] = strtok_r(i ? NULL : line, " ", &save);
		if (f[4])
			snprintf(buf, len, "%s", f[4]);
		break;
	}
	if (mi)
		fclose(mi);
}

static void jobs_resolve_paths_on_cgroup2(void)
{
	char root[PATH_MAX - 64], child[PATH_MAX];
	struct xpmem_job_state st;
	struct stat sb;
	char err[256];
	uint64_t id;

	cgroup2_mount(root, sizeof(root));
	snprintf(child, sizeof(child), "%s/xpmemd-test-%d", root, (int)getpid());
	if (!root[0] || mkdir(child, 0755) < 0) {
		printf("# SKIP part: no writable cgroup2 mount (%s)\n", root[0] ? root : "none");
		return;
	}
	CHECK(stat(child, &sb) == 0);
	CHECK(xpmem_cgroup_id(root, child + strlen(root) + 1, &id) == 0 &&
	      id == (uint64_t)sb.st_ino);
	reset_kernel();
	st = job(12, 1000, 0, child);
	CHECK(xpmem_apply_job(&k, &st, "/", err, sizeof(err)) == 0);
	CHECK(st.cgroup_id == (uint64_t)sb.st_ino && k.jobs[0].cgroup_id == st.cgroup_id);
	/* the id in the file is gone, but the path names a live cgroup */
	reset_kernel();
	st = job(13, 1000, GONE | 1, child);
	CHECK(xpmem_apply_job(&k, &st, "/", err, sizeof(err)) == 0);
	CHECK(st.cgroup_id == (uint64_t)sb.st_ino);
	rmdir(child);
}

int main(void)
{
	char cmd[PATH_MAX];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	run("apply_from_scratch_denies_come_first", from_scratch_denies_come_first);
	run("apply_twice_changes_nothing", applying_twice_changes_nothing);
	run("apply_foreign_rules_go_and_kept_rules_keep_their_ids",
	    foreign_rules_go_and_kept_rules_keep_their_ids);
	run("apply_relaxing_to_compat_happens_last", relaxing_to_compat_happens_last);
	run("apply_swapping_rules_never_widens", swapping_rules_never_widens);
	run("apply_the_widening_check_works", the_widening_check_works);
	run("apply_the_widening_check_covers_the_settings", the_widening_check_covers_the_settings);
	run("apply_tightening_settings_come_before_the_rules_go",
	    tightening_settings_come_before_the_rules_go);
	run("apply_widening_settings_come_after_the_rules", widening_settings_come_after_the_rules);
	run("apply_settings_moving_both_ways_split", settings_moving_both_ways_split);
	run("apply_an_unlimited_max_segments_quota_differs_from_none",
	    an_unlimited_max_segments_quota_differs_from_none);
	run("apply_identical_rules_count_as_many", identical_rules_count_as_many);
	run("apply_quotas_are_made_exact", quotas_are_made_exact);
	run("apply_a_refusal_names_the_rule_and_the_kernel_reason",
	    a_refusal_names_the_rule_and_the_kernel_reason);
	run("apply_jobs_register_by_cgroup_id", jobs_register_by_cgroup_id);
	run("apply_jobs_with_a_vanished_cgroup_are_stale", jobs_with_a_vanished_cgroup_are_stale);
	run("apply_jobs_wait_for_a_missing_directory", jobs_wait_for_a_missing_directory);
	run("apply_jobs_need_a_cgroup2_directory", jobs_need_a_cgroup2_directory);
	run("apply_jobs_conflicts_carry_the_kernel_message", jobs_conflicts_carry_the_kernel_message);
	run("apply_jobs_resolve_paths_on_cgroup2", jobs_resolve_paths_on_cgroup2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return failed;
}
