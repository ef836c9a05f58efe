// SPDX-License-Identifier: GPL-2.0
/*
 * t_lifetime.c - what happens to segments, permits and attachments when
 * their owners remove, release, exit, exec or fork, and what the page
 * counters of /proc/xpmem/global_pages say about it.
 */
#define TEST_ORDER 50
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xp.h"

static char *start_attached(struct exporter *ex, size_t pages)
{
	char *p;

	exporter_start(ex, &(struct ex_opts){ .pages = pages, .seed = 1 });
	p = attach_ok(get_ok(ex->segid, XPMEM_RDWR), 0, PAGES(pages));
	CHECK_PATTERN(p, 0, PAGES(pages), 1);
	return p;
}

/* ---- remove and release ------------------------------------------------- */

TEST(remove_makes_attachers_sigbus_on_next_touch)
{
	struct exporter ex;
	char *p = start_attached(&ex, 4);

	ex_do(&ex, EX_REMOVE, 0, 0, 0);
	CHECK_READ_SIGNALS(p, SIGBUS);
	CHECK_WRITE_SIGNALS(p + PAGES(3), SIGBUS);
}

TEST(removed_segment_attachment_stays_mapped_until_detached)
{
	struct exporter ex;
	char *p = start_attached(&ex, 4);

	ex_do(&ex, EX_REMOVE, 0, 0, 0);
	CHECK_READ_SIGNALS(p + PAGE_SZ, SIGBUS);
	CHECK(range_is_mapped(p, PAGES(4)), "the attachment VMA went away");
	CHECK_SYS(xpmem_detach(p));
	CHECK(!mapping_length(p), "detach left the VMA");
	CHECK_READ_SIGNALS(p, SIGSEGV);
}

TEST(release_detaches_all_its_attachments)
{
	struct exporter ex;
	xpmem_apid_t apid;
	char *a, *b;

	exporter_start(&ex, &(struct ex_opts){ .pages = 4, .seed = 1 });
	apid = get_ok(ex.segid, XPMEM_RDWR);
	a = attach_ok(apid, 0, PAGES(4));
	b = attach_ok(apid, PAGES(2), PAGES(2));
	CHECK_PATTERN(a, 0, PAGES(4), 1);
	CHECK_PATTERN(b, PAGES(2), PAGES(2), 1);
	CHECK_SYS(xpmem_release(apid));
	CHECK(!mapping_length(a) && !mapping_length(b),
	      "an attachment is still in /proc/self/maps");
	CHECK_READ_SIGNALS(a, SIGSEGV);
	CHECK_READ_SIGNALS(b + PAGE_SZ, SIGSEGV);
	CHECK_EX_PATTERN(&ex, 0, PAGES(4), 1);
}

/* ---- exporter and attacher death --------------------------------------------- */

TEST(exporter_exit_gives_attachers_sigbus)
{
	struct exporter ex;
	char *p = start_attached(&ex, 4);

	exporter_quit(&ex);
	CHECK_READ_SIGNALS(p, SIGBUS);
	CHECK_READ_SIGNALS(p + PAGES(3), SIGBUS);
}

TEST(exporter_killed_gives_attachers_sigbus)
{
	struct exporter ex;
	char *p = start_attached(&ex, 4);

	CHECK_SYS(kill(ex.pid, SIGKILL));
	WAIT_SIGNALED(ex.pid, SIGKILL);
	CHECK_READ_SIGNALS(p + PAGE_SZ, SIGBUS);
	CHECK_WRITE_SIGNALS(p + PAGES(2), SIGBUS);
}

TEST(get_after_exporter_exit_is_enoent)
{
	struct exporter ex;

	exporter_start(&ex, &(struct ex_opts){ .pages = 1, .seed = 1 });
	get_ok(ex.segid, XPMEM_RDWR);
	exporter_quit(&ex);
	CHECK_ERRNO(xpmem_get(ex.segid, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL),
		    ENOENT);
}

TEST(exporter_exec_gives_attachers_sigbus)
{
	struct exporter ex;
	char *p = start_attached(&ex, 4);

	ex_do(&ex, EX_EXEC, 0, 0, 0);	/* answered by the new program */
	CHECK_READ_SIGNALS(p, SIGBUS);
	CHECK_READ_SIGNALS(p + PAGES(2), SIGBUS);
	exporter_quit(&ex);
}

static void attacher_dies(bool killed)
{
	struct exporter ex;
	struct chan ch;
	pid_t pid;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 4, .seed = 1 });
	pid = fork_peer(&ch);
	if (pid == 0) {
		p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));
		pat_fill(p, 0, PAGES(2), 2);
		send_u64(&ch, 1);
		if (killed)
			pause();
		peer_exit(0);	/* no detach, no release */
	}
	CHECK_EQ(recv_u64(&ch), 1);
	if (killed) {
		kill(pid, SIGKILL);
		WAIT_SIGNALED(pid, SIGKILL);
	} else {
		WAIT_OK(pid);
	}
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 2);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));
	CHECK_PATTERN(p, 0, PAGES(2), 2);
	CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 1);
	exporter_quit(&ex);
}

TEST(attacher_exit_leaves_the_segment_usable)
{
	attacher_dies(false);
}

TEST(attacher_killed_while_attached_leaves_the_segment_usable)
{
	attacher_dies(true);
}

/* ---- fork ------------------------------------------------------------------------ */

TEST(fork_child_does_not_inherit_attachments)
{
	struct exporter ex;
	char *p = start_attached(&ex, 4);
	pid_t pid = fork_plain();

	if (pid == 0) {
		CHECK(!mapping_length(p), "the child has the attachment VMA");
		CHECK_READ_SIGNALS(p, SIGSEGV);
		CHECK_READ_SIGNALS(p + PAGES(3), SIGSEGV);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_PATTERN(p, 0, PAGES(4), 1);
}

static char *own_buffer(size_t pages, uint64_t seed)
{
	char *buf = CHECK_SYS((char *)mmap(NULL, PAGES(pages), PROT_READ |
					   PROT_WRITE, MAP_PRIVATE |
					   MAP_ANONYMOUS, -1, 0));

	pat_fill(buf, 0, PAGES(pages), seed);
	return buf;
}

TEST(fork_child_gets_and_attaches_the_parent_segment_through_the_library)
{
	char *buf = own_buffer(4, 2);
	xpmem_segid_t segid = make_ok(buf, PAGES(4), 0600);
	pid_t pid;

	get_ok(segid, XPMEM_RDWR);	/* the parent's library fd is open */
	pid = fork_plain();
	if (pid == 0) {
		char *p = attach_ok(get_ok(segid, XPMEM_RDWR), 0, PAGES(4));

		CHECK_PATTERN(p, 0, PAGES(4), 2);
		pat_fill(p + PAGE_SZ, PAGE_SZ, PAGE_SZ, 3);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_PATTERN(buf + PAGE_SZ, PAGE_SZ, PAGE_SZ, 3);
}

TEST(fork_child_cannot_attach_with_the_parent_apid)
{
	xpmem_apid_t apid = get_ok(make_ok(own_buffer(2, 4), PAGES(2), 0600),
				   XPMEM_RDWR);
	pid_t pid = fork_plain();

	if (pid == 0) {
		struct xpmem_addr a = { .apid = apid, .offset = 0 };

		CHECK_ERRNO(xpmem_attach(a, PAGES(2), NULL), EACCES);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_PATTERN(attach_ok(apid, 0, PAGES(2)), 0, PAGES(2), 4);
}

TEST(fork_child_cannot_release_the_parent_apid)
{
	xpmem_apid_t apid = get_ok(make_ok(own_buffer(2, 5), PAGES(2), 0600),
				   XPMEM_RDWR);
	pid_t pid = fork_plain();

	if (pid == 0) {
		CHECK_ERRNO(xpmem_release(apid), EACCES);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_PATTERN(attach_ok(apid, 0, PAGES(2)), 0, PAGES(2), 5);
	CHECK_SYS(xpmem_release(apid));
}

/* close every descriptor of this process that refers to /dev/xpmem */
static int close_xpmem_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int closed = 0;

	CHECK(d, "opendir /proc/self/fd: %s", errname(errno));
	while ((e = readdir(d))) {
		char path[300], target[256];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (!strcmp(target, XPMEM_DEV_PATH) && !close(atoi(e->d_name)))
			closed++;
	}
	closedir(d);
	return closed;
}

static void parent_state_survives_child(bool child_uses_xpmem)
{
	char *buf = own_buffer(4, 6);
	xpmem_segid_t segid = make_ok(buf, PAGES(4), 0600);
	xpmem_apid_t apid = get_ok(segid, XPMEM_RDWR);
	char *p = attach_ok(apid, 0, PAGES(4));
	pid_t pid = fork_plain();

	if (pid == 0) {
		if (child_uses_xpmem)
			CHECK_PATTERN(attach_ok(get_ok(segid, XPMEM_RDWR), 0,
						PAGES(4)), 0, PAGES(4), 6);
		CHECK(close_xpmem_fds() >= 1, "found no /dev/xpmem fd to close");
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_PATTERN(p, 0, PAGES(4), 6);
	pat_fill(p, 0, PAGE_SZ, 7);
	CHECK_PATTERN(buf, 0, PAGE_SZ, 7);
	CHECK_PATTERN(attach_ok(apid, PAGE_SZ, PAGE_SZ), PAGE_SZ, PAGE_SZ, 6);
	get_ok(segid, XPMEM_RDONLY);
	CHECK_SYS(xpmem_release(apid));
	CHECK_SYS(xpmem_remove(segid));
}

TEST(fork_child_closing_the_inherited_fd_keeps_the_parent_state)
{
	parent_state_survives_child(false);
}

TEST(fork_child_using_xpmem_then_exiting_keeps_the_parent_state)
{
	parent_state_survives_child(true);
}

/* ---- page counters --------------------------------------------------------------- */

static void counters(uint64_t *pinned, uint64_t *unpinned)
{
	if (!read_global_pages(pinned, unpinned))
		FAIL("/proc/xpmem/global_pages is missing or not in the "
		     "\"all pages (un)pinned by XPMEM: N\" format");
}

TEST(global_page_counters_rise_while_attached_and_balance_after_detach)
{
	uint64_t p0, u0, p1, u1, p2, u2;
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 8, .seed = 1 });
	counters(&p0, &u0);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(8));
	CHECK_PATTERN(p, 0, PAGES(8), 1);
	counters(&p1, &u1);
	CHECK(p1 - p0 >= 8, "pinned went %llu -> %llu touching 8 pages",
	      (unsigned long long)p0, (unsigned long long)p1);
	CHECK_EQ(u1, u0);
	detach_ok(p);
	for (int i = 0; i < 20; i++) {
		counters(&p2, &u2);
		if (u2 - u0 == p2 - p0)
			break;
		usleep(100000);
	}
	CHECK_EQ(u2 - u0, p2 - p0);
}

/* pinned and unpinned grew by the same amount since (p0, u0); at least min */
static void wait_balanced(uint64_t p0, uint64_t u0, uint64_t min)
{
	uint64_t p, u;

	for (int i = 0; i < 20; i++) {
		counters(&p, &u);
		if (p - p0 == u - u0 && p - p0 >= min)
			return;
		usleep(100000);
	}
	FAIL("since the start: pinned +%llu, unpinned +%llu (want equal, >= %llu)",
	     (unsigned long long)(p - p0), (unsigned long long)(u - u0),
	     (unsigned long long)min);
}

TEST(attacher_exit_balances_the_global_page_counters)
{
	uint64_t p0, u0;
	struct exporter ex;
	pid_t pid;

	exporter_start(&ex, &(struct ex_opts){ .pages = 8, .seed = 1 });
	counters(&p0, &u0);
	pid = fork_plain();
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(8));

		CHECK_PATTERN(p, 0, PAGES(8), 1);
		peer_exit(0);	/* attached, touched, never detached */
	}
	WAIT_OK(pid);
	wait_balanced(p0, u0, 8);
}

TEST(exporter_exit_balances_the_global_page_counters)
{
	uint64_t p0, u0;
	struct exporter ex;

	exporter_start(&ex, &(struct ex_opts){ .pages = 8, .seed = 1 });
	counters(&p0, &u0);
	CHECK_PATTERN(attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(8)), 0,
		      PAGES(8), 1);
	exporter_quit(&ex);
	wait_balanced(p0, u0, 8);	/* while we still have the VMA */
}
