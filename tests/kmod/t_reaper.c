// SPDX-License-Identifier: GPL-2.0
/*
 * t_reaper.c - an exporting process stays reapable.
 *
 * The OOM reaper (and process_mrelease(), which runs the same code from
 * user space) frees a dying process's memory under non-blocking MMU
 * notifier invalidations. A segment that refuses every non-blocking
 * invalidation makes the whole exported range unreapable, so an MPI rank
 * exporting its address space could never be reaped. The module lets the
 * reaper go on wherever no attacher maps a page.
 */
#define TEST_ORDER 55
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xp.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif

#define VICTIM_PAGES	16384	/* 64 MiB: its exit takes a while */

/* a child that exports its whole address space, touches memory, waits */
static pid_t start_victim(struct chan *ch)
{
	pid_t pid = fork_peer(ch);

	if (pid == 0) {
		char *p = mmap(NULL, PAGES(VICTIM_PAGES), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			peer_exit(1);
		memset(p, 0x5a, PAGES(VICTIM_PAGES));
		send_u64(ch, (uintptr_t)p);
		send_u64(ch, make_ok(NULL, XPMEM_MAXADDR_SIZE, 0600));
		for (;;)
			pause();
	}
	return pid;
}

/*
 * process_mrelease(), retried on EAGAIN as the kernel's OOM reaper retries
 * (10 times, 100 ms apart): the victim's own exit path may hold a
 * segment's map_lock for an instant while the reaper tries it.
 */
static long mrelease(int pidfd)
{
	long ret;

	for (int i = 0; i < 10; i++) {
		errno = 0;
		ret = syscall(SYS_process_mrelease, pidfd, 0);
		if (ret == 0 || errno != EAGAIN)
			break;
		usleep(100000);
	}
	return ret;
}

TEST_EX(process_mrelease_reaps_an_exporter_nobody_attached_to, T_HEAVY, 120)
{
	int rounds = 0, reaped = 0;

	for (rounds = 0; rounds < 3; rounds++) {
		struct chan ch;
		pid_t pid = start_victim(&ch);
		int pidfd, st;
		long ret;

		recv_u64(&ch);
		recv_u64(&ch);
		pidfd = syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0)
			SKIP("pidfd_open: %s", errname(errno));
		CHECK_SYS(kill(pid, SIGKILL));
		ret = mrelease(pidfd);
		if (ret < 0 && errno == ENOSYS)
			SKIP("no process_mrelease in this kernel");
		/* ESRCH: the victim was faster and is gone already */
		CHECK(ret == 0 || errno == ESRCH,
		      "process_mrelease of an exporter failed: %s",
		      errname(errno));
		reaped += ret == 0;
		close(pidfd);
		st = wait_status(pid);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "victim: %s",
		      describe_status(st));
		chan_close(&ch);
	}
	note("%d of %d rounds reaped before the victim was gone", reaped,
	     rounds);
}

/*
 * Where an attacher maps a page of the dying process, the reaper must
 * leave that VMA to the exit path (which can sleep to zap the attacher):
 * process_mrelease() then says EAGAIN, or 0 if the exit path zapped
 * first. Either way the attacher's page is gone afterwards, not freed
 * under its PTE.
 */
TEST_EX(process_mrelease_leaves_attached_pages_to_the_exit_path, T_HEAVY, 120)
{
	struct chan ch;
	pid_t pid = start_victim(&ch);
	uint64_t base = recv_u64(&ch);
	xpmem_segid_t segid = (xpmem_segid_t)recv_u64(&ch);
	char *p = attach_ok(get_ok(segid, XPMEM_RDWR), base, PAGES(4));
	int pidfd, st;
	long ret;

	CHECK_EQ(p[PAGE_SZ], 0x5a);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		SKIP("pidfd_open: %s", errname(errno));
	CHECK_SYS(kill(pid, SIGKILL));
	errno = 0;
	ret = syscall(SYS_process_mrelease, pidfd, 0);
	if (ret < 0 && errno == ENOSYS)
		SKIP("no process_mrelease in this kernel");
	CHECK(ret == 0 || errno == EAGAIN || errno == ESRCH,
	      "process_mrelease: %s", errname(errno));
	note("process_mrelease: %s", ret ? errname(errno) : "0");
	close(pidfd);
	st = wait_status(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "victim: %s",
	      describe_status(st));
	CHECK_READ_SIGNALS(p + PAGE_SZ, SIGBUS);
	chan_close(&ch);
}
