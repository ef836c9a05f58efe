// SPDX-License-Identifier: GPL-2.0
/*
 * apply_test.c - host tests of xpmemd/apply.c against a fake kernel (the
 * xpmem_ctl_* calls it makes are defined here, with the kernel's rule
 * semantics), and of the job state files (xpmemd/jobstate.c).
 *
 * The fake kernel checks after every change that the policy in force is
 * never more permissive than both the old and the new policy, over a small
 * universe of accessors, groups, exporters and same-job pairs.
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
#include "xpmem_control.h"
#include "tap.h"

static char tmpdir[] = "/tmp/xpmemd-apply-test.XXXXXX";


/* ---- the fake kernel ---------------------------------------------------------- */

struct xpmem_ctl {
	uint32_t mode;
	struct xpmem_ctl_rule rules[64];
	int nrules;
	uint32_t next_id;
	struct xpmem_ctl_quota quotas[16];
	int nquotas;
	struct xpmem_ctl_job jobs[8];
	int njobs;
	int ops;			/* changes made */
	int fail_at;			/* make change number N fail (1-based) */
	char log[1024];			/* "D+ S A- A+ D- C Q" ... */
	struct xpmem_ctl_error err;
	/* the permissiveness check */
	struct xpmem_ctl *before, *after;
	bool widened;
};

static struct xpmem_ctl k;

static const uint32_t uids[] = { 0, 1, 1000, 1001, 65534 };
static const uint32_t gids[] = { 0, 100, 200 };

static bool matches(const struct xpmem_ctl_rule *r, uint32_t uid, uint32_t gid,
		    uint32_t peer, bool same_job)
{
	return (!XPMEM_CTL_HAS(r, XPMEM_A_RULE_UID) || r->uid == uid) &&
	       (!XPMEM_CTL_HAS(r, XPMEM_A_RULE_GID) || r->gid == gid) &&
	       (!XPMEM_CTL_HAS(r, XPMEM_A_RULE_PEER_UID) || r->peer_uid == peer) &&
	       (!r->same_job || same_job);
}

/* The kernel's xpmem_policy_check(), for one accessor with one group. */
static bool allows(const struct xpmem_ctl *s, uint32_t uid, uint32_t gid, uint32_t peer,
		   bool same_job)
{
	for (int i = 0; i < s->nrules; i++)
		if (s->rules[i].action == XPMEM_ACTION_DENY &&
		    matches(&s->rules[i], uid, gid, peer, same_job))
			return false;
	if (uid == peer || s->mode == XPMEM_MODE_COMPAT)
		return true;
	for (int i = 0; i < s->nrules; i++)
		if (s->rules[i].action == XPMEM_ACTION_ALLOW &&
		    matches(&s->rules[i], uid, gid, peer, same_job))
			return true;
	return false;
}

static void check_not_wider(void)
{
	if (!k.before || !k.after)
		return;
	for (size_t a = 0; a < sizeof(uids) / sizeof(uids[0]); a++)
		for (size_t g = 0; g < sizeof(gids) / sizeof(gids[0]); g++)
			for (size_t p = 0; p < sizeof(uids) / sizeof(uids[0]); p++)
				for (int j = 0; j < 2; j++)
					if (allows(&k, uids[a], gids[g], uids[p], j) &&
					    !allows(k.before, uids[a], gids[g], uids[p], j) &&
					    !allows(k.after, uids[a], gids[g], uids[p], j))
						k.widened = true;
}

/* Count one change; false if it is the one that must fail. */
static bool change(const char *what)
{
	if (++k.ops == k.fail_at) {
		k.err.err = -EINVAL;
		snprintf(k.err.kmsg, sizeof(k.err.kmsg), "injected failure");
		return false;
	}
	memset(&k.err, 0, sizeof(k.err));
	strncat(k.log, what, sizeof(k.log) - strlen(k.log) - 1);
	return true;
}

const struct xpmem_ctl_error *xpmem_ctl_last_error(const struct xpmem_ctl *ctl)
{
	return &ctl->err;
}

int xpmem_ctl_policy_get(struct xpmem_ctl *ctl, struct xpmem_ctl_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = ctl->mode;
	out->rules = (uint32_t)ctl->nrules;
	out->jobs = (uint32_t)ctl->njobs;
	return 0;
}

int xpmem_ctl_policy_set(struct xpmem_ctl *ctl, uint32_t mode)
{
	if (!change(mode == XPMEM_MODE_STRICT ? "S " : "C "))
		return -EINVAL;
	ctl->mode = mode;
	check_not_wider();
	return 0;
}

int xpmem_ctl_rules(struct xpmem_ctl *ctl, xpmem_ctl_rule_cb cb, void *arg)
{
	int ret;

	for (int i = 0; i < ctl->nrules; i++)
		if ((ret = cb(&ctl->rules[i], arg)))
			return ret;
	return 0;
}

int xpmem_ctl_rule_add(struct xpmem_ctl *ctl, const struct xpmem_ctl_rule *rule, uint32_t *id)
{
	struct xpmem_ctl_rule *r = &ctl->rules[ctl->nrules];

	if (!change(rule->action == XPMEM_ACTION_DENY ? "D+ " : "A+ "))
		return -EINVAL;
	*r = *rule;
	r->has &= 1u << XPMEM_A_RULE_UID | 1u << XPMEM_A_RULE_GID | 1u << XPMEM_A_RULE_PEER_UID;
	r->has |= 1u << XPMEM_A_RULE_ID | 1u << XPMEM_A_RULE_ACTION;
	r->id = ++ctl->next_id;
	r->hits = 0;
	ctl->nrules++;
	if (id)
		*id = r->id;
	check_not_wider();
	return 0;
}

int xpmem_ctl_rule_del(struct xpmem_ctl *ctl, uint32_t id)
{
	for (int i = 0; i < ctl->nrules; i++) {
		if (ctl->rules[i].id != id)
			continue;
		if (!change(ctl->rules[i].action == XPMEM_ACTION_DENY ? "D- " : "A- "))
			return -EINVAL;
		memmove(&ctl->rules[i], &ctl->rules[i + 1],
			(size_t)(ctl->nrules - i - 1) * sizeof(ctl->rules[0]));
		ctl->nrules--;
		check_not_wider();
		return 0;
	}
	return -ENOENT;
}

int xpmem_ctl_quotas(struct xpmem_ctl *ctl, xpmem_ctl_quota_cb cb, void *arg)
{
	int ret;

	for (int i = 0; i < ctl->nquotas; i++)
		if ((ret = cb(&ctl->quotas[i], arg)))
			return ret;
	return 0;
}

int xpmem_ctl_quota_set(struct xpmem_ctl *ctl, const struct xpmem_ctl_quota *q)
{
	int i;

	if (!change("Q "))
		return -EINVAL;
	for (i = 0; i < ctl->nquotas; i++)
		if (ctl->quotas[i].uid == q->uid)
			break;
	if (i == ctl->nquotas)
		ctl->nquotas++;
	ctl->quotas[i] = *q;
	return 0;
}

int xpmem_ctl_jobs(struct xpmem_ctl *ctl, xpmem_ctl_job_cb cb, void *arg)
{
	int ret;

	for (int i = 0; i < ctl->njobs; i++)
		if ((ret = cb(&ctl->jobs[i], arg)))
			return ret;
	return 0;
}

/* cgroup ids with this bit are gone (-ENOENT, as cgroup_get_from_id) */
#define GONE	(1ULL << 62)

int xpmem_ctl_job_add(struct xpmem_ctl *ctl, const struct xpmem_ctl_job *job)
{
	int i;

	memset(&ctl->err, 0, sizeof(ctl->err));
	if (job->cgroup_id & GONE) {
		ctl->err.err = -ENOENT;
		snprintf(ctl->err.kmsg, sizeof(ctl->err.kmsg), "no cgroup v2 directory with this id");
		return -ENOENT;
	}
	for (i = 0; i < ctl->njobs; i++) {
		if (ctl->jobs[i].id != job->id)
			continue;
		if (ctl->jobs[i].uid != job->uid || ctl->jobs[i].cgroup_id != job->cgroup_id) {
			ctl->err.err = -EEXIST;
			snprintf(ctl->err.kmsg, sizeof(ctl->err.kmsg),
				 "job registered with another uid or cgroup");
			return -EEXIST;
		}
		break;
	}
	if (i == ctl->njobs)
		ctl->njobs++;
	ctl->jobs[i] = *job;
	return 0;
}

/* ---- helpers ----------------------------------------------------------------- */

static void reset_kernel(void)
{
	memset(&k, 0, sizeof(k));
	k.mode = XPMEM_MODE_COMPAT;
}

static void kernel_rule(uint32_t action, int uid, int peer, bool same_job)
{
	struct xpmem_ctl_rule r = { .action = action, .same_job = same_job };

	if (uid >= 0) {
		r.uid = (uint32_t)uid;
		XPMEM_CTL_SET(&r, XPMEM_A_RULE_UID);
	}
	if (peer >= 0) {
		r.peer_uid = (uint32_t)peer;
		XPMEM_CTL_SET(&r, XPMEM_A_RULE_PEER_UID);
	}
	xpmem_ctl_rule_add(&k, &r, NULL);
}

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
	struct xpmem_ctl before, after;

	/* a naive "reset, then add" would open everything for a moment */
	reset_kernel();
	k.mode = XPMEM_MODE_STRICT;
	kernel_rule(XPMEM_ACTION_ALLOW, -1, -1, true);
	before = after = k;
	k.before = &before;
	k.after = &after;
	xpmem_ctl_rule_del(&k, k.rules[0].id);
	xpmem_ctl_policy_set(&k, XPMEM_MODE_COMPAT);
	CHECK(k.widened);
	k.before = k.after = NULL;
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

		if (x->uid == 5)
			CHECK(!x->max_segments && !x->max_attached_bytes && !x->max_mapped_pages);
		if (x->uid == 6)
			CHECK(!x->max_segments && x->max_attached_bytes == 1024);
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
