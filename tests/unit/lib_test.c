// SPDX-License-Identifier: GPL-2.0
/*
 * lib_test.c - host-only tests of libxpmem: the ABI of <xpmem.h> and what
 * the library sends to the kernel, played here by a fake /dev/xpmem.
 *
 * The production xpmem.c is linked in unchanged against the fake device of
 * fake_dev.c. Each test runs in a forked process of its own, so each starts
 * with a library that has not opened anything.
 *
 * Output is TAP: "ok - name", "not ok - name", diagnostics as "# ...".
 * Arguments, if any, name the tests to run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xpmem.h>

#include "fake_dev.h"

#define SKIP	77	/* a test returns this when it cannot run here */

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: failed: %s (errno %d: %s)\n", __FILE__,\
		       __LINE__, #cond, errno, strerror(errno));	\
		return 1;						\
	}								\
} while (0)

/* ---- the ABI -------------------------------------------------------------- */

static int abi_struct_sizes_match_the_lineage(void)
{
	CHECK(sizeof(struct xpmem_cmd_make) == 40);
	CHECK(offsetof(struct xpmem_cmd_make, vaddr) == 0);
	CHECK(offsetof(struct xpmem_cmd_make, size) == 8);
	CHECK(offsetof(struct xpmem_cmd_make, permit_type) == 16);
	CHECK(offsetof(struct xpmem_cmd_make, permit_value) == 24);
	CHECK(offsetof(struct xpmem_cmd_make, segid) == 32);

	CHECK(sizeof(struct xpmem_cmd_remove) == 8);
	CHECK(offsetof(struct xpmem_cmd_remove, segid) == 0);

	CHECK(sizeof(struct xpmem_cmd_get) == 32);
	CHECK(offsetof(struct xpmem_cmd_get, segid) == 0);
	CHECK(offsetof(struct xpmem_cmd_get, flags) == 8);
	CHECK(offsetof(struct xpmem_cmd_get, permit_type) == 12);
	CHECK(offsetof(struct xpmem_cmd_get, permit_value) == 16);
	CHECK(offsetof(struct xpmem_cmd_get, apid) == 24);

	CHECK(sizeof(struct xpmem_cmd_release) == 8);
	CHECK(offsetof(struct xpmem_cmd_release, apid) == 0);

	CHECK(sizeof(struct xpmem_cmd_attach) == 40);
	CHECK(offsetof(struct xpmem_cmd_attach, apid) == 0);
	CHECK(offsetof(struct xpmem_cmd_attach, offset) == 8);
	CHECK(offsetof(struct xpmem_cmd_attach, size) == 16);
	CHECK(offsetof(struct xpmem_cmd_attach, vaddr) == 24);
	CHECK(offsetof(struct xpmem_cmd_attach, fd) == 32);
	CHECK(offsetof(struct xpmem_cmd_attach, flags) == 36);

	CHECK(sizeof(struct xpmem_cmd_detach) == 8);
	CHECK(offsetof(struct xpmem_cmd_detach, vaddr) == 0);

	CHECK(sizeof(struct xpmem_addr) == 16);
	CHECK(offsetof(struct xpmem_addr, apid) == 0);
	CHECK(offsetof(struct xpmem_addr, offset) == 8);
	CHECK(sizeof(xpmem_segid_t) == 8 && (xpmem_segid_t)-1 < 0);
	CHECK(sizeof(xpmem_apid_t) == 8 && (xpmem_apid_t)-1 < 0);
	return 0;
}

static int ioctl_numbers_match_the_lineage(void)
{
	CHECK(XPMEM_CMD_VERSION == 0x7800);
	CHECK(XPMEM_CMD_MAKE == 0x7801);
	CHECK(XPMEM_CMD_REMOVE == 0x7802);
	CHECK(XPMEM_CMD_GET == 0x7803);
	CHECK(XPMEM_CMD_RELEASE == 0x7804);
	CHECK(XPMEM_CMD_ATTACH == 0x7805);
	CHECK(XPMEM_CMD_DETACH == 0x7806);
	CHECK(XPMEM_CMD_FORK_BEGIN == 0x7807);
	CHECK(XPMEM_CMD_FORK_END == 0x7808);
	return 0;
}

static int constants_match_the_lineage(void)
{
	CHECK(XPMEM_RDONLY == 0x1);
	CHECK(XPMEM_RDWR == 0x2);
	CHECK(XPMEM_PERMIT_MODE == 0x1);
	CHECK(XPMEM_ERRNO_NOPROC == 2004);
	CHECK(XPMEM_MAXADDR_SIZE == 0xffffffffffffffffULL);
	CHECK(strcmp(XPMEM_DEV_PATH, "/dev/xpmem") == 0);
	/* 2.8.x sorts after every lineage release (2.6.5, 2.7.4, 2.7.17) */
	CHECK(XPMEM_CURRENT_VERSION == 0x00028001);
	CHECK(XPMEM_CURRENT_VERSION > 0x00027011);
	CHECK(XPMEM_ATTACH_SAME_VADDR == 0x1);
	return 0;
}

/* ---- opening the device ---------------------------------------------------- */

static int init_fails_without_device(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };
	struct stat st;

	if (stat(XPMEM_DEV_PATH, &st) == 0) {
		printf("# %s exists here: not a host without the module\n",
		       XPMEM_DEV_PATH);
		return SKIP;
	}
	errno = 0;
	CHECK(xpmem_init() == -1);
	CHECK(errno == ENOENT || errno == ENODEV);
	CHECK(xpmem_version() == -1);
	CHECK(xpmem_make(NULL, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
			 (void *)0600) == -1);
	CHECK(xpmem_get(FAKE_SEGID, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL) == -1);
	CHECK(xpmem_attach(addr, 4096, NULL) == MAP_FAILED);
	CHECK(xpmem_attach_same(addr, 4096) == MAP_FAILED);
	CHECK(xpmem_detach((void *)FAKE_VADDR) == -1);
	CHECK(xpmem_release(FAKE_APID) == -1);
	CHECK(xpmem_remove(FAKE_SEGID) == -1);
	return 0;
}

static int init_requires_a_character_device(void)
{
	fake.on = true;
	fake.mode = S_IFREG | 0666;
	errno = 0;
	CHECK(xpmem_init() == -1);
	CHECK(errno == ENODEV);
	CHECK(xpmem_version() == -1 && errno == ENODEV);
	CHECK(atomic_load(&fake.opens) == 0);
	return 0;
}

static int init_opens_read_write_close_on_exec(void)
{
	fake.on = true;
	CHECK(xpmem_init() == 0);
	CHECK(atomic_load(&fake.opens) == 1);
	CHECK((fake.last_flags & O_ACCMODE) == O_RDWR);
	CHECK(fake.last_flags & O_CLOEXEC);
	CHECK(fcntl(fake.last_fd, F_GETFD) & FD_CLOEXEC);
	return 0;
}

static int init_opens_only_once(void)
{
	fake.on = true;
	CHECK(xpmem_init() == 0);
	CHECK(xpmem_init() == 0);
	CHECK(xpmem_version() == XPMEM_CURRENT_VERSION);
	CHECK(atomic_load(&fake.opens) == 1);
	CHECK(fake_fds().own == 1);
	return 0;
}

static int first_call_opens_the_device(void)
{
	fake.on = true;
	CHECK(xpmem_make((void *)FAKE_SOURCE, 4096, XPMEM_PERMIT_MODE,
			 (void *)0600) == FAKE_SEGID);
	CHECK(atomic_load(&fake.opens) == 1);
	return 0;
}

static int call_version(void)
{
	return xpmem_version() != XPMEM_CURRENT_VERSION;
}

static int concurrent_first_calls_open_once(void)
{
	fake.on = true;
	fake.open_delay = 20000;
	CHECK(run_crowd(16, call_version) == 0);
	CHECK(atomic_load(&fake.opens) == 1);
	CHECK(fake_fds().own == 1);
	return 0;
}

/* ---- what each call sends ---------------------------------------------------- */

static int version_returns_the_ioctl_value(void)
{
	fake.on = true;
	fake.version = 0x00026005;
	CHECK(xpmem_version() == 0x00026005);
	CHECK(count_calls(XPMEM_CMD_VERSION) == 1);
	return 0;
}

static int make_issues_one_ioctl(void)
{
	const struct fake_call *c;

	fake.on = true;
	CHECK(xpmem_make((void *)FAKE_SOURCE, 1 << 20, XPMEM_PERMIT_MODE,
			 (void *)0600) == FAKE_SEGID);
	CHECK(count_calls(XPMEM_CMD_MAKE) == 1);
	CHECK(fake.ncalls == 1);
	c = last_call(XPMEM_CMD_MAKE);
	CHECK(c->arg.make.vaddr == FAKE_SOURCE);
	CHECK(c->arg.make.size == 1 << 20);
	CHECK(c->arg.make.permit_type == XPMEM_PERMIT_MODE);
	CHECK(c->arg.make.permit_value == 0600);
	return 0;
}

static int make_passes_the_whole_address_space(void)
{
	const struct fake_call *c;

	/* what Open MPI, UCX, MPICH and libfabric all do */
	fake.on = true;
	CHECK(xpmem_make(NULL, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
			 (void *)0666) == FAKE_SEGID);
	c = last_call(XPMEM_CMD_MAKE);
	CHECK(c->arg.make.vaddr == 0);
	CHECK(c->arg.make.size == XPMEM_MAXADDR_SIZE);
	CHECK(c->arg.make.permit_value == 0666);
	return 0;
}

static int get_ignores_permit_value(void)
{
	void *clients_pass[] = { (void *)0666, (void *)0600, NULL };

	fake.on = true;
	for (int i = 0; i < 3; i++) {
		const struct fake_call *c;

		CHECK(xpmem_get(FAKE_SEGID, XPMEM_RDWR, XPMEM_PERMIT_MODE,
				clients_pass[i]) == FAKE_APID);
		c = last_call(XPMEM_CMD_GET);
		CHECK(c->arg.get.permit_value == 0);
		CHECK(c->arg.get.segid == FAKE_SEGID);
		CHECK(c->arg.get.flags == XPMEM_RDWR);
		CHECK(c->arg.get.permit_type == XPMEM_PERMIT_MODE);
	}
	CHECK(count_calls(XPMEM_CMD_GET) == 3);
	return 0;
}

static int attach_sends_the_library_fd_and_no_flags(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 8192 };
	const struct fake_call *c;

	fake.on = true;
	CHECK(xpmem_attach(addr, 3 * 4096, NULL) == (void *)FAKE_VADDR);
	c = last_call(XPMEM_CMD_ATTACH);
	CHECK(c->arg.attach.apid == FAKE_APID);
	CHECK(c->arg.attach.offset == 8192);
	CHECK(c->arg.attach.size == 3 * 4096);
	CHECK(c->arg.attach.vaddr == 0);
	CHECK(c->arg.attach.fd == fake.last_fd);
	CHECK(c->arg.attach.flags == 0);
	return 0;
}

static int attach_passes_a_fixed_address(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };
	void *want = (void *)0x600000000000ULL;

	fake.on = true;
	CHECK(xpmem_attach(addr, 4096, want) == want);
	CHECK(last_call(XPMEM_CMD_ATTACH)->arg.attach.vaddr == (uintptr_t)want);
	CHECK(last_call(XPMEM_CMD_ATTACH)->arg.attach.flags == 0);
	return 0;
}

static int attach_failure_returns_map_failed(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };
	void *p;

	fake.on = true;
	fake.fail_cmd = XPMEM_CMD_ATTACH;
	fake.fail_errno = EACCES;
	errno = 0;
	p = xpmem_attach(addr, 4096, NULL);
	CHECK(p == MAP_FAILED);
	CHECK(p != NULL);
	CHECK(errno == EACCES);
	return 0;
}

static int attach_same_sends_the_same_vaddr_flag(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 4096 };
	const struct fake_call *c;

	fake.on = true;
	CHECK(xpmem_attach_same(addr, 4096) == (void *)(FAKE_SOURCE + 4096));
	c = last_call(XPMEM_CMD_ATTACH);
	CHECK(c->arg.attach.flags == XPMEM_ATTACH_SAME_VADDR);
	CHECK(c->arg.attach.vaddr == 0);
	CHECK(c->arg.attach.offset == 4096);
	CHECK(count_calls(XPMEM_CMD_ATTACH) == 1);
	return 0;
}

static int attach_same_busy_returns_map_failed(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };

	fake.on = true;
	fake.fail_cmd = XPMEM_CMD_ATTACH;
	fake.fail_errno = EBUSY;
	errno = 0;
	CHECK(xpmem_attach_same(addr, 4096) == MAP_FAILED);
	CHECK(errno == EBUSY);
	return 0;
}

static int attach_same_refuses_older_kernels(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };

	/* they ignore attach flags and would map somewhere else */
	fake.on = true;
	fake.version = 0x00027011;
	errno = 0;
	CHECK(xpmem_attach_same(addr, 4096) == MAP_FAILED);
	CHECK(errno == EOPNOTSUPP);
	CHECK(count_calls(XPMEM_CMD_ATTACH) == 0);
	return 0;
}

static int attach2_sends_the_populate_flag(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };

	fake.on = true;
	CHECK(xpmem_attach2(addr, 4096, NULL, XPMEM_ATTACH_POPULATE) != MAP_FAILED);
	CHECK(last_call(XPMEM_CMD_ATTACH)->arg.attach.flags == XPMEM_ATTACH_POPULATE);
	return 0;
}

static int attach2_drops_populate_on_a_kernel_before_2_8_1(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };

	/* 2.8.0 rejects the flag; the hint is worth less than the attach */
	fake.on = true;
	fake.version = 0x00028000;
	CHECK(xpmem_attach2(addr, 4096, NULL, XPMEM_ATTACH_POPULATE |
			    XPMEM_ATTACH_SAME_VADDR) != MAP_FAILED);
	CHECK(last_call(XPMEM_CMD_ATTACH)->arg.attach.flags == XPMEM_ATTACH_SAME_VADDR);
	return 0;
}

static int attach2_refuses_unknown_flags_without_a_call(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };

	fake.on = true;
	errno = 0;
	CHECK(xpmem_attach2(addr, 4096, NULL, 0x100) == MAP_FAILED);
	CHECK(errno == EINVAL);
	errno = 0;
	CHECK(xpmem_attach2(addr, 4096, (void *)0x10000,
			    XPMEM_ATTACH_SAME_VADDR) == MAP_FAILED);
	CHECK(errno == EINVAL);
	CHECK(count_calls(XPMEM_CMD_ATTACH) == 0);
	return 0;
}

static int calls_return_zero_on_success(void)
{
	fake.on = true;
	CHECK(xpmem_remove(FAKE_SEGID) == 0);
	CHECK(last_call(XPMEM_CMD_REMOVE)->arg.remove.segid == FAKE_SEGID);
	CHECK(xpmem_release(FAKE_APID) == 0);
	CHECK(last_call(XPMEM_CMD_RELEASE)->arg.release.apid == FAKE_APID);
	CHECK(xpmem_detach((void *)(FAKE_VADDR + 100)) == 0);
	CHECK(last_call(XPMEM_CMD_DETACH)->arg.detach.vaddr == FAKE_VADDR + 100);
	return 0;
}

static int fails(unsigned long cmd, int err)
{
	fake.fail_cmd = cmd;
	fake.fail_errno = err;
	errno = 0;
	return 0;
}

static int errors_are_minus_one_with_the_kernel_errno(void)
{
	fake.on = true;
	fails(XPMEM_CMD_MAKE, EINVAL);
	CHECK(xpmem_make(NULL, 0, XPMEM_PERMIT_MODE, NULL) == -1);
	CHECK(errno == EINVAL);
	fails(XPMEM_CMD_GET, EACCES);
	CHECK(xpmem_get(FAKE_SEGID, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL) == -1);
	CHECK(errno == EACCES);
	fails(XPMEM_CMD_REMOVE, ENOENT);
	CHECK(xpmem_remove(FAKE_SEGID) == -1 && errno == ENOENT);
	fails(XPMEM_CMD_RELEASE, EACCES);
	CHECK(xpmem_release(FAKE_APID) == -1 && errno == EACCES);
	fails(XPMEM_CMD_DETACH, EINVAL);
	CHECK(xpmem_detach((void *)FAKE_VADDR) == -1 && errno == EINVAL);
	fails(XPMEM_CMD_VERSION, ENOTTY);
	CHECK(xpmem_version() == -1 && errno == ENOTTY);
	return 0;
}

static int ioctl_passes_other_commands_through(void)
{
	/* the fake answers ENOTTY to commands it does not know */
	fake.on = true;
	errno = 0;
	CHECK(xpmem_ioctl(XPMEM_CMD_FORK_BEGIN, NULL) == -1 && errno == ENOTTY);
	CHECK(count_calls(XPMEM_CMD_FORK_BEGIN) == 1);
	CHECK(xpmem_ioctl(XPMEM_CMD_VERSION, NULL) == XPMEM_CURRENT_VERSION);
	return 0;
}

/* ---- fork ---------------------------------------------------------------------- */

static int child_make_after_fork(void)
{
	int inherited = fake.last_fd;

	CHECK(xpmem_make((void *)FAKE_SOURCE, 4096, XPMEM_PERMIT_MODE,
			 (void *)0600) == FAKE_SEGID);
	CHECK(count_calls(XPMEM_CMD_MAKE) == 2);	/* NOPROC, then ok */
	CHECK(atomic_load(&fake.opens) == 1);
	/* same number, now our own file; the parent's one is closed */
	CHECK(fake_file(inherited) && fake_file(inherited)->opener == getpid());
	CHECK(fake_fds().foreign == 0);
	CHECK(fcntl(inherited, F_GETFD) & FD_CLOEXEC);
	/* and from now on one ioctl per call */
	CHECK(xpmem_remove(FAKE_SEGID) == 0);
	CHECK(count_calls(XPMEM_CMD_REMOVE) == 1);
	return 0;
}

static int child_many_calls_after_fork(void)
{
	struct xpmem_addr addr = { .apid = FAKE_APID, .offset = 0 };

	CHECK(xpmem_version() == XPMEM_CURRENT_VERSION);	/* re-opens */
	fake.ncalls = 0;
	for (int i = 0; i < 10; i++) {
		CHECK(xpmem_get(FAKE_SEGID, XPMEM_RDONLY, XPMEM_PERMIT_MODE,
				NULL) == FAKE_APID);
		CHECK(xpmem_attach(addr, 4096, NULL) == (void *)FAKE_VADDR);
		CHECK(xpmem_detach((void *)FAKE_VADDR) == 0);
		CHECK(xpmem_release(FAKE_APID) == 0);
	}
	CHECK(fake.ncalls == 40);		/* no NOPROC, no retry */
	CHECK(atomic_load(&fake.opens) == 1);
	CHECK(fake_fds().own >= 1 && fake_fds().foreign == 0);
	return 0;
}

/* The kernel drops a process's state when it closes any descriptor of its
 * own file, so the library must never close one, not even a duplicate. */
static int reopen_keeps_its_own_file_alive(void)
{
	fake.on = true;
	CHECK(xpmem_init() == 0);
	CHECK(in_child(child_many_calls_after_fork) == 0);
	return 0;
}

static int noproc_reopens_and_retries_once(void)
{
	fake.on = true;
	CHECK(xpmem_init() == 0);
	CHECK(in_child(child_make_after_fork) == 0);
	/* the parent's descriptor is untouched */
	CHECK(xpmem_version() == XPMEM_CURRENT_VERSION);
	CHECK(atomic_load(&fake.opens) == 1);
	return 0;
}

static int child_always_noproc(void)
{
	fake.noproc_always = true;
	errno = 0;
	CHECK(xpmem_get(FAKE_SEGID, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL) == -1);
	CHECK(errno == XPMEM_ERRNO_NOPROC);
	CHECK(count_calls(XPMEM_CMD_GET) == 2);
	CHECK(atomic_load(&fake.opens) == 1);
	return 0;
}

static int noproc_retry_happens_only_once(void)
{
	fake.on = true;
	CHECK(xpmem_init() == 0);
	CHECK(in_child(child_always_noproc) == 0);
	return 0;
}

static int call_get(void)
{
	return xpmem_get(FAKE_SEGID, XPMEM_RDWR, XPMEM_PERMIT_MODE,
			 (void *)0666) != FAKE_APID;
}

static int child_threads_after_fork(void)
{
	fake.open_delay = 20000;
	CHECK(run_crowd(16, call_get) == 0);
	CHECK(atomic_load(&fake.opens) == 1);
	CHECK(fake_fds().foreign == 0);
	return 0;
}

static int noproc_in_many_threads_reopens_once(void)
{
	fake.on = true;
	CHECK(xpmem_init() == 0);
	CHECK(in_child(child_threads_after_fork) == 0);
	return 0;
}

static void *slow_init(void *arg)
{
	(void)arg;
	xpmem_init();
	return NULL;
}

static int child_version(void)
{
	alarm(5);	/* a deadlock ends in SIGALRM */
	CHECK(xpmem_version() == XPMEM_CURRENT_VERSION);
	return 0;
}

static int fork_during_first_open_does_not_deadlock(void)
{
	pthread_t thread;

	fake.on = true;
	fake.open_delay = 200000;
	CHECK(pthread_create(&thread, NULL, slow_init, NULL) == 0);
	usleep(50000);		/* the thread is now inside open() */
	CHECK(in_child(child_version) == 0);
	pthread_join(thread, NULL);
	return 0;
}

static int grandchild_version(void)
{
	CHECK(xpmem_version() == XPMEM_CURRENT_VERSION);
	CHECK(atomic_load(&fake.opens) == 1);
	CHECK(count_calls(XPMEM_CMD_VERSION) == 2);	/* NOPROC, then ok */
	/* neither the parent's nor the grandparent's file is kept */
	CHECK(fake_fds().foreign == 0);
	return 0;
}

static int child_version_then_fork(void)
{
	CHECK(xpmem_version() == XPMEM_CURRENT_VERSION);
	CHECK(atomic_load(&fake.opens) == 1);
	/* the grandchild inherits a descriptor that was itself re-opened */
	CHECK(in_child(grandchild_version) == 0);
	CHECK(xpmem_version() == XPMEM_CURRENT_VERSION);
	CHECK(atomic_load(&fake.opens) == 1);
	return 0;
}

static int grandchild_reopens_too(void)
{
	fake.on = true;
	CHECK(xpmem_init() == 0);
	CHECK(in_child(child_version_then_fork) == 0);
	return 0;
}

/* ---- the runner ------------------------------------------------------------------ */

#define TEST(fn) { #fn, fn }

static const struct test {
	const char *name;
	int (*fn)(void);
} tests[] = {
	TEST(abi_struct_sizes_match_the_lineage),
	TEST(ioctl_numbers_match_the_lineage),
	TEST(constants_match_the_lineage),
	TEST(init_fails_without_device),
	TEST(init_requires_a_character_device),
	TEST(init_opens_read_write_close_on_exec),
	TEST(init_opens_only_once),
	TEST(first_call_opens_the_device),
	TEST(concurrent_first_calls_open_once),
	TEST(version_returns_the_ioctl_value),
	TEST(make_issues_one_ioctl),
	TEST(make_passes_the_whole_address_space),
	TEST(get_ignores_permit_value),
	TEST(attach_sends_the_library_fd_and_no_flags),
	TEST(attach_passes_a_fixed_address),
	TEST(attach_failure_returns_map_failed),
	TEST(attach_same_sends_the_same_vaddr_flag),
	TEST(attach_same_busy_returns_map_failed),
	TEST(attach_same_refuses_older_kernels),
	TEST(attach2_sends_the_populate_flag),
	TEST(attach2_drops_populate_on_a_kernel_before_2_8_1),
	TEST(attach2_refuses_unknown_flags_without_a_call),
	TEST(calls_return_zero_on_success),
	TEST(errors_are_minus_one_with_the_kernel_errno),
	TEST(ioctl_passes_other_commands_through),
	TEST(noproc_reopens_and_retries_once),
	TEST(noproc_retry_happens_only_once),
	TEST(reopen_keeps_its_own_file_alive),
	TEST(noproc_in_many_threads_reopens_once),
	TEST(fork_during_first_open_does_not_deadlock),
	TEST(grandchild_reopens_too),
};

static bool wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test *t = &tests[i];
		int status, ret;
		pid_t pid;

		if (!wanted(t->name, argc, argv))
			continue;
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			alarm(30);
			exit(t->fn());
		}
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status))
			printf("# %s: killed by signal %d\n", t->name,
			       WTERMSIG(status));
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		if (ret == SKIP) {
			printf("ok - %s # SKIP\n", t->name);
		} else if (ret == 0) {
			printf("ok - %s\n", t->name);
		} else {
			printf("not ok - %s\n", t->name);
			failed++;
		}
	}
	return failed ? 1 : 0;
}
