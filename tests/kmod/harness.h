/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - the guest test runner shared by xpmem_test and raw_ioctl.
 *
 * Every test runs in its own forked child (its own process group) with an
 * alarm; the driver collects its output and prints one TAP-like line:
 *   ok - <name>            not ok - <name>          ok - <name> # SKIP why
 * followed by "# " diagnostics. Tests register themselves with TEST():
 *
 *   #define TEST_ORDER 20          (position of this file in the run)
 *   #include "harness.h"
 *   TEST(attach_sees_exporter_data) { ... CHECK(...); ... }
 *
 * This file and harness.c use no libxpmem, so raw_ioctl can link them.
 */
#ifndef XPMEM_TEST_HARNESS_H
#define XPMEM_TEST_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#define PAGE_SZ		4096UL
#define PAGES(n)	((size_t)(n) * PAGE_SZ)

/* ---- registration --------------------------------------------------- */

#define T_HEAVY		0x1	/* long or memory-hungry: skipped by -q */

struct test {
	const char *name;
	void (*fn)(void);
	int order;		/* TEST_ORDER of the file */
	int line;		/* keeps declaration order inside a file */
	unsigned int flags;
	unsigned int timeout;	/* seconds; 0 = default */
};

struct role {
	const char *name;
	int (*fn)(int argc, char **argv);
};

void test_register(struct test *t);
void role_register(struct role *r);

#define TEST_EX(name_, flags_, timeout_)					\
	static void name_(void);						\
	static struct test test_desc_##name_ = {				\
		#name_, name_, TEST_ORDER, __LINE__, (flags_), (timeout_) };	\
	__attribute__((constructor)) static void test_reg_##name_(void)	\
	{ test_register(&test_desc_##name_); }					\
	static void name_(void)

#define TEST(name_)	TEST_EX(name_, 0, 0)

/*
 * A role is a sub-command for the tests that are about exec: the driver
 * re-executes itself as "<driver> --child <role> args...".
 */
#define ROLE(name_)								\
	static int role_fn_##name_(int argc, char **argv);			\
	static struct role role_desc_##name_ = { #name_, role_fn_##name_ };	\
	__attribute__((constructor)) static void role_reg_##name_(void)	\
	{ role_register(&role_desc_##name_); }					\
	static int role_fn_##name_(int argc, char **argv)

/* ---- verdicts --------------------------------------------------------- */

__attribute__((noreturn, format(printf, 3, 4)))
void fail_at(const char *file, int line, const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2)))
void skip_test(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void note(const char *fmt, ...);

const char *errname(int err);
const char *signame(int sig);
const char *describe_status(int status);	/* static buffer */

#define FAIL(...)	fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...)	skip_test(__VA_ARGS__)

__attribute__((noreturn, format(printf, 4, 5)))
void fail_check(const char *file, int line, const char *cond,
		const char *fmt, ...);

/* CHECK(cond) or CHECK(cond, "fmt", args...) */
#define CHECK(cond, ...)							\
	do {									\
		if (!(cond))							\
			fail_check(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
	} while (0)

#define CHECK_EQ(a, b)								\
	do {									\
		long long a_ = (long long)(a), b_ = (long long)(b);		\
		if (a_ != b_)							\
			fail_at(__FILE__, __LINE__,				\
				"%s == %s failed: %lld (0x%llx) != %lld (0x%llx)", \
				#a, #b, a_, (unsigned long long)a_, b_,		\
				(unsigned long long)b_);			\
	} while (0)

/* a call that returns -1 / MAP_FAILED on error must succeed; yields its value */
#define CHECK_SYS(expr)								\
	({									\
		errno = 0;							\
		__typeof__(expr) r_ = (expr);					\
		if ((long)r_ == -1L)						\
			fail_at(__FILE__, __LINE__, "%s failed: %s",		\
				#expr, errname(errno));				\
		r_;								\
	})

/* a call that returns -1 / MAP_FAILED on error must fail with errno err */
#define CHECK_ERRNO(expr, err)							\
	do {									\
		errno = 0;							\
		long r_ = (long)(expr);						\
		int e_ = errno;							\
		if (r_ != -1L)							\
			fail_at(__FILE__, __LINE__,				\
				"%s succeeded (returned %ld = 0x%lx), expected %s", \
				#expr, r_, (unsigned long)r_, errname(err));	\
		if (e_ != (err))						\
			fail_at(__FILE__, __LINE__,				\
				"%s failed with %s, expected %s",		\
				#expr, errname(e_), errname(err));		\
	} while (0)

/* ---- memory probes (in-process, via a SIGSEGV/SIGBUS handler) ---------- */

/* 0 if the access worked, else the signal it raised (SIGSEGV, SIGBUS) */
int probe_read(const void *addr, uint64_t *val);
int probe_write(void *addr, uint64_t val);

#define CHECK_READ_SIGNALS(addr, sig)						\
	do {									\
		int s_ = probe_read((addr), NULL);				\
		if (s_ != (sig))						\
			fail_at(__FILE__, __LINE__,				\
				"reading %s (%p): got %s, expected %s",		\
				#addr, (const void *)(addr), signame(s_),	\
				signame(sig));					\
	} while (0)

#define CHECK_WRITE_SIGNALS(addr, sig)						\
	do {									\
		int s_ = probe_write((addr), 0x5a5a5a5a5a5a5a5aULL);		\
		if (s_ != (sig))						\
			fail_at(__FILE__, __LINE__,				\
				"writing %s (%p): got %s, expected %s",		\
				#addr, (const void *)(addr), signame(s_),	\
				signame(sig));					\
	} while (0)

/* ---- data patterns ------------------------------------------------------ */

/* the 64-bit word at byte offset off of a buffer filled with seed (never 0) */
uint64_t pat_word(uint64_t seed, uint64_t off);
void pat_fill(void *p, uint64_t seg_off, size_t len, uint64_t seed);
/* -1 if p[0..len) holds the pattern, else the first bad byte offset */
long pat_mismatch(const void *p, uint64_t seg_off, size_t len, uint64_t seed);
/* -1 if all zero, else the first non-zero byte offset */
long zero_mismatch(const void *p, size_t len);

#define CHECK_PATTERN(p, seg_off, len, seed)					\
	do {									\
		long m_ = pat_mismatch((p), (seg_off), (len), (seed));		\
		if (m_ >= 0)							\
			fail_at(__FILE__, __LINE__,				\
				"pattern %s of %s: mismatch at +0x%lx: "	\
				"0x%016llx, expected 0x%016llx", #seed, #p, m_,	\
				(unsigned long long)*(const uint64_t *)		\
				((const char *)(p) + (m_ & ~7L)),		\
				(unsigned long long)pat_word((seed),		\
				(seg_off) + (m_ & ~7L)));			\
	} while (0)

#define CHECK_ZERO(p, len)							\
	do {									\
		long m_ = zero_mismatch((p), (len));				\
		if (m_ >= 0)							\
			fail_at(__FILE__, __LINE__,				\
				"%s is not all zero: non-zero at +0x%lx", #p, m_); \
	} while (0)

/* ---- processes and handshakes -------------------------------------------- */

struct chan {
	int rd;		/* read end of the pipe from the peer */
	int wr;		/* write end of the pipe to the peer */
};

/*
 * fork() with a bidirectional pipe channel. Returns 0 in the child and the
 * pid in the parent; *ch is the caller's own side in both. The child closes
 * the channels of earlier peers, so EOF reliably means "peer gone".
 */
pid_t fork_peer(struct chan *ch);
/* plain fork for a short-lived helper; flushes stdio first */
pid_t fork_plain(void);
/* ends a forked child: flush and _exit(code) */
__attribute__((noreturn)) void peer_exit(int code);
void chan_close(struct chan *ch);

void chan_send(struct chan *ch, const void *buf, size_t len);
/* fails the test on EOF or error */
void chan_recv(struct chan *ch, void *buf, size_t len);
/* false on EOF */
bool chan_recv_or_eof(struct chan *ch, void *buf, size_t len);
void send_u64(struct chan *ch, uint64_t v);
uint64_t recv_u64(struct chan *ch);

/* kB of AnonHugePages in process pid: its buffers really got THPs */
long anon_huge_kb(pid_t pid);

/* waitpid() retrying on EINTR; returns the status */
int wait_status(pid_t pid);
/* the peer must exit(0) */
#define WAIT_OK(pid)								\
	do {									\
		int st_ = wait_status(pid);					\
		if (!WIFEXITED(st_) || WEXITSTATUS(st_) != 0)			\
			fail_at(__FILE__, __LINE__, "peer %s: %s", #pid,	\
				describe_status(st_));				\
	} while (0)
/* the peer must die by signal sig */
#define WAIT_SIGNALED(pid, sig)							\
	do {									\
		int st_ = wait_status(pid);					\
		if (!WIFSIGNALED(st_) || WTERMSIG(st_) != (sig))		\
			fail_at(__FILE__, __LINE__,				\
				"peer %s: %s, expected death by %s", #pid,	\
				describe_status(st_), signame(sig));		\
	} while (0)

/* fork + exec "<self> --child role args..."; keep_fds survive the exec */
pid_t spawn_role(const char *role, char *const args[], const int *keep_fds,
		 int nkeep);

/* drop to uid/gid with the given supplementary groups (all ids set) */
void drop_privileges(uid_t uid, gid_t gid, const gid_t *groups, int ngroups);

/* ---- environment ---------------------------------------------------------- */

/* counters of /proc/xpmem/global_pages; false if unreadable */
bool read_global_pages(uint64_t *pinned, uint64_t *unpinned);
int numa_online_nodes(int *nodes, int max);	/* returns count */
/* the first two online NUMA nodes; skips the test with fewer */
void two_nodes(int *a, int *b);

uint64_t vmstat(const char *name);
int first_cpu_of_node(int node);	/* -1: none */
bool swap_is_active(void);
/* /proc/self/pagemap entry of addr (bit 63 present, bit 62 swapped) */
uint64_t pagemap_entry(const void *addr);
/* true if [addr, addr+len) is listed in /proc/self/maps */
bool range_is_mapped(const void *addr, size_t len);
/* the length of the /proc/self/maps entry containing addr, 0 if none */
size_t mapping_length(const void *addr);
/* an address where nothing is mapped now: reserve, unmap, return */
void *free_address(size_t len);
/*
 * An address in the middle of the user address space, far from the heap,
 * the mmap area and ASan's shadow, different for every call in a process:
 * forked peers (which share the mmap layout) never map anything there.
 */
void *far_address(void);

/* the driver's own path, for spawn_role */
extern char harness_self[4096];

#endif /* XPMEM_TEST_HARNESS_H */
