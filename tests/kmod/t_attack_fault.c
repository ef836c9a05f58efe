// SPDX-License-Identifier: GPL-2.0
/*
 * t_attack_fault.c - faults an attacker keeps in flight while the ground
 * moves: an admin revoke (by segid, by uid, or by deleting the job the
 * attachment is charged to) must leave no page mapped once it returns,
 * however many threads were faulting meanwhile; and futex operations on
 * attached memory (whose fault paths cannot drop the mmap_lock) must
 * return in bounded time while the exporter churns its own mmap_lock,
 * also when two processes are attached to each other.
 *
 * Exporters are churner processes (attack.c) that mprotect their segment
 * read-only and back in a loop: every round zaps the attachers' PTEs and
 * takes the exporter's mmap_lock for writing, so the attacher faults all
 * the time. The attacker (uid 65534) is a forked child; every case ends
 * with the leak check of attack.h.
 */
#define TEST_ORDER 93
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"
#include "nlpolicy.h"

/* ---- revocation racing faults -------------------------------------------- */

#define REV_PAGES	32
#define FAULTERS	3
#define REV_SECS	6.0
#define REV_ROUNDS	40
#define JOB_ID		4242

struct faulters {
	char *p;
	volatile int stop;
	volatile unsigned long passes;
	pthread_t t[FAULTERS];
};

static void *fault_all_pages(void *arg)
{
	struct faulters *f = arg;

	while (!f->stop) {
		for (size_t i = 0; i < REV_PAGES && !f->stop; i++)
			tprobe_read(f->p + PAGES(i), NULL);
		__sync_fetch_and_add(&f->passes, 1);
	}
	return NULL;
}

/*
 * The attacker's side of one round: attach the segid it is sent, fault
 * all pages from FAULTERS threads, let the admin revoke, then see SIGBUS
 * on every page, five times over, while the threads go on faulting.
 */
static void revoked_round(struct chan *ch, xpmem_segid_t segid, int round)
{
	xpmem_apid_t apid = get_ok(segid, XPMEM_RDONLY);
	struct faulters f = { .p = attach_ok(apid, 0, PAGES(REV_PAGES)) };
	int sig;

	for (int i = 0; i < FAULTERS; i++)
		pthread_create(&f.t[i], NULL, fault_all_pages, &f);
	while (f.passes < FAULTERS)
		usleep(1000);
	send_u64(ch, 1);
	recv_u64(ch);			/* the revoke has returned */
	for (int pass = 0; pass < 5; pass++)
		for (size_t i = 0; i < REV_PAGES; i++) {
			sig = tprobe_read(f.p + PAGES(i) + 64, NULL);
			if (sig != SIGBUS)
				FAIL("round %d, check %d: page %zu of the "
				     "attachment gave %s after the revoke "
				     "returned", round, pass, i, signame(sig));
		}
	f.stop = 1;
	for (int i = 0; i < FAULTERS; i++)
		pthread_join(f.t[i], NULL);
	CHECK_SYS(xpmem_detach(f.p));
	expect_errno("RELEASE of a revoked attachment's permit",
		     xpmem_release(apid), ENOENT, 0);
	send_u64(ch, 2);
}

static void revoked_rounds(struct chan *ch)
{
	xpmem_segid_t segid;
	int round = 0;

	catch_faults();
	while ((segid = recv_u64(ch)))
		revoked_round(ch, segid, round++);
	peer_exit(0);
}

static void start_revoke_victim(struct churner *c)
{
	churner_start(c, &(struct churner_opts){ .uid = VICTIM_UID,
			.pages = REV_PAGES, .mode = 0644,
			.churn = CHURN_PROTECT, .seed = 1 });
}

/* round until REV_SECS or REV_ROUNDS; revoke() runs the revoke of a round */
static int revoke_during_faults(struct chan *ch, struct churner *c,
				void (*revoke)(struct churner *, int))
{
	double end = now_sec() + REV_SECS;
	int round;

	for (round = 0; round < REV_ROUNDS && now_sec() < end; round++) {
		send_u64(ch, c->segid);
		CHECK_EQ(recv_u64(ch), 1);	/* faulting */
		usleep(20000);
		revoke(c, round);
		send_u64(ch, 1);
		CHECK_EQ(recv_u64(ch), 2);
	}
	send_u64(ch, 0);
	return round;
}

static void revoke_segment(struct churner *c, int round)
{
	uint32_t n = round % 2 ?
		     admin_revoke(XPMEM_A_REVOKE_UID, VICTIM_UID) :
		     admin_revoke(XPMEM_A_REVOKE_SEGID, c->segid);

	CHECK(n >= 1, "the revoke of round %d found nothing", round);
	churner_remake(c);		/* the next round's segment */
}

TEST_EX(attack_revoke_by_segid_or_uid_leaves_no_page_of_a_faulting_attacher,
	0, 120)
{
	struct census before;
	struct churner c;
	struct chan ch;
	int rounds;
	pid_t pid;

	attack_begin(&before);
	admin_reset_policy();
	start_revoke_victim(&c);
	pid = fork_nobody(&ch);
	if (pid == 0)
		revoked_rounds(&ch);
	rounds = revoke_during_faults(&ch, &c, revoke_segment);
	WAIT_OK(pid);
	note("%d rounds of a revoke racing %d faulting threads", rounds,
	     FAULTERS);
	churner_stop(&c);
	attack_end(&before);
}

static uint64_t job_cgroup_id;

static void delete_job(struct churner *c, int round)
{
	(void)c;
	(void)round;
	admin_del_job(JOB_ID);
	admin_add_job(JOB_ID, NOBODY, job_cgroup_id);	/* the next round's */
}

TEST_EX(attack_del_job_leaves_no_page_of_a_faulting_attacher_charged_to_it,
	0, 120)
{
	struct census before;
	struct churner c;
	const char *cg;
	struct chan ch;
	int rounds;
	pid_t pid;

	attack_begin(&before);
	admin_reset_policy();
	cg = job_cgroup("xpmem-attack-job", &job_cgroup_id);
	start_revoke_victim(&c);	/* outside the job */
	admin_add_job(JOB_ID, NOBODY, job_cgroup_id);
	pid = fork_peer(&ch);
	if (pid == 0) {
		join_cgroup(cg);	/* what it attaches is charged to the job */
		drop_privileges(NOBODY, NOBODY, NULL, 0);
		revoked_rounds(&ch);
	}
	rounds = revoke_during_faults(&ch, &c, delete_job);
	WAIT_OK(pid);
	admin_del_job(JOB_ID);
	note("%d rounds of a job deletion racing %d faulting threads", rounds,
	     FAULTERS);
	churner_stop(&c);
	attack_end(&before);
	rmdir(cg);
}

/* ---- futexes on attached memory ------------------------------------------ */

#define FUTEX_PAGES	8
#define FUTEXERS	3
#define FUTEX_SECS	4.0
#define OP_BOUND	10.0	/* seconds one operation may take */
#define STUCK		20.0	/* seconds after which it is stuck */

enum { OP_WAKE, OP_WAKE_SHARED, OP_WAKE_OP, OP_WAIT_AGAIN, OP_WAIT_TIMEOUT,
       OP_ROBUST_EXIT, N_OPS };

static const char *const op_names[N_OPS] = {
	"FUTEX_WAKE_PRIVATE", "FUTEX_WAKE", "FUTEX_WAKE_OP_PRIVATE",
	"FUTEX_WAIT_PRIVATE (other value)", "FUTEX_WAIT_PRIVATE (1 ms)",
	"a robust-list exit",
};

struct futexer {
	char *p;
	pthread_t t;
	unsigned int seed;
	volatile int stop, done, op;
	volatile double since;	/* the start of the call in flight, or 0 */
	double worst;
	unsigned long calls[N_OPS];
};

static long futex(void *uaddr, int op, uint32_t val, const void *ts,
		  void *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* an 8-byte aligned word somewhere in the attachment */
static uint32_t *some_word(struct futexer *f)
{
	return (uint32_t *)(f->p + PAGES(rand_r(&f->seed) % FUTEX_PAGES) +
			    8 * (rand_r(&f->seed) % (PAGE_SZ / 8)));
}

struct robust {
	struct robust_list_head head;
	struct robust_list entry;
	uint32_t *word;
};

/* exits with a robust list whose one entry is a futex word it owns */
static void *robust_exit(void *arg)
{
	struct robust *rb = arg;

	if (tprobe_write(rb->word, (uint64_t)gettid()))
		return NULL;	/* not writable right now */
	rb->head.list.next = &rb->entry;
	rb->head.futex_offset = (char *)rb->word - (char *)&rb->entry;
	rb->head.list_op_pending = NULL;
	rb->entry.next = &rb->head.list;
	syscall(SYS_set_robust_list, &rb->head, sizeof(rb->head));
	return NULL;		/* the kernel marks the word OWNER_DIED */
}

static void futex_op(struct futexer *f, int op)
{
	struct timespec ms = { 0, 1000000 };
	uint32_t *w = some_word(f), *w2 = some_word(f);
	struct robust rb = { .word = w };
	uint64_t now = 0;
	pthread_t t;
	long r = 0;

	if (op == OP_WAIT_AGAIN || op == OP_WAIT_TIMEOUT)
		tprobe_read(w, &now);
	switch (op) {
	case OP_WAKE:
		r = futex(w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		break;
	case OP_WAKE_SHARED:
		r = futex(w, FUTEX_WAKE, 1, NULL, NULL, 0);
		break;
	case OP_WAKE_OP:	/* adds 0: a write fault, no data change */
		r = futex(w, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, w2,
			  FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0));
		break;
	case OP_WAIT_AGAIN:
		r = futex(w, FUTEX_WAIT_PRIVATE, (uint32_t)now ^ 1, &ms, NULL, 0);
		break;
	case OP_WAIT_TIMEOUT:
		r = futex(w, FUTEX_WAIT_PRIVATE, (uint32_t)now, &ms, NULL, 0);
		break;
	default:
		if (pthread_create(&t, NULL, robust_exit, &rb) == 0)
			pthread_join(t, NULL);
		return;
	}
	expect_errno(op_names[op], r, EAGAIN, ETIMEDOUT, EFAULT, 0);
}

/* the ops whose fault path cannot drop the mmap_lock come most often */
static const int op_mix[] = { OP_WAKE_OP, OP_WAKE_OP, OP_WAKE_OP, OP_WAKE_OP,
			      OP_ROBUST_EXIT, OP_WAKE, OP_WAKE_SHARED,
			      OP_WAIT_AGAIN, OP_WAIT_TIMEOUT };

static void *futex_loop(void *arg)
{
	struct futexer *f = arg;

	while (!f->stop) {
		int op = op_mix[rand_r(&f->seed) % (sizeof(op_mix) /
						     sizeof(op_mix[0]))];
		double t0 = now_sec(), took;

		f->op = op;
		f->since = t0;
		futex_op(f, op);
		took = now_sec() - t0;
		f->since = 0;
		if (took > OP_BOUND)
			FAIL("%s on attached memory took %.1f s", op_names[op],
			     took);
		if (took > f->worst)
			f->worst = took;
		f->calls[op]++;
	}
	f->done = 1;
	return NULL;
}

/* FUTEXERS threads of futex calls on [p, +FUTEX_PAGES) for secs, watched */
static void run_futexers(char *p, double secs, const char *who)
{
	struct futexer f[FUTEXERS];
	unsigned long calls[N_OPS] = { 0 };
	double end = now_sec() + secs, worst = 0;
	bool all_done = false;

	for (int i = 0; i < FUTEXERS; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].p = p;
		f[i].seed = getpid() * 31 + i;
		pthread_create(&f[i].t, NULL, futex_loop, &f[i]);
	}
	while (!all_done) {
		double now = now_sec();

		usleep(50000);
		all_done = true;
		for (int i = 0; i < FUTEXERS; i++) {
			double since = f[i].since;

			if (since && now - since > STUCK)
				FAIL("%s: %s on attached memory has not "
				     "returned for %.0f s", who,
				     op_names[f[i].op], now - since);
			f[i].stop = now > end;
			all_done &= f[i].done;
		}
	}
	for (int i = 0; i < FUTEXERS; i++) {
		pthread_join(f[i].t, NULL);
		for (int op = 0; op < N_OPS; op++)
			calls[op] += f[i].calls[op];
		worst = f[i].worst > worst ? f[i].worst : worst;
	}
	note("%s: %lu wake, %lu shared wake, %lu wake-op, %lu+%lu waits, "
	     "%lu robust exits; the slowest took %.3f s", who, calls[OP_WAKE],
	     calls[OP_WAKE_SHARED], calls[OP_WAKE_OP], calls[OP_WAIT_AGAIN],
	     calls[OP_WAIT_TIMEOUT], calls[OP_ROBUST_EXIT], worst);
}

/*
 * The watchdog threads cannot report a process whose every thread is
 * stuck (a kernel without per-VMA locks blocks even their page faults),
 * so the test process, outside the lock cycle, gives up on it too.
 */
static void await_done(struct chan *ch, const char *who)
{
	double limit = FUTEX_SECS + STUCK + 15;
	struct pollfd p = { .fd = ch->rd, .events = POLLIN };

	if (poll(&p, 1, limit * 1000) != 1)
		FAIL("%s did not finish its futex operations on attached "
		     "memory within %.0f s", who, limit);
	CHECK_EQ(recv_u64(ch), 1);
}

TEST_EX(attack_futex_ops_on_attached_memory_return_while_the_exporter_churns,
	0, 120)
{
	struct census before;
	struct churner c;
	struct chan ch;
	pid_t pid;

	attack_begin(&before);
	churner_start(&c, &(struct churner_opts){ .uid = VICTIM_UID,
			.pages = FUTEX_PAGES, .mode = 0666,
			.churn = CHURN_PROTECT | CHURN_MAPS, .seed = 1 });
	pid = fork_nobody(&ch);
	if (pid == 0) {
		catch_faults();
		run_futexers(attach_ok(get_ok(c.segid, XPMEM_RDWR), 0,
				       PAGES(FUTEX_PAGES)), FUTEX_SECS,
			     "the attacker");
		send_u64(&ch, 1);
		peer_exit(0);
	}
	await_done(&ch, "the attacker");
	WAIT_OK(pid);
	churner_stop(&c);
	attack_end(&before);
}

/* one of two processes attached to each other: churn self, futex the peer */
static void mutual_side(struct chan *ch, const char *who)
{
	char *buf = CHECK_SYS((char *)mmap(NULL, PAGES(FUTEX_PAGES),
					   PROT_READ | PROT_WRITE, MAP_PRIVATE |
					   MAP_ANONYMOUS, -1, 0));
	char *peer;

	catch_faults();
	pat_fill(buf, 0, PAGES(FUTEX_PAGES), 1);
	send_u64(ch, make_ok(buf, PAGES(FUTEX_PAGES), 0600));
	peer = attach_ok(get_ok(recv_u64(ch), XPMEM_RDWR), 0,
			 PAGES(FUTEX_PAGES));
	churn_start(buf, PAGES(FUTEX_PAGES), CHURN_PROTECT);
	run_futexers(peer, FUTEX_SECS, who);
	churn_stop();
	send_u64(ch, 1);
	recv_u64(ch);			/* both are done */
	peer_exit(0);
}

TEST_EX(attack_mutually_attached_processes_doing_futex_ops_never_deadlock,
	0, 120)
{
	struct census before;
	struct chan a, b;
	pid_t pa, pb;

	attack_begin(&before);
	pa = fork_nobody(&a);
	if (pa == 0)
		mutual_side(&a, "process A");
	pb = fork_nobody(&b);
	if (pb == 0)
		mutual_side(&b, "process B");
	send_u64(&b, recv_u64(&a));
	send_u64(&a, recv_u64(&b));
	await_done(&a, "process A");
	await_done(&b, "process B");
	send_u64(&a, 0);
	send_u64(&b, 0);
	WAIT_OK(pa);
	WAIT_OK(pb);
	attack_end(&before);
}

/*
 * A read fault takes a NUMA-hinted source page from GUP without a fault
 * (fault.c, read_quietly); the page is checked only against the segment's
 * invalidation sequence, and its reference dropped before it is mapped.
 * Attack: the victim's pages are hinted by a fast scan while it spins
 * without touching them, then dropped and refilled (MADV_DONTNEED) and
 * moved between the nodes (move_pages) over and over, while nobody, on
 * the other node, reads them through fresh attachments. Every word nobody
 * reads must be one the victim wrote: the first pattern, the churn
 * pattern, or zero between a drop and its refill. A page handed out after
 * it left the victim would show page poisoning or its next owner's data.
 */
#define HINTED_PAGES	64
#define HINTED_SECS	8.0

static long foreign_word(const char *p, size_t len)
{
	for (size_t off = 0; off < len; off += sizeof(uint64_t)) {
		uint64_t v = *(const volatile uint64_t *)(p + off);

		if (v && v != pat_word(1, off) && v != pat_word(CHURN_SEED, off))
			return (long)off;
	}
	return -1;
}

static void read_hinted(xpmem_segid_t segid, off_t off0, int cpu,
			struct chan *ch)
{
	double end = now_sec() + HINTED_SECS;
	cpu_set_t cpus;
	long rounds = 0, bad;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	CHECK_SYS(sched_setaffinity(0, sizeof(cpus), &cpus));
	while (now_sec() < end) {
		xpmem_apid_t apid = get_ok(segid, XPMEM_RDONLY);
		char *q = attach_ok(apid, off0, PAGES(HINTED_PAGES));

		bad = foreign_word(q, PAGES(HINTED_PAGES));
		CHECK(bad < 0, "nobody read a word the victim never wrote at +0x%lx",
		      bad);
		CHECK_SYS(xpmem_detach(q));
		CHECK_SYS(xpmem_release(apid));
		rounds++;
	}
	send_u64(ch, rounds);
	peer_exit(0);
}

TEST_EX(attack_quiet_reads_of_hinted_pages_racing_drops_and_moves_see_only_the_victims_data,
	T_HEAVY, 120)
{
	long saved[NUMA_KNOBS];
	int n0, n1, node, cpu, other;
	struct census before;
	struct exporter ex;
	uint64_t hinted;
	long churns = 0;
	struct chan ch;
	pid_t pid;

	two_nodes(&n0, &n1);
	numa_knobs_save(saved);
	attack_begin(&before);
	victim_start(&ex, HINTED_PAGES, 0644);
	node = (int)ex_do(&ex, EX_NODE_OF, 0, 0, 0);
	other = node == n0 ? n1 : n0;
	cpu = first_cpu_of_node(node);
	if (cpu < 0 || first_cpu_of_node(other) < 0)
		SKIP("a node without a CPU");
	hinted = vmstat("numa_pte_updates");
	numa_knobs_fast();
	pid = fork_nobody(&ch);
	if (pid == 0)
		read_hinted(ex.segid, ex.off0, first_cpu_of_node(other), &ch);
	for (double end = now_sec() + HINTED_SECS; now_sec() < end; churns++) {
		ex_do(&ex, EX_SPIN, 200, cpu, 1);
		ex_do(&ex, EX_CHURN, 0, PAGES(HINTED_PAGES), 1);
		ex_do(&ex, EX_SPIN, 200, cpu, 1);
		ex_do(&ex, EX_MOVE_PAGES, 0, PAGES(HINTED_PAGES), other);
		ex_do(&ex, EX_MOVE_PAGES, 0, PAGES(HINTED_PAGES), node);
	}
	note("%ld victim rounds, %llu nobody reads, %llu PTEs hinted", churns,
	     (unsigned long long)recv_u64(&ch),
	     (unsigned long long)(vmstat("numa_pte_updates") - hinted));
	WAIT_OK(pid);
	numa_knobs_restore(saved);
	exporter_quit(&ex);
	attack_end(&before);
}
