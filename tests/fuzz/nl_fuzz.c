// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz.c - the "xpmem" generic netlink family fuzzed from its spec:
 * the table (nl_table.h) is generated from proto/xpmem.yaml by
 * gen_table.py, so every operation and attribute of the spec is covered.
 *
 *   xpmem_nl_fuzz [-n messages] [-s seed] [-u | -r]
 *
 * Half the messages go out as uid 65534 (-u: only those), half as root
 * (-r: only those). A message is valid (the op's request attributes with
 * values of the right type and range) or mutated: wrong lengths and types,
 * unknown, duplicated and nested-garbage attributes, bogus nla_len,
 * hundreds of attributes, truncated or overlong headers, random command
 * numbers and versions, dump flags on do-only ops and the reverse, odd
 * netlink flags; now and then a multicast join. After each message a
 * valid request with its own sequence number proves the socket still
 * answers.
 *
 * It fails when: an unprivileged admin op is not refused, an unprivileged
 * multicast join to the admin-only group works, an unprivileged dump shows
 * another uid's object, a valid read is refused, a message goes unanswered
 * (a hang), or the policy is not back to compat with no rules, quotas or
 * jobs after the root phase (which resets it). Answers are counted by
 * errno, extended-ACK messages by text.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "common.h"
#include "nl_restore.h"
#include "nl_table.h"
#include "nlraw.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define MSG_MAX		16384
#define EXTACKS		24

enum kind { K_VALID, K_MUTATED, K_RANDOM_CMD, K_HEADER, N_KINDS };

static const char *const kind_names[N_KINDS] = {
	"valid", "mutated-attributes", "random-command", "mutated-header",
};

struct shared {
	struct tally by_op[2];		/* [root]: rows = cmd (0..255 folded) */
	struct tally by_kind[2];	/* rows: enum kind */
	struct tally joins[2];		/* rows: 0 events group, 1 random group */
	uint64_t sent[2], unanswered[2], extack[2], data_msgs[2];
	uint64_t failures;
	char msg[8][256];
	struct { char text[96]; uint64_t n; } extacks[EXTACKS];
};

static struct shared *sh;
static int family;
static bool as_root;

static __attribute__((format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	uint64_t n = __atomic_fetch_add(&sh->failures, 1, __ATOMIC_SEQ_CST);
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 8)
		memcpy(sh->msg[n], line, sizeof(line));
	if (n < 20)
		printf("# FAIL (uid %d): %s\n", (int)geteuid(), line);
}

/* ---- building a message ------------------------------------------------------------ */

struct msg {
	unsigned char buf[MSG_MAX];
	size_t len;
	const struct fz_op *op;		/* NULL for a random command */
	int cmd;
	bool dump;
	bool header_ok;			/* nlmsg_len, type, genl header intact */
	bool request;			/* NLM_F_REQUEST: the kernel acts on it */
	const char *how;		/* the header mutation, if any */
};

static void put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > MSG_MAX)
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(a + 1, data, len);
	memset((char *)(a + 1) + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
}

/* a value of the attribute's own type, in range if it has one */
static void put_valid(struct rng *r, struct msg *m, int type, const struct fz_attr *at)
{
	unsigned char v[8];
	uint64_t x = at->has_range ? (uint64_t)(at->lo + (int64_t)rnd_below(r,
		     at->hi - at->lo + 1)) : rnd_pct(r, 50) ? rnd_below(r, 70000) :
		     rnd_edge(r);

	memcpy(v, &x, sizeof(x));
	if (at->type == FZ_STRING) {
		char s[32];

		snprintf(s, sizeof(s), "fz%llu", (unsigned long long)rnd_below(r, 1000));
		put(m, type, s, strlen(s) + 1);
	} else {
		put(m, type, v, at->min_len <= 8 ? at->min_len : 8);
	}
}

static void put_garbage(struct rng *r, struct msg *m, uint16_t type, size_t len)
{
	unsigned char g[256];

	for (size_t i = 0; i < len && i < sizeof(g); i++)
		g[i] = rnd(r);
	put(m, type, g, len < sizeof(g) ? len : sizeof(g));
}

static void mutate_attrs(struct rng *r, struct msg *m)
{
	const struct fz_set *set = m->op ? &fz_sets[m->op->set] :
				   &fz_sets[rnd_below(r, FZ_N_SETS)];
	int n = 1 + rnd_below(r, 4);

	while (n--) {
		uint16_t type = 1 + rnd_below(r, set->max);
		const struct fz_attr *at = &set->attrs[type];

		switch (rnd_below(r, 10)) {
		case 0:		/* a wrong length */
			put_garbage(r, m, type, rnd_below(r, 17));
			break;
		case 1:		/* the next attribute's type, another's size */
			put_garbage(r, m, type, at->min_len == 4 ? 8 : 4);
			break;
		case 2:		/* unknown numbers */
			put_garbage(r, m, set->max + 1 + rnd_below(r, 20), rnd_below(r, 12));
			break;
		case 3:		/* twice */
			put_valid(r, m, type, at);
			put_valid(r, m, type, at);
			break;
		case 4:		/* nested garbage */
			put_garbage(r, m, type | NLA_F_NESTED, 4 + rnd_below(r, 40));
			break;
		case 5:		/* byte-order flag */
			put_valid(r, m, type | NLA_F_NET_BYTEORDER, at);
			break;
		case 6: {	/* a bogus nla_len on the last attribute */
			struct nlattr *a = (struct nlattr *)(m->buf + m->len);

			put_valid(r, m, type, at);
			a->nla_len = rnd_pct(r, 50) ? rnd_below(r, NLA_HDRLEN) :
				     a->nla_len + 4 + rnd_below(r, 2000);
			break;
		}
		case 7:		/* hundreds of attributes */
			for (int k = 200 + rnd_below(r, 400); k > 0; k--)
				put_valid(r, m, 1 + rnd_below(r, set->max),
					  &set->attrs[1 + rnd_below(r, set->max)]);
			break;
		case 8:		/* attribute 0, and the highest number there is */
			put_garbage(r, m, rnd_pct(r, 50) ? 0 : NLA_TYPE_MASK, rnd_below(r, 9));
			break;
		default:	/* a valid value out of range */
			put_garbage(r, m, type, at->min_len);
			break;
		}
	}
}

static void start(struct msg *m, int cmd, uint8_t version)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = NLMSG_DATA(h);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	h->nlmsg_type = family;
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->cmd = cmd;
	m->header_ok = true;
	m->request = true;
	m->how = "intact header";
}

static const struct fz_op *pick_op(struct rng *r)
{
	const struct fz_op *op;

	do {
		op = &fz_ops[rnd_below(r, FZ_N_OPS)];
		/* root changes policy with admin ops; unprivileged tries them too */
	} while (op->event && rnd_pct(r, 80));
	return op;
}

/* the message to send; m->len bytes of it go out */
static int build(struct rng *r, struct msg *m)
{
	static const unsigned int weights[N_KINDS] = { 40, 40, 8, 12 };
	int kind = rnd_weighted(r, weights, N_KINDS);
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	const struct fz_op *op = pick_op(r);

	m->op = op;
	start(m, op->cmd, FZ_VERSION);
	m->dump = op->has_dump && (!op->has_do || rnd_pct(r, 50));
	if (kind != K_VALID && rnd_pct(r, 10))
		m->dump = !m->dump;		/* the kind the op lacks */
	if (kind == K_RANDOM_CMD) {
		int cmd = rnd_pct(r, 50) ? (int)(FZ_N_OPS + 1 + rnd_below(r, 10)) :
			  (int)rnd_below(r, 256);

		m->op = NULL;
		for (size_t i = 0; i < FZ_N_OPS; i++)
			if (fz_ops[i].cmd == cmd)
				m->op = &fz_ops[i];
		start(m, cmd, rnd(r));
		m->dump = rnd_pct(r, 50);
	}
	for (int i = 0; op->request && i < op->n_request; i++)
		if (rnd_pct(r, 70))
			put_valid(r, m, op->request[i],
				  &fz_sets[op->set].attrs[op->request[i]]);
	if (kind == K_MUTATED || kind == K_RANDOM_CMD)
		mutate_attrs(r, m);
	h->nlmsg_len = m->len;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (m->dump ? NLM_F_DUMP : 0);
	if (kind == K_HEADER) {
		switch (rnd_below(r, 6)) {
		case 0:
			m->how = "short nlmsg_len";
			h->nlmsg_len = rnd_below(r, m->len);
			m->header_ok = h->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN;
			break;
		case 1:
			m->how = "long nlmsg_len";
			h->nlmsg_len = m->len + 1 + rnd_below(r, 4000);
			m->header_ok = false;
			break;
		case 2:
			m->how = "cut genl header";
			m->len = NLMSG_HDRLEN + rnd_below(r, GENL_HDRLEN);
			h->nlmsg_len = m->len;
			m->header_ok = false;
			break;
		case 3:
			m->how = "random flags";
			h->nlmsg_flags = rnd(r);
			m->dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
			m->request = h->nlmsg_flags & NLM_F_REQUEST;
			/* genl refuses ambiguous flags before it looks at the op */
			m->header_ok = false;
			break;
		case 4:
			m->how = "random version";
			((struct genlmsghdr *)NLMSG_DATA(h))->version = rnd(r);
			if (rnd_pct(r, 50)) {
				/* must be zero: refused before the op is looked up */
				((struct genlmsghdr *)NLMSG_DATA(h))->reserved = 1 + rnd_below(r, 255);
				m->header_ok = false;
			}
			break;
		default:	/* garbage after the message */
			m->how = "trailing garbage";
			memset(m->buf + m->len, 0x5a, 64);
			m->len += 1 + rnd_below(r, 64);
			break;
		}
	}
	return kind;
}

/* ---- talking ------------------------------------------------------------------------ */

static void note_extack(const char *text)
{
	int k;

	for (k = 0; k < EXTACKS && sh->extacks[k].n; k++)
		if (!strncmp(sh->extacks[k].text, text, sizeof(sh->extacks[k].text) - 1))
			break;
	if (k == EXTACKS)
		return;
	if (!sh->extacks[k].n)
		snprintf(sh->extacks[k].text, sizeof(sh->extacks[k].text), "%s", text);
	__atomic_add_fetch(&sh->extacks[k].n, 1, __ATOMIC_RELAXED);
}

struct answer {
	bool got;		/* an error/ack or a DONE for our sequence */
	int error;
	int data;		/* data messages */
	bool foreign_uid;	/* a dump showed an object of another uid */
	char extack[96];
	uint32_t seen_uid;
};

/* the uid of a dumped object, if the op's set carries one */
static bool object_uid(const struct msg *m, const struct nlmsghdr *h, uint32_t *uid)
{
	const struct nlattr *a = (const void *)((const char *)NLMSG_DATA(h) + GENL_HDRLEN);
	int len = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, want;

	if (!m->op || m->op->cmd > XPMEM_NL_CMD_GET_ATTACHMENTS)
		return false;
	want = m->op->cmd == XPMEM_NL_CMD_GET_SEGMENTS ? XPMEM_A_SEGMENT_UID :
	       XPMEM_A_ATTACHMENT_UID;
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == want && a->nla_len == NLA_HDRLEN + 4) {
			memcpy(uid, a + 1, 4);
			return true;
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return false;
}

static void take_error(const struct nlmsghdr *h, struct answer *ans)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof(*e);
	const struct nlattr *a;
	int left;

	ans->got = true;
	ans->error = e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (NLMSG_HDRLEN + off >= h->nlmsg_len)
		return;
	a = (const void *)((const char *)e + off);
	left = h->nlmsg_len - NLMSG_HDRLEN - off;
	while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left) {
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			__atomic_add_fetch(&sh->extack[as_root], 1, __ATOMIC_RELAXED);
			note_extack((const char *)(a + 1));
			snprintf(ans->extack, sizeof(ans->extack), "%s", (const char *)(a + 1));
		}
		left -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * Read until the barrier (sequence bseq) is answered: what came for our
 * message (sequence seq) goes into ans. false if the socket went quiet.
 */
static bool collect(int fd, const struct msg *m, uint32_t seq, uint32_t bseq,
		    struct answer *ans)
{
	static unsigned char rbuf[65536];

	bool barrier = false;

	memset(ans, 0, sizeof(*ans));
	/* a dump may finish after the barrier's answer: wait for its DONE too */
	while (!barrier || (ans->data && !ans->got)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *h;
		ssize_t n;

		if (poll(&p, 1, 20000) != 1)
			return false;
		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return errno == ENOBUFS;
		for (h = (void *)rbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq == bseq) {
				if (h->nlmsg_type == NLMSG_ERROR)
					barrier = true;
				continue;
			}
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				take_error(h, ans);
			} else if (h->nlmsg_type == NLMSG_DONE) {
				ans->got = true;
				ans->error = *(const int *)NLMSG_DATA(h);
			} else {
				uint32_t uid;

				ans->data++;
				if (object_uid(m, h, &uid) && uid != geteuid()) {
					ans->foreign_uid = true;
					ans->seen_uid = uid;
				}
			}
		}
	}
	return true;
}

static void send_barrier(int fd, uint32_t seq)
{
	struct msg b;
	struct nlmsghdr *h = (struct nlmsghdr *)b.buf;

	start(&b, XPMEM_NL_CMD_GET_POLICY, FZ_VERSION);
	h->nlmsg_len = b.len;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = seq;
	send(fd, b.buf, b.len, 0);
}

static void try_join(struct rng *r, int fd)
{
	int events = nl_events_group(), grp, ret;
	bool ours = rnd_pct(r, 70);

	grp = ours ? events : (int)rnd_below(r, 64);
	ret = setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) ?
	      -errno : 0;
	tally_add(&sh->joins[as_root], ours ? 0 : 1, ret);
	if (ours && !as_root && !ret)
		fail("an unprivileged process joined the admin-only group \"%s\"",
		     fz_groups[0].name);
	if (ours && as_root && ret)
		fail("root could not join \"%s\": %s", fz_groups[0].name, err_name(-ret));
	if (!ret)
		setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &grp, sizeof(grp));
}

/*
 * Reads the family refuses to unprivileged callers while the site's
 * visibility is "own", the default (see get-rules in proto/xpmem.yaml):
 * not admin-perm in the spec, since visibility "all" opens them.
 */
static bool private_read(const struct fz_op *op)
{
	return !strcmp(op->name, "get-rules");
}

static void judge(const struct msg *m, int kind, const struct answer *ans)
{
	const struct fz_op *op = m->op;
	bool well_formed = m->header_ok && op && !op->event &&
			   (m->dump ? op->has_dump : op->has_do);

	if (!as_root && op && op->admin && m->request && ans->got && !ans->error)
		fail("uid %d: %s (%s, %s) was not refused", (int)geteuid(), op->name,
		     kind_names[kind], m->dump ? "dump" : "do");
	if (!as_root && well_formed && op->admin && ans->error != -EPERM)
		fail("uid %d: %s (%s, %s, flags %#x, len %u of %zu): %s \"%s\", expected "
		     "EPERM", (int)geteuid(), op->name, kind_names[kind], m->how,
		     ((const struct nlmsghdr *)m->buf)->nlmsg_flags,
		     ((const struct nlmsghdr *)m->buf)->nlmsg_len, m->len,
		     ans->got ? err_name(-ans->error) : "no answer", ans->extack);
	if (kind == K_VALID && well_formed && !op->admin && (!ans->got || ans->error) &&
	    !(!as_root && private_read(op) && ans->error == -EPERM))
		fail("a valid %s %s: %s", op->name, m->dump ? "dump" : "do",
		     ans->got ? err_name(-ans->error) : "no answer");
	if (!as_root && ans->foreign_uid)
		fail("uid %d: %s showed an object of uid %u", (int)geteuid(),
		     op ? op->name : "?", ans->seen_uid);
}

/* tally rows: 0 and the spec's commands by number, then all others */
static int op_row(int cmd)
{
	return cmd >= 0 && cmd <= (int)FZ_N_OPS ? cmd : (int)FZ_N_OPS + 1;
}

static void fuzz(uint64_t n, uint64_t seed)
{
	struct rng r;
	struct msg *m = malloc(sizeof(*m));
	struct answer ans;
	uint32_t seq = 1;
	int fd = nl_open(), kind;

	if (fd < 0 || !m) {
		fail("netlink socket: %s", err_name(errno));
		return;
	}
	rng_seed(&r, seed);
	for (uint64_t i = 0; i < n; i++) {
		struct nlmsghdr *h = (struct nlmsghdr *)m->buf;

		if (rnd_below(&r, 100) == 0)
			try_join(&r, fd);
		kind = build(&r, m);
		h->nlmsg_seq = ++seq;
		send(fd, m->buf, m->len, 0);
		send_barrier(fd, ++seq);
		if (!collect(fd, m, seq - 1, seq, &ans)) {
			fail("no answer within 20 s after %s (cmd %d): the socket hangs",
			     m->op ? m->op->name : "a random command", m->cmd);
			dump_group_stacks();
			return;
		}
		__atomic_add_fetch(&sh->sent[as_root], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&sh->data_msgs[as_root], ans.data, __ATOMIC_RELAXED);
		if (!ans.got)
			__atomic_add_fetch(&sh->unanswered[as_root], 1, __ATOMIC_RELAXED);
		tally_add(&sh->by_op[as_root], op_row(m->cmd), ans.got ? ans.error : -ETIME);
		tally_add(&sh->by_kind[as_root], kind, ans.got ? ans.error : -ETIME);
		judge(m, kind, &ans);
	}
	close(fd);
	free(m);
}

/* ---- main ---------------------------------------------------------------------------- */

/* a root segment with a permit and an attachment, for dumps to (not) show */
static pid_t start_helper(void)
{
	int ready[2];
	pid_t pid;
	char c = 0;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = xp_open();
		char *buf = mmap(NULL, 4 * PAGE_SZ, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int64_t segid = 0, apid = 0;
		uint64_t addr;

		if (fd >= 0 && buf != MAP_FAILED &&
		    !xp_make(fd, (uint64_t)buf, 4 * PAGE_SZ, 0600, &segid) &&
		    !xp_get(fd, segid, XPMEM_RDWR, &apid))
			xp_attach(fd, apid, 0, 4 * PAGE_SZ, 0, 0, &addr);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (pid > 0 && read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]);
	close(ready[1]);
	return pid;
}

static void report(int root, uint64_t wanted)
{
	const char *who = root ? "root" : "unprivileged";
	static const char *op_names[FZ_N_OPS + 2] = { "command-0" };

	for (size_t i = 0; i < FZ_N_OPS; i++)
		op_names[op_row(fz_ops[i].cmd)] = fz_ops[i].name;
	op_names[FZ_N_OPS + 1] = "other-command-numbers";
	printf("# %s: %llu messages (%llu unanswered: dropped as malformed), %llu "
	       "dump messages back, %llu with an extended ACK message\n", who,
	       (unsigned long long)sh->sent[root], (unsigned long long)sh->unanswered[root],
	       (unsigned long long)sh->data_msgs[root], (unsigned long long)sh->extack[root]);
	printf("# %s, by command and answer (ETIME: none):\n", who);
	tally_print(&sh->by_op[root], "  ", op_names, FZ_N_OPS + 2, NULL);
	printf("# %s, by kind of message:\n", who);
	tally_print(&sh->by_kind[root], "  ", kind_names, N_KINDS, NULL);
	printf("# %s, multicast joins:\n", who);
	tally_print(&sh->joins[root], "  ", (const char *const[]){ "events-group",
		    "random-group" }, 2, NULL);
	printf("%s - nl_fuzz_sent_%llu_messages_as_%s\n",
	       sh->sent[root] >= wanted ? "ok" : "not ok",
	       (unsigned long long)sh->sent[root], who);
}

int main(int argc, char **argv)
{
	uint64_t n = 5000, seed = now_ns();
	bool do_user = true, do_root = true, restored = true;
	pid_t helper, pid;
	int c, status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "n:s:ur")) != -1) {
		switch (c) {
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'u': do_root = false; break;
		case 'r': do_user = false; break;
		default:
			fprintf(stderr, "usage: xpmem_nl_fuzz [-n messages] [-s seed] [-u | -r]\n");
			return 2;
		}
	}
	family = nl_family();
	if (family < 0) {
		printf("not ok - nl_fuzz_finds_the_family \"%s\"\n", FZ_FAMILY);
		return 1;
	}
	sh = shared_alloc(sizeof(*sh));
	setpgid(0, 0);
	printf("# netlink fuzz of \"%s\" (%zu ops, %zu attribute sets from the spec): "
	       "%llu messages, seed %llu\n", FZ_FAMILY, FZ_N_OPS, FZ_N_SETS,
	       (unsigned long long)n, (unsigned long long)seed);
	helper = start_helper();
	if (do_user) {
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			drop_to_nobody();
			fuzz(do_root ? n / 2 : n, seed);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail("the unprivileged fuzzer: %s", status_text(status));
		report(0, do_root ? n / 2 : n);
	}
	if (do_root) {
		as_root = true;
		fuzz(do_user ? n - n / 2 : n, seed ^ 0x7777);
		restored = nl_fuzz_restore_policy();
		report(1, do_user ? n - n / 2 : n);
		printf("%s - nl_fuzz_root_phase_leaves_the_policy_reset\n",
		       restored ? "ok" : "not ok");
	}
	if (helper > 0) {
		kill(helper, SIGKILL);
		waitpid(helper, NULL, 0);
	}
	printf("# extended ACK messages seen:\n");
	for (int k = 0; k < EXTACKS && sh->extacks[k].n; k++)
		printf("#   %llu x \"%s\"\n", (unsigned long long)sh->extacks[k].n,
		       sh->extacks[k].text);
	if (!sh->failures) {
		printf("ok - nl_fuzz_every_check_held\n");
		return restored ? 0 : 1;
	}
	printf("not ok - nl_fuzz_every_check_held (%llu failures)\n",
	       (unsigned long long)sh->failures);
	for (int k = 0; k < 8 && k < (int)sh->failures; k++)
		printf("#   %s\n", sh->msg[k]);
	return 1;
}
