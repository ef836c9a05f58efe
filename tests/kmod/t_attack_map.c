// SPDX-License-Identifier: GPL-2.0
/*
 * t_attack_map.c - an unprivileged attacker reshaping its attachment
 * mappings: only a real ATTACH may map a segment (remap_file_pages, the
 * /proc map_files links and mmap of /dev/xpmem are refused), mremap moves
 * and grows nothing and leaks nothing, unmapped pieces just go, and a
 * forked child inherits neither attachments nor a usable descriptor.
 *
 * The attacker (uid 65534) is a forked child; the exporter belongs to
 * another user; every case ends with the leak check of attack.h.
 */
#define TEST_ORDER 90
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attack.h"

/* another page of the segment, as a file offset in pages */
static unsigned long pgoff_of(const struct exporter *ex, size_t page)
{
	return (ex->base + PAGES(page)) / PAGE_SZ;
}

TEST(attack_remap_file_pages_of_an_attachment_is_eacces_and_loses_that_range)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 6, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));

		CHECK_ERRNO(remap_file_pages(p + PAGE_SZ, PAGE_SZ, 0,
					     pgoff_of(&ex, 5), 0), EACCES);
		CHECK_READ_SIGNALS(p + PAGE_SZ, SIGSEGV);
		CHECK_PATTERN(p, 0, PAGE_SZ, 1);
		CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 1);
		pat_fill(p + PAGES(3), PAGES(3), PAGE_SZ, 2);
		CHECK_ERRNO(remap_file_pages(p + PAGES(2), PAGES(2), 0,
					     pgoff_of(&ex, 4), 0), EACCES);
		CHECK_READ_SIGNALS(p + PAGES(3), SIGSEGV);
		CHECK_PATTERN(p, 0, PAGE_SZ, 1);
		CHECK_SYS(xpmem_detach(p));
		CHECK_READ_SIGNALS(p, SIGSEGV);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, PAGES(3), PAGE_SZ, 2);
	CHECK_EX_PATTERN(&ex, 0, PAGES(3), 1);
	exporter_quit(&ex);
	attack_end(&before);
}

/* root may open a map_files link; if it can, mapping it must still fail */
static void root_cannot_map(const char *path, int flags,
			    const struct exporter *ex)
{
	int prot = PROT_READ | (flags == O_RDWR ? PROT_WRITE : 0);
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		CHECK(errno == ENXIO || errno == EPERM || errno == EACCES,
		      "root opening %s: %s", path, errname(errno));
		return;
	}
	note("root opened %s (flags %d)", path, flags);
	CHECK_ERRNO(mmap(NULL, PAGES(2), prot, MAP_SHARED, fd, 0), EACCES);
	CHECK_ERRNO(mmap(NULL, PAGE_SZ, prot, MAP_SHARED, fd,
			 (off_t)ex->base + PAGE_SZ), EACCES);
	close(fd);
}

TEST(attack_map_files_link_of_an_attachment_cannot_be_opened_or_mapped)
{
	struct census before;
	struct exporter ex;
	struct chan ch;
	char path[128];
	uint64_t p;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 2, 0666);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		char *a = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(2));
		int fd;

		CHECK_PATTERN(a, 0, PAGES(2), 1);
		snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
			 (unsigned long)a, (unsigned long)(a + PAGES(2)));
		fd = open(path, O_RDWR | O_CLOEXEC);
		CHECK(fd == -1 && (errno == EPERM || errno == EACCES),
		      "opening %s as uid %d: %s", path, NOBODY,
		      fd == -1 ? errname(errno) : "it opened");
		fd = open(path, O_RDONLY | O_CLOEXEC);
		CHECK(fd == -1 && (errno == EPERM || errno == EACCES),
		      "opening %s read-only as uid %d: %s", path, NOBODY,
		      fd == -1 ? errname(errno) : "it opened");
		send_u64(&ch, (uintptr_t)a);
		recv_u64(&ch);		/* root has tried */
		CHECK_PATTERN(a, 0, PAGES(2), 1);
		peer_exit(0);
	}
	p = recv_u64(&ch);
	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", (int)pid,
		 (unsigned long)p, (unsigned long)(p + PAGES(2)));
	root_cannot_map(path, O_RDONLY, &ex);
	root_cannot_map(path, O_RDWR, &ex);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	exporter_quit(&ex);
	attack_end(&before);
}

TEST(attack_mmap_of_dev_xpmem_is_enodev)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 2, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		char *buf = CHECK_SYS((char *)mmap(NULL, PAGES(2), PROT_READ,
						   MAP_PRIVATE | MAP_ANONYMOUS,
						   -1, 0));
		int fd = dev_open();

		/* a segment of its own, and one it may read, are live */
		CHECK_SYS(dev_get(fd, ex.segid, XPMEM_RDONLY));
		CHECK_SYS(dev_make(fd, buf, PAGES(2), 0600));
		CHECK_ERRNO(mmap(NULL, PAGE_SZ, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0), ENODEV);
		CHECK_ERRNO(mmap(NULL, PAGE_SZ, PROT_READ, MAP_SHARED, fd,
				 (off_t)ex.base), ENODEV);
		CHECK_ERRNO(mmap(NULL, PAGE_SZ, PROT_READ, MAP_PRIVATE, fd,
				 (off_t)ex.base), ENODEV);
		peer_exit(0);
	}
	WAIT_OK(pid);
	exporter_quit(&ex);
	attack_end(&before);
}

static bool failed_with(void *r, int e1, int e2)
{
	return r == MAP_FAILED && (errno == e1 || errno == e2);
}

TEST(attack_mremap_moves_and_grows_no_attachment_and_shrinking_unmaps_the_tail)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 4, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));
		char *to = free_address(PAGES(8));
		void *r;

		CHECK_ERRNO(mremap(p, PAGES(4), PAGES(4),
				   MREMAP_MAYMOVE | MREMAP_FIXED, to), EINVAL);
		CHECK_ERRNO(mremap(p + PAGE_SZ, PAGE_SZ, PAGE_SZ,
				   MREMAP_MAYMOVE | MREMAP_FIXED, to), EINVAL);
		CHECK(!mapping_length(to), "something is mapped at the target");
		CHECK_PATTERN(p, 0, PAGES(4), 1);

		r = mremap(p, PAGES(4), PAGES(4),
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		CHECK(failed_with(r, EINVAL, EFAULT),
		      "a copy with MREMAP_DONTUNMAP: %s",
		      r == MAP_FAILED ? errname(errno) : "it was made");
		r = mremap(p, PAGES(4), PAGES(8), 0);
		CHECK(failed_with(r, EFAULT, EINVAL), "growing in place: %s",
		      r == MAP_FAILED ? errname(errno) : "it grew");
		r = mremap(p, PAGES(4), PAGES(8), MREMAP_MAYMOVE);
		CHECK(failed_with(r, EFAULT, EINVAL), "growing by moving: %s",
		      r == MAP_FAILED ? errname(errno) : "it grew");
		CHECK_EQ(mapping_length(p), PAGES(4));
		CHECK_PATTERN(p, 0, PAGES(4), 1);

		CHECK_EQ((uintptr_t)mremap(p, PAGES(4), PAGES(2), 0),
			 (uintptr_t)p);
		CHECK_READ_SIGNALS(p + PAGES(2), SIGSEGV);
		CHECK_READ_SIGNALS(p + PAGES(3), SIGSEGV);
		CHECK_PATTERN(p, 0, PAGES(2), 1);
		pat_fill(p + PAGE_SZ, PAGE_SZ, PAGE_SZ, 3);
		CHECK_SYS(xpmem_detach(p));
		CHECK_READ_SIGNALS(p, SIGSEGV);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGE_SZ, 3);
	CHECK_EX_PATTERN(&ex, PAGES(2), PAGES(2), 1);
	exporter_quit(&ex);
	attack_end(&before);
}

/* active objects of kmalloc-32 plus kmalloc-64, from /proc/slabinfo */
static long small_slab_objects(void)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], name[64];
	long active, sum = 0;
	int found = 0;

	if (!f)
		SKIP("/proc/slabinfo: %s", errname(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &active) == 2 &&
		    (!strcmp(name, "kmalloc-32") || !strcmp(name, "kmalloc-64"))) {
			sum += active;
			found++;
		}
	fclose(f);
	if (found != 2)
		SKIP("/proc/slabinfo lists no kmalloc-32 and kmalloc-64");
	return sum;
}

/* the review's count; a KASAN kernel takes 200-300 s for them, hence 900 */
#define FAILED_MOVES 40000

TEST_EX(attack_failed_mremap_moves_leak_no_kernel_memory, T_HEAVY, 900)
{
	struct census before;
	struct exporter ex;
	long slab0, slab1;
	struct chan ch;
	double t0;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 1, 0666);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGE_SZ);
		char *to = free_address(PAGE_SZ);

		send_u64(&ch, 1);
		recv_u64(&ch);
		for (int i = 0; i < FAILED_MOVES; i++)
			if (mremap(p, PAGE_SZ, PAGE_SZ, MREMAP_MAYMOVE |
				   MREMAP_FIXED, to) != MAP_FAILED)
				FAIL("move #%d of the attachment succeeded", i);
		send_u64(&ch, 2);
		recv_u64(&ch);		/* measured while still attached */
		CHECK_PATTERN(p, 0, PAGE_SZ, 1);
		peer_exit(0);
	}
	recv_u64(&ch);
	slab0 = small_slab_objects();
	t0 = now_sec();
	send_u64(&ch, 1);
	recv_u64(&ch);
	slab1 = small_slab_objects();
	send_u64(&ch, 3);
	WAIT_OK(pid);
	note("%d failed moves in %.1f s; kmalloc-32 + kmalloc-64 active "
	     "objects %ld -> %ld", FAILED_MOVES, now_sec() - t0, slab0, slab1);
	CHECK(slab1 - slab0 < 5000, "%ld more small kernel objects after "
	      "%d failed moves", slab1 - slab0, FAILED_MOVES);
	exporter_quit(&ex);
	attack_end(&before);
}

TEST(attack_munmap_of_pieces_then_release_kills_nobody)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 8, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		xpmem_apid_t apid = get_ok(ex.segid, XPMEM_RDWR);
		char *p = attach_ok(apid, 0, PAGES(8));
		char *q = attach_ok(apid, PAGES(2), PAGES(2));

		CHECK_SYS(munmap(p, PAGE_SZ));
		CHECK_SYS(munmap(p + PAGES(3), PAGE_SZ));
		CHECK_SYS(munmap(p + PAGES(7), PAGE_SZ));
		CHECK_SYS(munmap(q + PAGE_SZ, PAGE_SZ));
		CHECK_READ_SIGNALS(p, SIGSEGV);
		CHECK_READ_SIGNALS(p + PAGES(3), SIGSEGV);
		CHECK_READ_SIGNALS(p + PAGES(7), SIGSEGV);
		CHECK_READ_SIGNALS(q + PAGE_SZ, SIGSEGV);
		CHECK_PATTERN(p + PAGE_SZ, PAGE_SZ, PAGES(2), 1);
		CHECK_PATTERN(p + PAGES(4), PAGES(4), PAGES(3), 1);
		CHECK_PATTERN(q, PAGES(2), PAGE_SZ, 1);
		pat_fill(p + PAGES(5), PAGES(5), PAGE_SZ, 4);

		CHECK_SYS(xpmem_detach(p + PAGES(4)));
		CHECK_READ_SIGNALS(p + PAGE_SZ, SIGSEGV);
		CHECK_READ_SIGNALS(p + PAGES(6), SIGSEGV);
		CHECK_PATTERN(q, PAGES(2), PAGE_SZ, 1);
		CHECK_SYS(xpmem_release(apid));
		CHECK_READ_SIGNALS(q, SIGSEGV);
		CHECK_ERRNO(xpmem_release(apid), ENOENT);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, PAGES(5), PAGE_SZ, 4);
	CHECK_EX_PATTERN(&ex, 0, PAGES(5), 1);
	exporter_quit(&ex);	/* alive and well */
	attack_end(&before);
}

/*
 * A process's first MAKE registers its mm's notifier tree, which
 * write-locks the mappings of all its files in address order: an
 * attachment's segment inode before or after the program's own file,
 * depending on where the attachment lies. Truncating a file the exporter
 * maps zaps the attachers under the segment's lock inside the file's.
 * Lock orders that disagree can deadlock; opening /dev/xpmem registers the
 * tree before the process can attach, so the debug kernel's lockdep (which
 * fails `make check-debug` on a report) sees one order only.
 */
/* in a fresh child: returns the attachment, which its exit takes down */
static char *attach_then_first_make(int64_t segid, void *where, char *src)
{
	int fd = dev_open();
	int64_t apid = CHECK_SYS(dev_get(fd, segid, XPMEM_RDWR));
	char *p = (char *)CHECK_SYS(dev_attach(fd, apid, 0, PAGES(4), where));

	CHECK_PATTERN(p, 0, PAGES(4), 3);
	CHECK_SYS(dev_make(fd, src, PAGE_SZ, 0600));
	return p;
}

TEST(attack_first_make_after_an_attach_cannot_invert_a_lock_order)
{
	struct census before;
	pid_t pid;

	attack_begin(&before);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		int fd = dev_open(), mfd = memfd_create("xpmem-order", 0);
		char *src;
		int64_t segid;
		struct chan ch;
		pid_t kid;

		CHECK_SYS(mfd);
		CHECK_SYS(ftruncate(mfd, PAGES(4)));
		src = CHECK_SYS((char *)mmap(NULL, PAGES(4), PROT_READ |
					     PROT_WRITE, MAP_SHARED, mfd, 0));
		pat_fill(src, 0, PAGES(4), 3);
		segid = CHECK_SYS(dev_make(fd, src, PAGES(4), 0600));
		/* below the program's file, then where mmap puts it: above */
		kid = fork_plain();
		if (kid == 0) {
			attach_then_first_make(segid, far_address(), src);
			peer_exit(0);
		}
		WAIT_OK(kid);
		kid = fork_peer(&ch);
		if (kid == 0) {
			char *p = attach_then_first_make(segid, NULL, src);

			send_u64(&ch, 1);
			recv_u64(&ch);		/* the memfd is truncated */
			CHECK_READ_SIGNALS(p, SIGBUS);
			peer_exit(0);
		}
		recv_u64(&ch);
		CHECK_SYS(ftruncate(mfd, 0));
		send_u64(&ch, 1);
		WAIT_OK(kid);
		close(fd);
		peer_exit(0);
	}
	WAIT_OK(pid);
	attack_end(&before);
}

TEST(attack_forked_child_inherits_neither_the_attachment_nor_the_descriptor)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 2, 0666);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		int fd = dev_open();
		int64_t apid = CHECK_SYS(dev_get(fd, ex.segid, XPMEM_RDWR));
		char *p = (char *)CHECK_SYS(dev_attach(fd, apid, 0, PAGES(2),
						       NULL));
		char *buf = CHECK_SYS((char *)mmap(NULL, PAGE_SZ, PROT_READ,
						   MAP_PRIVATE | MAP_ANONYMOUS,
						   -1, 0));
		pid_t kid;

		CHECK_PATTERN(p, 0, PAGES(2), 1);
		kid = fork_plain();
		if (kid == 0) {
			CHECK(!mapping_length(p), "the child has the VMA");
			CHECK_READ_SIGNALS(p, SIGSEGV);
			CHECK_ERRNO(dev_attach(fd, apid, 0, PAGES(2), p),
				    XPMEM_ERRNO_NOPROC);
			CHECK_ERRNO(dev_detach(fd, p), XPMEM_ERRNO_NOPROC);
			CHECK_ERRNO(dev_release(fd, apid), XPMEM_ERRNO_NOPROC);
			CHECK_ERRNO(dev_get(fd, ex.segid, XPMEM_RDWR),
				    XPMEM_ERRNO_NOPROC);
			CHECK_ERRNO(dev_remove(fd, ex.segid),
				    XPMEM_ERRNO_NOPROC);
			CHECK_ERRNO(dev_make(fd, buf, PAGE_SZ, 0666),
				    XPMEM_ERRNO_NOPROC);
			/* no VMA to move: 6.x says EFAULT, 7.x EINVAL */
			errno = 0;
			CHECK(mremap(p, PAGES(2), PAGES(2),
				     MREMAP_MAYMOVE | MREMAP_FIXED,
				     free_address(PAGES(2))) == MAP_FAILED &&
			      (errno == EFAULT || errno == EINVAL),
			      "mremap of the absent attachment: %s",
			      errname(errno));
			close(fd);
			peer_exit(0);
		}
		WAIT_OK(kid);
		CHECK_PATTERN(p, 0, PAGES(2), 1);
		pat_fill(p, 0, PAGE_SZ, 5);
		CHECK_SYS(dev_release(fd, apid));
		CHECK_READ_SIGNALS(p, SIGSEGV);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGE_SZ, 5);
	exporter_quit(&ex);
	attack_end(&before);
}
