// SPDX-License-Identifier: GPL-2.0
/*
 * t_attack_ctl.c - an unprivileged attacker against the control plane
 * and the limits: every admin operation of the netlink family, joining
 * the events group by bind(), what the dumps show of other users (also
 * while objects come and go under them), the attached-bytes quota across
 * forked children, siblings and simultaneous attaches, and the default
 * per-uid segment limit.
 *
 * The attacker (uid 65534) is a forked child; every case ends with the
 * leak check of attack.h. Cases that change the policy reset it after.
 */
#define TEST_ORDER 92
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attack.h"
#include "nlraw.h"

static struct nl_msgbuf m;
static struct nl_reply r;

struct policy_view {
	uint32_t mode, rules, jobs;
};

static int take_policy(const struct nl_attrs *a, void *arg)
{
	struct policy_view *v = arg;

	v->mode = nla_u32(a->a[XPMEM_A_POLICY_MODE]);
	v->rules = nla_u32(a->a[XPMEM_A_POLICY_RULES]);
	v->jobs = nla_u32(a->a[XPMEM_A_POLICY_JOBS]);
	return 0;
}

static void read_policy(struct policy_view *v)
{
	int fd = nl_open();

	nl_start(&m, XPMEM_NL_CMD_GET_POLICY);
	CHECK_EQ(nl_call(fd, &m, 0, take_policy, v, &r), 0);
	close(fd);
}

static const char *const admin_ops[] = {
	"set-policy", "reset-policy", "add-rule", "del-rule", "add-job",
	"del-job", "set-quota", "revoke by segid", "revoke by uid",
	"revoke by pid",
};

/* a well-formed request for every operation that changes the policy */
static void admin_request(int i, xpmem_segid_t segid)
{
	switch (i) {
	case 0:
		nl_start(&m, XPMEM_NL_CMD_SET_POLICY);
		nl_put_u32(&m, XPMEM_A_POLICY_MODE, XPMEM_MODE_STRICT);
		break;
	case 1:
		nl_start(&m, XPMEM_NL_CMD_RESET_POLICY);
		break;
	case 2:
		nl_start(&m, XPMEM_NL_CMD_ADD_RULE);
		nl_put_u32(&m, XPMEM_A_RULE_ACTION, XPMEM_ACTION_DENY);
		nl_put_u32(&m, XPMEM_A_RULE_UID, 0);
		break;
	case 3:
		nl_start(&m, XPMEM_NL_CMD_DEL_RULE);
		nl_put_u32(&m, XPMEM_A_RULE_ID, 1);
		break;
	case 4:
		nl_start(&m, XPMEM_NL_CMD_ADD_JOB);
		nl_put_u64(&m, XPMEM_A_JOB_ID, 77777);
		nl_put_u32(&m, XPMEM_A_JOB_UID, NOBODY);
		nl_put_u64(&m, XPMEM_A_JOB_CGROUP_ID, 1);
		break;
	case 5:
		nl_start(&m, XPMEM_NL_CMD_DEL_JOB);
		nl_put_u64(&m, XPMEM_A_JOB_ID, 77777);
		break;
	case 6:
		nl_start(&m, XPMEM_NL_CMD_SET_QUOTA);
		nl_put_u32(&m, XPMEM_A_QUOTA_UID, NOBODY);
		nl_put_u32(&m, XPMEM_A_QUOTA_MAX_SEGMENTS, 1000000);
		break;
	case 7:
		nl_start(&m, XPMEM_NL_CMD_REVOKE);
		nl_put_u64(&m, XPMEM_A_REVOKE_SEGID, segid);
		break;
	case 8:
		nl_start(&m, XPMEM_NL_CMD_REVOKE);
		nl_put_u32(&m, XPMEM_A_REVOKE_UID, 0);
		break;
	default:
		nl_start(&m, XPMEM_NL_CMD_REVOKE);
		nl_put_u32(&m, XPMEM_A_REVOKE_PID, 1);
		break;
	}
}

TEST(attack_unprivileged_netlink_admin_operations_are_eperm)
{
	struct policy_view v0, v1;
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	admin_reset_policy();
	read_policy(&v0);
	exporter_start(&ex, &(struct ex_opts){ .pages = 1, .seed = 1 });
	pid = fork_nobody(NULL);
	if (pid == 0) {
		for (size_t i = 0; i < sizeof(admin_ops) / sizeof(*admin_ops);
		     i++) {
			admin_request(i, ex.segid);
			if (nl_do(&m, &r) != -EPERM)
				FAIL("%s as uid %d: %s, expected EPERM",
				     admin_ops[i], NOBODY, errname(-r.error));
		}
		peer_exit(0);
	}
	WAIT_OK(pid);
	read_policy(&v1);
	CHECK(v0.mode == v1.mode && v0.rules == v1.rules && v0.jobs == v1.jobs,
	      "the policy changed: mode %u -> %u, rules %u -> %u, jobs %u -> %u",
	      v0.mode, v1.mode, v0.rules, v1.rules, v0.jobs, v1.jobs);
	pid = fork_plain();		/* root's segment is still there */
	if (pid == 0) {
		CHECK_PATTERN(attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0,
					PAGE_SZ), 0, PAGE_SZ, 1);
		peer_exit(0);
	}
	WAIT_OK(pid);
	exporter_quit(&ex);
	attack_end(&before);
}

TEST(attack_unprivileged_bind_to_the_events_group_is_eperm)
{
	int group = nl_events_group();	/* resolved as root, inherited */
	struct census before;
	pid_t pid;

	if (group <= 0 || group > 32)
		SKIP("events group id %d cannot be named in a bind() mask",
		     group);
	attack_begin(&before);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
					  .nl_groups = 1U << (group - 1) };
		int fd = CHECK_SYS(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
					  NETLINK_GENERIC));

		CHECK_ERRNO(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), EPERM);
		close(fd);
		peer_exit(0);
	}
	WAIT_OK(pid);
	attack_end(&before);
}

struct seen_uids {
	int attr;		/* the uid attribute of this dump */
	int own, foreign, root;
	uint32_t first_foreign;
};

static int note_uid(const struct nl_attrs *a, void *arg)
{
	struct seen_uids *s = arg;
	uint32_t uid;

	if (s->attr == XPMEM_A_STATS_UID &&
	    (!a->a[XPMEM_A_STATS_SCOPE] ||
	     nla_u32(a->a[XPMEM_A_STATS_SCOPE]) != XPMEM_SCOPE_UID))
		return 0;
	if (!a->a[s->attr])
		FAIL("a dump entry without its uid attribute %d", s->attr);
	uid = nla_u32(a->a[s->attr]);
	if (uid == NOBODY) {
		s->own++;
	} else {
		if (!s->foreign++)
			s->first_foreign = uid;
		s->root += uid == 0;
	}
	return 0;
}

static void dump_uids(int cmd, int attr, struct seen_uids *s)
{
	int fd = nl_open();

	memset(s, 0, sizeof(*s));
	s->attr = attr;
	nl_start(&m, cmd);
	if (nl_call(fd, &m, 1, note_uid, s, &r))
		FAIL("dump %d: %s", cmd, errname(-r.error));
	close(fd);
}

static const struct {
	int cmd, attr;
	const char *what;
} dumps[] = {
	{ XPMEM_NL_CMD_GET_SEGMENTS, XPMEM_A_SEGMENT_UID, "segments" },
	{ XPMEM_NL_CMD_GET_PERMITS, XPMEM_A_ATTACHMENT_UID, "permits" },
	{ XPMEM_NL_CMD_GET_ATTACHMENTS, XPMEM_A_ATTACHMENT_UID, "attachments" },
	{ XPMEM_NL_CMD_GET_STATS, XPMEM_A_STATS_UID, "per-uid stats" },
};

TEST(attack_unprivileged_dumps_show_none_of_roots_objects)
{
	struct census before;
	struct exporter ex;
	struct seen_uids s;
	struct chan ch;
	pid_t holder, pid;

	attack_begin(&before);
	exporter_start(&ex, &(struct ex_opts){ .pages = 2, .seed = 1 });
	holder = fork_peer(&ch);	/* root's permit and attachment */
	if (holder == 0) {
		attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(2));
		send_u64(&ch, 1);
		recv_u64(&ch);
		peer_exit(0);
	}
	recv_u64(&ch);
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		dump_uids(dumps[i].cmd, dumps[i].attr, &s);
		CHECK(s.root, "root's own %s dump lists nothing of root",
		      dumps[i].what);
	}
	pid = fork_nobody(NULL);
	if (pid == 0) {
		char *buf = CHECK_SYS((char *)mmap(NULL, PAGE_SZ, PROT_READ,
						   MAP_PRIVATE | MAP_ANONYMOUS,
						   -1, 0));

		attach_ok(get_ok(make_ok(buf, PAGE_SZ, 0600), XPMEM_RDONLY), 0,
			  PAGE_SZ);
		for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
			dump_uids(dumps[i].cmd, dumps[i].attr, &s);
			CHECK(!s.foreign, "the %s dump shows uid %d %d entries "
			      "of other uids (the first: uid %u)", dumps[i].what,
			      NOBODY, s.foreign, s.first_foreign);
			CHECK(s.own, "the %s dump hides uid %d's own objects",
			      dumps[i].what, NOBODY);
		}
		peer_exit(0);
	}
	WAIT_OK(pid);
	send_u64(&ch, 0);
	WAIT_OK(holder);
	exporter_quit(&ex);
	attack_end(&before);
}

/* get + attach + detach + release of one page of @segid for @secs */
static long cycle_for(xpmem_segid_t segid, double secs)
{
	double end = now_sec() + secs;
	long n;

	for (n = 0; now_sec() < end; n++) {
		xpmem_apid_t apid = get_ok(segid, XPMEM_RDONLY);

		detach_ok(attach_ok(apid, 0, PAGE_SZ));
		CHECK_SYS(xpmem_release(apid));
	}
	return n;
}

/*
 * The dumps walk every live segment, permit and attachment, while objects
 * come and go in the same slots: nobody dumps all three kinds in a loop
 * while nobody and root run control cycles. An attachment is freed
 * without an RCU grace period once it leaves the registry, so a walk that
 * looked at a freed one would show in KASAN's or the slab poison's report.
 * Every dump completes and shows nobody only its own objects.
 */
TEST_EX(attack_dumps_racing_control_cycles_complete_and_show_only_own_objects,
	0, 120)
{
	struct census before;
	struct exporter ex;
	pid_t dumper, cycler;

	attack_begin(&before);
	victim_start(&ex, 1, 0666);
	dumper = fork_nobody(NULL);
	if (dumper == 0) {
		double end = now_sec() + 2.5;
		struct seen_uids s;
		long n = 0;

		while (now_sec() < end) {
			/* the three object dumps, not the stats */
			for (size_t i = 0; i < 3; i++, n++) {
				dump_uids(dumps[i].cmd, dumps[i].attr, &s);
				CHECK(!s.foreign, "the %s dump shows %d entries of other uids",
				      dumps[i].what, s.foreign);
			}
		}
		note("%ld dumps", n);
		peer_exit(0);
	}
	cycler = fork_nobody(NULL);
	if (cycler == 0) {
		note("nobody: %ld cycles", cycle_for(ex.segid, 2.0));
		peer_exit(0);
	}
	note("root: %ld cycles", cycle_for(ex.segid, 2.0));
	WAIT_OK(cycler);
	WAIT_OK(dumper);
	exporter_quit(&ex);
	attack_end(&before);
}

/* attach as a fresh process: 0 or the errno */
static int attach_in_child(xpmem_segid_t segid, size_t size)
{
	pid_t pid = fork_plain();
	int st;

	if (pid == 0) {
		struct xpmem_addr a = { get_ok(segid, XPMEM_RDONLY), 0 };

		_exit(xpmem_attach(a, size, NULL) == MAP_FAILED ? errno : 0);
	}
	st = wait_status(pid);
	CHECK(WIFEXITED(st), "attaching child: %s", describe_status(st));
	return WEXITSTATUS(st);
}

#define RACERS 8

/*
 * RACERS processes of the attacker's uid attach one page each at the same
 * moment and hold it; returns how many succeeded (the rest got EDQUOT).
 */
static int simultaneous_one_page_attaches(xpmem_segid_t segid)
{
	int ready[2], go[2], hold[2], won = 0;
	char c;

	CHECK_SYS(pipe(ready));
	CHECK_SYS(pipe(go));
	CHECK_SYS(pipe(hold));
	for (int i = 0; i < RACERS; i++) {
		if (fork_plain() == 0) {
			struct xpmem_addr a = { get_ok(segid, XPMEM_RDONLY), 0 };

			close(go[1]);
			close(hold[1]);
			CHECK_EQ(write(ready[1], "r", 1), 1);
			CHECK_EQ(read(go[0], &c, 1), 0);	/* EOF: go */
			c = xpmem_attach(a, PAGE_SZ, NULL) != MAP_FAILED ? 'y' :
			    errno == EDQUOT ? 'n' : 'x';
			if (c == 'x')
				FAIL("a racing attach: %s", errname(errno));
			CHECK_EQ(write(ready[1], &c, 1), 1);
			CHECK_EQ(read(hold[0], &c, 1), 0);	/* EOF: done */
			peer_exit(0);
		}
	}
	close(ready[1]);	/* EOF if every racer is gone */
	for (int i = 0; i < RACERS; i++)
		CHECK_EQ(read(ready[0], &c, 1), 1);
	close(go[1]);
	for (int i = 0; i < RACERS; i++) {
		CHECK_EQ(read(ready[0], &c, 1), 1);
		won += c == 'y';
	}
	close(hold[1]);
	for (int i = 0; i < RACERS; i++)
		CHECK(WIFEXITED(wait_status(-1)), "a racing attacher died");
	close(ready[0]);
	close(go[0]);
	close(hold[0]);
	return won;
}

TEST_EX(attack_attached_bytes_quota_holds_for_children_siblings_and_races,
	0, 180)
{
	struct census before;
	struct exporter ex;
	struct chan ch;
	pid_t pid, sibling;

	attack_begin(&before);
	admin_reset_policy();
	admin_set_quota(NOBODY, 0, PAGES(4), 0);
	victim_start(&ex, 8, 0666);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		double end;
		int rounds = 0, most = 0;

		attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(2));
		CHECK_EQ(attach_in_child(ex.segid, PAGES(3)), EDQUOT);
		CHECK_EQ(attach_in_child(ex.segid, PAGES(2)), 0);
		send_u64(&ch, 1);	/* now a sibling process tries */
		recv_u64(&ch);
		end = now_sec() + 5;
		while (rounds < 20 && now_sec() < end) {
			int won = simultaneous_one_page_attaches(ex.segid);

			CHECK(won <= 2, "%d of %d simultaneous one-page "
			      "attaches succeeded with room for 2", won, RACERS);
			most = won > most ? won : most;
			rounds++;
		}
		note("%d rounds of %d simultaneous attaches, at most %d won",
		     rounds, RACERS, most);
		peer_exit(0);
	}
	recv_u64(&ch);
	sibling = fork_nobody(NULL);
	if (sibling == 0) {
		struct xpmem_addr a = { get_ok(ex.segid, XPMEM_RDONLY), 0 };

		CHECK_ERRNO(xpmem_attach(a, PAGES(3), NULL), EDQUOT);
		attach_ok(a.apid, 0, PAGES(2));
		CHECK_ERRNO(xpmem_attach(a, PAGE_SZ, NULL), EDQUOT);
		peer_exit(0);
	}
	WAIT_OK(sibling);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	exporter_quit(&ex);
	admin_reset_policy();
	attack_end(&before);
}

#define SEGMENT_LIMIT_PROBE 5000

TEST_EX(attack_default_per_uid_segment_limit_stops_make_with_edquot, 0, 180)
{
	struct census before;
	pid_t pid;

	attack_begin(&before);
	admin_reset_policy();		/* no explicit quota: the default */
	pid = fork_nobody(NULL);
	if (pid == 0) {
		xpmem_segid_t *ids = calloc(SEGMENT_LIMIT_PROBE, sizeof(*ids));
		char *buf = CHECK_SYS((char *)mmap(NULL, PAGES(8), PROT_READ,
						   MAP_PRIVATE | MAP_ANONYMOUS,
						   -1, 0));
		double t0 = now_sec();
		int n, err = 0;

		for (n = 0; n < SEGMENT_LIMIT_PROBE; n++) {
			ids[n] = xpmem_make(buf + PAGES(n % 8), PAGE_SZ,
					    XPMEM_PERMIT_MODE, (void *)0600);
			if (ids[n] == -1) {
				err = errno;
				break;
			}
		}
		note("uid %d made %d segments in %.1f s", NOBODY, n,
		     now_sec() - t0);
		CHECK(n < SEGMENT_LIMIT_PROBE, "uid %d made %d segments and "
		      "met no limit", NOBODY, n);
		CHECK(err == EDQUOT, "MAKE #%d failed with %s, expected EDQUOT",
		      n, errname(err));
		CHECK(n > 0, "not even one segment could be made");
		CHECK_SYS(xpmem_remove(ids[0]));
		make_ok(buf, PAGE_SZ, 0600);
		CHECK_ERRNO(xpmem_make(buf, PAGE_SZ, XPMEM_PERMIT_MODE,
				       (void *)0600), EDQUOT);
		peer_exit(0);
	}
	WAIT_OK(pid);
	attack_end(&before);
}
