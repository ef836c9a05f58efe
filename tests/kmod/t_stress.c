// SPDX-License-Identifier: GPL-2.0
/*
 * t_stress.c - scale and concurrency: unguessable ids over a thousand
 * segments, a 100,000-page sparse segment, many threads faulting the same
 * pages, faults racing invalidations, eight exec'd processes sharing
 * all-to-all, and attach/detach cycles against the page counters.
 */
#define TEST_ORDER 60
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xp.h"

/* ---- unguessable ids ------------------------------------------------------ */

#define N_IDS 1000

static int cmp_s64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t distinct(int64_t *v, size_t n)
{
	size_t d = n ? 1 : 0;

	qsort(v, n, sizeof(*v), cmp_s64);
	for (size_t i = 1; i < n; i++)
		d += v[i] != v[i - 1];
	return d;
}

static void check_unguessable(const int64_t *ids, size_t n, const char *what)
{
	int64_t *tmp = calloc(n, sizeof(*tmp));
	pid_t pid = getpid();
	size_t d;

	for (size_t i = 0; i < n; i++) {
		CHECK(ids[i] > 0, "%s #%zu is %lld", what, i, (long long)ids[i]);
		CHECK((ids[i] & 0xffffffffLL) != pid && (ids[i] >> 32) != pid,
		      "%s 0x%llx contains our pid %d", what,
		      (unsigned long long)ids[i], (int)pid);
	}
	memcpy(tmp, ids, n * sizeof(*tmp));
	CHECK_EQ(distinct(tmp, n), n);

	/* not a counter: successive differences vary */
	for (size_t i = 0; i + 1 < n; i++)
		tmp[i] = ids[i + 1] - ids[i];
	d = distinct(tmp, n - 1);
	CHECK(d > n / 2, "only %zu distinct steps between successive %ss", d,
	      what);

	/* both halves carry entropy */
	for (size_t i = 0; i < n; i++)
		tmp[i] = ids[i] >> 32;
	d = distinct(tmp, n);
	CHECK(d > n / 2, "only %zu distinct high halves among %zu %ss", d, n,
	      what);
	for (size_t i = 0; i < n; i++)
		tmp[i] = ids[i] & 0xffffffffLL;
	d = distinct(tmp, n);
	CHECK(d > n / 2, "only %zu distinct low halves among %zu %ss", d, n,
	      what);
	free(tmp);
}

static char *reserve(size_t pages)
{
	return CHECK_SYS((char *)mmap(NULL, PAGES(pages), PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS |
				      MAP_NORESERVE, -1, 0));
}

static void make_many(int64_t *ids, char *buf)
{
	for (size_t i = 0; i < N_IDS; i++)
		ids[i] = make_ok(buf + PAGES(i), PAGE_SZ, 0600);
}

TEST(segids_are_unguessable)
{
	static int64_t ids[N_IDS];

	make_many(ids, reserve(N_IDS));
	check_unguessable(ids, N_IDS, "segid");
}

TEST(apids_are_unguessable)
{
	static int64_t ids[N_IDS];
	xpmem_segid_t segid = make_ok(reserve(1), PAGE_SZ, 0600);

	for (size_t i = 0; i < N_IDS; i++)
		ids[i] = get_ok(segid, XPMEM_RDONLY);
	check_unguessable(ids, N_IDS, "apid");
}

TEST(removed_segids_stay_enoent_and_are_not_handed_out_again)
{
	static int64_t old[N_IDS], fresh[N_IDS], all[2 * N_IDS];
	char *buf = reserve(N_IDS);

	make_many(old, buf);
	for (size_t i = 0; i < N_IDS; i++)
		CHECK_SYS(xpmem_remove(old[i]));
	for (size_t i = 0; i < N_IDS; i += 10)
		CHECK_ERRNO(xpmem_get(old[i], XPMEM_RDONLY, XPMEM_PERMIT_MODE,
				      NULL), ENOENT);
	make_many(fresh, buf);
	memcpy(all, old, sizeof(old));
	memcpy(all + N_IDS, fresh, sizeof(fresh));
	CHECK_EQ(distinct(all, 2 * N_IDS), 2 * N_IDS);
}

/* ---- a 100,000-page sparse segment ------------------------------------------ */

#define SPARSE_PAGES	100000
#define SPARSE_STRIDE	100		/* every 100th page is populated */
#define SPARSE_HOLE	50050		/* 10 unmapped pages from here */

static char *start_sparse(struct exporter *ex)
{
	exporter_start(ex, &(struct ex_opts){ .pages = SPARSE_PAGES,
			.noreserve = true, .hole_page = SPARSE_HOLE,
			.hole_pages = 10 });
	ex_do(ex, EX_FILL_STRIDED, SPARSE_STRIDE, 0, 50);
	return attach_ok(get_ok(ex->segid, XPMEM_RDWR), 0, PAGES(SPARSE_PAGES));
}

TEST_EX(sparse_100000_page_segment_serves_its_populated_pages, T_HEAVY, 180)
{
	struct exporter ex;
	char *p = start_sparse(&ex);

	for (size_t pg = 0; pg < SPARSE_PAGES; pg += SPARSE_STRIDE)
		CHECK_PATTERN(p + PAGES(pg), PAGES(pg), PAGE_SZ, 50);
	pat_fill(p + PAGES(99900), PAGES(99900), PAGE_SZ, 51);
	CHECK_EX_PATTERN(&ex, PAGES(99900), PAGE_SZ, 51);
}

TEST(sparse_100000_page_segment_reads_zero_in_untouched_pages)
{
	struct exporter ex;
	char *p = start_sparse(&ex);
	static const size_t pages[] = { 1, 99, 101, SPARSE_HOLE - 1,
		SPARSE_HOLE + 10, 77777, SPARSE_PAGES - 1 };

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		CHECK_ZERO(p + PAGES(pages[i]), PAGE_SZ);
	CHECK_PATTERN(p + PAGES(SPARSE_PAGES - SPARSE_STRIDE),
		      PAGES(SPARSE_PAGES - SPARSE_STRIDE), PAGE_SZ, 50);
}

TEST(sparse_100000_page_segment_gives_sigbus_in_its_holes)
{
	struct exporter ex;
	char *p = start_sparse(&ex);

	CHECK_READ_SIGNALS(p + PAGES(SPARSE_HOLE), SIGBUS);
	CHECK_READ_SIGNALS(p + PAGES(SPARSE_HOLE + 9), SIGBUS);
	CHECK_WRITE_SIGNALS(p + PAGES(SPARSE_HOLE + 5), SIGBUS);
	CHECK_PATTERN(p + PAGES(50000), PAGES(50000), PAGE_SZ, 50);
	CHECK_PATTERN(p + PAGES(50100), PAGES(50100), PAGE_SZ, 50);
}

/* ---- threads ------------------------------------------------------------------ */

#define THREADS		16
#define THREAD_PAGES	256

struct reader {
	pthread_t tid;
	int idx;
	char *p;
	pthread_barrier_t *go;
	volatile int *stop;
	long bad;		/* out: first bad page + 1 */
	long loops;
	long zeros;		/* words read as 0 (a page between dontneed
				   and refill) */
};

static void *fault_same_pages(void *arg)
{
	struct reader *r = arg;
	size_t step = 2 * r->idx + 1;	/* odd: visits all 256 pages */

	pthread_barrier_wait(r->go);
	for (size_t k = 0; k < THREAD_PAGES && !r->bad; k++) {
		size_t pg = (r->idx * 37 + k * step) % THREAD_PAGES;

		if (pat_mismatch(r->p + PAGES(pg), PAGES(pg), PAGE_SZ, 60) >= 0)
			r->bad = pg + 1;
	}
	return NULL;
}

TEST_EX(sixteen_threads_faulting_the_same_pages_see_correct_data, 0, 120)
{
	struct reader r[THREADS];
	pthread_barrier_t go;
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = THREAD_PAGES,
					      .seed = 60 });
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(THREAD_PAGES));
	pthread_barrier_init(&go, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct reader){ .idx = i, .p = p, .go = &go };
		CHECK_EQ(pthread_create(&r[i].tid, NULL, fault_same_pages, &r[i]),
			 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(r[i].tid, NULL);
	for (int i = 0; i < THREADS; i++)
		CHECK(!r[i].bad, "thread %d read a wrong page %ld", i,
		      r[i].bad - 1);
}

static void *read_while_churning(void *arg)
{
	struct reader *r = arg;
	const volatile uint64_t *w = (const uint64_t *)r->p;
	size_t words = PAGES(64) / 8;

	pthread_barrier_wait(r->go);
	while (!*r->stop && !r->bad) {
		for (size_t i = r->idx; i < words; i += 61) {
			uint64_t v = w[i];

			if (!v) {
				r->zeros++;
			} else if (v != pat_word(CHURN_SEED, i * 8)) {
				r->bad = i * 8 + 1;
				break;
			}
		}
		r->loops++;
	}
	return NULL;
}

TEST_EX(attacher_reads_racing_exporter_dontneed_see_only_valid_data, T_HEAVY,
	180)
{
	struct reader r[4];
	volatile int stop = 0;
	pthread_barrier_t go;
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 64, .seed = CHURN_SEED });
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(64));
	pthread_barrier_init(&go, NULL, 5);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct reader){ .idx = i, .p = p, .go = &go,
					.stop = &stop };
		CHECK_EQ(pthread_create(&r[i].tid, NULL, read_while_churning,
					&r[i]), 0);
	}
	pthread_barrier_wait(&go);
	ex_do(&ex, EX_CHURN, 0, PAGES(64), 200);
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(r[i].tid, NULL);
	for (int i = 0; i < 4; i++) {
		CHECK(!r[i].bad, "thread %d read a value that is neither 0 nor "
		      "the pattern at +0x%lx", i, r[i].bad - 1);
		CHECK(r[i].loops > 0);
		note("reader %d: %ld passes, %ld zero words seen", i,
		     r[i].loops, r[i].zeros);
	}
	CHECK_PATTERN(p, 0, PAGES(64), CHURN_SEED);
}

static void *read_forever(void *arg)
{
	const volatile uint64_t *w = arg;

	for (size_t i = 0;; i = (i + 509) % (PAGES(64) / 8))
		(void)w[i];
	return NULL;
}

TEST(attacher_threads_faulting_while_the_exporter_exits_die_by_sigbus)
{
	struct exporter ex;
	struct chan ch;
	pid_t pid;

	exporter_start(&ex, &(struct ex_opts){ .pages = 64, .seed = 1 });
	pid = fork_peer(&ch);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(64));
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		pthread_t tid;

		/* die by the signal itself, also under ASan */
		sigaction(SIGBUS, &dfl, NULL);
		sigaction(SIGSEGV, &dfl, NULL);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(pthread_create(&tid, NULL, read_forever, p), 0);
		send_u64(&ch, 1);
		for (;;)
			read_forever(p);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	usleep(100000);
	exporter_quit(&ex);
	WAIT_SIGNALED(pid, SIGBUS);
}

TEST(hundreds_of_attachments_of_one_segment_all_work)
{
	static char *att[300];
	struct exporter ex;
	xpmem_apid_t apid;

	exporter_start(&ex, &(struct ex_opts){ .pages = 4, .seed = 61 });
	apid = get_ok(ex.segid, XPMEM_RDWR);
	for (int i = 0; i < 300; i++) {
		att[i] = attach_ok(apid, PAGES(i % 4), PAGE_SZ);
		CHECK_PATTERN(att[i], PAGES(i % 4), PAGE_SZ, 61);
	}
	pat_fill(att[7], PAGES(3), PAGE_SZ, 62);
	CHECK_PATTERN(att[299], PAGES(3), PAGE_SZ, 62);
	for (int i = 0; i < 300; i += 2)
		detach_ok(att[i]);
	CHECK_PATTERN(att[1], PAGES(1), PAGE_SZ, 61);
	CHECK_SYS(xpmem_release(apid));
	CHECK_READ_SIGNALS(att[1], SIGSEGV);
}

TEST_EX(attach_detach_cycles_balance_the_global_page_counters, 0, 120)
{
	uint64_t p0, u0, p1, u1;
	struct exporter ex;
	xpmem_apid_t apid;

	exporter_start(&ex, &(struct ex_opts){ .pages = 8, .seed = 63 });
	apid = get_ok(ex.segid, XPMEM_RDWR);
	if (!read_global_pages(&p0, &u0))
		FAIL("/proc/xpmem/global_pages is missing or malformed");
	for (int i = 0; i < 100; i++) {
		char *p = attach_ok(apid, 0, PAGES(8));

		CHECK_PATTERN(p, 0, PAGES(8), 63);
		detach_ok(p);
	}
	for (int i = 0; i < 20; i++) {
		read_global_pages(&p1, &u1);
		if (p1 - p0 == u1 - u0)
			break;
		usleep(100000);
	}
	CHECK(p1 - p0 >= 800, "pinned grew by %llu over 100 x 8 pages",
	      (unsigned long long)(p1 - p0));
	CHECK_EQ(u1 - u0, p1 - p0);
}

/* ---- eight programs all-to-all ---------------------------------------------------- */

#define PEERS		8
#define PEER_PAGES	4
#define MARK_PAGE	3	/* peer j writes word j of page 3 of peer i */

struct peer_msg {
	int64_t idx;
	int64_t val;		/* segid, then status */
};

/* args: idx n read-fd write-fd */
ROLE(all_to_all)
{
	int idx, n, rfd, wfd;
	int64_t segids[PEERS];
	struct peer_msg m;
	uint64_t go;
	char *buf;

	if (argc != 4)
		return 2;
	idx = atoi(argv[0]);
	n = atoi(argv[1]);
	rfd = atoi(argv[2]);
	wfd = atoi(argv[3]);
	if (n > PEERS)
		return 2;
	buf = CHECK_SYS((char *)mmap(NULL, PAGES(PEER_PAGES), PROT_READ |
				     PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				     -1, 0));
	pat_fill(buf, 0, PAGES(PEER_PAGES), 100 + idx);
	m = (struct peer_msg){ idx, make_ok(buf, PAGES(PEER_PAGES), 0600) };
	CHECK_EQ(write(wfd, &m, sizeof(m)), sizeof(m));
	CHECK_EQ(read(rfd, segids, n * sizeof(segids[0])),
		 n * sizeof(segids[0]));
	for (int j = 0; j < n; j++) {
		char *p;

		if (j == idx)
			continue;
		p = attach_ok(get_ok(segids[j], XPMEM_RDWR), 0,
			      PAGES(PEER_PAGES));
		CHECK_PATTERN(p, 0, PAGES(MARK_PAGE), 100 + j);
		((volatile uint64_t *)(p + PAGES(MARK_PAGE)))[idx] =
			pat_word(300, idx);
	}
	m.val = 0;
	CHECK_EQ(write(wfd, &m, sizeof(m)), sizeof(m));
	CHECK_EQ(read(rfd, &go, sizeof(go)), sizeof(go));
	for (int j = 0; j < n; j++)
		if (j != idx)
			CHECK_EQ(((uint64_t *)(buf + PAGES(MARK_PAGE)))[j],
				 pat_word(300, j));
	return 0;
}

/* read one message, failing early (not by timeout) if a peer dies */
static void recv_from_peers(int fd, struct peer_msg *m, pid_t *pids, int n)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int st;

		if (poll(&p, 1, 200) > 0) {
			CHECK_EQ(read(fd, m, sizeof(*m)), sizeof(*m));
			return;
		}
		for (int i = 0; i < n; i++)
			if (pids[i] && waitpid(pids[i], &st, WNOHANG) == pids[i])
				FAIL("peer %d %s early", i, describe_status(st));
	}
}

TEST_EX(eight_exec_peers_share_buffers_all_to_all, 0, 180)
{
	int down[PEERS][2], up[2];
	int64_t segids[PEERS];
	pid_t pids[PEERS];
	struct peer_msg m;
	uint64_t go = 1;

	CHECK_SYS(pipe2(up, O_CLOEXEC));
	for (int i = 0; i < PEERS; i++) {
		char idx[16], n[16], rfd[16], wfd[16];
		int keep[2];

		CHECK_SYS(pipe2(down[i], O_CLOEXEC));
		snprintf(idx, sizeof(idx), "%d", i);
		snprintf(n, sizeof(n), "%d", PEERS);
		snprintf(rfd, sizeof(rfd), "%d", down[i][0]);
		snprintf(wfd, sizeof(wfd), "%d", up[1]);
		keep[0] = down[i][0];
		keep[1] = up[1];
		pids[i] = spawn_role("all_to_all", (char *[]){ idx, n, rfd, wfd,
				     NULL }, keep, 2);
		close(down[i][0]);
	}
	close(up[1]);

	for (int i = 0; i < PEERS; i++) {
		recv_from_peers(up[0], &m, pids, PEERS);
		CHECK(m.idx >= 0 && m.idx < PEERS && m.val > 0);
		segids[m.idx] = m.val;
	}
	for (int i = 0; i < PEERS; i++)
		CHECK_EQ(write(down[i][1], segids, sizeof(segids)),
			 sizeof(segids));
	for (int i = 0; i < PEERS; i++) {
		recv_from_peers(up[0], &m, pids, PEERS);
		CHECK_EQ(m.val, 0);
	}
	for (int i = 0; i < PEERS; i++)
		CHECK_EQ(write(down[i][1], &go, sizeof(go)), sizeof(go));
	for (int i = 0; i < PEERS; i++)
		WAIT_OK(pids[i]);
}
