// SPDX-License-Identifier: GPL-2.0
/*
 * t_attack_race.c - an unprivileged attacker racing its own address-space
 * calls against xpmem's: remap_file_pages() against other processes'
 * ATTACHes, munmap/mprotect/mremap/remap_file_pages of a fixed address
 * against ATTACH and DETACH there, munmap against RELEASE, lookups of an
 * apid (its owner's threads and a stranger's) against its RELEASE, and
 * all of it against exporters that REMOVE their segments or exit.
 *
 * Each race runs for a few seconds of threads (and processes), prints
 * how many iterations it managed, and passes only if nothing crashed or
 * hung, every call returned one of its documented results, nothing ever
 * showed memory the attacker was not given, and (attack_end) nothing
 * leaked.
 */
#define TEST_ORDER 94
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

#define RACE_SECS	4.0
#define RACE_PAGES	4

/* ---- threads that reshape whatever is mapped at a fixed address ---------- */

enum { RESHAPE_MUNMAP, RESHAPE_MPROTECT, RESHAPE_MREMAP, RESHAPE_REMAP,
       RESHAPE_TOUCH, N_RESHAPERS };

struct target {
	char *x;		/* attachments of segment offset 0 go here */
	char *away;		/* where mremap tries to move them */
	unsigned long pgoff;	/* where remap_file_pages tries to point */
	volatile int stop;
};

struct reshaper {
	struct target *t;
	int kind;
	unsigned int seed;
	unsigned long iters;
	pthread_t th;
};

static void reshape(struct reshaper *r, char *a, size_t len)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_NONE };
	size_t off = a - r->t->x + 8 * (rand_r(&r->seed) % (PAGE_SZ / 8));
	uint64_t v;
	void *moved;

	switch (r->kind) {
	case RESHAPE_MUNMAP:
		expect_errno("munmap", munmap(a, len), 0);
		break;
	case RESHAPE_MPROTECT:
		expect_errno("mprotect", mprotect(a, len, prots[rand_r(&r->seed)
			     % 3]), ENOMEM, 0);
		break;
	case RESHAPE_MREMAP:
		if (rand_r(&r->seed) % 2)
			moved = mremap(a, len, len, MREMAP_MAYMOVE |
				       MREMAP_FIXED, r->t->away);
		else
			moved = mremap(a, len, len + PAGE_SZ, MREMAP_MAYMOVE);
		if (moved != MAP_FAILED)
			FAIL("mremap moved or grew an attachment at %p to %p",
			     (void *)a, moved);
		expect_errno("mremap of an attachment", -1, EINVAL,
			     EFAULT, ENOMEM, 0);
		break;
	case RESHAPE_REMAP:
		if (!remap_file_pages(a, PAGE_SZ, 0, r->t->pgoff, 0))
			FAIL("remap_file_pages re-pointed the attachment page "
			     "at %p", (void *)a);
		expect_errno("remap_file_pages", -1, EINVAL, EACCES, 0);
		break;
	default:
		if (!tprobe_read(r->t->x + off, &v) && v != pat_word(1, off))
			FAIL("read 0x%llx at +0x%zx of an attachment: not the "
			     "exporter's data", (unsigned long long)v, off);
		tprobe_write(r->t->x + off, pat_word(1, off));
		break;
	}
}

static void *reshape_loop(void *arg)
{
	struct reshaper *r = arg;

	while (!r->t->stop) {
		size_t first = rand_r(&r->seed) % RACE_PAGES;
		size_t n = 1 + rand_r(&r->seed) % (RACE_PAGES - first);

		reshape(r, r->t->x + PAGES(first), PAGES(n));
		r->iters++;
	}
	return NULL;
}

static void reshapers_start(struct reshaper *r, struct target *t)
{
	for (int k = 0; k < N_RESHAPERS; k++) {
		r[k] = (struct reshaper){ .t = t, .kind = k,
					  .seed = getpid() * 7 + k };
		pthread_create(&r[k].th, NULL, reshape_loop, &r[k]);
	}
}

static void reshapers_stop(struct reshaper *r)
{
	r[0].t->stop = 1;
	for (int k = 0; k < N_RESHAPERS; k++)
		pthread_join(r[k].th, NULL);
	note("reshapers: %lu munmap, %lu mprotect, %lu mremap, "
	     "%lu remap_file_pages, %lu touches", r[RESHAPE_MUNMAP].iters,
	     r[RESHAPE_MPROTECT].iters, r[RESHAPE_MREMAP].iters,
	     r[RESHAPE_REMAP].iters, r[RESHAPE_TOUCH].iters);
}

static void target_init(struct target *t, uint64_t exporter_base)
{
	t->x = far_address();
	t->away = t->x + PAGES(64);
	t->pgoff = exporter_base / PAGE_SZ + 1;
	t->stop = 0;
}

/* ---- ATTACH and DETACH at the fixed address ------------------------------ */

struct fixed_user {
	struct target *t;
	const volatile int64_t *segid_board;	/* GET this each time */
	xpmem_apid_t apid;			/* else use this permit */
	bool no_detach;				/* others unmap it */
	unsigned long attached, iters;
	pthread_t th;
};

static void *attach_detach_loop(void *arg)
{
	struct fixed_user *u = arg;
	struct xpmem_addr a = { u->apid, 0 };

	while (!u->t->stop) {
		void *p;

		if (u->segid_board) {
			if (!*u->segid_board)
				continue;
			a.apid = xpmem_get(*u->segid_board, XPMEM_RDWR,
					   XPMEM_PERMIT_MODE, NULL);
			expect_errno("GET", a.apid, ENOENT, 0);
			if (a.apid == -1)
				continue;
		}
		p = xpmem_attach(a, PAGES(RACE_PAGES), u->t->x);
		expect_errno("ATTACH at a fixed address", p == MAP_FAILED ? -1 :
			     0, EINVAL, ENOENT, 0);
		if (p != MAP_FAILED) {
			CHECK(p == u->t->x, "ATTACH at %p returned %p",
			      (void *)u->t->x, p);
			u->attached++;
		}
		if (!u->no_detach && rand() % 2)
			expect_errno("DETACH", xpmem_detach(u->t->x + PAGES(
				     rand() % RACE_PAGES)), 0);
		if (u->segid_board)
			expect_errno("RELEASE", xpmem_release(a.apid), 0);
		u->iters++;
	}
	return NULL;
}

TEST_EX(attack_vma_syscalls_racing_attach_and_detach_at_a_fixed_address, 0, 90)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, RACE_PAGES, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		struct reshaper r[N_RESHAPERS];
		struct fixed_user u = { 0 };
		struct target t;

		catch_faults();
		target_init(&t, ex.base);
		u.t = &t;
		u.apid = get_ok(ex.segid, XPMEM_RDWR);
		reshapers_start(r, &t);
		pthread_create(&u.th, NULL, attach_detach_loop, &u);
		sleep_sec(RACE_SECS);
		t.stop = 1;
		pthread_join(u.th, NULL);
		reshapers_stop(r);
		note("%lu ATTACH/DETACH rounds, %lu attached", u.iters,
		     u.attached);
		CHECK_SYS(xpmem_detach(t.x));
		CHECK_SYS(xpmem_release(u.apid));
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGES(RACE_PAGES), 1);
	exporter_quit(&ex);
	attack_end(&before);
}

static void *unmap_whole_loop(void *arg)
{
	struct target *t = arg;
	unsigned long n = 0;

	while (!t->stop) {
		expect_errno("munmap", munmap(t->x, PAGES(RACE_PAGES)), 0);
		n++;
	}
	return (void *)n;
}

TEST_EX(attack_munmap_racing_a_fixed_address_attach_cannot_free_it_under_attach,
	0, 90)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, RACE_PAGES, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		struct fixed_user u = { .no_detach = true };
		unsigned long unmaps = 0;
		struct target t;
		pthread_t th[2];
		void *n;

		target_init(&t, ex.base);
		u.t = &t;
		u.apid = get_ok(ex.segid, XPMEM_RDWR);
		for (int i = 0; i < 2; i++)
			pthread_create(&th[i], NULL, unmap_whole_loop, &t);
		pthread_create(&u.th, NULL, attach_detach_loop, &u);
		sleep_sec(RACE_SECS);
		t.stop = 1;
		pthread_join(u.th, NULL);
		for (int i = 0; i < 2; i++) {
			pthread_join(th[i], &n);
			unmaps += (unsigned long)n;
		}
		note("%lu ATTACHes at a fixed address (%lu mapped) against "
		     "%lu munmaps of it", u.iters, u.attached, unmaps);
		peer_exit(0);
	}
	WAIT_OK(pid);
	exporter_quit(&ex);
	attack_end(&before);
}

/* ---- remap_file_pages against concurrent ATTACHes ------------------------ */

#define STEAL_BAIT_THREADS 2

struct steal {
	xpmem_apid_t apid;
	unsigned long secret_pgoff;
	double end;
	unsigned long attaches, attach_failures, remaps, wrong_errno;
	int first_attach_errno, first_remap_errno;
};

/* kernel-placed attach and detach, as fast as possible */
static void *attach_loop(void *arg)
{
	struct steal *s = arg;
	struct xpmem_addr a = { s->apid, 0 };

	while (now_sec() < s->end) {
		void *p = xpmem_attach(a, PAGES(2), NULL);

		__sync_fetch_and_add(&s->attaches, 1);
		if (p == MAP_FAILED) {
			if (!__sync_fetch_and_add(&s->attach_failures, 1))
				s->first_attach_errno = errno;
			continue;
		}
		expect_errno("DETACH", xpmem_detach(p), 0);
	}
	return NULL;
}

/* attach a page as bait, then ask remap_file_pages for the secret */
static void *bait_loop(void *arg)
{
	struct steal *s = arg;
	struct xpmem_addr a = { s->apid, 0 };
	uint64_t v;

	while (now_sec() < s->end) {
		char *bait = xpmem_attach(a, PAGE_SZ, NULL);

		if (bait == MAP_FAILED)
			FAIL("the bait ATTACH: %s", errname(errno));
		__sync_fetch_and_add(&s->remaps, 1);
		if (!remap_file_pages(bait, PAGE_SZ, 0, s->secret_pgoff, 0)) {
			int sig = tprobe_read(bait, &v);

			FAIL("remap_file_pages stole an attachment and pointed it "
			     "at the exporter's 0x%lx, outside the segment; "
			     "reading it gave %s%s", s->secret_pgoff * PAGE_SZ,
			     sig ? signame(sig) : "data",
			     !sig && v == pat_word(SECRET_SEED, PAGES(2)) ?
			     " (the exporter's secret)" : "");
		}
		if (errno != EACCES &&
		    !__sync_fetch_and_add(&s->wrong_errno, 1))
			s->first_remap_errno = errno;
		/* a failed remap_file_pages has unmapped the bait already */
	}
	return NULL;
}

static void check_steal(struct steal *s, const char *who)
{
	note("%s: %lu ATTACHes, %lu remap_file_pages", who, s->attaches,
	     s->remaps);
	CHECK(!s->attach_failures, "%s: %lu of %lu ATTACHes failed, the "
	      "first with %s (its attachment stolen?)", who,
	      s->attach_failures, s->attaches,
	      errname(s->first_attach_errno));
	CHECK(!s->wrong_errno, "%s: %lu of %lu remap_file_pages of an "
	      "attachment failed with %s (the first), expected EACCES", who,
	      s->wrong_errno, s->remaps, errname(s->first_remap_errno));
}

/* threads: 2 attach loops, and bait loops if bait */
static void steal_race(xpmem_segid_t segid, uint64_t base, bool bait,
		       const char *who)
{
	struct steal s = { .apid = get_ok(segid, XPMEM_RDONLY),
			   .secret_pgoff = base / PAGE_SZ + 2,
			   .end = now_sec() + RACE_SECS };
	pthread_t t[2 + STEAL_BAIT_THREADS];
	int n = 0;

	catch_faults();
	pthread_create(&t[n++], NULL, attach_loop, &s);
	pthread_create(&t[n++], NULL, attach_loop, &s);
	for (int i = 0; bait && i < STEAL_BAIT_THREADS; i++)
		pthread_create(&t[n++], NULL, bait_loop, &s);
	while (n)
		pthread_join(t[--n], NULL);
	check_steal(&s, who);
	peer_exit(0);
}

TEST_EX(attack_remap_file_pages_cannot_steal_a_concurrent_attach, 0, 90)
{
	struct census before;
	struct churner c;
	pid_t victim, pid;

	attack_begin(&before);
	/* 4 pages, the segment covers 2: the rest is the secret */
	churner_start(&c, &(struct churner_opts){ .uid = VICTIM_UID,
			.pages = 4, .exported = 2, .mode = 0644, .seed = 1 });
	victim = fork_as(VICTIM_UID, NULL);
	if (victim == 0)
		steal_race(c.segid, c.base, false, "the victim");
	pid = fork_nobody(NULL);
	if (pid == 0)
		steal_race(c.segid, c.base, true, "the attacker");
	WAIT_OK(pid);
	WAIT_OK(victim);
	churner_stop(&c);
	attack_end(&before);
}

/* ---- munmap against RELEASE ---------------------------------------------- */

#define RELEASE_ATTACHMENTS 16

struct release_race {
	pthread_barrier_t start, end;
	char *x;
	xpmem_apid_t apid;
	volatile int stop;
};

static void *unmap_one_by_one(void *arg)
{
	struct release_race *rr = arg;

	for (;;) {
		pthread_barrier_wait(&rr->start);
		if (rr->stop)
			return NULL;
		for (int i = 0; i < RELEASE_ATTACHMENTS; i++)
			expect_errno("munmap", munmap(rr->x + PAGES(2 * i),
				     PAGE_SZ), 0);
		pthread_barrier_wait(&rr->end);
	}
}

static void *unmap_all_at_once(void *arg)
{
	struct release_race *rr = arg;

	for (;;) {
		pthread_barrier_wait(&rr->start);
		if (rr->stop)
			return NULL;
		expect_errno("munmap", munmap(rr->x, PAGES(2 *
			     RELEASE_ATTACHMENTS)), 0);
		pthread_barrier_wait(&rr->end);
	}
}

static void *release_it(void *arg)
{
	struct release_race *rr = arg;

	for (;;) {
		pthread_barrier_wait(&rr->start);
		if (rr->stop)
			return NULL;
		expect_errno("RELEASE", xpmem_release(rr->apid), 0);
		pthread_barrier_wait(&rr->end);
	}
}

TEST_EX(attack_munmap_racing_release_never_revives_a_dying_attachment, 0, 90)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 1, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		void *(*const fns[])(void *) = { unmap_one_by_one,
			unmap_all_at_once, release_it };
		struct release_race rr = { .x = far_address() };
		double end = now_sec() + RACE_SECS;
		struct xpmem_addr a = { 0, 0 };
		pthread_t t[3];
		int rounds = 0;

		pthread_barrier_init(&rr.start, NULL, 4);
		pthread_barrier_init(&rr.end, NULL, 4);
		for (int i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, fns[i], &rr);
		while (now_sec() < end) {
			a.apid = rr.apid = get_ok(ex.segid, XPMEM_RDWR);
			for (int i = 0; i < RELEASE_ATTACHMENTS; i++)
				CHECK(xpmem_attach(a, PAGE_SZ, rr.x + PAGES(2 * i))
				      != MAP_FAILED, "ATTACH #%d: %s", i,
				      errname(errno));
			pthread_barrier_wait(&rr.start);
			pthread_barrier_wait(&rr.end);
			for (int i = 0; i < RELEASE_ATTACHMENTS; i++)
				CHECK(!mapping_length(rr.x + PAGES(2 * i)),
				      "round %d: attachment %d survived", rounds,
				      i);
			rounds++;
		}
		rr.stop = 1;
		pthread_barrier_wait(&rr.start);
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
		note("%d rounds of %d attachments unmapped while released",
		     rounds, RELEASE_ATTACHMENTS);
		peer_exit(0);
	}
	WAIT_OK(pid);
	exporter_quit(&ex);
	attack_end(&before);
}

/* ---- lookups of apids racing their RELEASE ------------------------------- */

struct apid_board {
	volatile int64_t apid;		/* the owner's newest permit */
	volatile int stop;
};

struct prober {
	struct apid_board *b;
	bool stranger;			/* in another process than the owner */
	unsigned long attached, released, refused;
	pthread_t th;
};

/*
 * ATTACH and RELEASE whatever apid the owner shows, while the owner
 * releases it: its own threads may win, a stranger never does, and
 * either way the lookup must not touch a permit being freed.
 */
static void *probe_apids(void *arg)
{
	struct prober *p = arg;

	while (!p->b->stop) {
		struct xpmem_addr a = { p->b->apid, 0 };
		void *at;

		if (!a.apid)		/* the owner's first GET is to come */
			continue;
		at = xpmem_attach(a, PAGE_SZ, NULL);
		if (at != MAP_FAILED) {
			CHECK(!p->stranger, "a stranger attached apid %#llx",
			      (unsigned long long)a.apid);
			CHECK_SYS(xpmem_detach(at));
			p->attached++;
		} else {
			expect_errno("ATTACH of an apid being released",
				     -1, ENOENT, EACCES, 0);
			p->refused++;
		}
		if (!xpmem_release(a.apid)) {
			CHECK(!p->stranger, "a stranger released apid %#llx",
			      (unsigned long long)a.apid);
			p->released++;
		} else {
			expect_errno("RELEASE of an apid being released",
				     -1, ENOENT, EACCES, 0);
		}
	}
	return NULL;
}

static void probe_start(struct prober *p, struct apid_board *b, bool stranger)
{
	*p = (struct prober){ .b = b, .stranger = stranger };
	CHECK_EQ(pthread_create(&p->th, NULL, probe_apids, p), 0);
}

TEST_EX(attack_lookups_racing_the_release_of_their_apid_find_it_or_nothing,
	0, 90)
{
	struct apid_board *b = CHECK_SYS((struct apid_board *)mmap(NULL,
			sizeof(*b), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	struct census before;
	struct exporter ex;
	pid_t owner, stranger;

	attack_begin(&before);
	victim_start(&ex, 1, 0666);
	owner = fork_nobody(NULL);
	if (owner == 0) {
		double end = now_sec() + RACE_SECS;
		unsigned long gets = 0, lost = 0;
		struct prober p[2];

		for (int i = 0; i < 2; i++)
			probe_start(&p[i], b, false);
		while (now_sec() < end) {
			b->apid = get_ok(ex.segid, XPMEM_RDONLY);
			gets++;
			if (xpmem_release(b->apid)) {
				expect_errno("RELEASE", -1, ENOENT, EACCES, 0);
				lost++;
			}
		}
		b->stop = 1;
		for (int i = 0; i < 2; i++)
			pthread_join(p[i].th, NULL);
		note("owner: %lu GETs, %lu released by its own probes; probes "
		     "attached %lu and %lu times, refused %lu and %lu", gets,
		     lost, p[0].attached, p[1].attached, p[0].refused,
		     p[1].refused);
		peer_exit(0);
	}
	stranger = fork_nobody(NULL);	/* the owner's uid, not its process */
	if (stranger == 0) {
		struct prober p;

		probe_start(&p, b, true);
		pthread_join(p.th, NULL);
		CHECK(p.refused, "the stranger never got an answer");
		note("stranger: %lu refusals", p.refused);
		peer_exit(0);
	}
	WAIT_OK(owner);
	WAIT_OK(stranger);
	munmap(b, sizeof(*b));
	exporter_quit(&ex);
	attack_end(&before);
}

/* ---- against exporters that remove their segments or exit ---------------- */

struct board {
	volatile int64_t segid;		/* the newest segment */
	volatile int stop;
	volatile unsigned long made;
};

/* exporters, one after another: MAKE, publish, live briefly, go */
static void spawn_exporters(struct board *b)
{
	srandom(getpid());
	while (!b->stop) {
		pid_t pid = fork_plain();

		if (pid == 0) {
			char *buf = CHECK_SYS((char *)mmap(NULL,
					PAGES(RACE_PAGES), PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
			xpmem_segid_t id;

			pat_fill(buf, 0, PAGES(RACE_PAGES), 1);
			id = make_ok(buf, PAGES(RACE_PAGES), 0666);
			b->segid = id;
			usleep(random() % 20000);
			if (random() % 2)
				CHECK_SYS(xpmem_remove(id));
			peer_exit(0);	/* the rest goes with the exit */
		}
		WAIT_OK(pid);
		b->made++;
	}
	peer_exit(0);
}

TEST_EX(attack_vma_syscalls_racing_segments_that_are_removed_or_whose_exporter_exits,
	0, 90)
{
	struct census before;
	struct board *b;
	pid_t spawner, pid;

	attack_begin(&before);
	b = CHECK_SYS((struct board *)mmap(NULL, sizeof(*b), PROT_READ |
					   PROT_WRITE, MAP_SHARED |
					   MAP_ANONYMOUS, -1, 0));
	spawner = fork_as(VICTIM_UID, NULL);
	if (spawner == 0)
		spawn_exporters(b);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		struct reshaper r[N_RESHAPERS];
		struct fixed_user u[2] = { 0 };
		struct target t, t2;

		catch_faults();
		target_init(&t, 0);
		target_init(&t2, 0);
		for (int i = 0; i < 2; i++) {
			u[i].t = i ? &t2 : &t;
			u[i].segid_board = &b->segid;
			pthread_create(&u[i].th, NULL, attach_detach_loop, &u[i]);
		}
		reshapers_start(r, &t);
		sleep_sec(RACE_SECS);
		t.stop = t2.stop = 1;
		for (int i = 0; i < 2; i++)
			pthread_join(u[i].th, NULL);
		reshapers_stop(r);
		note("%lu + %lu GET/ATTACH/DETACH/RELEASE rounds, %lu + %lu "
		     "attached", u[0].iters, u[1].iters, u[0].attached,
		     u[1].attached);
		peer_exit(0);
	}
	WAIT_OK(pid);
	b->stop = 1;
	WAIT_OK(spawner);
	note("%lu exporters came and went", b->made);
	attack_end(&before);
}
