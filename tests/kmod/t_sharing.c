// SPDX-License-Identifier: GPL-2.0
/*
 * t_sharing.c - the data path between processes: what an attacher sees and
 * may do, read-only versus read-write permits, offsets, whole-address-space
 * exports, same-address attaches, and the attacher's own VMA operations.
 * The test process is the attacher; a forked exporter (xp.h) is the source.
 */
#define TEST_ORDER 20
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xp.h"

static void start(struct exporter *ex, size_t pages)
{
	exporter_start(ex, &(struct ex_opts){ .pages = pages, .seed = 1 });
}

TEST(attach_sees_exporter_data)
{
	struct exporter ex;
	char *p;

	start(&ex, 8);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(8));
	CHECK_PATTERN(p, 0, PAGES(8), 1);
	exporter_quit(&ex);
}

TEST(attach_of_rdwr_permit_maps_read_write)
{
	struct exporter ex;
	char *p;

	start(&ex, 2);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(2));
	CHECK_EQ(probe_write(p + PAGE_SZ, pat_word(2, PAGE_SZ)), 0);
	CHECK_EQ(ex_do(&ex, EX_READ_U64, PAGE_SZ, 0, 0), pat_word(2, PAGE_SZ));
	CHECK_SYS(mprotect(p, PAGES(2), PROT_READ | PROT_WRITE));
}

TEST(attach_of_rdonly_permit_maps_read_only)
{
	struct exporter ex;
	char *p;

	start(&ex, 2);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(2));
	CHECK_PATTERN(p, 0, PAGES(2), 1);
	CHECK_WRITE_SIGNALS(p, SIGSEGV);
	CHECK_WRITE_SIGNALS(p + PAGE_SZ + 8, SIGSEGV);
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 1);
}

TEST(rdonly_write_kills_an_attacher_without_a_handler_by_sigsegv)
{
	struct exporter ex;

	start(&ex, 2);
	WAIT_SIGNALED(spawn_toucher(&ex, XPMEM_RDONLY, PAGE_SZ, true), SIGSEGV);
	WAIT_OK(spawn_toucher(&ex, XPMEM_RDWR, PAGE_SZ, true));
	CHECK_EQ(ex_do(&ex, EX_READ_U64, PAGE_SZ, 0, 0), 0x77);
}

TEST(mprotect_write_on_rdonly_attachment_is_eacces)
{
	struct exporter ex;
	char *p;

	start(&ex, 2);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(2));
	CHECK_ERRNO(mprotect(p, PAGES(2), PROT_READ | PROT_WRITE), EACCES);
	CHECK_ERRNO(mprotect(p, PAGE_SZ, PROT_WRITE), EACCES);
	CHECK_WRITE_SIGNALS(p, SIGSEGV);
}

TEST(attach_at_offset_maps_that_part_of_the_segment)
{
	struct exporter ex;
	char *p;

	start(&ex, 8);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), PAGES(3), PAGES(2));
	CHECK_PATTERN(p, PAGES(3), PAGES(2), 1);
	pat_fill(p + PAGE_SZ, PAGES(4), PAGE_SZ, 3);
	CHECK_EX_PATTERN(&ex, PAGES(4), PAGE_SZ, 3);
	CHECK_EX_PATTERN(&ex, PAGES(3), PAGE_SZ, 1);
	CHECK_EX_PATTERN(&ex, PAGES(5), PAGE_SZ, 1);
}

TEST(whole_address_space_export_attaches_at_the_buffer_address)
{
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 4, .seed = 4,
					      .whole_as = true });
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), ex.off0 + PAGE_SZ,
		      PAGES(3));
	CHECK_PATTERN(p, PAGE_SZ, PAGES(3), 4);
	pat_fill(p, PAGE_SZ, PAGE_SZ, 5);
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGE_SZ, 5);
}

TEST(exporter_can_attach_its_own_segment)
{
	char *buf = CHECK_SYS((char *)mmap(NULL, PAGES(4), PROT_READ |
					   PROT_WRITE, MAP_PRIVATE |
					   MAP_ANONYMOUS, -1, 0));
	char *p;

	pat_fill(buf, 0, PAGES(4), 6);
	p = attach_ok(get_ok(make_ok(buf, PAGES(4), 0600), XPMEM_RDWR), 0,
		      PAGES(4));
	CHECK(p != buf);
	CHECK_PATTERN(p, 0, PAGES(4), 6);
	pat_fill(p + PAGES(2), PAGES(2), PAGE_SZ, 7);
	CHECK_PATTERN(buf + PAGES(2), PAGES(2), PAGE_SZ, 7);
}

TEST(two_attachments_of_one_permit_share_the_same_pages)
{
	struct exporter ex;
	xpmem_apid_t apid;
	char *a, *b;

	start(&ex, 4);
	apid = get_ok(ex.segid, XPMEM_RDWR);
	a = attach_ok(apid, 0, PAGES(4));
	b = attach_ok(apid, PAGE_SZ, PAGES(2));
	CHECK(a != b);
	pat_fill(a + PAGE_SZ, PAGE_SZ, PAGES(2), 8);
	CHECK_PATTERN(b, PAGE_SZ, PAGES(2), 8);
	pat_fill(b + PAGE_SZ, PAGES(2), PAGE_SZ, 9);
	CHECK_PATTERN(a + PAGES(2), PAGES(2), PAGE_SZ, 9);
}

TEST(releasing_one_permit_leaves_another_permits_attachment_working)
{
	struct exporter ex;
	xpmem_apid_t one, two;
	char *p1, *p2;

	start(&ex, 2);
	one = get_ok(ex.segid, XPMEM_RDWR);
	two = get_ok(ex.segid, XPMEM_RDWR);
	p1 = attach_ok(one, 0, PAGES(2));
	p2 = attach_ok(two, 0, PAGES(2));
	CHECK_PATTERN(p1, 0, PAGES(2), 1);
	CHECK_SYS(xpmem_release(one));
	CHECK_PATTERN(p2, 0, PAGES(2), 1);
	pat_fill(p2, 0, PAGE_SZ, 10);
	CHECK_EX_PATTERN(&ex, 0, PAGE_SZ, 10);
	attach_ok(two, PAGE_SZ, PAGE_SZ);
}

/* ---- same-address attaches -------------------------------------------------- */

static void start_far(struct exporter *ex, size_t pages)
{
	exporter_start(ex, &(struct ex_opts){ .pages = pages, .seed = 1,
			.at = (uintptr_t)far_address() });
}

static void *attach_same(xpmem_apid_t apid, off_t offset, size_t size)
{
	return xpmem_attach_same((struct xpmem_addr){ apid, offset }, size);
}

TEST(attach_same_maps_at_the_exporter_address)
{
	struct exporter ex;
	char *p;

	start_far(&ex, 4);
	CHECK(!mapping_length((void *)(uintptr_t)ex.base));
	p = CHECK_SYS((char *)attach_same(get_ok(ex.segid, XPMEM_RDWR), 0,
					  PAGES(4)));
	CHECK_EQ(p, ex.base);
	CHECK_PATTERN(p, 0, PAGES(4), 1);
}

TEST(attach_same_at_offset_maps_at_exporter_address_plus_offset)
{
	struct exporter ex;
	char *p;

	start_far(&ex, 8);
	p = CHECK_SYS((char *)attach_same(get_ok(ex.segid, XPMEM_RDWR),
					  PAGES(5), PAGES(2)));
	CHECK_EQ(p, ex.base + PAGES(5));
	CHECK_PATTERN(p, PAGES(5), PAGES(2), 1);
}

TEST(attach_same_is_ebusy_when_range_is_already_attached)
{
	struct exporter ex;
	xpmem_apid_t apid;

	start_far(&ex, 4);
	apid = get_ok(ex.segid, XPMEM_RDWR);
	CHECK_SYS(attach_same(apid, 0, PAGES(4)));
	CHECK_ERRNO(attach_same(apid, 0, PAGES(4)), EBUSY);
	CHECK_ERRNO(attach_same(apid, PAGES(3), PAGE_SZ), EBUSY);
	CHECK_PATTERN((char *)(uintptr_t)ex.base, 0, PAGES(4), 1);
}

TEST(attach_same_is_ebusy_when_one_page_is_mapped_and_replaces_nothing)
{
	struct exporter ex;
	char *mine;

	start_far(&ex, 8);
	mine = CHECK_SYS((char *)mmap((char *)(uintptr_t)ex.base + PAGES(6),
				      PAGE_SZ, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS |
				      MAP_FIXED_NOREPLACE, -1, 0));
	pat_fill(mine, 0, PAGE_SZ, 11);
	CHECK_ERRNO(attach_same(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(8)),
		    EBUSY);
	CHECK_PATTERN(mine, 0, PAGE_SZ, 11);
	CHECK(!mapping_length((void *)(uintptr_t)ex.base),
	      "the free part of the range got mapped");
}

#define LIST_PAGES	16
#define LIST_SLOTS	(PAGES(LIST_PAGES) / 64)

struct node {
	struct node *next;
	uint64_t index;
	uint64_t value;
	uint64_t pad[5];
};

struct list_head {
	struct node *first;
	uint64_t count;
};

/* node i sits in slot perm(i): scattered over every page of the region */
static size_t perm(size_t i)
{
	return (i * 7919 + 1) % (LIST_SLOTS - 1) + 1;
}

TEST(attach_same_lets_a_peer_walk_a_linked_list_in_place)
{
	struct node *slots;
	struct chan ch;
	pid_t pid;

	/* fork first, so the peer never inherits the region */
	pid = fork_peer(&ch);
	if (pid == 0) {
		xpmem_segid_t segid = recv_u64(&ch);
		char *base = (char *)(uintptr_t)recv_u64(&ch);
		struct list_head *head;
		uint64_t n = 0;
		char *p;

		CHECK(!mapping_length(base), "peer already maps %p", base);
		p = CHECK_SYS((char *)attach_same(get_ok(segid, XPMEM_RDONLY),
						  0, PAGES(LIST_PAGES)));
		CHECK_EQ(p, base);
		head = (struct list_head *)p;
		for (struct node *nd = head->first; nd; nd = nd->next, n++) {
			CHECK((char *)nd >= p && (char *)nd <
			      p + PAGES(LIST_PAGES), "node %llu at %p outside",
			      (unsigned long long)n, (void *)nd);
			CHECK_EQ(nd->index, n);
			CHECK_EQ(nd->value, pat_word(12, n));
		}
		CHECK_EQ(n, head->count);
		send_u64(&ch, n);
		peer_exit(0);
	}

	slots = CHECK_SYS((struct node *)mmap(far_address(), PAGES(LIST_PAGES),
					      PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS |
					      MAP_FIXED_NOREPLACE, -1, 0));
	for (size_t i = 0; i < LIST_SLOTS - 1; i++) {
		struct node *nd = &slots[perm(i)];

		nd->index = i;
		nd->value = pat_word(12, i);
		nd->next = i + 1 < LIST_SLOTS - 1 ? &slots[perm(i + 1)] : NULL;
	}
	((struct list_head *)slots)->first = &slots[perm(0)];
	((struct list_head *)slots)->count = LIST_SLOTS - 1;
	send_u64(&ch, make_ok(slots, PAGES(LIST_PAGES), 0600));
	send_u64(&ch, (uintptr_t)slots);
	CHECK_EQ(recv_u64(&ch), LIST_SLOTS - 1);
	WAIT_OK(pid);
}

/* ---- the attacher's own VMA operations ----------------------------------------- */

TEST(mremap_of_attachment_fails_and_leaves_it_intact)
{
	struct exporter ex;
	char *p, *to;

	start(&ex, 4);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));
	CHECK_PATTERN(p, 0, PAGES(4), 1);

	to = free_address(PAGES(4));
	CHECK(mremap(p, PAGES(4), PAGES(4), MREMAP_MAYMOVE | MREMAP_FIXED, to)
	      == MAP_FAILED, "moving the attachment succeeded");
	note("mremap move: %s", errname(errno));
	CHECK(mremap(p, PAGES(4), PAGES(8), MREMAP_MAYMOVE) == MAP_FAILED,
	      "growing the attachment succeeded");
	CHECK(mremap(p, PAGES(4), PAGES(2), 0) == MAP_FAILED ||
	      mapping_length(p) == PAGES(2), "shrinking moved it");

	CHECK(!mapping_length(to), "something got mapped at the target");
	CHECK_PATTERN(p, 0, PAGES(2), 1);
	pat_fill(p, 0, PAGE_SZ, 13);
	CHECK_EX_PATTERN(&ex, 0, PAGE_SZ, 13);
}

TEST(attacher_munmap_of_part_of_attachment_keeps_the_rest)
{
	struct exporter ex;
	char *p;

	start(&ex, 4);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));
	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_SYS(munmap(p + PAGE_SZ, PAGE_SZ));
	CHECK_READ_SIGNALS(p + PAGE_SZ, SIGSEGV);
	CHECK_PATTERN(p, 0, PAGE_SZ, 1);
	CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 1);
	pat_fill(p + PAGES(3), PAGES(3), PAGE_SZ, 14);
	CHECK_EX_PATTERN(&ex, PAGES(3), PAGE_SZ, 14);
	CHECK_SYS(xpmem_detach(p + PAGES(2)));
	CHECK_SYS(xpmem_detach(p));
	exporter_quit(&ex);	/* and we are still alive */
}

TEST(attachment_works_as_a_syscall_buffer)
{
	char mine[PAGE_SZ];
	struct exporter ex;
	int fds[2];
	char *p;

	start(&ex, 4);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));
	CHECK_SYS(pipe(fds));
	/* the kernel reads the attachment */
	CHECK_EQ(write(fds[1], p + PAGE_SZ, PAGE_SZ), PAGE_SZ);
	CHECK_EQ(read(fds[0], mine, PAGE_SZ), PAGE_SZ);
	CHECK_PATTERN(mine, PAGE_SZ, PAGE_SZ, 1);
	/* the kernel writes the attachment */
	pat_fill(mine, PAGES(3), PAGE_SZ, 2);
	CHECK_EQ(write(fds[1], mine, PAGE_SZ), PAGE_SZ);
	CHECK_EQ(read(fds[0], p + PAGES(3), PAGE_SZ), PAGE_SZ);
	CHECK_EX_PATTERN(&ex, PAGES(3), PAGE_SZ, 2);
	CHECK_EX_PATTERN(&ex, 0, PAGES(3), 1);
}

/* ---- two programs: fork + exec with a handshake ---------------------------------- */

/* args: segid offset length seed new-seed status-fd */
ROLE(reader)
{
	uint64_t off, len, seed, nseed;
	xpmem_segid_t segid;
	char ok = 1;
	int fd;
	char *p;

	if (argc != 6)
		return 2;
	segid = strtoll(argv[0], NULL, 0);
	off = strtoull(argv[1], NULL, 0);
	len = strtoull(argv[2], NULL, 0);
	seed = strtoull(argv[3], NULL, 0);
	nseed = strtoull(argv[4], NULL, 0);
	fd = atoi(argv[5]);
	p = attach_ok(get_ok(segid, XPMEM_RDWR), off, len);
	CHECK_PATTERN(p, off, len, seed);
	pat_fill(p, off, len, nseed);
	if (write(fd, &ok, 1) != 1)
		return 1;
	return 0;
}

TEST(exec_peer_attaches_exporter_buffer_by_segid)
{
	char segid[32], fdname[16], *buf;
	int fds[2];
	char ok = 0;
	ssize_t n;
	pid_t pid;

	buf = CHECK_SYS((char *)mmap(NULL, PAGES(8), PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	pat_fill(buf, 0, PAGES(8), 15);
	snprintf(segid, sizeof(segid), "%lld",
		 (long long)make_ok(buf, PAGES(8), 0600));
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	snprintf(fdname, sizeof(fdname), "%d", fds[1]);
	pid = spawn_role("reader", (char *[]){ segid, "0x2000", "0x4000", "15",
			 "16", fdname, NULL }, &fds[1], 1);
	close(fds[1]);
	n = read(fds[0], &ok, 1);
	WAIT_OK(pid);
	CHECK_EQ(n, 1);
	CHECK_PATTERN(buf + PAGES(2), PAGES(2), PAGES(4), 16);
	CHECK_PATTERN(buf, 0, PAGES(2), 15);
	CHECK_PATTERN(buf + PAGES(6), PAGES(6), PAGES(2), 15);
}
