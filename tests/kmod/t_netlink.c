// SPDX-License-Identifier: GPL-2.0
/*
 * t_netlink.c - the "xpmem" generic netlink family, spoken raw (nlraw.c):
 * dumps, extended ACKs, privilege checks, the site policy at GET across
 * uids and jobs, quotas, revocation and events. Who may read what is
 * t_visibility.c's; the default segment limit is t_limits.c's.
 *
 * Policy is global: every test starts from reset-policy and leaves no job.
 */
#define TEST_ORDER 80

#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xpmem.h>

#include "harness.h"
#include "nlpolicy.h"
#include "xp.h"

#define EXPORTER_UID	1000
#define ACCESSOR_UID	1001

static struct nl_msgbuf m;
static struct nl_reply r;

static int take_mode(const struct nl_attrs *a, void *arg)
{
	if (a->a[XPMEM_A_POLICY_MODE])
		*(int *)arg = nla_u32(a->a[XPMEM_A_POLICY_MODE]);
	return 0;
}

static int xpmem_policy_mode_now(void)
{
	int mode = -1, fd = nl_open();

	nl_start(&m, XPMEM_NL_CMD_GET_POLICY);
	CHECK_EQ(nl_call(fd, &m, 0, take_mode, &mode, &r), 0);
	close(fd);
	return mode;
}

/* an exporter process of @uid with a 4-page pattern buffer, mode @mode */
static pid_t export_as(uid_t uid, int mode, struct chan *ch,
		       xpmem_segid_t *segid, const char *cgroup)
{
	pid_t pid = fork_peer(ch);

	if (pid == 0) {
		char *buf;

		if (cgroup)
			join_cgroup(cgroup);
		drop_privileges(uid, uid, NULL, 0);
		buf = mmap(NULL, PAGES(4), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pat_fill(buf, 0, PAGES(4), 7);
		send_u64(ch, make_ok(buf, PAGES(4), mode));
		recv_u64(ch);
		peer_exit(0);
	}
	*segid = recv_u64(ch);
	return pid;
}

static void stop_peer(struct chan *ch, pid_t pid)
{
	send_u64(ch, 0);
	WAIT_OK(pid);
	chan_close(ch);
}

/* GET as another uid (and cgroup); 0 or the errno */
static int get_as(uid_t uid, xpmem_segid_t segid, int flags, const char *cgroup)
{
	pid_t pid = fork_plain();
	int st;

	if (pid == 0) {
		if (cgroup)
			join_cgroup(cgroup);
		drop_privileges(uid, uid, NULL, 0);
		_exit(xpmem_get(segid, flags, XPMEM_PERMIT_MODE, NULL) == -1 ?
		      errno : 0);
	}
	st = wait_status(pid);
	CHECK(WIFEXITED(st), "%s", describe_status(st));
	return WEXITSTATUS(st);
}

TEST(family_is_registered_with_an_events_group)
{
	CHECK(nl_family() > 0, "family id %d", nl_family());
	CHECK(nl_events_group() > 0, "events group id %d", nl_events_group());
}

static int count_stats(const struct nl_attrs *a, void *arg)
{
	uint64_t *segments = arg;

	if (a->a[XPMEM_A_STATS_SCOPE] &&
	    nla_u32(a->a[XPMEM_A_STATS_SCOPE]) == XPMEM_SCOPE_GLOBAL)
		*segments = nla_u64(a->a[XPMEM_A_STATS_SEGMENTS]);
	return 0;
}

TEST(stats_count_live_segments)
{
	char *buf = mmap(NULL, PAGES(3), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	uint64_t before = 0, after = 0;
	int fd = nl_open();

	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_GET_STATS);
	CHECK_EQ(nl_call(fd, &m, 0, count_stats, &before, &r), 0);
	for (int i = 0; i < 3; i++)
		make_ok(buf + PAGES(i), PAGES(1), 0600);
	nl_start(&m, XPMEM_NL_CMD_GET_STATS);
	CHECK_EQ(nl_call(fd, &m, 0, count_stats, &after, &r), 0);
	CHECK_EQ(after, before + 3);
	close(fd);
}

/* the eight counters of a stats line, in attribute order */
#define STATS_COUNTERS	8

struct stats_sum {
	uint64_t global[STATS_COUNTERS], uids[STATS_COUNTERS];
	int global_lines, uid_lines;
};

static int sum_stats(const struct nl_attrs *a, void *arg)
{
	struct stats_sum *s = arg;
	uint64_t *to;

	if (!a->a[XPMEM_A_STATS_SCOPE])
		return 0;
	switch (nla_u32(a->a[XPMEM_A_STATS_SCOPE])) {
	case XPMEM_SCOPE_GLOBAL:
		s->global_lines++;
		to = s->global;
		break;
	case XPMEM_SCOPE_UID:
		s->uid_lines++;
		to = s->uids;
		break;
	default:
		return 0;
	}
	for (int i = 0; i < STATS_COUNTERS; i++)
		if (a->a[XPMEM_A_STATS_SEGMENTS + i])
			to[i] += nla_u64(a->a[XPMEM_A_STATS_SEGMENTS + i]);
	return 0;
}

/* no global counter of its own: the uids' counters, added up */
TEST(stats_global_counters_are_the_sum_of_every_uids)
{
	static const char *const names[STATS_COUNTERS] = {
		"segments", "permits", "attachments", "attached bytes",
		"mapped pages", "faults", "denials", "quota hits",
	};
	struct ex_opts o = { .pages = 4, .mode = 0644, .seed = 3, .drop = true,
			     .uid = EXPORTER_UID, .gid = EXPORTER_UID };
	struct stats_sum s = { 0 };
	struct exporter ex;
	int fd = nl_open();
	char *p;

	reset_policy();
	exporter_start(&ex, &o);
	/* root's permit, attachment and faults on the exporter's segment */
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0, PAGES(4));
	CHECK_PATTERN(p, 0, PAGES(4), 3);
	nl_start(&m, XPMEM_NL_CMD_GET_STATS);
	CHECK_EQ(nl_call(fd, &m, 1, sum_stats, &s, &r), 0);
	CHECK_EQ(s.global_lines, 1);
	CHECK(s.uid_lines >= 2, "%d uid lines, expected root's and %d's",
	      s.uid_lines, EXPORTER_UID);
	for (int i = 0; i < STATS_COUNTERS; i++)
		CHECK(s.global[i] == s.uids[i], "global %s %llu, the uids' %llu",
		      names[i], (unsigned long long)s.global[i],
		      (unsigned long long)s.uids[i]);
	CHECK(s.global[0] && s.global[1] && s.global[2] && s.global[5],
	      "a counter stayed 0: nothing was summed");
	detach_ok(p);
	exporter_quit(&ex);
	close(fd);
}

struct seen {
	xpmem_segid_t *ids;
	char *found;
	int n, ours, foreign_uid;
};

static int cmp_id(const void *a, const void *b)
{
	xpmem_segid_t x = *(const xpmem_segid_t *)a, y = *(const xpmem_segid_t *)b;

	return x < y ? -1 : x > y;
}

static int note_segment(const struct nl_attrs *a, void *arg)
{
	struct seen *s = arg;
	xpmem_segid_t id, *hit;

	if (nla_u32(a->a[XPMEM_A_SEGMENT_UID]) != geteuid())
		s->foreign_uid++;
	if (nla_u32(a->a[XPMEM_A_SEGMENT_PID]) != (uint32_t)getpid())
		return 0;
	id = nla_u64(a->a[XPMEM_A_SEGMENT_SEGID]);
	hit = bsearch(&id, s->ids, s->n, sizeof(id), cmp_id);
	if (hit && !s->found[hit - s->ids]++)
		s->ours++;
	return 0;
}

TEST_EX(dump_of_10000_segments_is_complete_and_consistent, T_HEAVY, 240)
{
	struct seen s = { .n = 10000 };
	char *area = mmap(NULL, PAGES(s.n), PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int fd = nl_open();

	reset_policy();
	set_quota(0, 0, 0, 0);		/* root past default-max-segments */
	s.ids = calloc(s.n, sizeof(*s.ids));
	s.found = calloc(s.n, 1);
	for (int i = 0; i < s.n; i++)
		s.ids[i] = make_ok(area + PAGES(i), PAGES(1), 0600);
	qsort(s.ids, s.n, sizeof(*s.ids), cmp_id);
	nl_start(&m, XPMEM_NL_CMD_GET_SEGMENTS);
	CHECK_EQ(nl_call(fd, &m, 1, note_segment, &s, &r), 0);
	CHECK_EQ(s.ours, s.n);
	CHECK(!r.interrupted, "the dump was marked inconsistent");
	CHECK(r.messages >= s.n, "%d messages", r.messages);
	close(fd);
}

TEST(unknown_attribute_is_rejected_with_extack)
{
	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
	nl_put_u32(&m, XPMEM_A_POLICY_MODE, XPMEM_MODE_STRICT);
	nl_put_u32(&m, XPMEM_A_POLICY_MAX + 5, 1);
	CHECK_EQ(nl_do(&m, &r), -EINVAL);
	CHECK(r.extack[0], "no extack message");
	note("kernel says: %s", r.extack);
}

TEST(attribute_of_the_wrong_size_is_rejected_with_extack)
{
	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
	nl_put_u8(&m, XPMEM_A_POLICY_MODE, XPMEM_MODE_STRICT);
	CHECK(nl_do(&m, &r) < 0);
	CHECK(r.extack[0], "no extack message for %s", errname(-r.error));
}

TEST(out_of_range_mode_is_rejected_with_extack)
{
	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
	nl_put_u32(&m, XPMEM_A_POLICY_MODE, 7);
	CHECK(nl_do(&m, &r) < 0);
	CHECK(r.extack[0], "no extack message for %s", errname(-r.error));
}

TEST(missing_attribute_is_reported_by_type)
{
	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_ADD_JOB);
	nl_put_u64(&m, XPMEM_A_JOB_ID, 1);
	nl_put_u32(&m, XPMEM_A_JOB_UID, 0);
	CHECK_EQ(nl_do(&m, &r), -EINVAL);
	CHECK_EQ(r.miss_type, XPMEM_A_JOB_CGROUP_ID);
}

TEST(dump_with_request_attributes_is_rejected)
{
	int fd = nl_open();

	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_GET_SEGMENTS);
	nl_put_u64(&m, XPMEM_A_SEGMENT_SEGID, 1);
	CHECK_EQ(nl_call(fd, &m, 1, NULL, NULL, &r), -EINVAL);
	close(fd);
}

TEST(unprivileged_user_cannot_change_policy)
{
	pid_t pid;

	reset_policy();
	pid = fork_plain();
	if (pid == 0) {
		drop_privileges(65534, 65534, NULL, 0);
		nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
		nl_put_u32(&m, XPMEM_A_POLICY_MODE, XPMEM_MODE_STRICT);
		_exit(nl_do(&m, &r) == -EPERM ? 0 : 1);
	}
	WAIT_OK(pid);
	CHECK_EQ(xpmem_policy_mode_now(), XPMEM_MODE_COMPAT);
}

TEST(unprivileged_user_cannot_join_the_events_group)
{
	int group = nl_events_group();
	pid_t pid;

	reset_policy();
	pid = fork_plain();
	if (pid == 0) {
		int fd;

		drop_privileges(65534, 65534, NULL, 0);
		fd = nl_open();
		_exit(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
				 sizeof(group)) == -1 && errno == EPERM ? 0 : 1);
	}
	WAIT_OK(pid);
}

TEST(strict_mode_denies_a_cross_uid_get_the_mode_bits_allow)
{
	xpmem_segid_t segid;
	struct chan ch;
	pid_t pid;

	require_world_usable_device();
	reset_policy();
	pid = export_as(EXPORTER_UID, 0666, &ch, &segid, NULL);
	CHECK_EQ(get_as(ACCESSOR_UID, segid, XPMEM_RDONLY, NULL), 0);
	set_mode(XPMEM_MODE_STRICT);
	CHECK_EQ(get_as(ACCESSOR_UID, segid, XPMEM_RDONLY, NULL), EACCES);
	CHECK_EQ(get_as(EXPORTER_UID, segid, XPMEM_RDWR, NULL), 0);
	reset_policy();
	stop_peer(&ch, pid);
}

TEST(allow_rule_for_the_accessor_uid_admits_it_in_strict_mode)
{
	xpmem_segid_t segid;
	struct chan ch;
	pid_t pid;

	require_world_usable_device();
	reset_policy();
	pid = export_as(EXPORTER_UID, 0666, &ch, &segid, NULL);
	set_mode(XPMEM_MODE_STRICT);
	add_rule(XPMEM_ACTION_ALLOW, ACCESSOR_UID, NO_ID, false);
	CHECK_EQ(get_as(ACCESSOR_UID, segid, XPMEM_RDWR, NULL), 0);
	CHECK_EQ(get_as(ACCESSOR_UID + 1, segid, XPMEM_RDWR, NULL), EACCES);
	reset_policy();
	stop_peer(&ch, pid);
}

TEST(deny_rule_refuses_even_in_compat_mode)
{
	xpmem_segid_t segid;
	struct chan ch;
	pid_t pid;

	require_world_usable_device();
	reset_policy();
	pid = export_as(EXPORTER_UID, 0666, &ch, &segid, NULL);
	add_rule(XPMEM_ACTION_DENY, NO_ID, EXPORTER_UID, false);
	CHECK_EQ(get_as(ACCESSOR_UID, segid, XPMEM_RDONLY, NULL), EACCES);
	reset_policy();
	CHECK_EQ(get_as(ACCESSOR_UID, segid, XPMEM_RDONLY, NULL), 0);
	stop_peer(&ch, pid);
}

TEST(same_job_rule_admits_two_processes_of_one_job_only)
{
	char job[256], a[300], b[300], other[300];
	xpmem_segid_t segid;
	struct chan ch;
	pid_t pid;

	require_world_usable_device();
	reset_policy();
	cgroup_dir("xpmem-job-77", job, sizeof(job));
	snprintf(a, sizeof(a), "%s/a", job);
	snprintf(b, sizeof(b), "%s/b", job);
	cgroup_dir("xpmem-other", other, sizeof(other));
	mkdir(a, 0755);
	mkdir(b, 0755);
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, 77, EXPORTER_UID,
			     cgroup_id_of(job), &r), 0);
	set_mode(XPMEM_MODE_STRICT);
	add_rule(XPMEM_ACTION_ALLOW, NO_ID, NO_ID, true);
	pid = export_as(EXPORTER_UID, 0666, &ch, &segid, a);
	CHECK_EQ(get_as(ACCESSOR_UID, segid, XPMEM_RDWR, b), 0);
	CHECK_EQ(get_as(ACCESSOR_UID, segid, XPMEM_RDWR, other), EACCES);
	stop_peer(&ch, pid);
	CHECK_EQ(job_request(XPMEM_NL_CMD_DEL_JOB, 77, 0, 0, &r), 0);
	reset_policy();
}

TEST(segment_quota_refuses_make_with_edquot)
{
	pid_t pid;

	require_world_usable_device();
	reset_policy();
	set_quota(EXPORTER_UID, 2, 0, 0);
	pid = fork_plain();
	if (pid == 0) {
		char *buf = mmap(NULL, PAGES(3), PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		drop_privileges(EXPORTER_UID, EXPORTER_UID, NULL, 0);
		make_ok(buf, PAGES(1), 0600);
		make_ok(buf + PAGES(1), PAGES(1), 0600);
		CHECK_ERRNO(xpmem_make(buf + PAGES(2), PAGES(1), XPMEM_PERMIT_MODE,
				       (void *)0600), EDQUOT);
		peer_exit(0);
	}
	WAIT_OK(pid);
	reset_policy();
}

TEST(attached_bytes_quota_refuses_attach_with_edquot)
{
	xpmem_segid_t segid;
	struct chan ch;
	pid_t pid, acc;

	require_world_usable_device();
	reset_policy();
	pid = export_as(EXPORTER_UID, 0666, &ch, &segid, NULL);
	set_quota(ACCESSOR_UID, 0, PAGES(2), 0);
	acc = fork_plain();
	if (acc == 0) {
		struct xpmem_addr addr = { 0, 0 };

		drop_privileges(ACCESSOR_UID, ACCESSOR_UID, NULL, 0);
		addr.apid = get_ok(segid, XPMEM_RDONLY);
		CHECK(xpmem_attach(addr, PAGES(4), NULL) == MAP_FAILED &&
		      errno == EDQUOT, "errno %s", errname(errno));
		attach_ok(addr.apid, 0, PAGES(2));
		peer_exit(0);
	}
	WAIT_OK(acc);
	reset_policy();
	stop_peer(&ch, pid);
}

/*
 * An accessor with a 2-page mapped-pages quota attaches 4 pages (flags:
 * xpmem_attach2's) of a segment of another uid: the first 2 read, the
 * fourth is SIGBUS.
 */
static void attach_past_a_page_quota(int flags)
{
	xpmem_segid_t segid;
	struct chan ch;
	pid_t pid, acc;

	require_world_usable_device();
	reset_policy();
	pid = export_as(EXPORTER_UID, 0666, &ch, &segid, NULL);
	set_quota(ACCESSOR_UID, 0, 0, 2);
	acc = fork_plain();
	if (acc == 0) {
		struct xpmem_addr addr = { 0, 0 };
		char *p;

		drop_privileges(ACCESSOR_UID, ACCESSOR_UID, NULL, 0);
		addr.apid = get_ok(segid, XPMEM_RDONLY);
		p = xpmem_attach2(addr, PAGES(4), NULL, flags);
		CHECK(p != MAP_FAILED, "xpmem_attach2: %s", errname(errno));
		CHECK_PATTERN(p, 0, PAGES(2), 7);
		CHECK_READ_SIGNALS(p + PAGES(3), SIGBUS);
		peer_exit(0);
	}
	WAIT_OK(acc);
	reset_policy();
	stop_peer(&ch, pid);
}

TEST(mapped_pages_quota_raises_sigbus_beyond_it)
{
	attach_past_a_page_quota(0);
}

/* populate is advisory: the quota ends it, the attach and faults go on */
TEST(attach_populate_past_a_mapped_pages_quota_attaches_and_maps_on_touch)
{
	attach_past_a_page_quota(XPMEM_ATTACH_POPULATE);
}

static int take_count(const struct nl_attrs *a, void *arg)
{
	if (a->a[XPMEM_A_REVOKE_COUNT])
		*(uint32_t *)arg = nla_u32(a->a[XPMEM_A_REVOKE_COUNT]);
	return 0;
}

TEST(revoke_of_a_segid_gives_attachers_sigbus)
{
	char *buf = mmap(NULL, PAGES(2), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	xpmem_segid_t segid;
	uint32_t count = 0;
	char *p;
	int fd = nl_open();

	reset_policy();
	pat_fill(buf, 0, PAGES(2), 3);
	segid = make_ok(buf, PAGES(2), 0600);
	p = attach_ok(get_ok(segid, XPMEM_RDONLY), 0, PAGES(2));
	CHECK_PATTERN(p, 0, PAGES(2), 3);
	nl_start(&m, XPMEM_NL_CMD_REVOKE);
	nl_put_u64(&m, XPMEM_A_REVOKE_SEGID, segid);
	CHECK_EQ(nl_call(fd, &m, 0, take_count, &count, &r), 0);
	CHECK_EQ(count, 1);
	CHECK_READ_SIGNALS(p, SIGBUS);
	CHECK_ERRNO(xpmem_get(segid, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL), ENOENT);
	close(fd);
}

TEST(revoke_of_an_unknown_segid_is_enoent_with_extack)
{
	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_REVOKE);
	nl_put_u64(&m, XPMEM_A_REVOKE_SEGID, 12345);
	CHECK_EQ(nl_do(&m, &r), -ENOENT);
	CHECK(r.extack[0], "no extack message");
}

TEST(revoke_needs_exactly_one_selector)
{
	reset_policy();
	nl_start(&m, XPMEM_NL_CMD_REVOKE);
	nl_put_u32(&m, XPMEM_A_REVOKE_PID, 1);
	nl_put_u32(&m, XPMEM_A_REVOKE_UID, 1);
	CHECK_EQ(nl_do(&m, &r), -EINVAL);
	CHECK(r.extack[0], "no extack message");
}

TEST(add_job_twice_and_del_job_of_an_absent_job_succeed)
{
	char job[256];

	reset_policy();
	cgroup_dir("xpmem-job-5", job, sizeof(job));
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, 5, 0, cgroup_id_of(job), &r), 0);
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, 5, 0, cgroup_id_of(job), &r), 0);
	CHECK_EQ(job_request(XPMEM_NL_CMD_DEL_JOB, 5, 0, 0, &r), 0);
	CHECK_EQ(job_request(XPMEM_NL_CMD_DEL_JOB, 5, 0, 0, &r), 0);
}

TEST(add_job_with_an_unknown_cgroup_is_enoent_with_extack)
{
	reset_policy();
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, 6, 0, 0x7fffffffffULL, &r),
		 -ENOENT);
	CHECK(r.extack[0], "no extack message");
}

TEST(del_job_revokes_the_segments_of_its_processes)
{
	xpmem_segid_t segid;
	char job[256];
	struct chan ch;
	pid_t pid;
	char *p;

	require_world_usable_device();
	reset_policy();
	cgroup_dir("xpmem-job-9", job, sizeof(job));
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, 9, EXPORTER_UID,
			     cgroup_id_of(job), &r), 0);
	pid = export_as(EXPORTER_UID, 0644, &ch, &segid, job);
	p = attach_ok(get_ok(segid, XPMEM_RDONLY), 0, PAGES(4));
	CHECK_PATTERN(p, 0, PAGES(4), 7);
	CHECK_EQ(job_request(XPMEM_NL_CMD_DEL_JOB, 9, 0, 0, &r), 0);
	CHECK_READ_SIGNALS(p + PAGES(1), SIGBUS);
	stop_peer(&ch, pid);
}

struct job_count {
	uint64_t job, attachments, attached_bytes;
	bool seen;
};

static int take_job_count(const struct nl_attrs *a, void *arg)
{
	struct job_count *j = arg;

	if (!a->a[XPMEM_A_STATS_SCOPE] || !a->a[XPMEM_A_STATS_JOB_ID] ||
	    nla_u32(a->a[XPMEM_A_STATS_SCOPE]) != XPMEM_SCOPE_JOB ||
	    nla_u64(a->a[XPMEM_A_STATS_JOB_ID]) != j->job)
		return 0;
	j->seen = true;
	j->attachments = nla_u64(a->a[XPMEM_A_STATS_ATTACHMENTS]);
	j->attached_bytes = nla_u64(a->a[XPMEM_A_STATS_ATTACHED_BYTES]);
	return 0;
}

static struct job_count job_count(uint64_t job)
{
	struct job_count j = { .job = job };
	int fd = nl_open();

	nl_start(&m, XPMEM_NL_CMD_GET_STATS);
	CHECK_EQ(nl_call(fd, &m, 1, take_job_count, &j, &r), 0);
	CHECK(j.seen, "no stats line for job %llu", (unsigned long long)job);
	close(fd);
	return j;
}

/* a permit got inside a job, used after the process left it */
TEST(an_attachment_counts_for_the_job_its_permit_was_got_in)
{
	char job[256], elsewhere[256];
	pid_t pid;

	reset_policy();
	cgroup_dir("xpmem-job-79", job, sizeof(job));
	cgroup_dir("xpmem-elsewhere", elsewhere, sizeof(elsewhere));
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, 79, 0, cgroup_id_of(job),
			     &r), 0);
	pid = fork_plain();
	if (pid == 0) {
		char *buf = mmap(NULL, PAGES(4), PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		xpmem_apid_t apid;
		struct job_count j;
		char *p;

		join_cgroup(job);
		apid = get_ok(make_ok(buf, PAGES(4), 0600), XPMEM_RDONLY);
		join_cgroup(elsewhere);
		p = attach_ok(apid, 0, PAGES(4));
		j = job_count(79);
		CHECK_EQ(j.attachments, 1);
		CHECK_EQ(j.attached_bytes, PAGES(4));
		CHECK_SYS(xpmem_detach(p));
		j = job_count(79);
		CHECK_EQ(j.attachments, 0);
		CHECK_EQ(j.attached_bytes, 0);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EQ(job_request(XPMEM_NL_CMD_DEL_JOB, 79, 0, 0, &r), 0);
}

TEST(events_report_a_made_segment_and_a_denied_access)
{
	int fd = nl_open(), group = nl_events_group();
	struct nl_attrs ev;
	xpmem_segid_t segid;
	char buf[8192];
	struct chan ch;
	pid_t pid;
	int got = 0;

	require_world_usable_device();
	reset_policy();
	CHECK_SYS(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
			     sizeof(group)));
	pid = export_as(EXPORTER_UID, 0600, &ch, &segid, NULL);
	CHECK_EQ(get_as(ACCESSOR_UID, segid, XPMEM_RDONLY, NULL), EACCES);
	while (got != 3 && nl_recv_event(fd, 5000, &ev, buf, sizeof(buf)) == 0) {
		uint32_t type = nla_u32(ev.a[XPMEM_A_EVENT_TYPE]);

		if (!ev.a[XPMEM_A_EVENT_SEGID] ||
		    (xpmem_segid_t)nla_u64(ev.a[XPMEM_A_EVENT_SEGID]) != segid)
			continue;
		if (type == XPMEM_EVENT_TYPE_SEGMENT_MADE)
			got |= 1;
		if (type == XPMEM_EVENT_TYPE_ACCESS_DENIED &&
		    nla_u32(ev.a[XPMEM_A_EVENT_UID]) == ACCESSOR_UID &&
		    nla_u32(ev.a[XPMEM_A_EVENT_PEER_UID]) == EXPORTER_UID)
			got |= 2;
	}
	CHECK_EQ(got, 3);
	stop_peer(&ch, pid);
	close(fd);
}
