// SPDX-License-Identifier: GPL-2.0
/*
 * t_gup.c - attachments made with gup_attachments=Y accept
 * get_user_pages(): process_vm_readv/writev, vmsplice and O_DIRECT work
 * on them, while the source's pages stay unpinned by the attachment
 * itself, mapped exactly once in the source (our PTEs never count), and
 * coherent: a page a third party still holds is no longer what the
 * attachment maps once the exporter let it go. The attack cases run as
 * uid 65534.
 */
#define TEST_ORDER 38
#include <fcntl.h>
#include <linux/loop.h>
#include <linux/mempolicy.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

/* ATTACH reads the parameter: it is Y for this one call only */
static char *attach_gup(xpmem_apid_t apid, off_t off, size_t size)
{
	struct xpmem_addr addr = { .apid = apid, .offset = off };
	char *p;
	int err;

	require_gup();
	CHECK(set_gup(true), "cannot set %s", GUP_KNOB);
	p = xpmem_attach(addr, size, NULL);
	err = errno;
	set_gup(false);
	CHECK(p != (char *)-1, "xpmem_attach: %s", errname(err));
	return p;
}

static char *start_gup(struct exporter *ex, size_t pages, int perm)
{
	exporter_start(ex, &(struct ex_opts){ .pages = pages, .seed = 1 });
	return attach_gup(get_ok(ex->segid, perm), ex->off0, PAGES(pages));
}

static ssize_t vm_rw(void *local, void *remote, size_t len, bool write)
{
	struct iovec l = { local, len }, r = { remote, len };

	return write ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) :
		       process_vm_readv(getpid(), &l, 1, &r, 1, 0);
}

TEST(process_vm_readv_copies_out_of_a_gup_attachment)
{
	static char buf[PAGES(8)];
	struct exporter ex;
	char *p = start_gup(&ex, 8, XPMEM_RDONLY);

	/* untouched: get_user_pages() faults the pages in through us */
	CHECK_EQ(vm_rw(buf, p, PAGES(8), false), PAGES(8));
	CHECK_PATTERN(buf, 0, PAGES(8), 1);
}

TEST(process_vm_writev_into_an_rdwr_gup_attachment_reaches_the_exporter)
{
	static char buf[PAGES(2)];
	struct exporter ex;
	char *p = start_gup(&ex, 4, XPMEM_RDWR);

	pat_fill(buf, PAGE_SZ, PAGES(2), 2);
	CHECK_EQ(vm_rw(buf, p + PAGE_SZ, PAGES(2), true), PAGES(2));
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGES(2), 2);
	CHECK_EX_PATTERN(&ex, 0, PAGE_SZ, 1);
	CHECK_EX_PATTERN(&ex, PAGES(3), PAGE_SZ, 1);
}

TEST(process_vm_writev_into_an_rdonly_gup_attachment_fails_with_efault)
{
	static char buf[PAGE_SZ];
	struct exporter ex;
	char *p = start_gup(&ex, 2, XPMEM_RDONLY);

	CHECK_PATTERN(p, 0, PAGES(2), 1);
	pat_fill(buf, 0, PAGE_SZ, 2);
	CHECK_ERRNO(vm_rw(buf, p, PAGE_SZ, true), EFAULT);
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 1);
}

TEST(vmsplice_of_a_gup_attachment_hands_the_pipe_the_exporters_pages)
{
	static char buf[PAGES(2)];
	struct exporter ex;
	struct iovec iov;
	int pipefd[2];
	char *p = start_gup(&ex, 4, XPMEM_RDONLY);

	CHECK_SYS(pipe(pipefd));
	iov = (struct iovec){ p + PAGE_SZ, PAGES(2) };
	CHECK_EQ(vmsplice(pipefd[1], &iov, 1, 0), PAGES(2));
	CHECK_EQ(read(pipefd[0], buf, PAGES(2)), PAGES(2));
	CHECK_PATTERN(buf, PAGE_SZ, PAGES(2), 1);
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * The pipe keeps the page it took alive after the exporter dropped it;
 * the attachment, coherent with the exporter, maps the new page.
 */
TEST(a_page_a_pipe_still_holds_is_not_what_the_attachment_maps_after_the_exporter_drops_it)
{
	static char buf[PAGE_SZ];
	struct exporter ex;
	struct iovec iov;
	int pipefd[2];
	char *p = start_gup(&ex, 2, XPMEM_RDONLY);

	CHECK_SYS(pipe(pipefd));
	iov = (struct iovec){ p, PAGE_SZ };
	CHECK_EQ(vmsplice(pipefd[1], &iov, 1, 0), PAGE_SZ);
	ex_do(&ex, EX_DONTNEED, 0, PAGE_SZ, 0);
	ex_do(&ex, EX_FILL, 0, PAGE_SZ, 2);
	CHECK_PATTERN(p, 0, PAGE_SZ, 2);
	CHECK_EQ(read(pipefd[0], buf, PAGE_SZ), PAGE_SZ);
	CHECK_PATTERN(buf, 0, PAGE_SZ, 1);
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * VM_PFNMAP refused MADV_DONTNEED; a GUP attachment takes it. Our page
 * record keeps counting the dropped pages until the piece is unmapped or
 * the source range is invalidated: it may only ever count too many.
 */
TEST(madvise_dontneed_on_a_gup_attachment_drops_its_ptes_and_refaults)
{
	struct census c0, c1;
	struct exporter ex;
	char *p = start_gup(&ex, 4, XPMEM_RDONLY);

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_SYS(madvise(p, PAGES(4), MADV_DONTNEED));
	ex_do(&ex, EX_FILL, 0, PAGES(4), 2);	/* in place: no invalidation */
	census_take(&c0);
	CHECK_PATTERN(p, 0, PAGES(4), 2);
	census_take(&c1);
	CHECK(c1.faults > c0.faults, "no fault after MADV_DONTNEED");
}

/*
 * hugetlb keeps a page's "exclusive" mark on the head page, and kernels
 * differ on whether GUP of a 4 KiB page of it looks there: the module
 * hands none out. Loads and stores work.
 */
TEST(gup_of_an_attachment_of_a_hugetlb_source_fails_and_loads_work)
{
	static char buf[PAGES(2)];
	long old = hugepages_reserve(2);
	struct exporter ex;
	char *p;

	if (old < 0)
		SKIP("cannot reserve 2 huge pages");
	exporter_start(&ex, &(struct ex_opts){ .pages = 1024, .seed = 1,
		       .huge = EX_HUGE_HUGETLB });
	p = attach_gup(get_ok(ex.segid, XPMEM_RDWR), ex.off0, PAGES(1024));
	CHECK_PATTERN(p + PAGES(510), PAGES(510), PAGES(4), 1);
	CHECK_ERRNO(vm_rw(buf, p + PAGES(511), PAGES(2), false), EFAULT);
	pat_fill(p + PAGES(700), PAGES(700), PAGES(2), 2);
	CHECK_EX_PATTERN(&ex, PAGES(700), PAGES(2), 2);
	exporter_quit(&ex);
	hugepages_restore(old);
}

/*
 * While the exporter maps a THP with one PMD, the kernel keeps the page's
 * "exclusive" mark on its head only, and GUP of one of its 4 KiB pages
 * must see the mark on that page: we hand none out. Loads work; once the
 * exporter's PMD is split (MADV_DONTNEED of one page), every page carries
 * the mark and GUP works.
 */
TEST(gup_of_a_thp_the_exporter_maps_with_one_pmd_fails_until_it_is_split)
{
	static char buf[PAGE_SZ];
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 512, .seed = 1,
		       .huge = EX_HUGE_THP });
	p = attach_gup(get_ok(ex.segid, XPMEM_RDONLY), ex.off0, PAGES(512));
	CHECK_PATTERN(p + PAGES(100), PAGES(100), PAGE_SZ, 1);
	if (vm_rw(buf, p + PAGES(100), PAGE_SZ, false) == PAGE_SZ)
		SKIP("the exporter got no transparent huge page");
	CHECK_EQ(errno, EFAULT);
	ex_do(&ex, EX_DONTNEED, PAGES(511), PAGE_SZ, 0);
	CHECK_EQ(vm_rw(buf, p + PAGES(100), PAGE_SZ, false), PAGE_SZ);
	CHECK_PATTERN(buf, PAGES(100), PAGE_SZ, 1);
}

/*
 * A page the exporter shares copy-on-write (it forked) is not its own to
 * hand out: GUP would have to unshare it, which only the exporter can.
 * Loads still read it; once the exporter writes it, the page is its own.
 */
TEST(gup_of_a_page_the_exporter_shares_copy_on_write_fails_until_it_writes_it)
{
	static char buf[PAGE_SZ];
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 2, .seed = 1 });
	ex_do(&ex, EX_FORK, 0, 0, 0);
	p = attach_gup(get_ok(ex.segid, XPMEM_RDONLY), ex.off0, PAGES(2));
	CHECK_PATTERN(p, 0, PAGES(2), 1);
	CHECK_ERRNO(vm_rw(buf, p, PAGE_SZ, false), EFAULT);
	ex_do(&ex, EX_FILL, 0, PAGE_SZ, 2);
	CHECK_EQ(vm_rw(buf, p, PAGE_SZ, false), PAGE_SZ);
	CHECK_PATTERN(buf, 0, PAGE_SZ, 2);
	CHECK_ERRNO(vm_rw(buf, p + PAGE_SZ, PAGE_SZ, false), EFAULT);
	ex_kid(&ex, EX_QUIT, 0, 0, 0);
}

/* how many page tables map the exporter's page at buffer offset off */
static long source_mapcount(struct exporter *ex, size_t off)
{
	uint64_t vaddr = ex->base + off, entry, count;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)ex->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "%s: %s", path, errname(errno));
	CHECK_EQ(pread(fd, &entry, 8, (vaddr / PAGE_SZ) * 8), 8);
	close(fd);
	CHECK(entry >> 63, "the exporter's page is not present");
	fd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP("/proc/kpagecount: %s", errname(errno));
	CHECK_EQ(pread(fd, &count, 8, (entry & ((1ULL << 55) - 1)) * 8), 8);
	close(fd);
	return (long)count;
}

/*
 * Our PTEs take no mapcount and no reference, so nothing may give one
 * back: every zap of a GUP attachment (MADV_DONTNEED, munmap, exit) must
 * leave the source's page mapped exactly once, by the source.
 */
TEST(the_source_page_stays_mapped_once_through_gup_dontneed_unmap_and_exit)
{
	static char buf[PAGE_SZ];
	struct exporter ex;
	struct chan ch;
	pid_t pid;
	char *p = start_gup(&ex, 2, XPMEM_RDWR);

	CHECK_EQ(source_mapcount(&ex, 0), 1);
	CHECK_EQ(vm_rw(buf, p, PAGE_SZ, false), PAGE_SZ);
	CHECK_EQ(vm_rw(buf, p, PAGE_SZ, true), PAGE_SZ);
	CHECK_EQ(source_mapcount(&ex, 0), 1);
	CHECK_SYS(madvise(p, PAGES(2), MADV_DONTNEED));
	CHECK_EQ(source_mapcount(&ex, 0), 1);
	CHECK_EQ(vm_rw(buf, p, PAGE_SZ, false), PAGE_SZ);
	CHECK_SYS(munmap(p, PAGES(2)));
	CHECK_EQ(source_mapcount(&ex, 0), 1);

	pid = fork_peer(&ch);
	if (pid == 0) {
		char *q = attach_gup(get_ok(ex.segid, XPMEM_RDWR), ex.off0,
				     PAGES(2));

		CHECK_EQ(vm_rw(buf, q, PAGES(1), false), PAGE_SZ);
		send_u64(&ch, 1);
		recv_u64(&ch);
		peer_exit(0);		/* attached and touched */
	}
	CHECK_EQ(recv_u64(&ch), 1);
	CHECK_EQ(source_mapcount(&ex, 0), 1);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	CHECK_EQ(source_mapcount(&ex, 0), 1);
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 1);
}

/*
 * mremap moves our PTEs before the module can refuse it; the module then
 * zaps them at their new place, and that zap must not take them for
 * pages mapped through rmap either.
 */
TEST(mremap_of_a_gup_attachment_is_refused_and_the_source_page_stays_mapped_once)
{
	static char buf[PAGE_SZ];
	struct exporter ex;
	char *p = start_gup(&ex, 4, XPMEM_RDWR);
	void *to = free_address(PAGES(4));

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_ERRNO(mremap(p, PAGES(4), PAGES(4), MREMAP_MAYMOVE | MREMAP_FIXED,
			   to), EINVAL);
	CHECK_EQ(source_mapcount(&ex, 0), 1);
	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_EQ(vm_rw(buf, p + PAGES(3), PAGE_SZ, false), PAGE_SZ);
	CHECK_PATTERN(buf, PAGES(3), PAGE_SZ, 1);
	CHECK(!range_is_mapped(to, PAGE_SZ), "something is mapped at the target");
}

/* a loop device over a memfd, for O_DIRECT I/O that pins user pages */
struct loopdev {
	int ctl, dev, direct, backing;
	char path[32];
};

static void loop_setup(struct loopdev *l, size_t size)
{
	long n;

	/* tests/vm loads the loop driver in every guest */
	l->ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (l->ctl < 0)
		SKIP("/dev/loop-control: %s", errname(errno));
	n = ioctl(l->ctl, LOOP_CTL_GET_FREE);
	CHECK(n >= 0, "LOOP_CTL_GET_FREE: %s", errname(errno));
	snprintf(l->path, sizeof(l->path), "/dev/loop%ld", n);
	l->dev = open(l->path, O_RDWR | O_CLOEXEC);
	CHECK(l->dev >= 0, "%s: %s", l->path, errname(errno));
	l->backing = memfd_create("xpmem-odirect", MFD_CLOEXEC);
	CHECK_SYS(l->backing);
	CHECK_SYS(ftruncate(l->backing, (off_t)size));
	CHECK_SYS(ioctl(l->dev, LOOP_SET_FD, l->backing));
	l->direct = open(l->path, O_RDWR | O_DIRECT | O_CLOEXEC);
	CHECK(l->direct >= 0, "%s with O_DIRECT: %s", l->path, errname(errno));
}

static void loop_teardown(struct loopdev *l)
{
	close(l->direct);
	ioctl(l->dev, LOOP_CLR_FD, 0);
	close(l->dev);
	close(l->backing);
	close(l->ctl);
}

TEST(o_direct_write_from_and_read_into_a_gup_attachment)
{
	struct loopdev l;
	struct exporter ex;
	char *p = start_gup(&ex, 8, XPMEM_RDWR);

	loop_setup(&l, PAGES(16));
	/* the device's first 4 pages get the exporter's pages 0-3 ... */
	CHECK_EQ(pwrite(l.direct, p, PAGES(4), 0), PAGES(4));
	/* ... which come back into its pages 4-7 */
	CHECK_EQ(pread(l.direct, p + PAGES(4), PAGES(4), 0), PAGES(4));
	loop_teardown(&l);
	CHECK_PATTERN(p + PAGES(4), 0, PAGES(4), 1);
	CHECK_EQ(ex_do(&ex, EX_READ_U64, PAGES(4) + 8, 0, 0), pat_word(1, 8));
	CHECK_EX_PATTERN(&ex, 0, PAGES(4), 1);
}

/* ---- as uid 65534 ------------------------------------------------------- */

struct gup_racer {
	char *p;
	size_t len;
	int direct;			/* a world-writable O_DIRECT device */
	volatile bool stop;
	long copies, bad;
};

/* each word a GUP copy sees is the churned pattern, or zero */
static long count_bad(const char *buf, size_t len)
{
	static char expect[PAGES(8)];
	long bad = 0;

	pat_fill(expect, 0, len, CHURN_SEED);
	for (size_t i = 0; i < len; i++)
		if (buf[i] && buf[i] != expect[i])
			bad++;
	return bad;
}

static void *copy_with_gup(void *arg)
{
	static char buf[PAGES(8)];
	struct gup_racer *r = arg;
	struct iovec iov;
	int pipefd[2];
	ssize_t n;

	CHECK_SYS(pipe(pipefd));
	while (!r->stop) {
		n = vm_rw(buf, r->p, r->len, false);
		expect_errno("process_vm_readv", n, EFAULT, 0);
		if (n > 0) {
			r->copies++;
			r->bad += count_bad(buf, (size_t)n);
		}
		iov = (struct iovec){ r->p, PAGE_SZ };
		n = vmsplice(pipefd[1], &iov, 1, 0);
		expect_errno("vmsplice", n, EFAULT, EEXIST, 0);
		if (n > 0) {
			CHECK_EQ(read(pipefd[0], buf, (size_t)n), n);
			r->bad += count_bad(buf, (size_t)n);
		}
		n = pwrite(r->direct, r->p, r->len, 0);
		expect_errno("O_DIRECT pwrite", n, EFAULT, EEXIST, 0);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	return NULL;
}

/* the attacher's own zaps: MADV_DONTNEED, and splits by mprotect */
static void reshape(char *p, size_t len, double secs)
{
	double end = now_sec() + secs;

	while (now_sec() < end) {
		CHECK_SYS(madvise(p, len, MADV_DONTNEED));
		CHECK_SYS(mprotect(p + PAGES(2), PAGES(2), PROT_READ));
		CHECK_SYS(mprotect(p + PAGES(2), PAGES(2),
				   PROT_READ | PROT_WRITE));
	}
}

/*
 * An attack on a GUP attachment: root makes a world-usable O_DIRECT device
 * and a victim filled with CHURN_SEED, and forks nobody, which attaches
 * with gup_attachments=Y, opens the device, starts copy_with_gup and says
 * so (1). Returns the pid, 0 in nobody.
 */
static pid_t start_gup_attack(struct gup_racer *r, struct exporter *ex,
			      struct loopdev *l, struct chan *ch,
			      pthread_t *t)
{
	pid_t pid;

	require_gup();
	loop_setup(l, PAGES(16));
	CHECK_SYS(fchmod(l->direct, 0666));
	victim_start(ex, 8, 0666);
	ex_do(ex, EX_FILL, 0, PAGES(8), CHURN_SEED);
	CHECK(set_gup(true), "cannot set %s", GUP_KNOB);
	pid = fork_nobody(ch);
	if (pid == 0) {
		r->p = attach_ok(get_ok(ex->segid, XPMEM_RDWR), 0, PAGES(8));
		r->direct = open(l->path, O_RDWR | O_DIRECT | O_CLOEXEC);
		CHECK(r->direct >= 0, "%s: %s", l->path, errname(errno));
		CHECK_EQ(pthread_create(t, NULL, copy_with_gup, r), 0);
		send_u64(ch, 1);
		return 0;
	}
	CHECK_EQ(recv_u64(ch), 1);
	set_gup(false);
	return pid;
}

/*
 * nobody copies out of a GUP attachment with process_vm_readv, vmsplice
 * and O_DIRECT while it MADV_DONTNEEDs and splits it and the exporter
 * throws its pages away and refills them: every copy holds real data,
 * every page count stays right (the kernel log would say "Bad page"),
 * and nothing is left behind.
 */
TEST_EX(attack_gup_copies_racing_both_sides_zaps_see_real_data_and_leak_nothing,
	T_HEAVY, 300)
{
	struct gup_racer r = { .len = PAGES(8) };
	struct census before;
	struct exporter ex;
	struct loopdev l;
	struct chan ch;
	pthread_t t;
	pid_t pid;

	attack_begin(&before);
	pid = start_gup_attack(&r, &ex, &l, &ch, &t);
	if (pid == 0) {
		reshape(r.p, PAGES(8), 2.0);
		recv_u64(&ch);			/* the exporter's churn is over */
		r.stop = true;
		pthread_join(t, NULL);
		note("%ld whole copies while both sides zapped", r.copies);
		CHECK_EQ(r.bad, 0);
		peer_exit(0);
	}
	ex_do(&ex, EX_CHURN, 0, PAGES(8), 300);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	loop_teardown(&l);
	exporter_quit(&ex);
	attack_end(&before);
}

/*
 * Root revokes the segment while nobody copies out of its GUP attachment:
 * the revoking task zaps nobody's mm from outside, and after it every
 * GUP of the attachment fails instead of reaching the exporter.
 */
TEST_EX(attack_revoking_the_segment_of_a_gup_attachment_mid_copy_leaks_nothing,
	0, 120)
{
	static char buf[PAGE_SZ];
	struct gup_racer r = { .len = PAGES(8) };
	struct census before;
	struct exporter ex;
	struct loopdev l;
	struct chan ch;
	pthread_t t;
	pid_t pid;

	attack_begin(&before);
	admin_reset_policy();
	pid = start_gup_attack(&r, &ex, &l, &ch, &t);
	if (pid == 0) {
		recv_u64(&ch);			/* revoked */
		r.stop = true;
		pthread_join(t, NULL);
		CHECK_EQ(r.bad, 0);
		CHECK_ERRNO(vm_rw(buf, r.p, PAGE_SZ, false), EFAULT);
		peer_exit(0);
	}
	sleep_sec(0.5);
	CHECK(admin_revoke(XPMEM_A_REVOKE_SEGID, (uint64_t)ex.segid) >= 1,
	      "the revoke found nothing");
	send_u64(&ch, 0);
	WAIT_OK(pid);
	loop_teardown(&l);
	exporter_quit(&ex);
	attack_end(&before);
}

/* nobody's tour of what reaches the module's page hook without a zap */
static void age_move_and_fork(char *p, size_t len)
{
	int online[16], status[8], nodes[8];
	void *pages[8];
	size_t n = len / PAGE_SZ < 8 ? len / PAGE_SZ : 8;
	pid_t kid;

	CHECK_SYS(madvise(p, len, MADV_COLD));
	/* a no-op unless nobody may write the segment's file: it may not */
	CHECK_SYS(madvise(p, len, MADV_PAGEOUT));
	if (numa_online_nodes(online, 16) >= 2) {
		for (size_t i = 0; i < n; i++) {
			pages[i] = p + PAGES(i);
			nodes[i] = online[1];
		}
		/* the exporter's pages move through their own rmap */
		expect_errno("move_pages", syscall(SYS_move_pages, 0, n, pages,
						   nodes, status, MPOL_MF_MOVE),
			     EPERM, EACCES, 0);
	}
	kid = fork_plain();
	if (kid == 0)
		_exit(0);		/* the attachment was not inherited */
	WAIT_OK(kid);
}

/*
 * The other ways into the hook, as nobody: MADV_COLD and MADV_PAGEOUT,
 * move_pages() and fork of a GUP attachment, then exit with it mapped
 * while root copies out of it with process_vm_readv() on nobody's pid.
 * The exporter's data and its page's mapcount come out right.
 */
TEST(attack_aging_moving_forking_and_exiting_with_a_gup_attachment_leave_the_exporter_right)
{
	static char buf[PAGES(8)];
	struct census before;
	struct exporter ex;
	struct chan ch;
	struct iovec l, r;
	uint64_t addr;
	pid_t pid;

	attack_begin(&before);
	require_gup();
	victim_start(&ex, 8, 0666);
	CHECK(set_gup(true), "cannot set %s", GUP_KNOB);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(8));

		CHECK_PATTERN(p, 0, PAGES(8), 1);
		send_u64(&ch, (uintptr_t)p);
		age_move_and_fork(p, PAGES(8));
		CHECK_EQ(vm_rw(buf, p, PAGES(8), false), PAGES(8));
		CHECK_PATTERN(buf, 0, PAGES(8), 1);
		recv_u64(&ch);
		peer_exit(0);		/* exits with the attachment mapped */
	}
	addr = recv_u64(&ch);
	set_gup(false);
	l = (struct iovec){ buf, PAGES(8) };
	r = (struct iovec){ (void *)(uintptr_t)addr, PAGES(8) };
	for (int i = 0; i < 200; i++) {
		ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);

		/* EFAULT once its mm is going, ESRCH once it is gone */
		expect_errno("process_vm_readv", n, EFAULT, ESRCH, 0);
		if (n > 0)
			CHECK_PATTERN(buf, 0, (size_t)n, 1);
		if (i == 100)
			send_u64(&ch, 0);	/* nobody exits under the copies */
	}
	WAIT_OK(pid);
	CHECK_EQ(source_mapcount(&ex, 0), 1);
	CHECK_EX_PATTERN(&ex, 0, PAGES(8), 1);
	exporter_quit(&ex);
	attack_end(&before);
}
