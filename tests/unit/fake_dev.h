/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_dev.h - the fake /dev/xpmem lib_test.c runs libxpmem against: the
 * production xpmem.c is linked with -Wl,--wrap= for stat, open, ioctl,
 * close and dup3, and the __wrap_ functions in fake_dev.c stand in for the
 * device (a memfd per open, remembering which process opened it) and log
 * every command. Like the kernel, the fake answers XPMEM_ERRNO_NOPROC to a
 * process that did not open the file, and kills a file's state for good
 * when its opener closes any descriptor of it.
 */
#ifndef XPMEM_TEST_FAKE_DEV_H
#define XPMEM_TEST_FAKE_DEV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <xpmem.h>

#define FAKE_SEGID	((xpmem_segid_t)0x1d2c3b4a59687f01LL)
#define FAKE_APID	((xpmem_apid_t)0x0badc0de5eed1e55LL)
#define FAKE_VADDR	0x7e0000000000ULL	/* where "the kernel" attaches */
#define FAKE_SOURCE	0x7f0000000000ULL	/* the exporter's address */
#define MAX_FILES	64
#define MAX_CALLS	256

struct fake_file {
	dev_t dev;
	ino_t ino;
	pid_t opener;
	bool dead;		/* the opener closed a descriptor of it */
};

struct fake_call {
	unsigned long cmd;
	int fd;
	union {
		struct xpmem_cmd_make make;
		struct xpmem_cmd_remove remove;
		struct xpmem_cmd_get get;
		struct xpmem_cmd_release release;
		struct xpmem_cmd_attach attach;
		struct xpmem_cmd_detach detach;
	} arg;
};

struct fake_state {
	bool on;			/* off: the wrappers pass through */
	mode_t mode;			/* what stat() says /dev/xpmem is */
	useconds_t open_delay;		/* widens race windows */
	int version;
	bool noproc_always;		/* even our own opens get NOPROC */
	unsigned long fail_cmd;
	int fail_errno;

	pthread_mutex_t lock;
	struct fake_file files[MAX_FILES];
	int nfiles;
	struct fake_call calls[MAX_CALLS];
	int ncalls;
	atomic_int opens;		/* opens of the device by this process */
	int last_fd;
	int last_flags;
};

extern struct fake_state fake;

/* How many of this process's descriptors are fake devices opened by this
 * process (own) and by another one (foreign). */
struct fds {
	int own, foreign;
};

struct fake_file *fake_file(int fd);
int count_calls(unsigned long cmd);
/* The last logged call of cmd (tests read it once the calls are done). */
const struct fake_call *last_call(unsigned long cmd);
struct fds fake_fds(void);
/* Runs fn in a forked child; returns its exit code, 1 if it died. */
int in_child(int (*fn)(void));
/* Runs fn in nthreads threads released at the same moment; the failures. */
int run_crowd(int nthreads, int (*fn)(void));

#endif /* XPMEM_TEST_FAKE_DEV_H */
