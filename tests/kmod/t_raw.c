// SPDX-License-Identifier: GPL-2.0
/*
 * t_raw.c - the raw_ioctl driver: talks to /dev/xpmem with open() and
 * ioctl() only, no libxpmem, to prove the ABI of <xpmem.h> on its own:
 * numbers, struct layouts, which fields the kernel writes, and the
 * per-opener semantics (errno 2004 after fork, teardown on close).
 */
#define TEST_ORDER 5
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xpmem.h>

#include "harness.h"

/* the lineage's x86_64 layout, fixed at compile time */
_Static_assert(sizeof(struct xpmem_cmd_make) == 40, "make size");
_Static_assert(offsetof(struct xpmem_cmd_make, permit_value) == 24, "make");
_Static_assert(offsetof(struct xpmem_cmd_make, segid) == 32, "make segid");
_Static_assert(sizeof(struct xpmem_cmd_get) == 32, "get size");
_Static_assert(offsetof(struct xpmem_cmd_get, apid) == 24, "get apid");
_Static_assert(sizeof(struct xpmem_cmd_attach) == 40, "attach size");
_Static_assert(offsetof(struct xpmem_cmd_attach, vaddr) == 24, "attach");
_Static_assert(offsetof(struct xpmem_cmd_attach, flags) == 36, "attach");
_Static_assert(sizeof(struct xpmem_addr) == 16, "xpmem_addr");

#define NOPROC XPMEM_ERRNO_NOPROC

static int xp_open(void)
{
	return CHECK_SYS(open(XPMEM_DEV_PATH, O_RDWR | O_CLOEXEC));
}

static int64_t raw_make(int fd, void *vaddr, size_t size, int mode)
{
	struct xpmem_cmd_make c = { .vaddr = (uintptr_t)vaddr, .size = size,
		.permit_type = XPMEM_PERMIT_MODE, .permit_value = mode };

	return ioctl(fd, XPMEM_CMD_MAKE, &c) ? -1 : c.segid;
}

static int64_t raw_get(int fd, int64_t segid, int flags)
{
	struct xpmem_cmd_get c = { .segid = segid, .flags = flags,
		.permit_type = XPMEM_PERMIT_MODE };

	return ioctl(fd, XPMEM_CMD_GET, &c) ? -1 : c.apid;
}

static char *raw_attach(int fd, int64_t apid, off_t off, size_t size, int flags)
{
	struct xpmem_cmd_attach c = { .apid = apid, .offset = off,
		.size = size, .fd = fd, .flags = flags };

	return ioctl(fd, XPMEM_CMD_ATTACH, &c) ? MAP_FAILED :
	       (char *)(uintptr_t)c.vaddr;
}

static int raw_release(int fd, int64_t apid)
{
	struct xpmem_cmd_release c = { .apid = apid };

	return ioctl(fd, XPMEM_CMD_RELEASE, &c);
}

static int raw_remove(int fd, int64_t segid)
{
	struct xpmem_cmd_remove c = { .segid = segid };

	return ioctl(fd, XPMEM_CMD_REMOVE, &c);
}

static int raw_detach(int fd, void *addr)
{
	struct xpmem_cmd_detach c = { .vaddr = (uintptr_t)addr };

	return ioctl(fd, XPMEM_CMD_DETACH, &c);
}

static char *buffer(size_t pages, uint64_t seed)
{
	char *b = CHECK_SYS((char *)mmap(NULL, PAGES(pages), PROT_READ |
					 PROT_WRITE, MAP_PRIVATE |
					 MAP_ANONYMOUS, -1, 0));

	pat_fill(b, 0, PAGES(pages), seed);
	return b;
}

TEST(raw_ioctl_numbers_match_the_lineage_abi)
{
	CHECK_EQ(XPMEM_CMD_VERSION, 0x7800);
	CHECK_EQ(XPMEM_CMD_MAKE, 0x7801);
	CHECK_EQ(XPMEM_CMD_REMOVE, 0x7802);
	CHECK_EQ(XPMEM_CMD_GET, 0x7803);
	CHECK_EQ(XPMEM_CMD_RELEASE, 0x7804);
	CHECK_EQ(XPMEM_CMD_ATTACH, 0x7805);
	CHECK_EQ(XPMEM_CMD_DETACH, 0x7806);
	CHECK_EQ(XPMEM_CMD_FORK_BEGIN, 0x7807);
	CHECK_EQ(XPMEM_CMD_FORK_END, 0x7808);
}

TEST(raw_version_returns_current_version)
{
	CHECK_EQ(ioctl(xp_open(), XPMEM_CMD_VERSION, NULL),
		 XPMEM_CURRENT_VERSION);
}

TEST(raw_client_shares_memory_without_libxpmem)
{
	char *buf = buffer(4, 1);
	struct chan ch;
	int64_t segid;
	pid_t pid;
	int fd;

	pid = fork_peer(&ch);
	if (pid == 0) {
		int cfd = xp_open();
		int64_t apid = CHECK_SYS(raw_get(cfd, recv_u64(&ch),
						 XPMEM_RDWR));
		char *p = CHECK_SYS(raw_attach(cfd, apid, PAGE_SZ, PAGES(3), 0));

		CHECK_PATTERN(p, PAGE_SZ, PAGES(3), 1);
		pat_fill(p + PAGE_SZ, PAGES(2), PAGE_SZ, 2);
		CHECK_SYS(raw_detach(cfd, p));
		CHECK_SYS(raw_release(cfd, apid));
		send_u64(&ch, 1);
		peer_exit(0);
	}
	fd = xp_open();
	segid = CHECK_SYS(raw_make(fd, buf, PAGES(4), 0600));
	CHECK(segid > 0);
	send_u64(&ch, segid);
	CHECK_EQ(recv_u64(&ch), 1);
	WAIT_OK(pid);
	CHECK_PATTERN(buf + PAGES(2), PAGES(2), PAGE_SZ, 2);
	CHECK_PATTERN(buf, 0, PAGES(2), 1);
	CHECK_SYS(raw_remove(fd, segid));
}

/* each command struct sits at the start of a guarded, sentinel-filled area */
#define GUARD 0xa5
static unsigned char area[256] __attribute__((aligned(64)));

static void check_guard(size_t from)
{
	for (size_t i = from; i < sizeof(area); i++)
		CHECK(area[i] == GUARD, "byte %zu after the struct changed", i);
}

TEST(raw_make_writes_only_its_segid_field)
{
	struct xpmem_cmd_make *c = (void *)area;
	char *buf = buffer(2, 1);

	memset(area, GUARD, sizeof(area));
	*c = (struct xpmem_cmd_make){ .vaddr = (uintptr_t)buf,
		.size = PAGES(2), .permit_type = XPMEM_PERMIT_MODE,
		.permit_value = 0640, .segid = -77 };
	CHECK_SYS(ioctl(xp_open(), XPMEM_CMD_MAKE, c));
	CHECK(c->segid > 0, "segid %lld", (long long)c->segid);
	CHECK_EQ(c->vaddr, (uintptr_t)buf);
	CHECK_EQ(c->size, PAGES(2));
	CHECK_EQ(c->permit_type, XPMEM_PERMIT_MODE);
	CHECK_EQ(c->permit_value, 0640);
	check_guard(sizeof(*c));
}

TEST(raw_get_writes_only_its_apid_field)
{
	struct xpmem_cmd_get *c = (void *)area;
	int fd = xp_open();
	int64_t segid = CHECK_SYS(raw_make(fd, buffer(1, 1), PAGE_SZ, 0600));

	memset(area, GUARD, sizeof(area));
	*c = (struct xpmem_cmd_get){ .segid = segid, .flags = XPMEM_RDONLY,
		.permit_type = XPMEM_PERMIT_MODE, .apid = -77 };
	CHECK_SYS(ioctl(fd, XPMEM_CMD_GET, c));
	CHECK(c->apid > 0, "apid %lld", (long long)c->apid);
	CHECK_EQ(c->segid, segid);
	CHECK_EQ(c->flags, XPMEM_RDONLY);
	CHECK_EQ(c->permit_type, XPMEM_PERMIT_MODE);
	CHECK_EQ(c->permit_value, 0);
	check_guard(sizeof(*c));
}

TEST(raw_attach_writes_only_its_vaddr_field)
{
	struct xpmem_cmd_attach *c = (void *)area;
	int fd = xp_open();
	int64_t apid = CHECK_SYS(raw_get(fd, CHECK_SYS(raw_make(fd,
				 buffer(2, 3), PAGES(2), 0600)), XPMEM_RDWR));

	memset(area, GUARD, sizeof(area));
	*c = (struct xpmem_cmd_attach){ .apid = apid, .offset = PAGE_SZ,
		.size = PAGE_SZ, .vaddr = 0, .fd = 12345, .flags = 0 };
	CHECK_SYS(ioctl(fd, XPMEM_CMD_ATTACH, c));
	CHECK(c->vaddr && c->vaddr % PAGE_SZ == 0, "vaddr 0x%llx",
	      (unsigned long long)c->vaddr);
	CHECK_EQ(c->apid, apid);
	CHECK_EQ(c->offset, PAGE_SZ);
	CHECK_EQ(c->size, PAGE_SZ);
	CHECK_EQ(c->fd, 12345);
	CHECK_EQ(c->flags, 0);
	check_guard(sizeof(*c));
	CHECK_PATTERN((char *)(uintptr_t)c->vaddr, PAGE_SZ, PAGE_SZ, 3);
}

TEST(raw_attach_same_vaddr_flag_maps_at_the_exporter_address)
{
	struct chan ch;
	pid_t pid;
	char *buf;
	int fd;

	pid = fork_peer(&ch);	/* before the region exists */
	if (pid == 0) {
		int cfd = xp_open();
		int64_t segid = recv_u64(&ch);
		char *want = (char *)(uintptr_t)recv_u64(&ch);
		int64_t apid = CHECK_SYS(raw_get(cfd, segid, XPMEM_RDWR));
		char *p = CHECK_SYS(raw_attach(cfd, apid, PAGE_SZ, PAGE_SZ,
					       XPMEM_ATTACH_SAME_VADDR));

		CHECK_EQ(p, want + PAGE_SZ);
		CHECK_PATTERN(p, PAGE_SZ, PAGE_SZ, 4);
		errno = 0;
		CHECK(raw_attach(cfd, apid, PAGE_SZ, PAGE_SZ,
				 XPMEM_ATTACH_SAME_VADDR) == MAP_FAILED &&
		      errno == EBUSY, "second same-address attach: %s",
		      errname(errno));
		peer_exit(0);
	}
	buf = CHECK_SYS((char *)mmap(far_address(), PAGES(2), PROT_READ |
				     PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
				     MAP_FIXED_NOREPLACE, -1, 0));
	pat_fill(buf, 0, PAGES(2), 4);
	fd = xp_open();
	send_u64(&ch, CHECK_SYS(raw_make(fd, buf, PAGES(2), 0600)));
	send_u64(&ch, (uintptr_t)buf);
	WAIT_OK(pid);
}

/* ---- per-opener semantics ----------------------------------------------- */

TEST(raw_ioctl_on_inherited_fd_in_a_forked_child_is_noproc)
{
	int fd = xp_open();
	int64_t segid = CHECK_SYS(raw_make(fd, buffer(1, 1), PAGE_SZ, 0600));
	int64_t apid = CHECK_SYS(raw_get(fd, segid, XPMEM_RDWR));
	pid_t pid = fork_plain();

	if (pid == 0) {
		CHECK_ERRNO(raw_make(fd, buffer(1, 1), PAGE_SZ, 0600), NOPROC);
		CHECK_ERRNO(raw_get(fd, segid, XPMEM_RDWR), NOPROC);
		CHECK_ERRNO(raw_attach(fd, apid, 0, PAGE_SZ, 0), NOPROC);
		CHECK_ERRNO(raw_release(fd, apid), NOPROC);
		CHECK_ERRNO(raw_remove(fd, segid), NOPROC);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_PATTERN(CHECK_SYS(raw_attach(fd, apid, 0, PAGE_SZ, 0)), 0,
		      PAGE_SZ, 1);
}

TEST(raw_forked_child_reopening_the_device_can_get_and_attach)
{
	int fd = xp_open();
	int64_t segid = CHECK_SYS(raw_make(fd, buffer(2, 5), PAGES(2), 0600));
	pid_t pid = fork_plain();

	if (pid == 0) {
		int cfd = xp_open();
		int64_t apid = CHECK_SYS(raw_get(cfd, segid, XPMEM_RDONLY));

		CHECK_PATTERN(CHECK_SYS(raw_attach(cfd, apid, 0, PAGES(2), 0)),
			      0, PAGES(2), 5);
		peer_exit(0);
	}
	WAIT_OK(pid);
}

TEST(raw_child_closing_the_inherited_fd_keeps_the_parent_state)
{
	int fd = xp_open();
	int64_t segid = CHECK_SYS(raw_make(fd, buffer(2, 6), PAGES(2), 0600));
	int64_t apid = CHECK_SYS(raw_get(fd, segid, XPMEM_RDWR));
	char *p = CHECK_SYS(raw_attach(fd, apid, 0, PAGES(2), 0));
	pid_t pid = fork_plain();

	if (pid == 0) {
		close(fd);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_PATTERN(p, 0, PAGES(2), 6);
	CHECK_SYS(raw_get(fd, segid, XPMEM_RDONLY));
	CHECK_SYS(raw_attach(fd, apid, PAGE_SZ, PAGE_SZ, 0));
}

TEST(raw_close_of_fd_detaches_the_closers_attachments)
{
	struct chan ch;
	pid_t pid;
	char *p;
	int fd;

	pid = fork_peer(&ch);
	if (pid == 0) {
		int efd = xp_open();

		send_u64(&ch, CHECK_SYS(raw_make(efd, buffer(2, 7), PAGES(2),
						 0600)));
		recv_u64(&ch);		/* stay until the test is done */
		peer_exit(0);
	}
	fd = xp_open();
	p = CHECK_SYS(raw_attach(fd, CHECK_SYS(raw_get(fd, recv_u64(&ch),
				 XPMEM_RDWR)), 0, PAGES(2), 0));
	CHECK_PATTERN(p, 0, PAGES(2), 7);
	CHECK_SYS(close(fd));
	CHECK(!mapping_length(p), "the attachment outlived close()");
	CHECK_READ_SIGNALS(p, SIGSEGV);
	send_u64(&ch, 1);
	WAIT_OK(pid);
}

TEST(raw_close_of_fd_removes_the_closers_segments)
{
	struct chan ch;
	pid_t pid;
	int fd;

	pid = fork_peer(&ch);
	if (pid == 0) {
		int afd = xp_open();
		int64_t segid = recv_u64(&ch);
		char *p = CHECK_SYS(raw_attach(afd, CHECK_SYS(raw_get(afd,
					segid, XPMEM_RDWR)), 0, PAGES(2), 0));

		CHECK_PATTERN(p, 0, PAGES(2), 8);
		send_u64(&ch, 1);
		recv_u64(&ch);		/* the exporter closed its fd */
		CHECK_READ_SIGNALS(p, SIGBUS);
		CHECK_ERRNO(raw_get(afd, segid, XPMEM_RDONLY), ENOENT);
		peer_exit(0);
	}
	fd = xp_open();
	send_u64(&ch, CHECK_SYS(raw_make(fd, buffer(2, 8), PAGES(2), 0600)));
	CHECK_EQ(recv_u64(&ch), 1);
	CHECK_SYS(close(fd));
	send_u64(&ch, 2);
	WAIT_OK(pid);
}

TEST(raw_close_of_fd_drops_the_closers_permits)
{
	int fd = xp_open();
	int64_t segid = CHECK_SYS(raw_make(fd, buffer(1, 9), PAGE_SZ, 0600));
	int64_t apid = CHECK_SYS(raw_get(fd, segid, XPMEM_RDWR));

	CHECK_SYS(close(fd));
	fd = xp_open();
	CHECK_ERRNO(raw_release(fd, apid), ENOENT);
	CHECK_ERRNO(raw_attach(fd, apid, 0, PAGE_SZ, 0), ENOENT);
	CHECK_ERRNO(raw_get(fd, segid, XPMEM_RDWR), ENOENT);
}

struct thread_arg {
	int fd;
	int64_t segid;
	int err;
};

static void *get_from_thread(void *arg)
{
	struct thread_arg *t = arg;

	t->err = raw_get(t->fd, t->segid, XPMEM_RDWR) > 0 ? 0 : errno;
	return NULL;
}

TEST(raw_ioctl_from_another_thread_of_the_opener_works)
{
	struct thread_arg t = { .fd = xp_open() };
	pthread_t tid;

	t.segid = CHECK_SYS(raw_make(t.fd, buffer(1, 1), PAGE_SZ, 0600));
	CHECK_EQ(pthread_create(&tid, NULL, get_from_thread, &t), 0);
	pthread_join(tid, NULL);
	CHECK(!t.err, "GET from a second thread: %s", errname(t.err));
}

/* ---- bad input ----------------------------------------------------------- */

TEST(raw_get_rejects_nonzero_permit_value)
{
	int fd = xp_open();
	struct xpmem_cmd_get c = {
		.segid = CHECK_SYS(raw_make(fd, buffer(1, 1), PAGE_SZ, 0666)),
		.flags = XPMEM_RDONLY, .permit_type = XPMEM_PERMIT_MODE,
		.permit_value = 0666,
	};

	CHECK_ERRNO(ioctl(fd, XPMEM_CMD_GET, &c), EINVAL);
}

TEST(raw_attach_rejects_unknown_flags)
{
	int fd = xp_open();
	int64_t apid = CHECK_SYS(raw_get(fd, CHECK_SYS(raw_make(fd,
				 buffer(1, 1), PAGE_SZ, 0600)), XPMEM_RDWR));

	CHECK_ERRNO(raw_attach(fd, apid, 0, PAGE_SZ, 0x40), EINVAL);
	CHECK_ERRNO(raw_attach(fd, apid, 0, PAGE_SZ, ~XPMEM_ATTACH_FLAGS_ALL),
		    EINVAL);
}

TEST(raw_unknown_command_is_enotty)
{
	int fd = xp_open();
	long arg[8] = { 0 };

	CHECK_ERRNO(ioctl(fd, _IO('x', 9), arg), ENOTTY);
	CHECK_ERRNO(ioctl(fd, _IO('x', 0xff), arg), ENOTTY);
	CHECK_ERRNO(ioctl(fd, _IOR('x', 0, long), arg), ENOTTY);
	CHECK_ERRNO(ioctl(fd, TCGETS, arg), ENOTTY);
}

TEST(raw_bad_argument_pointer_is_efault)
{
	int fd = xp_open();

	CHECK_ERRNO(ioctl(fd, XPMEM_CMD_MAKE, NULL), EFAULT);
	CHECK_ERRNO(ioctl(fd, XPMEM_CMD_GET, (void *)8), EFAULT);
	CHECK_ERRNO(ioctl(fd, XPMEM_CMD_ATTACH, free_address(PAGE_SZ)), EFAULT);
	CHECK_ERRNO(ioctl(fd, XPMEM_CMD_REMOVE, (void *)0xffffffff81000000UL),
		    EFAULT);
}

TEST(raw_direct_mmap_of_the_device_exposes_no_memory)
{
	int fd = xp_open();
	char *p = mmap(NULL, PAGE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int sig;

	if (p == MAP_FAILED) {
		note("mmap of %s: %s", XPMEM_DEV_PATH, errname(errno));
		return;
	}
	sig = probe_read(p, NULL);
	CHECK(sig == SIGBUS || sig == SIGSEGV, "reading it gave %s",
	      signame(sig));
	sig = probe_write(p, 1);
	CHECK(sig == SIGBUS || sig == SIGSEGV, "writing it gave %s",
	      signame(sig));
}
