// SPDX-License-Identifier: GPL-2.0
/*
 * t_prefault.c - what a fault costs, and mapping ahead of it: a whole
 * attachment mapped at attach time (XPMEM_ATTACH_POPULATE) or by
 * madvise(MADV_WILLNEED), fresh anonymous pages written without a fault
 * per page, and the benchmarks' one-page-fault switch. Faults and mapped
 * pages are read from the module's global stats.
 */
#define TEST_ORDER 35
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attack.h"

#define PF_PAGES	64
#define ONE_PAGE_KNOB	"/sys/module/xpmem/parameters/one_page_faults"

static char *attach_flags(struct exporter *ex, int flags, int perm,
			  size_t pages)
{
	struct xpmem_addr addr = { get_ok(ex->segid, perm), ex->off0 };
	char *p = xpmem_attach2(addr, PAGES(pages), NULL, flags);

	CHECK(p != MAP_FAILED, "xpmem_attach2(flags 0x%x): %s", flags,
	      errname(errno));
	return p;
}

static void start_filled(struct exporter *ex, size_t pages)
{
	exporter_start(ex, &(struct ex_opts){ .pages = pages, .seed = 1 });
}

/* one word written to every page, the exporter sees all of them */
static void write_every_page(struct exporter *ex, char *p, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		*(volatile uint64_t *)(p + PAGES(i)) = 0x1000 + i;
	for (size_t i = 0; i < pages; i++)
		CHECK_EQ(ex_do(ex, EX_READ_U64, PAGES(i), 0, 0), 0x1000 + i);
}

TEST(attach_populate_maps_every_present_page_so_reading_takes_no_fault)
{
	struct census c0, c1, c2;
	struct exporter ex;
	char *p;

	start_filled(&ex, PF_PAGES);
	census_take(&c0);
	p = attach_flags(&ex, XPMEM_ATTACH_POPULATE, XPMEM_RDWR, PF_PAGES);
	census_take(&c1);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, PF_PAGES);
	CHECK_EQ(c1.faults, c0.faults);
	CHECK_PATTERN(p, 0, PAGES(PF_PAGES), 1);
	census_take(&c2);
	CHECK_EQ(c2.faults, c1.faults);
}

TEST(attach_populate_lets_writes_into_fresh_anonymous_pages_through_without_a_fault)
{
	struct census c0, c1;
	struct exporter ex;
	char *p;

	start_filled(&ex, PF_PAGES);
	p = attach_flags(&ex, XPMEM_ATTACH_POPULATE, XPMEM_RDWR, PF_PAGES);
	census_take(&c0);
	write_every_page(&ex, p, PF_PAGES);
	census_take(&c1);
	CHECK_EQ(c1.faults, c0.faults);
}

TEST(attach_populate_leaves_pages_the_exporter_never_touched_unmapped)
{
	struct census c0, c1;
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = PF_PAGES });
	ex_do(&ex, EX_FILL_STRIDED, 2, 0, 3);	/* the even pages */
	census_take(&c0);
	p = attach_flags(&ex, XPMEM_ATTACH_POPULATE, XPMEM_RDONLY, PF_PAGES);
	census_take(&c1);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, PF_PAGES / 2);
	for (size_t i = 0; i < PF_PAGES; i += 2) {
		CHECK_PATTERN(p + PAGES(i), PAGES(i), PAGE_SZ, 3);
		CHECK_ZERO(p + PAGES(i + 1), PAGE_SZ);
	}
}

TEST(attach_populate_of_a_read_only_permit_maps_pages_read_only)
{
	struct census c0, c1;
	struct exporter ex;
	char *p;

	start_filled(&ex, 8);
	census_take(&c0);
	p = attach_flags(&ex, XPMEM_ATTACH_POPULATE, XPMEM_RDONLY, 8);
	census_take(&c1);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, 8);
	CHECK_PATTERN(p, 0, PAGES(8), 1);
	CHECK_WRITE_SIGNALS(p + PAGES(3) + 8, SIGSEGV);
	CHECK_EX_PATTERN(&ex, 0, PAGES(8), 1);
}

TEST(attach_populate_skips_a_hole_and_still_maps_around_it)
{
	struct census c0, c1;
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 16, .seed = 1,
		       .hole_page = 4, .hole_pages = 4 });
	census_take(&c0);
	p = attach_flags(&ex, XPMEM_ATTACH_POPULATE, XPMEM_RDWR, 16);
	census_take(&c1);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, 12);
	CHECK_READ_SIGNALS(p + PAGES(5), SIGBUS);
	CHECK_PATTERN(p + PAGES(8), PAGES(8), PAGES(8), 1);
}

TEST(attach_populate_with_same_vaddr_maps_at_the_exporters_address)
{
	struct census c0, c1;
	struct exporter ex;
	char *p;

	start_filled(&ex, 8);
	census_take(&c0);
	p = attach_flags(&ex, XPMEM_ATTACH_POPULATE | XPMEM_ATTACH_SAME_VADDR,
			 XPMEM_RDONLY, 8);
	census_take(&c1);
	CHECK_EQ((uint64_t)(uintptr_t)p, ex.base);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, 8);
	CHECK_PATTERN(p, 0, PAGES(8), 1);
}

TEST(attach2_with_an_unknown_flag_is_einval_and_maps_nothing)
{
	struct xpmem_addr addr;
	struct exporter ex;

	start_filled(&ex, 2);
	addr.apid = get_ok(ex.segid, XPMEM_RDONLY);
	addr.offset = ex.off0;
	CHECK_ERRNO(xpmem_attach2(addr, PAGES(2), NULL, 0x100), EINVAL);
	CHECK_ERRNO(xpmem_attach2(addr, PAGES(2), (void *)0x10000000,
				  XPMEM_ATTACH_SAME_VADDR), EINVAL);
}

TEST(madvise_willneed_maps_the_advised_part_of_an_attachment)
{
	struct census c0, c1, c2;
	struct exporter ex;
	char *p;

	start_filled(&ex, PF_PAGES);
	p = attach_flags(&ex, 0, XPMEM_RDWR, PF_PAGES);
	census_take(&c0);
	CHECK_SYS(madvise(p + PAGES(16), PAGES(32), MADV_WILLNEED));
	census_take(&c1);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, 32);
	CHECK_PATTERN(p + PAGES(16), PAGES(16), PAGES(32), 1);
	census_take(&c2);
	CHECK_EQ(c2.faults, c1.faults);
}

/*
 * fadvise(), which madvise(MADV_WILLNEED) ends in, knows the segment's
 * file range and not the VMA: the caller's other live attachments of the
 * same source range are mapped too, and nothing else.
 */
TEST(madvise_willneed_maps_the_callers_live_attachments_of_that_source_range)
{
	struct census c0, c1;
	struct exporter ex;
	char *p, *q, *gone;

	start_filled(&ex, 8);
	p = attach_flags(&ex, 0, XPMEM_RDWR, 8);
	q = attach_flags(&ex, 0, XPMEM_RDONLY, 8);
	gone = attach_flags(&ex, 0, XPMEM_RDWR, 8);
	CHECK_SYS(munmap(gone, PAGES(8)));
	census_take(&c0);
	CHECK_SYS(madvise(p, PAGES(4), MADV_WILLNEED));
	census_take(&c1);
	CHECK_EQ(c1.mapped_pages - c0.mapped_pages, 8);
	CHECK_PATTERN(q, 0, PAGES(4), 1);
	CHECK_WRITE_SIGNALS(q + 8, SIGSEGV);
}

TEST(writes_into_fresh_anonymous_pages_take_one_fault_per_window_not_per_page)
{
	struct census c0, c1;
	struct exporter ex;
	char *p;

	start_filled(&ex, PF_PAGES);
	p = attach_flags(&ex, 0, XPMEM_RDWR, PF_PAGES);
	census_take(&c0);
	write_every_page(&ex, p, PF_PAGES);
	census_take(&c1);
	note("%llu faults for %d written pages",
	     (unsigned long long)(c1.faults - c0.faults), PF_PAGES);
	CHECK(c1.faults - c0.faults <= 4, "%llu faults",
	      (unsigned long long)(c1.faults - c0.faults));
}

/*
 * A lazily freed page (MADV_FREE) is clean and reclaim drops it unless it
 * is dirty again: a store through the attachment must dirty it, not ride
 * on a PTE mapped writable ahead of time.
 */
TEST(attacher_store_into_a_lazily_freed_page_survives_reclaim)
{
	struct exporter ex;
	char *p;

	start_filled(&ex, 8);
	ex_do(&ex, EX_MADVISE, 0, PAGES(8), MADV_FREE);
	p = attach_flags(&ex, XPMEM_ATTACH_POPULATE, XPMEM_RDWR, 8);
	pat_fill(p, 0, PAGES(8), 2);
	ex_do(&ex, EX_PAGEOUT, 0, PAGES(8), 0);
	CHECK_EX_PATTERN(&ex, 0, PAGES(8), 2);
	CHECK_PATTERN(p, 0, PAGES(8), 2);
}

TEST(one_page_faults_parameter_maps_a_single_page_per_fault)
{
	struct census c0, c1;
	struct exporter ex;
	long bad;
	char *p;

	start_filled(&ex, 16);
	p = attach_flags(&ex, 0, XPMEM_RDWR, 16);
	if (!param_set("one_page_faults", true))
		SKIP("cannot write %s: %s", ONE_PAGE_KNOB, errname(errno));
	census_take(&c0);
	bad = pat_mismatch(p, 0, PAGES(16), 1);
	census_take(&c1);
	param_set("one_page_faults", false);		/* back before any check can end the test */
	CHECK(bad < 0, "wrong word at +0x%lx", bad);
	CHECK_EQ(c1.faults - c0.faults, 16);
}
