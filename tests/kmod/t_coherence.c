// SPDX-License-Identifier: GPL-2.0
/*
 * t_coherence.c - the attacher always sees the exporter's *current* page:
 * through writes on either side, holes, munmap, remap, madvise, fork/COW,
 * mremap, file mappings, huge pages, NUMA migration and swap.
 * The test process is the attacher; a forked exporter (xp.h) is the source.
 */
#define TEST_ORDER 30
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attack.h"
#include "xp.h"

static char *start_attached(struct exporter *ex, const struct ex_opts *o)
{
	exporter_start(ex, o);
	return attach_ok(get_ok(ex->segid, XPMEM_RDWR), ex->off0,
			 PAGES(o->pages));
}

static char *start_simple(struct exporter *ex, size_t pages)
{
	return start_attached(ex, &(struct ex_opts){ .pages = pages, .seed = 1 });
}

TEST(attacher_write_is_seen_by_the_exporter_immediately)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	pat_fill(p + PAGE_SZ, PAGE_SZ, PAGES(2), 2);
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGES(2), 2);
	CHECK_EX_PATTERN(&ex, 0, PAGE_SZ, 1);
	CHECK_EX_PATTERN(&ex, PAGES(3), PAGE_SZ, 1);
}

TEST(exporter_write_is_seen_by_the_attacher_immediately)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_FILL, PAGE_SZ, PAGES(2), 3);
	CHECK_PATTERN(p + PAGE_SZ, PAGE_SZ, PAGES(2), 3);
	CHECK_PATTERN(p, 0, PAGE_SZ, 1);
}

TEST(hole_in_segment_gives_attacher_sigbus)
{
	struct exporter ex;
	char *p = start_attached(&ex, &(struct ex_opts){ .pages = 8, .seed = 1,
				 .hole_page = 3, .hole_pages = 2 });

	CHECK_READ_SIGNALS(p + PAGES(3), SIGBUS);
	CHECK_WRITE_SIGNALS(p + PAGES(4) + 64, SIGBUS);
	CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGE_SZ, 1);
	CHECK_PATTERN(p + PAGES(5), PAGES(5), PAGE_SZ, 1);
}

TEST(hole_touch_kills_an_attacher_without_a_handler_by_sigbus)
{
	struct exporter ex;

	exporter_start(&ex, &(struct ex_opts){ .pages = 4, .seed = 1,
		       .hole_page = 2, .hole_pages = 1 });
	WAIT_SIGNALED(spawn_toucher(&ex, XPMEM_RDWR, PAGES(2) + 8, false),
		      SIGBUS);
	WAIT_OK(spawn_toucher(&ex, XPMEM_RDWR, PAGES(3) + 8, false));
}

TEST(untouched_anonymous_page_reads_as_zero_not_sigbus)
{
	struct exporter ex;
	char *p = start_attached(&ex, &(struct ex_opts){ .pages = 4 });

	CHECK_ZERO(p, PAGES(4));
}

TEST(attacher_first_touch_populates_the_exporter_page)
{
	struct exporter ex;
	char *p = start_attached(&ex, &(struct ex_opts){ .pages = 4 });

	pat_fill(p + PAGES(2), PAGES(2), PAGE_SZ, 4);
	CHECK_EX_PATTERN(&ex, PAGES(2), PAGE_SZ, 4);
	CHECK_EQ(ex_do(&ex, EX_VERIFY_ZERO, 0, PAGES(2), 0), 0);
}

TEST(exporter_munmap_gives_attacher_sigbus)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_MUNMAP, PAGE_SZ, PAGES(2), 0);
	CHECK_READ_SIGNALS(p + PAGE_SZ, SIGBUS);
	CHECK_READ_SIGNALS(p + PAGES(2), SIGBUS);
	CHECK_PATTERN(p, 0, PAGE_SZ, 1);
	CHECK_PATTERN(p + PAGES(3), PAGES(3), PAGE_SZ, 1);
}

TEST(exporter_mapping_new_memory_at_the_same_address_shows_it)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_MUNMAP, PAGE_SZ, PAGES(2), 0);
	ex_do(&ex, EX_MMAP_ANON, PAGE_SZ, PAGES(2), 0);
	CHECK_ZERO(p + PAGES(2), PAGE_SZ);
	ex_do(&ex, EX_FILL, PAGE_SZ, PAGE_SZ, 5);
	CHECK_PATTERN(p + PAGE_SZ, PAGE_SZ, PAGE_SZ, 5);
	pat_fill(p + PAGES(2), PAGES(2), PAGE_SZ, 6);
	CHECK_EX_PATTERN(&ex, PAGES(2), PAGE_SZ, 6);
}

TEST(exporter_madvise_dontneed_reads_as_zero_in_attacher)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_DONTNEED, PAGE_SZ, PAGES(2), 0);
	CHECK_ZERO(p + PAGE_SZ, PAGES(2));
	CHECK_PATTERN(p, 0, PAGE_SZ, 1);
	CHECK_PATTERN(p + PAGES(3), PAGES(3), PAGE_SZ, 1);
}

TEST(exporter_fork_then_write_attacher_sees_the_new_data)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_FORK, 0, 0, 0);
	ex_do(&ex, EX_FILL, 0, PAGES(4), 7);	/* breaks COW in the exporter */
	CHECK_PATTERN(p, 0, PAGES(4), 7);
	CHECK_EQ(ex_kid(&ex, EX_VERIFY, 0, PAGES(4), 1), 0);
}

TEST(attacher_write_after_exporter_fork_stays_out_of_the_forked_child)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_FORK, 0, 0, 0);
	pat_fill(p, 0, PAGES(4), 8);
	CHECK_EX_PATTERN(&ex, 0, PAGES(4), 8);
	CHECK_EQ(ex_kid(&ex, EX_VERIFY, 0, PAGES(4), 1), 0);
}

TEST(forked_child_writes_do_not_reach_the_attacher)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_FORK, 0, 0, 0);
	ex_kid(&ex, EX_FILL, 0, PAGES(4), 9);
	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_EX_PATTERN(&ex, 0, PAGES(4), 1);
}

TEST(exporter_shared_memory_written_by_its_forked_child_is_seen)
{
	struct exporter ex;
	char *p = start_attached(&ex, &(struct ex_opts){ .pages = 4, .seed = 1,
				 .shared = true });

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_FORK, 0, 0, 0);
	ex_kid(&ex, EX_FILL, PAGE_SZ, PAGES(2), 14);
	CHECK_PATTERN(p + PAGE_SZ, PAGE_SZ, PAGES(2), 14);
	pat_fill(p, 0, PAGE_SZ, 15);
	CHECK_EQ(ex_kid(&ex, EX_VERIFY, 0, PAGE_SZ, 15), 0);
}

TEST(attacher_cannot_write_pages_the_exporter_made_read_only)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);
	int sig;

	pat_fill(p + PAGE_SZ, PAGE_SZ, PAGE_SZ, 16);	/* mapped writable */
	ex_do(&ex, EX_MPROTECT, PAGE_SZ, PAGES(2), PROT_READ);
	CHECK_PATTERN(p + PAGE_SZ, PAGE_SZ, PAGE_SZ, 16);
	sig = probe_write(p + PAGE_SZ, 0x1234);
	CHECK(sig == SIGSEGV || sig == SIGBUS, "writing gave %s", signame(sig));
	sig = probe_write(p + PAGES(2) + 8, 0x1234);
	CHECK(sig == SIGSEGV || sig == SIGBUS, "writing gave %s", signame(sig));
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGE_SZ, 16);
	CHECK_EX_PATTERN(&ex, PAGES(2), PAGE_SZ, 1);
	pat_fill(p + PAGES(3), PAGES(3), PAGE_SZ, 17);	/* still writable */
	CHECK_EX_PATTERN(&ex, PAGES(3), PAGE_SZ, 17);
}

TEST(exporter_mremap_away_leaves_a_hole_for_the_attacher)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_MREMAP_AWAY, PAGE_SZ, PAGES(2), 0);
	CHECK_READ_SIGNALS(p + PAGE_SZ, SIGBUS);
	CHECK_READ_SIGNALS(p + PAGES(2), SIGBUS);
	CHECK_PATTERN(p + PAGES(3), PAGES(3), PAGE_SZ, 1);
}

TEST(exporter_mremap_away_then_new_mapping_shows_the_new_content)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(&ex, EX_MREMAP_AWAY, 0, PAGES(2), 0);
	ex_do(&ex, EX_MMAP_ANON, 0, PAGES(2), 0);
	ex_do(&ex, EX_FILL, 0, PAGES(2), 10);
	CHECK_PATTERN(p, 0, PAGES(2), 10);
}

TEST(huge_page_backed_source_stays_coherent_through_a_split)
{
	struct exporter ex;
	/* 1024 pages hold at least one aligned 2 MiB huge page */
	char *p = start_attached(&ex, &(struct ex_opts){ .pages = 1024 });

	ex_do(&ex, EX_MADVISE, 0, PAGES(1024), MADV_HUGEPAGE);
	ex_do(&ex, EX_FILL, 0, PAGES(1024), 11);
	CHECK_PATTERN(p, 0, PAGES(1024), 11);
	ex_do(&ex, EX_DONTNEED, PAGES(700), PAGE_SZ, 0);	/* splits it */
	CHECK_ZERO(p + PAGES(700), PAGE_SZ);
	CHECK_PATTERN(p + PAGES(512), PAGES(512), PAGES(188), 11);
	ex_do(&ex, EX_FILL, PAGES(600), PAGES(8), 12);
	CHECK_PATTERN(p + PAGES(600), PAGES(600), PAGES(8), 12);
	pat_fill(p + PAGES(800), PAGES(800), PAGES(4), 13);
	CHECK_EX_PATTERN(&ex, PAGES(800), PAGES(4), 13);
}

/* ---- file mappings ------------------------------------------------------------ */

/* a temporary file holding pattern seed (offsets as if mapped at map_off) */
static int make_file(size_t pages, uint64_t map_off, uint64_t seed, int flags)
{
	char path[] = "/tmp/xpmem-test-XXXXXX";
	size_t len = PAGES(pages);
	char *buf = malloc(len);
	int fd = CHECK_SYS(mkstemp(path)), ret;

	pat_fill(buf, map_off, len, seed);
	CHECK_EQ(write(fd, buf, len), len);
	ret = CHECK_SYS(open(path, flags | O_CLOEXEC));
	unlink(path);
	close(fd);
	free(buf);
	return ret;
}

static void check_file(int fd, size_t pages, uint64_t map_off, uint64_t seed)
{
	size_t len = PAGES(pages);
	char *buf = malloc(len);

	CHECK_EQ(pread(fd, buf, len, 0), len);
	CHECK_PATTERN(buf, map_off, len, seed);
	free(buf);
}

static char *start_with_file(struct exporter *ex, int fd, int how)
{
	char *p = start_attached(ex, &(struct ex_opts){ .pages = 4, .seed = 1,
				 .file_fd = fd });

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	ex_do(ex, EX_MAP_FILE, PAGES(2), PAGES(2), how);
	return p;
}

/* userfaultfd write-protection changes PTEs, not vm_flags: still a zap */
TEST(attacher_cannot_write_pages_the_exporter_write_protects_with_userfaultfd)
{
	struct exporter ex;
	char *p = start_simple(&ex, 4);
	uint64_t unused;
	int sig, err;

	pat_fill(p + PAGE_SZ, PAGE_SZ, PAGE_SZ, 18);	/* mapped writable */
	err = ex_try(&ex, EX_SELF, EX_UFFD_WP, PAGE_SZ, PAGE_SZ, 0, &unused);
	if (err)
		SKIP("userfaultfd write-protection: %s", strerror(err));
	CHECK_PATTERN(p + PAGE_SZ, PAGE_SZ, PAGE_SZ, 18);
	sig = probe_write(p + PAGE_SZ, 0x1234);
	CHECK(sig == SIGBUS || sig == SIGSEGV, "writing gave %s", signame(sig));
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGE_SZ, 18);
	pat_fill(p + PAGES(2), PAGES(2), PAGE_SZ, 19);	/* its neighbour is not */
	CHECK_EX_PATTERN(&ex, PAGES(2), PAGE_SZ, 19);
}

TEST(rdwr_attach_reads_a_read_only_file_mapping)
{
	int fd = make_file(2, PAGES(2), 20, O_RDONLY);
	struct exporter ex;
	char *p = start_with_file(&ex, fd, 0);

	CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 20);
}

static void check_unwritable_file(int how)
{
	int fd = make_file(2, PAGES(2), 21, O_RDONLY);
	struct exporter ex;
	char *p = start_with_file(&ex, fd, how);
	int sig;

	CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 21);
	sig = probe_write(p + PAGES(3) + 8, 0xdeadbeefdeadbeefULL);
	CHECK(sig == SIGSEGV || sig == SIGBUS,
	      "writing through the attachment gave %s", signame(sig));
	check_file(fd, 2, PAGES(2), 21);
	CHECK_EX_PATTERN(&ex, PAGES(2), PAGES(2), 21);
	CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 21);
}

TEST(rdwr_attach_cannot_write_a_read_only_shared_file_mapping)
{
	check_unwritable_file(0);
}

TEST(rdwr_attach_cannot_write_a_read_only_private_file_mapping)
{
	check_unwritable_file(EX_FILE_PRIVATE);
}

TEST(attacher_write_to_a_shared_file_mapping_reaches_the_file)
{
	int fd = make_file(2, PAGES(2), 22, O_RDWR);
	struct exporter ex;
	char *p = start_with_file(&ex, fd, EX_FILE_WRITABLE);

	CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 22);
	pat_fill(p + PAGES(2), PAGES(2), PAGES(2), 23);
	check_file(fd, 2, PAGES(2), 23);
}

/* ---- NUMA migration and swap ----------------------------------------------------- */

#define MIG_PAGES 64

TEST(pages_moved_with_move_pages_stay_coherent)
{
	struct exporter ex;
	int n0, n1, from, to;
	char *p;

	two_nodes(&n0, &n1);
	p = start_simple(&ex, MIG_PAGES);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	from = (int)ex_do(&ex, EX_NODE_OF, 0, 0, 0);
	to = from == n0 ? n1 : n0;
	CHECK_EQ(ex_do(&ex, EX_MOVE_PAGES, 0, PAGES(MIG_PAGES), to), MIG_PAGES);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	pat_fill(p, 0, PAGES(MIG_PAGES), 30);
	CHECK_EX_PATTERN(&ex, 0, PAGES(MIG_PAGES), 30);
	CHECK_EQ(ex_do(&ex, EX_PAGES_ON_NODE, 0, PAGES(MIG_PAGES), to),
		 MIG_PAGES);
}

TEST(pages_moved_with_migrate_pages_stay_coherent)
{
	struct exporter ex;
	int from, to;
	char *p;

	two_nodes(&from, &to);
	p = start_simple(&ex, MIG_PAGES);
	CHECK_EQ(ex_do(&ex, EX_MOVE_PAGES, 0, PAGES(MIG_PAGES), from),
		 MIG_PAGES);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	ex_do(&ex, EX_MIGRATE, from, to, 0);
	CHECK_EQ(ex_do(&ex, EX_PAGES_ON_NODE, 0, PAGES(MIG_PAGES), to),
		 MIG_PAGES);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	pat_fill(p, 0, PAGES(MIG_PAGES), 31);
	CHECK_EX_PATTERN(&ex, 0, PAGES(MIG_PAGES), 31);
}

/*
 * NUMA balancing: every scan period the kernel makes a task's PTEs
 * PROT_NONE (a "hint pass", MMU_NOTIFY_PROTECTION_VMA) to learn which node
 * touches them. The pages stay where they are, so attachers keep their
 * PTEs: a hint pass costs them no refault. A page that really moves is a
 * migration, and that still zaps. The scan is made fast and frequent for
 * the test, and the exporter runs on the node of its pages, so its hinting
 * faults find them local and move nothing.
 */
/* what one window of fast scanning did */
struct hint_window {
	uint64_t hinted, moved, mapped;	/* PTEs, buffer pages, pages */
	struct census before, after;
	long bad;				/* attacher's wrong word, or -1 */
};

/*
 * Scan fast for 4 s while the exporter spins on the node of its pages,
 * then reread everything through the attachment. The knobs are back
 * before the caller checks anything.
 */
static void scan_window(struct exporter *ex, char *p, int node, int cpu,
			long saved[NUMA_KNOBS], struct hint_window *w)
{
	uint64_t mapped0, mapped1, unused;

	numa_knobs_fast();
	w->hinted = vmstat("numa_pte_updates");
	read_global_pages(&mapped0, &unused);
	census_take(&w->before);
	ex_do(ex, EX_SPIN, 4000, cpu, 0);
	census_take(&w->after);
	w->hinted = vmstat("numa_pte_updates") - w->hinted;
	w->bad = pat_mismatch(p, 0, PAGES(MIG_PAGES), 1);
	read_global_pages(&mapped1, &unused);
	w->mapped = mapped1 - mapped0;
	w->moved = MIG_PAGES - ex_do(ex, EX_PAGES_ON_NODE, 0, PAGES(MIG_PAGES),
				     node);
	numa_knobs_restore(saved);
}

/*
 * heavy: under ASan the scan spends its budget on the shadow's terabytes.
 * A window in which balancing really moved a page (it may, under load)
 * proves nothing either way: it is tried again, up to three times.
 */
TEST_EX(numa_hint_pass_costs_no_refault_and_migration_still_zaps, T_HEAVY, 0)
{
	uint64_t gone0, gone1, unused;
	struct hint_window w;
	struct census c2;
	long saved[NUMA_KNOBS];
	int n0, n1, node, cpu, tries = 0;
	struct exporter ex;
	char *p;

	two_nodes(&n0, &n1);
	numa_knobs_save(saved);
	p = start_simple(&ex, MIG_PAGES);
	node = (int)ex_do(&ex, EX_NODE_OF, 0, 0, 0);
	cpu = first_cpu_of_node(node);
	if (cpu < 0)
		SKIP("node %d has no CPU", node);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	do {
		scan_window(&ex, p, node, cpu, saved, &w);
		CHECK(w.bad < 0, "attacher reads a wrong word at +0x%lx", w.bad);
		if (!w.moved)
			break;
		note("balancing moved %llu buffer pages in window %d: again",
		     (unsigned long long)w.moved, tries + 1);
		ex_do(&ex, EX_MOVE_PAGES, 0, PAGES(MIG_PAGES), node);
		CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	} while (++tries < 3);
	if (w.moved)
		SKIP("NUMA balancing moved buffer pages in every window");
	if (w.hinted < MIG_PAGES)
		SKIP("no NUMA hint pass in 4 s (%llu PTEs)", (unsigned long long)w.hinted);
	note("%llu PTEs hinted; invalidations: %llu kept the PTEs, %llu zapped; "
	     "the rereads mapped %llu pages",
	     (unsigned long long)w.hinted,
	     (unsigned long long)(w.after.invalidations_kept - w.before.invalidations_kept),
	     (unsigned long long)(w.after.invalidations - w.before.invalidations),
	     (unsigned long long)w.mapped);
	CHECK_EQ(w.mapped, 0);
	CHECK(w.after.invalidations_kept > w.before.invalidations_kept,
	      "no invalidation was counted as kept");

	/*
	 * A real move of the pages still takes them from the attacher. Once
	 * the exporter stopped spinning on their node, balancing (back at its
	 * own pace) may have moved some already: gather them on the node and
	 * map them all again first.
	 */
	CHECK_EQ(ex_do(&ex, EX_MOVE_PAGES, 0, PAGES(MIG_PAGES), node), MIG_PAGES);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	CHECK(read_global_pages(&unused, &gone0), "global_pages");
	CHECK_EQ(ex_do(&ex, EX_MOVE_PAGES, 0, PAGES(MIG_PAGES),
		       node == n0 ? n1 : n0), MIG_PAGES);
	CHECK(read_global_pages(&unused, &gone1), "global_pages");
	census_take(&c2);
	CHECK(gone1 - gone0 >= MIG_PAGES, "migration unmapped %llu of %d pages",
	      (unsigned long long)(gone1 - gone0), MIG_PAGES);
	CHECK(c2.invalidations > w.after.invalidations,
	      "the migration was not counted as a zap");
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	ex_do(&ex, EX_FILL, 0, PAGES(MIG_PAGES), 32);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 32);
}

/*
 * The exporter's pages carry NUMA hints (PROT_NONE from a fast scan while
 * it spins without touching them); a fresh attachment on the other node
 * reads them all, three times. Where the module takes hinted pages as they
 * are (quiet_numa_reads), as get_user_pages() does, no page moves to the
 * attacher's node. Before, each read fault resolved the hint from the
 * attacher's CPU, and balancing moved the pages over.
 */
TEST_EX(reads_through_an_attachment_leave_numa_hinted_pages_where_they_are,
	T_HEAVY, 0)
{
	int n0, n1, node, cpu, other_cpu;
	uint64_t hinted, moved;
	long saved[NUMA_KNOBS];
	struct exporter ex;
	cpu_set_t cpus;

	two_nodes(&n0, &n1);
	if (!param_is_set("quiet_numa_reads"))
		SKIP("quiet_numa_reads is N: this kernel's GUP honours NUMA hints");
	numa_knobs_save(saved);
	start_simple(&ex, MIG_PAGES);
	node = (int)ex_do(&ex, EX_NODE_OF, 0, 0, 0);
	cpu = first_cpu_of_node(node);
	other_cpu = first_cpu_of_node(node == n0 ? n1 : n0);
	if (cpu < 0 || other_cpu < 0)
		SKIP("a node without a CPU");
	CPU_ZERO(&cpus);
	CPU_SET(other_cpu, &cpus);
	CHECK_SYS(sched_setaffinity(0, sizeof(cpus), &cpus));
	hinted = vmstat("numa_pte_updates");
	for (int round = 0; round < 3; round++) {
		char *q;

		numa_knobs_fast();
		ex_do(&ex, EX_SPIN, 1500, cpu, 1);
		q = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0,
			      PAGES(MIG_PAGES));
		CHECK_PATTERN(q, 0, PAGES(MIG_PAGES), 1);
		numa_knobs_restore(saved);
		CHECK_SYS(xpmem_detach(q));
	}
	hinted = vmstat("numa_pte_updates") - hinted;
	moved = MIG_PAGES - ex_do(&ex, EX_PAGES_ON_NODE, 0, PAGES(MIG_PAGES),
				  node);
	CPU_ZERO(&cpus);
	for (int c = 0; c < CPU_SETSIZE && c < sysconf(_SC_NPROCESSORS_CONF); c++)
		CPU_SET(c, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	if (hinted < MIG_PAGES)
		SKIP("no NUMA hint pass (%llu PTEs)", (unsigned long long)hinted);
	note("%llu PTEs hinted; %llu of %d buffer pages moved",
	     (unsigned long long)hinted, (unsigned long long)moved, MIG_PAGES);
	CHECK_EQ(moved, 0);
}

/* how many of `pages` fresh pages of our own MADV_PAGEOUT sends to swap */
static size_t pageout_control(size_t pages)
{
	char *buf = CHECK_SYS((char *)mmap(NULL, PAGES(pages), PROT_READ |
					   PROT_WRITE, MAP_PRIVATE |
					   MAP_ANONYMOUS, -1, 0));
	size_t swapped = 0;

	pat_fill(buf, 0, PAGES(pages), 40);
	for (int i = 0; i < 5 && swapped < pages; i++) {
		CHECK_SYS(madvise(buf, PAGES(pages), MADV_PAGEOUT));
		swapped = 0;
		for (size_t k = 0; k < pages; k++)
			swapped += (pagemap_entry(buf + PAGES(k)) >> 62) & 1;
		usleep(100000);
	}
	CHECK_PATTERN(buf, 0, PAGES(pages), 40);
	munmap(buf, PAGES(pages));
	return swapped;
}

TEST(paged_out_source_pages_stay_coherent)
{
	size_t control, swapped;
	struct exporter ex;
	char *p;

	if (!swap_is_active())
		SKIP("no swap: /proc/swaps lists nothing");
	control = pageout_control(MIG_PAGES);
	if (control < MIG_PAGES / 2)
		SKIP("MADV_PAGEOUT swapped only %zu of %d pages without xpmem",
		     control, MIG_PAGES);

	p = start_simple(&ex, MIG_PAGES);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	swapped = ex_do(&ex, EX_PAGEOUT, 0, PAGES(MIG_PAGES), 0);
	note("control: %zu/%d pages swapped; attached: %zu/%d", control,
	     MIG_PAGES, swapped, MIG_PAGES);
	CHECK(swapped >= MIG_PAGES / 2, "only %zu of %d attached pages left RAM "
	      "(the attachment pins them?)", swapped, MIG_PAGES);
	CHECK_PATTERN(p, 0, PAGES(MIG_PAGES), 1);
	CHECK_EX_PATTERN(&ex, 0, PAGES(MIG_PAGES), 1);
	pat_fill(p, 0, PAGES(MIG_PAGES), 41);
	CHECK_EX_PATTERN(&ex, 0, PAGES(MIG_PAGES), 41);
}
