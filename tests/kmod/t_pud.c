// SPDX-License-Identifier: GPL-2.0
/*
 * t_pud.c - 1 GiB mappings: where the kernel has special huge PUDs
 * (/sys/module/xpmem/parameters/pud_mappings = Y), a 1 GiB hugetlb block
 * of the exporter is mapped into the attacher with one PUD by one fault,
 * attachments of 1 GiB and more are placed so that blocks line up, and
 * whatever takes part of the block away takes the whole PUD and refaults.
 * The exporter's 1 GiB huge page comes from a pool reserved at boot (the
 * main suite's guest: tests/check.sh); elsewhere the cases skip.
 */
#define TEST_ORDER 39
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "attack.h"

#define GIB_PAGES	(1UL << 18)		/* pages per 1 GiB block */
#define HP_1G		"/sys/kernel/mm/hugepages/hugepages-1048576kB/"
#define NR_1G_PAGES	HP_1G "nr_hugepages"
#define FREE_1G_PAGES	HP_1G "free_hugepages"

static bool pud_mappings(void)
{
	return param_is_set("pud_mappings");
}

static void require_puds(void)
{
	if (!pud_mappings())
		SKIP("this kernel cannot map 1 GiB blocks (pud_mappings=N)");
}

/*
 * An exporter of one 1 GiB huge page, filled with pattern 1 only where
 * the cases look (a full fill takes seconds under TCG). The page comes
 * from the pool the guest reserved at boot (hugepagesz=1G hugepages=1:
 * tests/check.sh), else from a GiB reserved now if one is free; the
 * return value says how many to put back. @mode: the permit mode, 0 for
 * 0600.
 */
static long start_gib(struct exporter *ex, int mode)
{
	long old;

	require_puds();
	old = file_read_long(NR_1G_PAGES);
	if (old < 0)
		SKIP("no 1 GiB huge page size here (%s)", NR_1G_PAGES);
	if (file_read_long(FREE_1G_PAGES) < 1 &&
	    (!file_write_long(NR_1G_PAGES, old + 1) ||
	     file_read_long(NR_1G_PAGES) < old + 1)) {
		file_write_long(NR_1G_PAGES, old);
		SKIP("no free 1 GiB huge page, and no free contiguous GiB for one");
	}
	exporter_start(ex, &(struct ex_opts){ .pages = GIB_PAGES, .mode = mode,
		       .huge = EX_HUGE_HUGETLB_1G });
	ex_do(ex, EX_FILL, 0, PAGES(4), 1);
	ex_do(ex, EX_FILL, PAGES(GIB_PAGES - 4), PAGES(4), 1);
	return old;
}

/* the whole GiB, attached with a permit perm */
static char *attach_gib(struct exporter *ex, int perm)
{
	return attach_ok(get_ok(ex->segid, perm), ex->off0, PAGES(GIB_PAGES));
}

static void stop_gib(struct exporter *ex, long old)
{
	exporter_quit(ex);
	file_write_long(NR_1G_PAGES, old);
}

/* no huge page needed: placement is the module's choice of address */
TEST(an_attachment_of_a_gib_or_more_is_placed_1_gib_congruent_with_its_source)
{
	struct exporter ex;
	char *p;

	require_puds();
	exporter_start(&ex, &(struct ex_opts){ .pages = GIB_PAGES + 16,
		       .noreserve = true });
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0,
		      PAGES(GIB_PAGES + 16));
	CHECK_EQ(((uintptr_t)p - ex.base) % PAGES(GIB_PAGES), 0);
	detach_ok(p);
	/* below 1 GiB, 2 MiB congruence is all that is asked */
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0, PAGES(1024));
	CHECK_EQ(((uintptr_t)p - ex.base) % PAGES(512), 0);
}

TEST(first_touch_of_a_1_gib_hugetlb_block_maps_it_whole_with_one_fault)
{
	uint64_t faults, mapped;
	struct exporter ex;
	long old = start_gib(&ex, 0);
	char *p = attach_gib(&ex, XPMEM_RDWR);

	CHECK_EQ(((uintptr_t)p - ex.base) % PAGES(GIB_PAGES), 0);
	touch_counted(p + PAGES(GIB_PAGES / 2), &faults, &mapped);
	CHECK_EQ(faults, 1);
	CHECK_EQ(mapped, GIB_PAGES);
	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_PATTERN(p + PAGES(GIB_PAGES - 4), PAGES(GIB_PAGES - 4), PAGES(4), 1);
	/* writes through the PUD reach the exporter */
	pat_fill(p + PAGES(7), PAGES(7), PAGES(2), 2);
	CHECK_EX_PATTERN(&ex, PAGES(7), PAGES(2), 2);
	touch_counted(p + PAGES(100), &faults, &mapped);
	CHECK_EQ(faults, 0);
	stop_gib(&ex, old);
}

TEST(the_exporter_dropping_its_1_gib_page_zaps_the_pud_and_the_attacher_refaults)
{
	uint64_t faults, mapped;
	struct census c0, c1;
	struct exporter ex;
	long old = start_gib(&ex, 0);
	char *p = attach_gib(&ex, XPMEM_RDONLY);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	census_take(&c0);
	ex_do(&ex, EX_DONTNEED, 0, PAGES(GIB_PAGES), 0);
	census_take(&c1);
	CHECK_EQ(c0.mapped_pages - c1.mapped_pages, GIB_PAGES);
	ex_do(&ex, EX_FILL, PAGES(3), PAGES(1), 3);
	touch_counted(p + PAGES(3), &faults, &mapped);
	CHECK_EQ(faults, 1);
	CHECK_EQ(mapped, GIB_PAGES);
	CHECK_PATTERN(p + PAGES(3), PAGES(3), PAGE_SZ, 3);
	CHECK_ZERO(p, PAGES(3));
	stop_gib(&ex, old);
}

/*
 * munmap of one page splits the VMA inside the block: the PUD goes first,
 * counted, and the rest refaults with smaller entries.
 */
TEST(munmap_of_one_page_inside_a_pud_mapped_block_leaves_the_rest_readable)
{
	struct census c0, c1;
	struct exporter ex;
	long old = start_gib(&ex, 0);
	char *p = attach_gib(&ex, XPMEM_RDONLY);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	census_take(&c0);
	CHECK_SYS(munmap(p + PAGES(GIB_PAGES / 2), PAGE_SZ));
	census_take(&c1);
	CHECK_EQ(c0.mapped_pages - c1.mapped_pages, GIB_PAGES);
	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_PATTERN(p + PAGES(GIB_PAGES - 4), PAGES(GIB_PAGES - 4), PAGES(4), 1);
	CHECK_READ_SIGNALS(p + PAGES(GIB_PAGES / 2), SIGSEGV);
	stop_gib(&ex, old);
}

TEST(attach_populate_maps_a_1_gib_hugetlb_block_with_one_pud)
{
	struct census c0, c1;
	uint64_t faults, mapped;
	struct exporter ex;
	long old = start_gib(&ex, 0);
	struct xpmem_addr addr = { get_ok(ex.segid, XPMEM_RDONLY), ex.off0 };
	char *p;

	census_take(&c0);
	p = xpmem_attach2(addr, PAGES(GIB_PAGES), NULL, XPMEM_ATTACH_POPULATE);
	CHECK(p != MAP_FAILED, "xpmem_attach2: %s", errname(errno));
	census_take(&c1);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, GIB_PAGES);
	touch_counted(p + PAGES(GIB_PAGES - 1), &faults, &mapped);
	CHECK_EQ(faults, 0);
	CHECK_PATTERN(p + PAGES(GIB_PAGES - 4), PAGES(GIB_PAGES - 4), PAGES(4), 1);
	stop_gib(&ex, old);
}

/* ---- as uid 65534 ------------------------------------------------------- */

struct gib_reader {
	char *p;
	volatile bool stop;
	long reads, bad;
};

/* words of the block's first and last pages: pattern 1 or zero, no signal */
static void *read_block_edges(void *arg)
{
	struct gib_reader *r = arg;
	unsigned int seed = 2;
	uint64_t v;

	while (!r->stop) {
		size_t off = (size_t)rand_r(&seed) % (PAGES(4) / 8) * 8;

		if (rand_r(&seed) & 1)
			off += PAGES(GIB_PAGES - 4);
		if (tprobe_read(r->p + off, &v))
			r->bad++;
		else if (v && pat_mismatch(&v, off, 8, 1) >= 0)
			r->bad++;
		r->reads++;
	}
	return NULL;
}

/*
 * nobody reads a PUD-mapped attachment while it splits the VMA inside the
 * block (mprotect of one page and back) and the exporter drops and
 * refills its 1 GiB page: every read is the exporter's data or zero, and
 * every page the record counts is given back.
 */
TEST_EX(attack_reads_racing_splits_and_drops_of_a_pud_block_see_real_data,
	T_HEAVY, 300)
{
	struct gib_reader r = { 0 };
	struct census before;
	struct exporter ex;
	struct chan ch;
	pthread_t t;
	long old;
	pid_t pid;

	attack_begin(&before);
	old = start_gib(&ex, 0666);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		double end;

		r.p = attach_gib(&ex, XPMEM_RDONLY);
		catch_faults();
		CHECK_EQ(pthread_create(&t, NULL, read_block_edges, &r), 0);
		send_u64(&ch, 1);
		for (end = now_sec() + 3; now_sec() < end;) {
			char *mid = r.p + PAGES(GIB_PAGES / 2);

			CHECK_SYS(mprotect(mid, PAGE_SZ, PROT_NONE));
			CHECK_SYS(mprotect(mid, PAGE_SZ, PROT_READ));
		}
		recv_u64(&ch);			/* the exporter is done */
		r.stop = true;
		pthread_join(t, NULL);
		note("%ld reads while splitting and dropping the block", r.reads);
		CHECK_EQ(r.bad, 0);
		peer_exit(0);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	for (int round = 0; round < 3; round++) {
		ex_do(&ex, EX_DONTNEED, 0, PAGES(GIB_PAGES), 0);
		ex_do(&ex, EX_FILL, 0, PAGES(4), 1);
		ex_do(&ex, EX_FILL, PAGES(GIB_PAGES - 4), PAGES(4), 1);
	}
	send_u64(&ch, 0);
	WAIT_OK(pid);
	stop_gib(&ex, old);
	attack_end(&before);
}

/*
 * The other ways into a PUD-mapped attachment, as nobody: mremap moves
 * the PUD before the module refuses (and zaps it at its new place), fork
 * does not copy it, exit takes it away; the record comes back to where
 * it was and the exporter's data stays.
 */
TEST_EX(attack_mremap_fork_and_exit_of_a_pud_mapped_attachment_leak_nothing,
	T_HEAVY, 300)
{
	struct census before;
	struct exporter ex;
	long old;
	pid_t pid;

	attack_begin(&before);
	old = start_gib(&ex, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		uint64_t faults, mapped;
		char *p = attach_gib(&ex, XPMEM_RDONLY), *to;
		pid_t kid;

		touch_counted(p, &faults, &mapped);
		CHECK_EQ(mapped, GIB_PAGES);
		to = free_address(PAGES(2 * GIB_PAGES));
		to = (char *)(((uintptr_t)to + PAGES(GIB_PAGES) - 1) &
			      ~(PAGES(GIB_PAGES) - 1));
		CHECK_ERRNO(mremap(p, PAGES(GIB_PAGES), PAGES(GIB_PAGES),
				   MREMAP_MAYMOVE | MREMAP_FIXED, to), EINVAL);
		CHECK(!range_is_mapped(to, PAGE_SZ), "something is mapped at the target");
		CHECK_PATTERN(p, 0, PAGES(4), 1);
		kid = fork_plain();
		if (kid == 0) {
			uint64_t v;

			catch_faults();
			_exit(tprobe_read(p, &v) == SIGSEGV ? 0 : 1);
		}
		WAIT_OK(kid);
		CHECK_PATTERN(p + PAGES(GIB_PAGES - 4), PAGES(GIB_PAGES - 4),
			      PAGES(4), 1);
		peer_exit(0);		/* exits with the PUD mapped */
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGES(4), 1);
	stop_gib(&ex, old);
	attack_end(&before);
}
