// SPDX-License-Identifier: GPL-2.0
/*
 * t_huge.c - 2 MiB mappings: a source block the exporter maps with one PMD
 * (THP, hugetlb) is mapped into the attacher with one PMD by one fault,
 * and every way the source block can change -- a 4 KiB MADV_DONTNEED
 * inside it, split_huge_page, migration, khugepaged's collapse -- takes it
 * away whole and leaves the data coherent; so do partial munmap and
 * mprotect of the attachment, and a fork of the exporter, after which
 * every store lands on its own side of the copy. A block the exporter
 * never wrote (the huge zero page) maps with 4 KiB PTEs. On kernels without special huge PMDs
 * (/sys/module/xpmem/parameters/pmd_mappings = N) the cases that count
 * PMDs skip; the coherence cases run on 4 KiB PTEs.
 */
#define TEST_ORDER 37
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "attack.h"

#define BLOCK		512			/* pages per 2 MiB block */
#define HUGE_PAGES	(2 * BLOCK)		/* two blocks */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

static bool pmd_mappings(void)
{
	return param_is_set("pmd_mappings");
}

/* an exporter whose buffer is two THP blocks (pattern 1), attached RDWR */
static char *start_thp(struct exporter *ex, int perm)
{
	exporter_start(ex, &(struct ex_opts){ .pages = HUGE_PAGES, .seed = 1,
		       .huge = EX_HUGE_THP });
	if (anon_huge_kb(ex->pid) < (long)PAGES(HUGE_PAGES) / 1024)
		SKIP("the exporter got no transparent huge pages");
	return attach_ok(get_ok(ex->segid, perm), ex->off0, PAGES(HUGE_PAGES));
}

/* since before: a PMD of the first block went whole (where PMDs exist) */
static void check_block_zapped(const struct census *before)
{
	struct census now;

	census_take(&now);
	if (pmd_mappings())
		CHECK_EQ(before->mapped_pages - now.mapped_pages, BLOCK);
}

static void require_pmds(void)
{
	if (!pmd_mappings())
		SKIP("this kernel cannot map 2 MiB blocks (pmd_mappings=N)");
}

TEST(attachment_of_a_thp_source_is_placed_2_mib_congruent_with_it)
{
	struct exporter ex;
	char *p;

	require_pmds();
	p = start_thp(&ex, XPMEM_RDONLY);
	CHECK_EQ(((uintptr_t)p - ex.base) % PAGES(BLOCK), 0);
}

TEST(first_touch_of_a_thp_source_block_maps_it_whole_with_one_fault)
{
	uint64_t faults, mapped;
	struct exporter ex;
	char *p;

	require_pmds();
	p = start_thp(&ex, XPMEM_RDONLY);
	touch_counted(p + PAGES(BLOCK + 7), &faults, &mapped);
	CHECK_EQ(faults, 1);
	CHECK_EQ(mapped, BLOCK);
	CHECK_PATTERN(p + PAGES(BLOCK), PAGES(BLOCK), PAGES(BLOCK), 1);
	touch_counted(p + PAGES(BLOCK + 300), &faults, &mapped);
	CHECK_EQ(faults, 0);
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
}

#define ZERO_PAGE_KNOB	"/sys/kernel/mm/transparent_hugepage/use_zero_page"

/*
 * A THP source block read before the exporter ever wrote it is the huge
 * zero page. Its PMD must not be copied (a zap of a special PMD that maps
 * it oopses on 7.2): the attacher maps it with 4 KiB PTEs, reads zeros,
 * and the exporter's first write (a split of its zero PMD) zaps them.
 */
TEST(a_thp_block_never_written_maps_as_4k_zeros_until_the_exporters_first_write)
{
	long zero_page = file_read_long(ZERO_PAGE_KNOB);
	uint64_t faults, mapped;
	struct exporter ex;
	char *p;

	if (zero_page < 0 || !file_write_long(ZERO_PAGE_KNOB, 1))
		SKIP("no %s to turn on", ZERO_PAGE_KNOB);
	exporter_start(&ex, &(struct ex_opts){ .pages = HUGE_PAGES,
		       .huge = EX_HUGE_THP });
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0,
		      PAGES(HUGE_PAGES));
	touch_counted(p + PAGES(7), &faults, &mapped);
	CHECK(faults >= 1 && mapped < BLOCK,
	      "%llu faults mapped %llu pages: the zero block went in whole",
	      (unsigned long long)faults, (unsigned long long)mapped);
	for (size_t i = 0; i < PAGES(BLOCK); i += PAGE_SZ / 2)
		CHECK(!p[i], "byte %zu of a never written block is %d", i, p[i]);
	ex_do(&ex, EX_FILL, 0, PAGES(HUGE_PAGES), 5);
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 5);
	detach_ok(p);
	exporter_quit(&ex);
	file_write_long(ZERO_PAGE_KNOB, zero_page);
}

TEST(stores_through_a_pmd_of_fresh_thp_reach_the_exporter_with_one_fault)
{
	struct census c0, c1;
	struct exporter ex;
	char *p;

	require_pmds();
	p = start_thp(&ex, XPMEM_RDWR);
	census_take(&c0);
	pat_fill(p, 0, PAGES(BLOCK), 2);
	census_take(&c1);
	CHECK_EQ(c1.faults - c0.faults, 1);
	CHECK_EX_PATTERN(&ex, 0, PAGES(BLOCK), 2);
}

TEST(rdonly_attacher_cannot_store_through_a_pmd)
{
	struct exporter ex;
	char *p;

	require_pmds();
	p = start_thp(&ex, XPMEM_RDONLY);
	CHECK_PATTERN(p, 0, PAGES(BLOCK), 1);
	CHECK_WRITE_SIGNALS(p + PAGES(3), SIGSEGV);
	CHECK_EX_PATTERN(&ex, 0, PAGES(BLOCK), 1);
}

TEST(dontneed_of_one_page_inside_a_thp_zaps_the_block_and_stays_coherent)
{
	struct census c0;
	struct exporter ex;
	char *p = start_thp(&ex, XPMEM_RDWR);

	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	census_take(&c0);
	ex_do(&ex, EX_DONTNEED, PAGES(100), PAGE_SZ, 0);	/* splits it */
	check_block_zapped(&c0);
	CHECK_ZERO(p + PAGES(100), PAGE_SZ);
	CHECK_PATTERN(p, 0, PAGES(100), 1);
	CHECK_PATTERN(p + PAGES(101), PAGES(101), PAGES(HUGE_PAGES - 101), 1);
	ex_do(&ex, EX_FILL, PAGES(200), PAGES(4), 3);
	CHECK_PATTERN(p + PAGES(200), PAGES(200), PAGES(4), 3);
	pat_fill(p + PAGES(300), PAGES(300), PAGES(4), 4);
	CHECK_EX_PATTERN(&ex, PAGES(300), PAGES(4), 4);
}

static bool split_huge_pages(pid_t pid, uint64_t start, uint64_t end)
{
	FILE *f = fopen("/sys/kernel/debug/split_huge_pages", "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%d,0x%llx,0x%llx", (int)pid, (unsigned long long)start,
		     (unsigned long long)end) > 0;
	return !fclose(f) && ok;
}

TEST(split_huge_page_of_the_source_zaps_the_block_and_stays_coherent)
{
	struct census c0;
	struct exporter ex;
	char *p = start_thp(&ex, XPMEM_RDWR);

	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	census_take(&c0);
	if (!split_huge_pages(ex.pid, ex.base, ex.base + PAGES(BLOCK)))
		SKIP("no debugfs split_huge_pages: %s", errname(errno));
	check_block_zapped(&c0);
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	ex_do(&ex, EX_FILL, PAGES(10), PAGES(2), 5);
	CHECK_PATTERN(p + PAGES(10), PAGES(10), PAGES(2), 5);
}

TEST(migration_of_a_thp_source_zaps_the_block_and_stays_coherent)
{
	struct census c0, c1;
	struct exporter ex;
	int n0, n1, node;
	char *p;

	two_nodes(&n0, &n1);
	p = start_thp(&ex, XPMEM_RDWR);
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	node = (int)ex_do(&ex, EX_NODE_OF, 0, 0, 0);
	census_take(&c0);
	CHECK_EQ(ex_do(&ex, EX_MOVE_PAGES, 0, PAGES(BLOCK), node == n0 ? n1 : n0),
		 BLOCK);
	census_take(&c1);
	if (pmd_mappings())
		CHECK(c0.mapped_pages - c1.mapped_pages >= BLOCK,
		      "migration unmapped %llu pages",
		      (unsigned long long)(c0.mapped_pages - c1.mapped_pages));
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	ex_do(&ex, EX_FILL, 0, PAGES(BLOCK), 6);
	CHECK_PATTERN(p, 0, PAGES(BLOCK), 6);
}

/*
 * fork write-protects the exporter's THP blocks and shares them copy on
 * write with the child. A block the attacher mapped writable before must
 * not stay writable: a store through it would land in the child's copy.
 */
static char *start_thp_then_fork(struct exporter *ex)
{
	char *p = start_thp(ex, XPMEM_RDWR);

	pat_fill(p, 0, PAGES(BLOCK), 1);	/* maps block 0 writable */
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	ex_do(ex, EX_FORK, 0, 0, 0);
	return p;
}

TEST(attacher_store_into_a_thp_shared_with_the_exporters_forked_child_misses_the_child)
{
	struct exporter ex;
	char *p = start_thp_then_fork(&ex);

	pat_fill(p + PAGES(5), PAGES(5), PAGES(3), 2);
	pat_fill(p + PAGES(BLOCK + 9), PAGES(BLOCK + 9), PAGE_SZ, 2);
	CHECK_EX_PATTERN(&ex, PAGES(5), PAGES(3), 2);
	CHECK_EX_PATTERN(&ex, PAGES(BLOCK + 9), PAGE_SZ, 2);
	CHECK_EQ(ex_kid(&ex, EX_VERIFY, 0, PAGES(HUGE_PAGES), 1), 0);
}

TEST(forked_childs_stores_into_its_thp_copy_miss_the_attacher)
{
	struct exporter ex;
	char *p = start_thp_then_fork(&ex);

	ex_kid(&ex, EX_FILL, 0, PAGES(HUGE_PAGES), 9);
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	CHECK_EX_PATTERN(&ex, 0, PAGES(HUGE_PAGES), 1);
}

TEST(exporters_stores_into_a_thp_after_fork_reach_the_attacher_not_the_child)
{
	struct exporter ex;
	char *p = start_thp_then_fork(&ex);

	ex_do(&ex, EX_FILL, PAGES(BLOCK - 4), PAGES(8), 7);
	CHECK_PATTERN(p + PAGES(BLOCK - 4), PAGES(BLOCK - 4), PAGES(8), 7);
	pat_fill(p + PAGES(BLOCK - 2), PAGES(BLOCK - 2), PAGES(4), 8);
	CHECK_EX_PATTERN(&ex, PAGES(BLOCK - 2), PAGES(4), 8);
	CHECK_EQ(ex_kid(&ex, EX_VERIFY, 0, PAGES(HUGE_PAGES), 1), 0);
}

TEST(collapse_into_a_thp_keeps_the_attacher_coherent_and_later_attaches_map_it_whole)
{
	uint64_t faults, mapped, unused;
	struct exporter ex;
	char *p, *q;
	int err;

	exporter_start(&ex, &(struct ex_opts){ .pages = HUGE_PAGES,
		       .huge = EX_HUGE_THP });
	ex_do(&ex, EX_MADVISE, 0, PAGES(HUGE_PAGES), MADV_NOHUGEPAGE);
	ex_do(&ex, EX_FILL, 0, PAGES(HUGE_PAGES), 7);	/* 4 KiB pages */
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), ex.off0, PAGES(HUGE_PAGES));
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 7);
	ex_do(&ex, EX_MADVISE, 0, PAGES(HUGE_PAGES), MADV_HUGEPAGE);
	err = ex_try(&ex, EX_SELF, EX_MADVISE, 0, PAGES(HUGE_PAGES),
		     MADV_COLLAPSE, &unused);
	if (err)
		SKIP("MADV_COLLAPSE: %s", strerror(err));
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 7);
	pat_fill(p + PAGES(5), PAGES(5), PAGES(3), 8);
	CHECK_EX_PATTERN(&ex, PAGES(5), PAGES(3), 8);
	if (!pmd_mappings())
		return;
	q = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0,
		      PAGES(HUGE_PAGES));
	touch_counted(q + PAGES(BLOCK), &faults, &mapped);
	CHECK_EQ(mapped, BLOCK);
	CHECK_PATTERN(q, 0, PAGES(5), 7);
}

TEST(mprotect_of_one_page_of_a_pmd_splits_it_and_protects_only_that_page)
{
	struct census c0;
	struct exporter ex;
	char *p = start_thp(&ex, XPMEM_RDWR);

	pat_fill(p, 0, PAGES(BLOCK), 9);
	census_take(&c0);
	CHECK_SYS(mprotect(p + PAGES(9), PAGE_SZ, PROT_READ));
	check_block_zapped(&c0);
	CHECK_PATTERN(p, 0, PAGES(BLOCK), 9);
	CHECK_WRITE_SIGNALS(p + PAGES(9) + 8, SIGSEGV);
	pat_fill(p + PAGES(10), PAGES(10), PAGES(2), 10);
	CHECK_EX_PATTERN(&ex, PAGES(10), PAGES(2), 10);
	CHECK_EX_PATTERN(&ex, PAGES(9), PAGE_SZ, 9);
}

TEST(munmap_of_part_of_a_pmd_keeps_the_rest_and_counts_balance)
{
	struct census c0, c1;
	struct exporter ex;
	char *p = start_thp(&ex, XPMEM_RDONLY);

	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	census_take(&c0);
	CHECK_SYS(munmap(p + PAGES(BLOCK - 8), PAGES(16)));
	CHECK_PATTERN(p, 0, PAGES(BLOCK - 8), 1);
	CHECK_PATTERN(p + PAGES(BLOCK + 8), PAGES(BLOCK + 8), PAGES(BLOCK - 8), 1);
	CHECK_SYS(munmap(p, PAGES(HUGE_PAGES)));
	census_take(&c1);
	CHECK_EQ(c0.mapped_pages - c1.mapped_pages, HUGE_PAGES);
}

TEST(mprotect_of_a_whole_pmd_mapped_attachment_round_trips)
{
	struct exporter ex;
	char *p = start_thp(&ex, XPMEM_RDWR);

	pat_fill(p, 0, PAGES(HUGE_PAGES), 14);
	CHECK_SYS(mprotect(p, PAGES(HUGE_PAGES), PROT_READ));
	CHECK_WRITE_SIGNALS(p + PAGES(BLOCK) + 8, SIGSEGV);
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 14);
	CHECK_SYS(mprotect(p, PAGES(HUGE_PAGES), PROT_NONE));
	CHECK_READ_SIGNALS(p + PAGES(BLOCK), SIGSEGV);
	CHECK_SYS(mprotect(p, PAGES(HUGE_PAGES), PROT_READ | PROT_WRITE));
	pat_fill(p, 0, PAGES(HUGE_PAGES), 15);
	CHECK_EX_PATTERN(&ex, 0, PAGES(HUGE_PAGES), 15);
}

TEST(mremap_cannot_move_a_pmd_mapped_attachment)
{
	struct exporter ex;
	char *p = start_thp(&ex, XPMEM_RDONLY);
	void *to = free_address(PAGES(HUGE_PAGES + BLOCK));

	to = (void *)(((uintptr_t)to + PAGES(BLOCK) - 1) & ~(PAGES(BLOCK) - 1));
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	CHECK_ERRNO(mremap(p, PAGES(HUGE_PAGES), PAGES(HUGE_PAGES),
			   MREMAP_MAYMOVE | MREMAP_FIXED, to), EINVAL);
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	CHECK(!range_is_mapped(to, PAGE_SZ), "something is mapped at the target");
}

/* get_user_pages(), fast or not, refuses a PMD of ours as it does PTEs */
TEST(vmsplice_and_process_vm_readv_refuse_a_pmd_mapped_attachment)
{
	struct iovec local, remote;
	static char buf[PAGE_SZ];
	struct exporter ex;
	int pipefd[2];
	char *p = start_thp(&ex, XPMEM_RDONLY);

	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	CHECK_SYS(pipe(pipefd));
	remote = (struct iovec){ p + PAGES(7), PAGE_SZ };
	CHECK_ERRNO(vmsplice(pipefd[1], &remote, 1, 0), EFAULT);
	local = (struct iovec){ buf, PAGE_SZ };
	CHECK_ERRNO(process_vm_readv(getpid(), &local, 1, &remote, 1, 0), EFAULT);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST(attach_populate_of_a_thp_source_maps_its_blocks_whole)
{
	struct census c0, c1, c2;
	struct xpmem_addr addr;
	struct exporter ex;
	char *p;

	require_pmds();
	exporter_start(&ex, &(struct ex_opts){ .pages = HUGE_PAGES, .seed = 1,
		       .huge = EX_HUGE_THP });
	if (anon_huge_kb(ex.pid) < (long)PAGES(HUGE_PAGES) / 1024)
		SKIP("the exporter got no transparent huge pages");
	addr.apid = get_ok(ex.segid, XPMEM_RDWR);
	addr.offset = ex.off0;
	census_take(&c0);
	p = xpmem_attach2(addr, PAGES(HUGE_PAGES), NULL, XPMEM_ATTACH_POPULATE);
	CHECK(p != MAP_FAILED, "xpmem_attach2: %s", errname(errno));
	census_take(&c1);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, HUGE_PAGES);
	CHECK_EQ(c1.faults - c0.faults, 2);
	pat_fill(p, 0, PAGES(HUGE_PAGES), 11);
	census_take(&c2);
	CHECK_EQ(c2.faults, c1.faults);
	CHECK_EX_PATTERN(&ex, 0, PAGES(HUGE_PAGES), 11);
}

TEST(hugetlb_source_blocks_are_mapped_whole_and_stay_coherent)
{
	uint64_t faults, mapped;
	struct exporter ex;
	long old = hugepages_reserve(4);
	char *p;

	if (old < 0)
		SKIP("cannot reserve 4 huge pages");
	exporter_start(&ex, &(struct ex_opts){ .pages = HUGE_PAGES, .seed = 1,
		       .huge = EX_HUGE_HUGETLB });
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), ex.off0, PAGES(HUGE_PAGES));
	touch_counted(p + PAGES(3), &faults, &mapped);
	if (pmd_mappings()) {
		CHECK_EQ(faults, 1);
		CHECK_EQ(mapped, BLOCK);
	}
	CHECK_PATTERN(p, 0, PAGES(HUGE_PAGES), 1);
	pat_fill(p + PAGES(BLOCK), PAGES(BLOCK), PAGES(BLOCK), 12);
	CHECK_EX_PATTERN(&ex, PAGES(BLOCK), PAGES(BLOCK), 12);
	ex_do(&ex, EX_FILL, 0, PAGES(4), 13);
	CHECK_PATTERN(p, 0, PAGES(4), 13);
	exporter_quit(&ex);
	hugepages_restore(old);
}

struct toucher {
	char *p;
	volatile bool stop;
	long touches, bad;
};

/* read random words of both blocks: each is the pattern, or zero */
static void *touch_randomly(void *arg)
{
	struct toucher *t = arg;
	unsigned int seed = 1;
	uint64_t v;

	while (!t->stop) {
		size_t off = (size_t)rand_r(&seed) % (PAGES(HUGE_PAGES) / 8) * 8;

		if (tprobe_read(t->p + off, &v))
			t->bad++;
		else if (v && pat_mismatch(&v, off, 8, 1) >= 0)
			t->bad++;
		t->touches++;
	}
	return NULL;
}

/*
 * Two threads of a nobody attacher fault 4 KiB windows and 2 MiB blocks
 * into the same blocks while the exporter keeps splitting them and
 * collapsing them back: every read is right, and no page table ever holds
 * a PMD and PTEs at once (which the kernel would report as a splat).
 */
TEST_EX(attack_faults_racing_splits_and_collapses_of_thp_blocks_stay_coherent,
	T_HEAVY, 180)
{
	struct census before;
	struct exporter ex;
	struct chan ch;
	pid_t pid;

	attack_begin(&before);
	exporter_start(&ex, &(struct ex_opts){ .pages = HUGE_PAGES, .seed = 1,
		       .huge = EX_HUGE_THP, .mode = 0666 });
	pid = fork_nobody(&ch);
	if (pid == 0) {
		struct toucher t = { 0 };
		pthread_t th[2];

		catch_faults();
		t.p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0,
				PAGES(HUGE_PAGES));
		for (int i = 0; i < 2; i++)
			CHECK_EQ(pthread_create(&th[i], NULL, touch_randomly, &t), 0);
		send_u64(&ch, 1);
		recv_u64(&ch);
		t.stop = true;
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		note("%ld touches", t.touches);
		CHECK_EQ(t.bad, 0);
		peer_exit(0);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	for (int round = 0; round < 20; round++) {
		uint64_t unused;

		split_huge_pages(ex.pid, ex.base, ex.base + PAGES(HUGE_PAGES));
		ex_try(&ex, EX_SELF, EX_MADVISE, 0, PAGES(HUGE_PAGES),
		       MADV_COLLAPSE, &unused);
		ex_do(&ex, EX_MOVE_PAGES, PAGES(round % 2 * BLOCK), PAGES(BLOCK),
		      round % 2);
	}
	send_u64(&ch, 0);
	WAIT_OK(pid);
	exporter_quit(&ex);
	attack_end(&before);
}

/*
 * Every way a nobody attacher can reshape a PMD-mapped attachment while
 * its own second thread keeps faulting and advising it: mprotect and
 * munmap of single pages inside a block (VMA splits), an mremap move,
 * MADV_WILLNEED, a fork whose child must not see the attachment, exit.
 * Reads stay right, stores stay where the exporter sees them, and the
 * leak check wants every page and object back.
 */
struct reshaper {
	char *p;
	volatile bool stop;
	long bad;
};

static void *advise_and_read(void *arg)
{
	struct reshaper *r = arg;
	unsigned int seed = 2;
	uint64_t v;

	while (!r->stop) {
		size_t off = (size_t)rand_r(&seed) % (PAGES(HUGE_PAGES) / 8) * 8;

		madvise(r->p, PAGES(HUGE_PAGES), MADV_WILLNEED);
		/* unmapped or read-only pages may fault; wrong data may not */
		if (!tprobe_read(r->p + off, &v) && v &&
		    pat_mismatch(&v, off, 8, 1) >= 0)
			r->bad++;
	}
	return NULL;
}

TEST_EX(attack_reshaping_a_pmd_mapped_attachment_under_faults_leaks_nothing,
	T_HEAVY, 180)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	exporter_start(&ex, &(struct ex_opts){ .pages = HUGE_PAGES, .seed = 1,
		       .huge = EX_HUGE_THP, .mode = 0666 });
	pid = fork_nobody(NULL);
	if (pid == 0) {
		struct reshaper r = { 0 };
		void *to = free_address(PAGES(HUGE_PAGES));
		pthread_t th;
		pid_t kid;

		catch_faults();
		r.p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0,
				PAGES(HUGE_PAGES));
		CHECK_PATTERN(r.p, 0, PAGES(HUGE_PAGES), 1);
		CHECK_EQ(pthread_create(&th, NULL, advise_and_read, &r), 0);
		for (int round = 0; round < 20; round++) {
			size_t at = (size_t)(round * 37 % (HUGE_PAGES - 2)) + 1;

			CHECK_SYS(mprotect(r.p + PAGES(at), PAGE_SZ, PROT_NONE));
			CHECK_SYS(mprotect(r.p + PAGES(at), PAGE_SZ, PROT_READ));
			expect_errno("mremap", (long)mremap(r.p, PAGES(BLOCK),
				     PAGES(BLOCK), MREMAP_MAYMOVE | MREMAP_FIXED,
				     to), EINVAL, EFAULT, 0);
		}
		kid = fork();
		if (kid == 0)
			_exit(range_is_mapped(r.p, PAGE_SZ) ? 1 : 0);
		WAIT_OK(kid);
		CHECK_SYS(munmap(r.p + PAGES(BLOCK + 3), PAGE_SZ));
		CHECK_SYS(munmap(r.p + PAGES(5), PAGE_SZ));
		r.stop = true;
		pthread_join(th, NULL);
		CHECK_EQ(r.bad, 0);
		CHECK_PATTERN(r.p + PAGES(6), PAGES(6), PAGES(BLOCK - 6), 1);
		peer_exit(0);		/* exit unmaps the rest */
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGES(HUGE_PAGES), 1);
	exporter_quit(&ex);
	attack_end(&before);
}
