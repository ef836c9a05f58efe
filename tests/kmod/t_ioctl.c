// SPDX-License-Identifier: GPL-2.0
/*
 * t_ioctl.c - every command's success and errno paths, through libxpmem
 * (and xpmem_ioctl() with a hand-built struct where the library cannot
 * express the bad argument). Mostly one process: it exports, gets and
 * attaches its own segments.
 */
#define TEST_ORDER 10
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xp.h"

#define UNKNOWN_ID	0x7a5c3e91d2b4f601LL	/* positive, never handed out */

static char *anon(size_t pages)
{
	return CHECK_SYS(mmap(NULL, PAGES(pages), PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
}

/* a segment of this process over `pages` fresh pages filled with seed 1 */
static xpmem_segid_t own_segment(size_t pages, char **bufp)
{
	char *buf = anon(pages);

	pat_fill(buf, 0, PAGES(pages), 1);
	if (bufp)
		*bufp = buf;
	return make_ok(buf, PAGES(pages), 0600);
}

static xpmem_segid_t try_make(void *vaddr, size_t size, int type,
			      uint64_t mode)
{
	return xpmem_make(vaddr, size, type, (void *)(uintptr_t)mode);
}

static void *try_attach(xpmem_apid_t apid, off_t offset, size_t size,
			void *vaddr)
{
	struct xpmem_addr a = { .apid = apid, .offset = offset };

	return xpmem_attach(a, size, vaddr);
}

/* ---- VERSION ------------------------------------------------------------- */

TEST(version_returns_current_version)
{
	CHECK_EQ(xpmem_version(), XPMEM_CURRENT_VERSION);
}

/* ---- MAKE ---------------------------------------------------------------- */

TEST(make_returns_positive_segid)
{
	CHECK(own_segment(4, NULL) > 0);
}

TEST(make_accepts_every_mode_within_0777)
{
	char *buf = anon(1);
	static const int modes[] = { 0, 0400, 0600, 0644, 0666, 0777, 0007 };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		make_ok(buf, PAGE_SZ, modes[i]);
}

TEST(make_rejects_permit_type_other_than_mode)
{
	char *buf = anon(1);

	CHECK_ERRNO(try_make(buf, PAGE_SZ, 0, 0600), EINVAL);
	CHECK_ERRNO(try_make(buf, PAGE_SZ, 2, 0600), EINVAL);
	CHECK_ERRNO(try_make(buf, PAGE_SZ, -1, 0600), EINVAL);
}

TEST(make_rejects_mode_bits_outside_0777)
{
	char *buf = anon(1);

	CHECK_ERRNO(try_make(buf, PAGE_SZ, XPMEM_PERMIT_MODE, 01000), EINVAL);
	CHECK_ERRNO(try_make(buf, PAGE_SZ, XPMEM_PERMIT_MODE, 04600), EINVAL);
	CHECK_ERRNO(try_make(buf, PAGE_SZ, XPMEM_PERMIT_MODE, 010000), EINVAL);
	CHECK_ERRNO(try_make(buf, PAGE_SZ, XPMEM_PERMIT_MODE, 1ULL << 40 | 0600),
		    EINVAL);
}

TEST(make_rejects_zero_size)
{
	CHECK_ERRNO(try_make(anon(1), 0, XPMEM_PERMIT_MODE, 0600), EINVAL);
}

TEST(make_rejects_unaligned_vaddr)
{
	char *buf = anon(2);

	CHECK_ERRNO(try_make(buf + 1, PAGE_SZ, XPMEM_PERMIT_MODE, 0600), EINVAL);
	CHECK_ERRNO(try_make(buf + 2048, PAGE_SZ, XPMEM_PERMIT_MODE, 0600),
		    EINVAL);
}

TEST(make_rejects_unaligned_size)
{
	char *buf = anon(2);

	CHECK_ERRNO(try_make(buf, 100, XPMEM_PERMIT_MODE, 0600), EINVAL);
	CHECK_ERRNO(try_make(buf, PAGE_SZ + 1, XPMEM_PERMIT_MODE, 0600), EINVAL);
}

TEST(make_rejects_range_beyond_user_address_space)
{
	/* kernel half, far past even 5-level user space, and a wrap-around */
	CHECK_ERRNO(try_make((void *)(1ULL << 63), PAGE_SZ, XPMEM_PERMIT_MODE,
			     0600), EINVAL);
	CHECK_ERRNO(try_make((void *)PAGE_SZ, 1ULL << 62, XPMEM_PERMIT_MODE,
			     0600), EINVAL);
	CHECK_ERRNO(try_make((void *)0xfffffffffffff000ULL, PAGES(2),
			     XPMEM_PERMIT_MODE, 0600), EINVAL);
}

TEST(make_of_maxaddr_size_at_nonzero_vaddr_is_rejected)
{
	CHECK_ERRNO(try_make(anon(1), XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
			     0600), EINVAL);
}

TEST(make_of_whole_address_space_with_maxaddr_size_succeeds)
{
	make_ok(NULL, XPMEM_MAXADDR_SIZE, 0600);
}

TEST(two_whole_address_space_exports_coexist)
{
	xpmem_segid_t a = make_ok(NULL, XPMEM_MAXADDR_SIZE, 0600);
	xpmem_segid_t b = make_ok(NULL, XPMEM_MAXADDR_SIZE, 0600);

	CHECK(a != b);
	get_ok(a, XPMEM_RDWR);
	get_ok(b, XPMEM_RDWR);
}

TEST(make_accepts_range_with_unmapped_holes)
{
	char *buf = anon(8);

	CHECK_SYS(munmap(buf + PAGES(2), PAGES(4)));
	make_ok(buf, PAGES(8), 0600);
	make_ok(free_address(PAGES(16)), PAGES(16), 0600);	/* all hole */
}

/* ---- REMOVE ---------------------------------------------------------------- */

TEST(remove_of_own_segment_succeeds)
{
	CHECK_SYS(xpmem_remove(own_segment(1, NULL)));
}

TEST(remove_rejects_nonpositive_segid)
{
	CHECK_ERRNO(xpmem_remove(0), EINVAL);
	CHECK_ERRNO(xpmem_remove(-1), EINVAL);
	CHECK_ERRNO(xpmem_remove(LLONG_MIN), EINVAL);
}

TEST(remove_of_unknown_segid_is_enoent)
{
	own_segment(1, NULL);
	CHECK_ERRNO(xpmem_remove(UNKNOWN_ID), ENOENT);
}

TEST(remove_twice_is_enoent)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	CHECK_SYS(xpmem_remove(segid));
	CHECK_ERRNO(xpmem_remove(segid), ENOENT);
}

TEST(remove_by_another_process_is_eacces)
{
	xpmem_segid_t segid = own_segment(1, NULL);
	pid_t pid = fork_plain();

	if (pid == 0) {
		CHECK_ERRNO(xpmem_remove(segid), EACCES);
		peer_exit(0);
	}
	WAIT_OK(pid);
	get_ok(segid, XPMEM_RDWR);	/* still there */
}

/* ---- GET -------------------------------------------------------------------- */

TEST(get_returns_positive_apid_for_rdonly_and_rdwr)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	get_ok(segid, XPMEM_RDONLY);
	get_ok(segid, XPMEM_RDWR);
}

TEST(get_twice_gives_distinct_apids)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	CHECK(get_ok(segid, XPMEM_RDWR) != get_ok(segid, XPMEM_RDWR));
}

TEST(get_rejects_nonpositive_segid)
{
	CHECK_ERRNO(xpmem_get(0, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), EINVAL);
	CHECK_ERRNO(xpmem_get(-7, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL), EINVAL);
}

TEST(get_rejects_zero_flags)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	CHECK_ERRNO(xpmem_get(segid, 0, XPMEM_PERMIT_MODE, NULL), EINVAL);
}

TEST(get_rejects_rdonly_and_rdwr_together)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	CHECK_ERRNO(xpmem_get(segid, XPMEM_RDONLY | XPMEM_RDWR,
			      XPMEM_PERMIT_MODE, NULL), EINVAL);
}

TEST(get_rejects_unknown_flag_bits)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	CHECK_ERRNO(xpmem_get(segid, 0x4, XPMEM_PERMIT_MODE, NULL), EINVAL);
	CHECK_ERRNO(xpmem_get(segid, XPMEM_RDWR | 0x8, XPMEM_PERMIT_MODE, NULL),
		    EINVAL);
	CHECK_ERRNO(xpmem_get(segid, XPMEM_RDONLY | 0x100, XPMEM_PERMIT_MODE,
			      NULL), EINVAL);
	CHECK_ERRNO(xpmem_get(segid, XPMEM_RDWR | INT_MIN, XPMEM_PERMIT_MODE,
			      NULL), EINVAL);
}

TEST(get_rejects_permit_type_other_than_mode)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	CHECK_ERRNO(xpmem_get(segid, XPMEM_RDWR, 0, NULL), EINVAL);
	CHECK_ERRNO(xpmem_get(segid, XPMEM_RDWR, 2, NULL), EINVAL);
}

TEST(get_rejects_nonzero_permit_value_in_the_raw_command)
{
	struct xpmem_cmd_get cmd = {
		.segid = own_segment(1, NULL), .flags = XPMEM_RDWR,
		.permit_type = XPMEM_PERMIT_MODE, .permit_value = 0666,
	};

	CHECK_ERRNO(xpmem_ioctl(XPMEM_CMD_GET, &cmd), EINVAL);
	cmd.permit_value = 0;
	CHECK_SYS(xpmem_ioctl(XPMEM_CMD_GET, &cmd));
	CHECK(cmd.apid > 0, "apid %lld", (long long)cmd.apid);
}

TEST(library_get_ignores_its_permit_value_argument)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	CHECK(xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, (void *)0666) > 0,
	      "%s", errname(errno));
	CHECK(xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, (void *)0600) > 0,
	      "%s", errname(errno));
}

TEST(get_of_unknown_segid_is_enoent)
{
	own_segment(1, NULL);
	CHECK_ERRNO(xpmem_get(UNKNOWN_ID, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL),
		    ENOENT);
}

TEST(get_of_removed_segid_is_enoent)
{
	xpmem_segid_t segid = own_segment(1, NULL);

	CHECK_SYS(xpmem_remove(segid));
	CHECK_ERRNO(xpmem_get(segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL),
		    ENOENT);
}

/* ---- RELEASE ------------------------------------------------------------------ */

TEST(release_of_own_permit_succeeds)
{
	CHECK_SYS(xpmem_release(get_ok(own_segment(1, NULL), XPMEM_RDWR)));
}

TEST(release_rejects_nonpositive_apid)
{
	CHECK_ERRNO(xpmem_release(0), EINVAL);
	CHECK_ERRNO(xpmem_release(-3), EINVAL);
}

TEST(release_of_unknown_apid_is_enoent)
{
	get_ok(own_segment(1, NULL), XPMEM_RDWR);
	CHECK_ERRNO(xpmem_release(UNKNOWN_ID), ENOENT);
}

TEST(release_twice_is_enoent)
{
	xpmem_apid_t apid = get_ok(own_segment(1, NULL), XPMEM_RDWR);

	CHECK_SYS(xpmem_release(apid));
	CHECK_ERRNO(xpmem_release(apid), ENOENT);
}

/* ---- ATTACH --------------------------------------------------------------------- */

TEST(attach_returns_page_aligned_address_with_the_data)
{
	char *p = attach_ok(get_ok(own_segment(4, NULL), XPMEM_RDWR), 0,
			    PAGES(4));

	CHECK_PATTERN(p, 0, PAGES(4), 1);
}

TEST(attach_rejects_nonpositive_apid)
{
	own_segment(1, NULL);
	CHECK_ERRNO(try_attach(0, 0, PAGE_SZ, NULL), EINVAL);
	CHECK_ERRNO(try_attach(-5, 0, PAGE_SZ, NULL), EINVAL);
}

TEST(attach_of_unknown_apid_is_enoent)
{
	get_ok(own_segment(1, NULL), XPMEM_RDWR);
	CHECK_ERRNO(try_attach(UNKNOWN_ID, 0, PAGE_SZ, NULL), ENOENT);
}

TEST(attach_of_released_apid_is_enoent)
{
	xpmem_apid_t apid = get_ok(own_segment(1, NULL), XPMEM_RDWR);

	CHECK_SYS(xpmem_release(apid));
	CHECK_ERRNO(try_attach(apid, 0, PAGE_SZ, NULL), ENOENT);
}

TEST(attach_rejects_unaligned_offset)
{
	xpmem_apid_t apid = get_ok(own_segment(4, NULL), XPMEM_RDWR);

	CHECK_ERRNO(try_attach(apid, 1, PAGE_SZ, NULL), EINVAL);
	CHECK_ERRNO(try_attach(apid, 2048, PAGE_SZ, NULL), EINVAL);
	CHECK_ERRNO(try_attach(apid, PAGE_SZ + 8, PAGE_SZ, NULL), EINVAL);
}

TEST(attach_rejects_negative_offset)
{
	xpmem_apid_t apid = get_ok(own_segment(4, NULL), XPMEM_RDWR);

	CHECK_ERRNO(try_attach(apid, -(off_t)PAGE_SZ, PAGE_SZ, NULL), EINVAL);
	CHECK_ERRNO(try_attach(apid, LLONG_MIN, PAGE_SZ, NULL), EINVAL);
}

TEST(attach_rejects_zero_size)
{
	xpmem_apid_t apid = get_ok(own_segment(4, NULL), XPMEM_RDWR);

	CHECK_ERRNO(try_attach(apid, 0, 0, NULL), EINVAL);
}

TEST(attach_rejects_range_past_segment_end)
{
	xpmem_apid_t apid = get_ok(own_segment(4, NULL), XPMEM_RDWR);

	CHECK_ERRNO(try_attach(apid, 0, PAGES(5), NULL), EINVAL);
	CHECK_ERRNO(try_attach(apid, PAGES(4), PAGE_SZ, NULL), EINVAL);
	CHECK_ERRNO(try_attach(apid, PAGES(3), PAGES(2), NULL), EINVAL);
	CHECK_ERRNO(try_attach(apid, PAGE_SZ, SIZE_MAX & ~(PAGE_SZ - 1), NULL),
		    EINVAL);
}

TEST(attach_rounds_unaligned_size_up_to_whole_pages)
{
	xpmem_apid_t apid = get_ok(own_segment(4, NULL), XPMEM_RDWR);
	char *p = CHECK_SYS((char *)try_attach(apid, PAGE_SZ, 100, NULL));

	CHECK_EQ(mapping_length(p), PAGE_SZ);
	CHECK_PATTERN(p, PAGE_SZ, PAGE_SZ, 1);
}

TEST(attach_size_is_checked_against_segment_end_after_rounding)
{
	xpmem_apid_t apid = get_ok(own_segment(4, NULL), XPMEM_RDWR);

	CHECK_SYS(try_attach(apid, PAGES(3), 100, NULL));
	CHECK_ERRNO(try_attach(apid, PAGES(3), PAGE_SZ + 1, NULL), EINVAL);
}

TEST(attach_at_fixed_vaddr_maps_exactly_there)
{
	xpmem_apid_t apid = get_ok(own_segment(4, NULL), XPMEM_RDWR);
	char *want = CHECK_SYS((char *)mmap(NULL, PAGES(4), PROT_NONE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	char *p = CHECK_SYS((char *)try_attach(apid, 0, PAGES(4), want));

	CHECK_EQ(p, want);
	CHECK_PATTERN(p, 0, PAGES(4), 1);
}

TEST(attach_rejects_unaligned_fixed_vaddr)
{
	xpmem_apid_t apid = get_ok(own_segment(1, NULL), XPMEM_RDWR);
	char *want = CHECK_SYS((char *)mmap(NULL, PAGES(2), PROT_NONE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));

	CHECK_ERRNO(try_attach(apid, 0, PAGE_SZ, want + 1), EINVAL);
	CHECK_ERRNO(try_attach(apid, 0, PAGE_SZ, want + 2048), EINVAL);
}

static int raw_attach(xpmem_apid_t apid, int flags, uint64_t vaddr)
{
	struct xpmem_cmd_attach cmd = {
		.apid = apid, .offset = 0, .size = PAGE_SZ, .vaddr = vaddr,
		.fd = -1, .flags = flags,
	};

	return xpmem_ioctl(XPMEM_CMD_ATTACH, &cmd);
}

TEST(attach_rejects_unknown_flag_bits)
{
	xpmem_apid_t apid = get_ok(own_segment(1, NULL), XPMEM_RDWR);

	CHECK_ERRNO(raw_attach(apid, 0x8, 0), EINVAL);
	CHECK_ERRNO(raw_attach(apid, 0x80, 0), EINVAL);
	CHECK_ERRNO(raw_attach(apid, INT_MIN, 0), EINVAL);
	CHECK_ERRNO(raw_attach(apid, XPMEM_ATTACH_SAME_VADDR | 0x4, 0), EINVAL);
	CHECK_SYS(raw_attach(apid, 0, 0));
}

TEST(attach_same_vaddr_rejects_nonzero_vaddr)
{
	xpmem_apid_t apid = get_ok(own_segment(1, NULL), XPMEM_RDWR);
	char *want = free_address(PAGES(4));

	CHECK_ERRNO(raw_attach(apid, XPMEM_ATTACH_SAME_VADDR,
			       (uintptr_t)want), EINVAL);
}

/* ---- DETACH ------------------------------------------------------------------------ */

TEST(detach_of_any_address_inside_removes_the_whole_attachment)
{
	char *p = attach_ok(get_ok(own_segment(4, NULL), XPMEM_RDWR), 0,
			    PAGES(4));

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_SYS(xpmem_detach(p + PAGES(2) + 123));
	CHECK(!mapping_length(p) && !mapping_length(p + PAGES(3)),
	      "attachment still in /proc/self/maps");
	CHECK_READ_SIGNALS(p, SIGSEGV);
	CHECK_READ_SIGNALS(p + PAGES(3), SIGSEGV);
}

/* mprotect of the middle page leaves three VMA pieces of one attachment */
static char *split_attachment(void)
{
	char *p = attach_ok(get_ok(own_segment(4, NULL), XPMEM_RDWR), 0,
			    PAGES(4));

	CHECK_PATTERN(p, 0, PAGES(4), 1);
	CHECK_SYS(mprotect(p + PAGES(1), PAGE_SZ, PROT_READ));
	CHECK(mapping_length(p) == PAGES(1) && mapping_length(p + PAGES(2)) == PAGES(2),
	      "mprotect did not split the attachment into pieces");
	return p;
}

static void check_pieces_gone(char *p)
{
	for (int i = 0; i < 4; i++) {
		CHECK(!mapping_length(p + PAGES(i)),
		      "piece at page %d still in /proc/self/maps", i);
		CHECK_READ_SIGNALS(p + PAGES(i), SIGSEGV);
	}
}

TEST(detach_of_the_last_piece_of_a_split_attachment_removes_every_piece)
{
	char *p = split_attachment();

	CHECK_SYS(xpmem_detach(p + PAGES(3)));
	check_pieces_gone(p);
}

TEST(release_of_a_split_attachment_removes_every_piece)
{
	xpmem_apid_t apid = get_ok(own_segment(4, NULL), XPMEM_RDWR);
	char *p = attach_ok(apid, 0, PAGES(4));

	CHECK_SYS(mprotect(p + PAGES(1), PAGE_SZ, PROT_READ));
	CHECK_SYS(munmap(p + PAGES(2), PAGE_SZ));
	CHECK_SYS(xpmem_release(apid));
	check_pieces_gone(p);
}

TEST(detach_of_unmapped_address_returns_zero)
{
	get_ok(own_segment(1, NULL), XPMEM_RDWR);
	CHECK_EQ(xpmem_detach(free_address(PAGE_SZ)), 0);
}

TEST(detach_twice_returns_zero_the_second_time)
{
	char *p = attach_ok(get_ok(own_segment(1, NULL), XPMEM_RDWR), 0,
			    PAGE_SZ);

	CHECK_SYS(xpmem_detach(p));
	CHECK_EQ(xpmem_detach(p), 0);
}

TEST(detach_of_non_xpmem_mapping_is_einval_and_keeps_it)
{
	char *buf = anon(2);

	own_segment(1, NULL);
	pat_fill(buf, 0, PAGES(2), 9);
	CHECK_ERRNO(xpmem_detach(buf + PAGE_SZ), EINVAL);
	CHECK_PATTERN(buf, 0, PAGES(2), 9);
}

/* ---- anything else ------------------------------------------------------------------- */

TEST(unknown_ioctl_command_is_enotty)
{
	long arg[8] = { 0 };

	CHECK_ERRNO(xpmem_ioctl(_IO('x', 9), arg), ENOTTY);
	CHECK_ERRNO(xpmem_ioctl(_IO('x', 0x7f), arg), ENOTTY);
	CHECK_ERRNO(xpmem_ioctl(_IO('y', 1), arg), ENOTTY);
	CHECK_ERRNO(xpmem_ioctl(_IOWR('x', 1, struct xpmem_cmd_make), arg),
		    ENOTTY);
}
