// SPDX-License-Identifier: GPL-2.0
/*
 * t_visibility.c - who may read what through the netlink family, and how
 * dumps of many objects resume.
 *
 * Every read is tried three ways on the same scene, where root and nobody
 * each own a segment, a permit, an attachment, a uid account, a job and a
 * quota: nobody sees only its own; CAP_NET_ADMIN sees everybody's; with
 * visibility "all" nobody sees everybody's too. Then the rules (admins
 * only), the public reads, the socket opener's identity surviving
 * SCM_RIGHTS, and dumps of thousands of segments, jobs and rules.
 */
#define TEST_ORDER 81

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xpmem.h>

#include "harness.h"
#include "nlpolicy.h"
#include "xp.h"

#define NOBODY		65534
#define JOB_OF_ROOT	3001
#define JOB_OF_NOBODY	3002

static struct nl_reply r;

/* ---- the scene ------------------------------------------------------------ */

struct scene {
	struct chan ch;
	pid_t peer;
	xpmem_segid_t root_seg, nobody_seg;
};

static void set_scene(struct scene *sc)
{
	char *buf = CHECK_SYS((char *)mmap(NULL, PAGES(2), PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	char dir[256];

	require_world_usable_device();
	reset_policy();
	pat_fill(buf, 0, PAGES(2), 5);
	sc->root_seg = make_ok(buf, PAGES(2), 0666);
	attach_ok(get_ok(sc->root_seg, XPMEM_RDONLY), 0, PAGES(1));
	cgroup_dir("xpmem-visibility", dir, sizeof(dir));
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, JOB_OF_ROOT, 0,
			     cgroup_id_of(dir), &r), 0);
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, JOB_OF_NOBODY, NOBODY,
			     cgroup_id_of(dir), &r), 0);
	set_quota(0, DEFAULT_SEGS, PAGES(1000), 0);
	set_quota(NOBODY, DEFAULT_SEGS, PAGES(1000), 0);
	sc->peer = fork_peer(&sc->ch);
	if (sc->peer == 0) {
		char *own;

		drop_privileges(NOBODY, NOBODY, NULL, 0);
		own = CHECK_SYS((char *)mmap(NULL, PAGES(1), PROT_READ,
					     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		attach_ok(get_ok(sc->root_seg, XPMEM_RDONLY), 0, PAGES(1));
		send_u64(&sc->ch, make_ok(own, PAGES(1), 0600));
		recv_u64(&sc->ch);
		peer_exit(0);
	}
	sc->nobody_seg = recv_u64(&sc->ch);
}

static void end_scene(struct scene *sc)
{
	send_u64(&sc->ch, 0);
	WAIT_OK(sc->peer);
	chan_close(&sc->ch);
	job_request(XPMEM_NL_CMD_DEL_JOB, JOB_OF_ROOT, 0, 0, &r);
	job_request(XPMEM_NL_CMD_DEL_JOB, JOB_OF_NOBODY, 0, 0, &r);
	reset_policy();
}

/* ---- counting whose objects a dump returns ------------------------------ */

/* A dump, and where its messages name the uid they belong to. */
struct view {
	int cmd;
	int uid_attr;
	int scope;		/* get-stats: count this scope only; else -1 */
};

static const struct view segments = {
	XPMEM_NL_CMD_GET_SEGMENTS, XPMEM_A_SEGMENT_UID, -1 };
static const struct view permits = {
	XPMEM_NL_CMD_GET_PERMITS, XPMEM_A_ATTACHMENT_UID, -1 };
static const struct view attachments = {
	XPMEM_NL_CMD_GET_ATTACHMENTS, XPMEM_A_ATTACHMENT_UID, -1 };
static const struct view uid_stats = {
	XPMEM_NL_CMD_GET_STATS, XPMEM_A_STATS_UID, XPMEM_SCOPE_UID };
static const struct view job_stats = {
	XPMEM_NL_CMD_GET_STATS, XPMEM_A_STATS_UID, XPMEM_SCOPE_JOB };
static const struct view jobs = {
	XPMEM_NL_CMD_GET_JOBS, XPMEM_A_JOB_UID, -1 };
static const struct view quotas = {
	XPMEM_NL_CMD_GET_QUOTAS, XPMEM_A_QUOTA_UID, -1 };

struct census {
	const struct view *view;
	uid_t reader;
	int own, foreign, global, error;
};

static int count(const struct nl_attrs *a, void *arg)
{
	struct census *c = arg;
	const struct view *v = c->view;

	if (a->a[XPMEM_A_STATS_SCOPE] && v->cmd == XPMEM_NL_CMD_GET_STATS) {
		uint32_t scope = nla_u32(a->a[XPMEM_A_STATS_SCOPE]);

		c->global += scope == XPMEM_SCOPE_GLOBAL;
		if ((int)scope != v->scope)
			return 0;
	}
	if (!a->a[v->uid_attr])
		c->error = -EPROTO;
	else if (nla_u32(a->a[v->uid_attr]) == c->reader)
		c->own++;
	else
		c->foreign++;
	return 0;
}

/* Dump @v as @uid (0: root, with CAP_NET_ADMIN) and count what came back. */
static struct census census_as(uid_t uid, const struct view *v)
{
	struct census c = { .view = v, .reader = uid };
	struct chan ch;
	pid_t pid = fork_peer(&ch);

	if (pid == 0) {
		struct nl_msgbuf m;
		int fd;

		if (uid)
			drop_privileges(uid, uid, NULL, 0);
		fd = nl_open();
		nl_start(&m, v->cmd);
		if (nl_call(fd, &m, 1, count, &c, &r))
			c.error = r.error;
		chan_send(&ch, &c, sizeof(c));
		peer_exit(0);
	}
	chan_recv(&ch, &c, sizeof(c));
	WAIT_OK(pid);
	chan_close(&ch);
	if (c.error)
		FAIL("dump %d as uid %d: %s", v->cmd, (int)uid, errname(-c.error));
	return c;
}

static void nobody_sees_only_its_own(const struct view *v)
{
	struct scene sc;
	struct census c;

	set_scene(&sc);
	c = census_as(NOBODY, v);
	end_scene(&sc);
	CHECK(c.own > 0, "nobody saw none of its own");
	CHECK_EQ(c.foreign, 0);
}

static void admin_sees_all(const struct view *v)
{
	struct scene sc;
	struct census c;

	set_scene(&sc);
	c = census_as(0, v);
	end_scene(&sc);
	CHECK(c.own > 0, "root saw none of its own");
	CHECK(c.foreign > 0, "root saw none of nobody's");
}

static void visibility_all_shows_nobody_all(const struct view *v)
{
	struct scene sc;
	struct census c;

	set_scene(&sc);
	set_settings(KEEP, XPMEM_VISIBILITY_ALL, KEEP);
	c = census_as(NOBODY, v);
	end_scene(&sc);
	CHECK(c.own > 0, "nobody saw none of its own");
	CHECK(c.foreign > 0, "nobody saw none of root's");
}

/* the three ways for one kind of object */
#define VISIBILITY_TESTS(what, view)					\
	TEST(nobody_lists_its_own_##what##_but_not_roots)		\
	{ nobody_sees_only_its_own(&view); }				\
	TEST(cap_net_admin_lists_every_users_##what)			\
	{ admin_sees_all(&view); }					\
	TEST(visibility_all_lets_nobody_list_every_users_##what)	\
	{ visibility_all_shows_nobody_all(&view); }

VISIBILITY_TESTS(segments, segments)
VISIBILITY_TESTS(permits, permits)
VISIBILITY_TESTS(attachments, attachments)
VISIBILITY_TESTS(per_uid_stats, uid_stats)
VISIBILITY_TESTS(per_job_stats, job_stats)
VISIBILITY_TESTS(jobs, jobs)
VISIBILITY_TESTS(quotas, quotas)

/* ---- public reads, the rules, writes ------------------------------------- */

TEST(nobody_reads_the_policy_and_the_global_stats)
{
	struct scene sc;
	struct census c;
	pid_t pid;

	set_scene(&sc);
	c = census_as(NOBODY, &uid_stats);
	CHECK_EQ(c.global, 1);
	pid = fork_plain();
	if (pid == 0) {
		struct nl_msgbuf m;
		struct policy p;

		drop_privileges(NOBODY, NOBODY, NULL, 0);
		get_policy(&p);
		CHECK_EQ(p.default_max_segments, XPMEM_DEFAULT_MAX_SEGMENTS);
		CHECK_EQ(p.jobs, 2);
		nl_start(&m, XPMEM_NL_CMD_GET_STATS);
		CHECK_EQ(nl_do(&m, &r), 0);
		peer_exit(0);
	}
	WAIT_OK(pid);
	end_scene(&sc);
}

static int count_rules(const struct nl_attrs *a, void *arg)
{
	(void)a;
	++*(int *)arg;
	return 0;
}

/* get-rules as @uid: 0 or -errno; the count in *n, the extack in r */
static int rules_as(uid_t uid, int *n)
{
	struct chan ch;
	pid_t pid = fork_peer(&ch);
	int ret;

	if (pid == 0) {
		struct nl_msgbuf m;
		int fd, got = 0;

		if (uid)
			drop_privileges(uid, uid, NULL, 0);
		fd = nl_open();
		nl_start(&m, XPMEM_NL_CMD_GET_RULES);
		ret = nl_call(fd, &m, 1, count_rules, &got, &r);
		chan_send(&ch, &ret, sizeof(ret));
		chan_send(&ch, &got, sizeof(got));
		chan_send(&ch, &r, sizeof(r));
		peer_exit(0);
	}
	chan_recv(&ch, &ret, sizeof(ret));
	chan_recv(&ch, n, sizeof(*n));
	chan_recv(&ch, &r, sizeof(r));
	WAIT_OK(pid);
	chan_close(&ch);
	return ret;
}

TEST(nobody_is_refused_the_rules_with_eperm_and_a_reason)
{
	int n = 0;

	reset_policy();
	add_rule(XPMEM_ACTION_DENY, 1234, NO_ID, false);
	CHECK_EQ(rules_as(NOBODY, &n), -EPERM);
	CHECK(strstr(r.extack, "CAP_NET_ADMIN"), "extack \"%s\"", r.extack);
	CHECK_EQ(n, 0);
	reset_policy();
}

TEST(cap_net_admin_reads_the_rules)
{
	int n = 0;

	reset_policy();
	add_rule(XPMEM_ACTION_DENY, 1234, NO_ID, false);
	CHECK_EQ(rules_as(0, &n), 0);
	CHECK_EQ(n, 1);
	reset_policy();
}

TEST(visibility_all_lets_nobody_read_the_rules)
{
	int n = 0;

	reset_policy();
	add_rule(XPMEM_ACTION_DENY, 1234, NO_ID, false);
	set_settings(KEEP, XPMEM_VISIBILITY_ALL, KEEP);
	CHECK_EQ(rules_as(NOBODY, &n), 0);
	CHECK_EQ(n, 1);
	reset_policy();
}

TEST(visibility_all_changes_nothing_for_writes_or_events)
{
	pid_t pid;

	reset_policy();
	set_settings(KEEP, XPMEM_VISIBILITY_ALL, KEEP);
	pid = fork_plain();
	if (pid == 0) {
		int fd, group = nl_events_group();
		struct nl_msgbuf m;

		drop_privileges(NOBODY, NOBODY, NULL, 0);
		nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
		nl_put_u32(&m, XPMEM_A_POLICY_VISIBILITY, XPMEM_VISIBILITY_OWN);
		CHECK_EQ(nl_do(&m, &r), -EPERM);
		fd = nl_open();
		CHECK_ERRNO(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				       &group, sizeof(group)), EPERM);
		peer_exit(0);
	}
	WAIT_OK(pid);
	reset_policy();
}

/* ---- the opener's identity ---------------------------------------------------- */

static void send_fd(int sock, int fd, uint32_t seq)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &seq, sizeof(seq) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	CHECK_SYS(sendmsg(sock, &mh, 0));
}

static int recv_fd(int sock, uint32_t *seq)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { seq, sizeof(*seq) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm;
	int fd;

	CHECK_EQ(CHECK_SYS(recvmsg(sock, &mh, 0)), sizeof(*seq));
	cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm && cm->cmsg_type == SCM_RIGHTS, "no descriptor came");
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

#define HANDED_OVER	300

/*
 * nobody opens the socket and asks for the segments; root reads the dump:
 * all but the first batch is made in root's recvmsg(), yet it lists
 * nobody's segments only, every one of them.
 */
TEST(a_dump_continued_after_scm_rights_keeps_the_openers_identity)
{
	struct census c = { .view = &segments, .reader = NOBODY };
	char *mine = CHECK_SYS((char *)mmap(NULL, PAGES(20), PROT_READ,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	int sv[2], fd;
	uint32_t seq;
	pid_t pid;

	require_world_usable_device();
	reset_policy();
	for (int i = 0; i < 20; i++)
		make_ok(mine + PAGES(i), PAGES(1), 0600);
	CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork_plain();
	if (pid == 0) {
		char *area, byte;
		struct nl_msgbuf m;
		int sent;

		close(sv[0]);
		drop_privileges(NOBODY, NOBODY, NULL, 0);
		area = CHECK_SYS((char *)mmap(NULL, PAGES(HANDED_OVER), PROT_READ,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		for (int i = 0; i < HANDED_OVER; i++)
			make_ok(area + PAGES(i), PAGES(1), 0600);
		fd = nl_open();
		nl_start(&m, XPMEM_NL_CMD_GET_SEGMENTS);
		sent = nl_send(fd, &m, 1);
		CHECK(sent > 0, "send: %s", errname(-sent));
		send_fd(sv[1], fd, (uint32_t)sent);
		close(fd);
		CHECK_EQ(read(sv[1], &byte, 1), 1);	/* segments live till then */
		peer_exit(0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0], &seq);
	CHECK_EQ(nl_collect(fd, seq, count, &c, &r), 0);
	CHECK_EQ(write(sv[0], "x", 1), 1);
	WAIT_OK(pid);
	note("%d messages in %d datagrams", r.messages, r.datagrams);
	CHECK(r.datagrams > 1, "the whole dump fit the opener's first batch");
	CHECK_EQ(c.foreign, 0);
	CHECK_EQ(c.own, HANDED_OVER);
}

/* ---- many objects --------------------------------------------------------------- */

#define MANY	20000

static int cmp_id(const void *a, const void *b)
{
	xpmem_segid_t x = *(const xpmem_segid_t *)a, y = *(const xpmem_segid_t *)b;

	return x < y ? -1 : x > y;
}

struct tally {
	xpmem_segid_t *ids;
	char *found;
	int n, ours, foreign;
};

static int tally_segment(const struct nl_attrs *a, void *arg)
{
	struct tally *t = arg;
	xpmem_segid_t id = nla_u64(a->a[XPMEM_A_SEGMENT_SEGID]), *hit;

	hit = bsearch(&id, t->ids, t->n, sizeof(id), cmp_id);
	if (hit && nla_u32(a->a[XPMEM_A_SEGMENT_UID]) == geteuid() &&
	    !t->found[hit - t->ids]++)
		t->ours++;
	else
		t->foreign++;
	return 0;
}

/* nobody's 20,000 segments between root's: all of them, nothing else */
TEST_EX(a_dump_of_20000_segments_as_nobody_is_complete_uninterrupted_and_its_own,
	T_HEAVY, 300)
{
	char *mine = CHECK_SYS((char *)mmap(NULL, PAGES(1000), PROT_READ,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	struct chan ch;
	pid_t pid;

	require_world_usable_device();
	reset_policy();
	set_quota(NOBODY, 0, 0, 0);		/* past default-max-segments */
	for (int i = 0; i < 500; i++)
		make_ok(mine + PAGES(i), PAGES(1), 0600);
	pid = fork_peer(&ch);
	if (pid == 0) {
		struct tally t = { .n = MANY };
		struct nl_msgbuf m;
		char *area;
		int fd;

		drop_privileges(NOBODY, NOBODY, NULL, 0);
		area = CHECK_SYS((char *)mmap(NULL, PAGES(MANY), PROT_NONE,
					      MAP_PRIVATE | MAP_ANONYMOUS |
					      MAP_NORESERVE, -1, 0));
		t.ids = calloc(MANY, sizeof(*t.ids));
		t.found = calloc(MANY, 1);
		for (int i = 0; i < MANY; i++)
			t.ids[i] = make_ok(area + PAGES(i), PAGES(1), 0600);
		qsort(t.ids, MANY, sizeof(*t.ids), cmp_id);
		send_u64(&ch, 1);
		recv_u64(&ch);			/* root made more */
		fd = nl_open();
		nl_start(&m, XPMEM_NL_CMD_GET_SEGMENTS);
		CHECK_EQ(nl_call(fd, &m, 1, tally_segment, &t, &r), 0);
		CHECK(!r.interrupted, "the dump was marked inconsistent");
		CHECK_EQ(t.foreign, 0);
		CHECK_EQ(t.ours, MANY);
		CHECK_EQ(r.messages, MANY);
		peer_exit(0);
	}
	recv_u64(&ch);
	for (int i = 500; i < 1000; i++)
		make_ok(mine + PAGES(i), PAGES(1), 0600);
	send_u64(&ch, 1);
	WAIT_OK(pid);
	chan_close(&ch);
	reset_policy();
}

struct ids {
	uint64_t last;
	int n, unordered;
	int attr;
};

static int take_id(const struct nl_attrs *a, void *arg)
{
	struct ids *s = arg;
	uint64_t id = s->attr == XPMEM_A_JOB_ID ? nla_u64(a->a[s->attr]) :
			nla_u32(a->a[s->attr]);

	s->unordered += s->n && id <= s->last;
	s->last = id;
	s->n++;
	return 0;
}

/* the job ids run up to the largest there is, which ends the dump */
TEST(a_dump_of_2000_jobs_is_complete_in_id_order)
{
	struct ids s = { .attr = XPMEM_A_JOB_ID };
	struct nl_msgbuf m;
	uint64_t cg;
	char dir[256];
	int fd;

	reset_policy();
	cgroup_dir("xpmem-many-jobs", dir, sizeof(dir));
	cg = cgroup_id_of(dir);
	for (uint64_t id = 1; id < 2000; id++)
		CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, id * 7919, 0, cg, &r), 0);
	CHECK_EQ(job_request(XPMEM_NL_CMD_ADD_JOB, UINT64_MAX, 0, cg, &r), 0);
	fd = nl_open();
	nl_start(&m, XPMEM_NL_CMD_GET_JOBS);
	CHECK_EQ(nl_call(fd, &m, 1, take_id, &s, &r), 0);
	close(fd);
	CHECK(!r.interrupted, "the dump was marked inconsistent");
	for (uint64_t id = 1; id < 2000; id++)
		job_request(XPMEM_NL_CMD_DEL_JOB, id * 7919, 0, 0, &r);
	job_request(XPMEM_NL_CMD_DEL_JOB, UINT64_MAX, 0, 0, &r);
	CHECK_EQ(s.n, 2000);
	CHECK_EQ(s.unordered, 0);
	CHECK_EQ(s.last, UINT64_MAX);
}

TEST(a_dump_of_1000_rules_is_complete_in_id_order)
{
	struct ids s = { .attr = XPMEM_A_RULE_ID };
	struct nl_msgbuf m;
	int fd;

	reset_policy();
	for (int i = 0; i < 1000; i++)
		add_rule(XPMEM_ACTION_DENY, 20000 + i, NO_ID, false);
	fd = nl_open();
	nl_start(&m, XPMEM_NL_CMD_GET_RULES);
	CHECK_EQ(nl_call(fd, &m, 1, take_id, &s, &r), 0);
	close(fd);
	CHECK(!r.interrupted, "the dump was marked inconsistent");
	reset_policy();
	CHECK_EQ(s.n, 1000);
	CHECK_EQ(s.unordered, 0);
}
