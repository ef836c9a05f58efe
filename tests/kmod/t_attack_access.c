// SPDX-License-Identifier: GPL-2.0
/*
 * t_attack_access.c - an unprivileged attacker trying to reach memory it
 * was not granted: stores after mprotect(PROT_READ), widening a read-only
 * permit, writing a root-owned read-only file through an exporter that
 * maps it (shared, or private and writable: stores must copy the page),
 * secretmem pages, guessed ids, another process's apid, and a
 * /dev/xpmem descriptor received over a unix socket.
 *
 * The attacker (uid 65534) is a forked child; every case ends with the
 * leak check of attack.h.
 */
#define TEST_ORDER 91
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "attack.h"

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

/* the exporter zaps every attacher PTE of its buffer and keeps the data */
static void exporter_zaps(struct exporter *ex, size_t len)
{
	ex_do(ex, EX_MPROTECT, 0, len, PROT_READ);
	ex_do(ex, EX_MPROTECT, 0, len, PROT_READ | PROT_WRITE);
}

/* every page of p[0, pages) reads pattern seed but refuses a store */
static void check_read_only(char *p, size_t pages, uint64_t seed)
{
	for (size_t i = 0; i < pages; i++) {
		CHECK_PATTERN(p + PAGES(i), PAGES(i), PAGE_SZ, seed);
		CHECK_WRITE_SIGNALS(p + PAGES(i) + 8, SIGSEGV);
	}
}

TEST(attack_mprotect_read_only_stops_stores_through_an_rdwr_attachment)
{
	struct census before;
	struct exporter ex;
	struct chan ch;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 4, 0666);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));

		pat_fill(p, 0, PAGES(4), 2);	/* writable PTEs everywhere */
		CHECK_SYS(mprotect(p, PAGES(4), PROT_READ));
		check_read_only(p, 4, 2);
		send_u64(&ch, 1);		/* the exporter zaps */
		recv_u64(&ch);
		check_read_only(p, 4, 2);	/* refaulted by loads */
		send_u64(&ch, 2);		/* the exporter checks */
		recv_u64(&ch);
		CHECK_SYS(mprotect(p, PAGES(4), PROT_NONE));
		CHECK_READ_SIGNALS(p + PAGE_SZ, SIGSEGV);
		CHECK_WRITE_SIGNALS(p + PAGE_SZ, SIGSEGV);
		CHECK_SYS(mprotect(p, PAGES(4), PROT_READ | PROT_WRITE));
		CHECK_PATTERN(p, 0, PAGES(4), 2);
		pat_fill(p, 0, PAGES(4), 3);
		peer_exit(0);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	exporter_zaps(&ex, PAGES(4));
	send_u64(&ch, 0);
	CHECK_EQ(recv_u64(&ch), 2);
	CHECK_EX_PATTERN(&ex, 0, PAGES(4), 2);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGES(4), 3);
	exporter_quit(&ex);
	attack_end(&before);
}

/*
 * The exporter write-protects pages an attacher (nobody) holds writable:
 * mprotect to read-only and userfaultfd write-protection must both take
 * the attacher's stores away; a protection change that leaves the pages
 * writable (adding PROT_EXEC) keeps them, as a NUMA hint pass does.
 */
TEST(attack_stores_stop_when_the_exporter_write_protects_its_pages)
{
	struct census before;
	struct exporter ex;
	uint64_t unused;
	struct chan ch;
	int uffd_err;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 4, 0666);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));
		int sig;

		pat_fill(p, 0, PAGES(4), 4);	/* writable PTEs everywhere */
		send_u64(&ch, 1);		/* the exporter protects */
		if (recv_u64(&ch) == 0) {	/* uffd-wp took page 2 */
			sig = probe_write(p + PAGES(2), 0x1234);
			CHECK(sig == SIGBUS || sig == SIGSEGV, "uffd-wp page: %s",
			      signame(sig));
		}
		sig = probe_write(p + PAGE_SZ, 0x1234);
		CHECK(sig == SIGBUS || sig == SIGSEGV, "read-only page: %s", signame(sig));
		CHECK_PATTERN(p, 0, PAGES(3), 4);
		pat_fill(p + PAGES(3), PAGES(3), PAGE_SZ, 5);	/* still writable */
		peer_exit(0);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	ex_do(&ex, EX_MPROTECT, PAGE_SZ, PAGE_SZ, PROT_READ);
	uffd_err = ex_try(&ex, EX_SELF, EX_UFFD_WP, PAGES(2), PAGE_SZ, 0, &unused);
	if (uffd_err)
		note("no userfaultfd write-protection: %s", strerror(uffd_err));
	ex_do(&ex, EX_MPROTECT, PAGES(3), PAGE_SZ, PROT_READ | PROT_WRITE | PROT_EXEC);
	send_u64(&ch, uffd_err ? 1 : 0);
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGES(3), 4);
	CHECK_EX_PATTERN(&ex, PAGES(3), PAGE_SZ, 5);
	exporter_quit(&ex);
	attack_end(&before);
}

TEST(attack_prot_none_round_trip_cannot_make_an_rdonly_attachment_writable)
{
	struct census before;
	struct exporter ex;
	struct chan ch;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 2, 0644);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(2));

		CHECK_PATTERN(p, 0, PAGES(2), 1);
		CHECK_SYS(mprotect(p, PAGES(2), PROT_NONE));
		CHECK_READ_SIGNALS(p, SIGSEGV);
		CHECK_ERRNO(mprotect(p, PAGES(2), PROT_READ | PROT_WRITE), EACCES);
		CHECK_ERRNO(mprotect(p, PAGE_SZ, PROT_WRITE), EACCES);
		CHECK_SYS(mprotect(p, PAGES(2), PROT_READ));
		send_u64(&ch, 1);		/* the exporter zaps */
		recv_u64(&ch);
		check_read_only(p, 2, 1);
		peer_exit(0);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	exporter_zaps(&ex, PAGES(2));
	send_u64(&ch, 0);
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 1);
	exporter_quit(&ex);
	attack_end(&before);
}

TEST(attack_secretmem_pages_of_the_exporter_are_never_mirrored)
{
	struct census before;
	struct exporter ex;
	int fd, fds[2];
	pid_t pid;

	fd = syscall(SYS_memfd_secret, 0);
	if (fd < 0)
		SKIP("memfd_secret: %s (secretmem.enable=0 on this kernel?)",
		     errname(errno));
	CHECK_SYS(ftruncate(fd, PAGE_SZ));
	attack_begin(&before);
	exporter_start(&ex, &(struct ex_opts){ .pages = 3, .seed = 1,
			.mode = 0644, .drop = true, .uid = VICTIM_UID,
			.gid = VICTIM_UID, .file_fd = fd });
	ex_do(&ex, EX_MAP_FILE, PAGE_SZ, PAGE_SZ, EX_FILE_WRITABLE);
	ex_do(&ex, EX_FILL, PAGE_SZ, PAGE_SZ, SECRET_SEED);
	close(fd);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(3));

		CHECK_PATTERN(p, 0, PAGE_SZ, 1);
		CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGE_SZ, 1);
		CHECK_READ_SIGNALS(p + PAGE_SZ, SIGBUS);
		CHECK_READ_SIGNALS(p + PAGES(2) - 8, SIGBUS);
		CHECK_SYS(pipe(fds));
		CHECK_ERRNO(write(fds[1], p + PAGE_SZ, 64), EFAULT);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGE_SZ, SECRET_SEED);
	exporter_quit(&ex);
	attack_end(&before);
}

/* a root-owned 0644 file in /tmp holding pattern seed at offset PAGES(2) */
static int root_file(char *path, size_t size, uint64_t seed)
{
	char *data = malloc(size);
	int fd = CHECK_SYS(mkstemp(path));

	pat_fill(data, PAGES(2), size, seed);
	CHECK_EQ(write(fd, data, size), (long)size);
	CHECK_SYS(fchmod(fd, 0644));
	close(fd);
	free(data);
	return CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
}

/* a nobody exporter of 4 pages whose last two map root's file fd as how says */
static void start_nobody_file_exporter(struct exporter *ex, int fd, int how)
{
	exporter_start(ex, &(struct ex_opts){ .pages = 4, .seed = 1,
			.mode = 0666, .drop = true, .uid = NOBODY,
			.gid = NOBODY, .file_fd = fd });
	ex_do(ex, EX_MAP_FILE, PAGES(2), PAGES(2), how);
}

/* root_file()'s pattern is still in the file: no store reached it */
static void check_root_file_unchanged(int fd)
{
	char *data = malloc(PAGES(2));

	CHECK_EQ(pread(fd, data, PAGES(2), 0), (long)PAGES(2));
	CHECK_PATTERN(data, PAGES(2), PAGES(2), 21);
	free(data);
}

TEST(attack_rdwr_attachment_cannot_write_a_root_owned_read_only_file)
{
	char path[] = "/tmp/xpmem-attack-ro-XXXXXX", mine[64];
	struct census before;
	struct exporter ex;
	int fd, fds[2];
	pid_t pid;

	attack_begin(&before);
	fd = root_file(path, PAGES(2), 21);
	/* an unprivileged exporter shares what it may only read */
	start_nobody_file_exporter(&ex, fd, 0);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));

		CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 21);
		CHECK_WRITE_SIGNALS(p + PAGES(3) + 8, SIGBUS);
		CHECK_WRITE_SIGNALS(p + PAGES(2), SIGBUS);
		CHECK_SYS(pipe(fds));
		memset(mine, 0x77, sizeof(mine));
		CHECK_EQ(write(fds[1], mine, sizeof(mine)), (long)sizeof(mine));
		CHECK_ERRNO(read(fds[0], p + PAGES(2), sizeof(mine)), EFAULT);
		pat_fill(p, 0, PAGE_SZ, 22);	/* its anonymous part is fine */
		peer_exit(0);
	}
	WAIT_OK(pid);
	check_root_file_unchanged(fd);
	CHECK_EX_PATTERN(&ex, 0, PAGE_SZ, 22);
	exporter_quit(&ex);
	close(fd);
	unlink(path);
	attack_end(&before);
}

/*
 * A writable MAP_PRIVATE mapping of a file its owner may only read is
 * legal: stores copy the page. An RDWR attacher of such an exporter must
 * get the same: its stores land in the exporter's private copy and never
 * in the page cache of root's file (the Dirty COW shape).
 */
TEST(attack_stores_through_a_private_writable_map_of_a_root_file_copy_the_page)
{
	char path[] = "/tmp/xpmem-attack-cow-XXXXXX";
	struct census before;
	struct exporter ex;
	int fd;
	pid_t pid;

	attack_begin(&before);
	fd = root_file(path, PAGES(2), 21);
	start_nobody_file_exporter(&ex, fd, EX_FILE_PRIVATE | EX_FILE_WRITABLE);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(4));

		CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGE_SZ, 21);	/* loaded */
		pat_fill(p + PAGES(2), PAGES(2), PAGES(2), 23);
		CHECK_PATTERN(p + PAGES(2), PAGES(2), PAGES(2), 23);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, PAGES(2), PAGES(2), 23);
	check_root_file_unchanged(fd);
	exporter_quit(&ex);
	close(fd);
	unlink(path);
	attack_end(&before);
}

TEST(attack_cross_uid_attacker_cannot_widen_a_read_only_grant)
{
	struct exporter private, readable;
	struct census before;
	pid_t pid;

	attack_begin(&before);
	victim_start(&private, 2, 0600);
	victim_start(&readable, 2, 0644);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		struct iovec local, remote;
		uint64_t word = 0x77;
		char *p;
		int fd;

		CHECK_ERRNO(xpmem_get(private.segid, XPMEM_RDONLY,
				      XPMEM_PERMIT_MODE, NULL), EACCES);
		CHECK_ERRNO(xpmem_get(private.segid, XPMEM_RDWR,
				      XPMEM_PERMIT_MODE, NULL), EACCES);
		CHECK_ERRNO(xpmem_get(readable.segid, XPMEM_RDWR,
				      XPMEM_PERMIT_MODE, NULL), EACCES);
		p = attach_ok(get_ok(readable.segid, XPMEM_RDONLY), 0, PAGES(2));
		CHECK_PATTERN(p, 0, PAGES(2), 1);
		CHECK_WRITE_SIGNALS(p + 8, SIGSEGV);
		CHECK_ERRNO(mprotect(p, PAGES(2), PROT_READ | PROT_WRITE), EACCES);
		/* the kernel writing on the attacher's behalf */
		local = (struct iovec){ &word, sizeof(word) };
		remote = (struct iovec){ p + PAGE_SZ, sizeof(word) };
		CHECK(process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == -1,
		      "process_vm_writev wrote the read-only attachment");
		/* setuid made us undumpable: /proc/self/mem would be root's */
		CHECK_SYS(prctl(PR_SET_DUMPABLE, 1));
		fd = CHECK_SYS(open("/proc/self/mem", O_RDWR | O_CLOEXEC));
		CHECK(pwrite(fd, &word, sizeof(word), (off_t)(uintptr_t)p) == -1,
		      "/proc/self/mem wrote the read-only attachment");
		close(fd);
		CHECK_PATTERN(p, 0, PAGES(2), 1);
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&readable, 0, PAGES(2), 1);
	CHECK_EX_PATTERN(&private, 0, PAGES(2), 1);
	exporter_quit(&readable);
	exporter_quit(&private);
	attack_end(&before);
}

/* a random positive 63-bit id */
static int64_t random_id(void)
{
	uint64_t v = ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^
		     (uint64_t)random();

	v &= INT64_MAX;
	return v ? (int64_t)v : 1;
}

#define GUESSES 10000

TEST(attack_guessed_segids_and_apids_find_nothing)
{
	struct census before;
	struct exporter ex;
	struct chan ch;
	pid_t holder, pid;

	attack_begin(&before);
	victim_start(&ex, 2, 0600);
	holder = fork_as(VICTIM_UID, &ch);	/* a live permit to find */
	if (holder == 0) {
		attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(2));
		send_u64(&ch, 1);
		recv_u64(&ch);
		peer_exit(0);
	}
	recv_u64(&ch);
	pid = fork_nobody(NULL);
	if (pid == 0) {
		struct xpmem_addr a = { 0, 0 };

		srandom(getpid() ^ (unsigned int)time(NULL));
		for (int i = 0; i < GUESSES; i++) {
			int64_t id = i < 1000 ? i + 1 : random_id();

			if (id == ex.segid)
				continue;
			CHECK_ERRNO(xpmem_get(id, XPMEM_RDONLY,
					      XPMEM_PERMIT_MODE, NULL), ENOENT);
			CHECK_ERRNO(xpmem_remove(id), ENOENT);
			a.apid = random_id();
			CHECK_ERRNO(xpmem_attach(a, PAGE_SZ, NULL), ENOENT);
			CHECK_ERRNO(xpmem_release(random_id()), ENOENT);
		}
		peer_exit(0);
	}
	WAIT_OK(pid);
	send_u64(&ch, 0);
	WAIT_OK(holder);
	exporter_quit(&ex);
	attack_end(&before);
}

TEST(attack_another_processes_apid_is_eacces_for_attach_and_release)
{
	struct chan vch, ach;
	struct census before;
	struct exporter ex;
	pid_t victim, pid;

	attack_begin(&before);
	victim_start(&ex, 2, 0666);
	victim = fork_nobody(&vch);	/* the same uid as the attacker */
	if (victim == 0) {
		xpmem_apid_t apid = get_ok(ex.segid, XPMEM_RDWR);
		char *p = attach_ok(apid, 0, PAGES(2));

		send_u64(&vch, apid);
		send_u64(&vch, (uintptr_t)p);
		recv_u64(&vch);		/* the attacker is done */
		CHECK_PATTERN(p, 0, PAGES(2), 1);
		CHECK_SYS(xpmem_release(apid));
		CHECK_READ_SIGNALS(p, SIGSEGV);
		peer_exit(0);
	}
	pid = fork_nobody(&ach);
	if (pid == 0) {
		struct xpmem_addr a = { recv_u64(&ach), 0 };
		char *p = (char *)(uintptr_t)recv_u64(&ach);

		CHECK_ERRNO(xpmem_attach(a, PAGES(2), NULL), EACCES);
		CHECK_ERRNO(xpmem_attach(a, PAGES(2), far_address()), EACCES);
		CHECK_ERRNO(xpmem_release(a.apid), EACCES);
		CHECK_SYS(xpmem_detach(p));	/* nothing of ours there */
		peer_exit(0);
	}
	send_u64(&ach, recv_u64(&vch));
	send_u64(&ach, recv_u64(&vch));
	WAIT_OK(pid);
	send_u64(&vch, 0);
	WAIT_OK(victim);
	exporter_quit(&ex);
	attack_end(&before);
}

struct handed {
	int64_t segid, apid;
	uint64_t addr;
};

static void send_fd(int sock, int fd, const struct handed *h)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)h, sizeof(*h) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	CHECK_EQ(sendmsg(sock, &mh, 0), (long)sizeof(*h));
}

static int recv_fd(int sock, struct handed *h)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { h, sizeof(*h) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;

	CHECK_EQ(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC), (long)sizeof(*h));
	c = CMSG_FIRSTHDR(&mh);
	CHECK(c && c->cmsg_type == SCM_RIGHTS, "no descriptor came");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

TEST(attack_xpmem_descriptor_received_over_scm_rights_is_noproc)
{
	struct census before;
	struct exporter ex;
	pid_t holder, pid;
	int sv[2];
	char done;

	attack_begin(&before);
	victim_start(&ex, 2, 0666);
	CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	holder = fork_nobody(NULL);
	if (holder == 0) {
		char *buf = CHECK_SYS((char *)mmap(NULL, PAGE_SZ, PROT_READ |
						   PROT_WRITE, MAP_PRIVATE |
						   MAP_ANONYMOUS, -1, 0));
		int fd = dev_open();
		struct handed h;
		char *p;

		h.segid = CHECK_SYS(dev_make(fd, buf, PAGE_SZ, 0666));
		h.apid = CHECK_SYS(dev_get(fd, ex.segid, XPMEM_RDWR));
		h.addr = CHECK_SYS(dev_attach(fd, h.apid, 0, PAGES(2), NULL));
		p = (char *)(uintptr_t)h.addr;
		send_fd(sv[0], fd, &h);
		CHECK_EQ(read(sv[0], &done, 1), 1);
		CHECK_PATTERN(p, 0, PAGES(2), 1);
		CHECK_SYS(dev_attach(fd, h.apid, PAGE_SZ, PAGE_SZ, NULL));
		CHECK_SYS(dev_release(fd, h.apid));
		CHECK_READ_SIGNALS(p, SIGSEGV);
		CHECK_SYS(dev_remove(fd, h.segid));
		peer_exit(0);
	}
	pid = fork_nobody(NULL);
	if (pid == 0) {
		char *buf = CHECK_SYS((char *)mmap(NULL, PAGE_SZ, PROT_READ,
						   MAP_PRIVATE | MAP_ANONYMOUS,
						   -1, 0));
		struct handed h;
		int fd = recv_fd(sv[1], &h);

		CHECK_ERRNO(dev_get(fd, h.segid, XPMEM_RDWR), XPMEM_ERRNO_NOPROC);
		CHECK_ERRNO(dev_attach(fd, h.apid, 0, PAGES(2), NULL),
			    XPMEM_ERRNO_NOPROC);
		CHECK_ERRNO(dev_detach(fd, (void *)(uintptr_t)h.addr),
			    XPMEM_ERRNO_NOPROC);
		CHECK_ERRNO(dev_release(fd, h.apid), XPMEM_ERRNO_NOPROC);
		CHECK_ERRNO(dev_remove(fd, h.segid), XPMEM_ERRNO_NOPROC);
		CHECK_ERRNO(dev_make(fd, buf, PAGE_SZ, 0666), XPMEM_ERRNO_NOPROC);
		close(fd);
		CHECK_EQ(write(sv[1], "k", 1), 1);
		peer_exit(0);
	}
	close(sv[0]);
	close(sv[1]);
	WAIT_OK(pid);
	WAIT_OK(holder);
	exporter_quit(&ex);
	attack_end(&before);
}
