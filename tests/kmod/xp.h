/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xp.h - libxpmem helpers for xpmem_test: checked wrappers, and a remote-
 * controlled exporter process.
 *
 * exporter_start() forks a peer that maps a buffer, fills it with a pattern,
 * exports it and then obeys commands sent over a pipe (fill, verify, munmap,
 * madvise, fork, mremap, migrate, page out, exec, exit...). The test process
 * is the attacher and drives the exporter one step at a time, so coherence
 * tests read as a straight line:
 *
 *   exporter_start(&ex, &(struct ex_opts){ .pages = 4, .seed = 1 });
 *   p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), ex.off0, PAGES(4));
 *   ex_do(&ex, EX_MUNMAP, PAGES(1), PAGE_SZ, 0);
 *   CHECK_READ_SIGNALS(p + PAGES(1), SIGBUS);
 *
 * Pattern offsets are offsets in the exporter's buffer: the exporter fills
 * [off, off+len) with pat_fill(base + off, off, len, seed).
 */
#ifndef XPMEM_TEST_XP_H
#define XPMEM_TEST_XP_H

#include <stdbool.h>
#include <xpmem.h>

#include "harness.h"

xpmem_segid_t make_ok(void *vaddr, size_t size, int mode);
xpmem_apid_t get_ok(xpmem_segid_t segid, int flags);
char *attach_ok(xpmem_apid_t apid, off_t offset, size_t size);
void detach_ok(void *addr);

enum ex_op {
	EX_QUIT = 1,		/* reply, then exit(0) */
	EX_FILL,		/* a=off b=len c=seed */
	EX_VERIFY,		/* a=off b=len c=seed -> val 0 or 1+bad offset */
	EX_VERIFY_ZERO,		/* a=off b=len -> val 0 or 1+bad offset */
	EX_FILL_STRIDED,	/* a=stride in pages c=seed: fill every a-th page */
	EX_MUNMAP,		/* a=off b=len */
	EX_MMAP_ANON,		/* a=off b=len: fresh anonymous memory, MAP_FIXED */
	EX_MAP_FILE,		/* a=off b=len c=EX_FILE_*: the opts.file_fd */
	EX_DONTNEED,		/* a=off b=len */
	EX_MREMAP_AWAY,		/* a=off b=len: move elsewhere -> val new address */
	EX_REMOVE,		/* xpmem_remove(segid) */
	EX_FORK,		/* fork a child that obeys target EX_KID */
	EX_READ_U64,		/* a=off -> val */
	EX_WRITE_U64,		/* a=off b=value */
	EX_NODE_OF,		/* a=off -> val NUMA node of the page */
	EX_MOVE_PAGES,		/* a=off b=len c=node -> val pages now on node */
	EX_PAGES_ON_NODE,	/* a=off b=len c=node -> val count */
	EX_MIGRATE,		/* migrate_pages(self, a -> b) -> val not moved */
	EX_PAGEOUT,		/* a=off b=len: MADV_PAGEOUT -> val pages swapped */
	EX_CHURN,		/* a=off b=len c=rounds: dontneed + refill (seed 7) */
	EX_EXEC,		/* exec a do-nothing role in this process */
	EX_MADVISE,		/* a=off b=len c=advice */
	EX_MPROTECT,		/* a=off b=len c=prot */
	EX_SPIN,		/* a=ms b=cpu c=!read: run there, reading the segment
				   unless c (its pages then keep their NUMA hints) */
	EX_UFFD_WP,		/* a=off b=len: userfaultfd write-protect */
};

#define EX_FILE_WRITABLE	0x1	/* PROT_WRITE */
#define EX_FILE_PRIVATE		0x2	/* MAP_PRIVATE instead of MAP_SHARED */

#define EX_SELF		0
#define EX_KID		1	/* the exporter's forked child (after EX_FORK) */

#define CHURN_SEED	7

struct ex_opts {
	size_t pages;		/* buffer (and segment) size in pages */
	int mode;		/* permit mode; 0 = 0600; EX_MODE_NONE = 0000 */
	uint64_t seed;		/* fill the buffer with this; 0 = leave untouched */
	bool noreserve;		/* map the buffer MAP_NORESERVE */
	bool shared;		/* map the buffer MAP_SHARED (shmem) */
	bool whole_as;		/* export (0, XPMEM_MAXADDR_SIZE) instead */
	bool drop;		/* run as uid/gid (no supplementary groups) */
	uid_t uid;
	gid_t gid;
	int file_fd;		/* for EX_MAP_FILE; 0 = none */
	size_t hole_page;	/* if hole_pages: unmap these before MAKE */
	size_t hole_pages;
	uint64_t at;		/* map the buffer at this address (0 = anywhere) */
	int huge;		/* EX_HUGE_*: a buffer of huge pages, aligned to them */
};

#define EX_HUGE_THP	1	/* anonymous, MADV_HUGEPAGE */
#define EX_HUGE_HUGETLB	2	/* MAP_HUGETLB, 2 MiB pages (reserve them first) */
#define EX_HUGE_HUGETLB_1G 3	/* MAP_HUGETLB, 1 GiB pages (reserve them first) */

#define EX_MODE_NONE	0x10000

/* an aligned buffer of len bytes backed by huge pages of kind EX_HUGE_* */
char *map_huge(size_t len, int huge);

struct exporter {
	pid_t pid;
	struct chan ch;
	xpmem_segid_t segid;
	uint64_t base;		/* buffer address in the exporter */
	size_t size;
	off_t off0;		/* attach offset of the buffer's first byte */
};

void exporter_start(struct exporter *ex, const struct ex_opts *o);
/* op must succeed (else the test fails); returns its value */
uint64_t ex_do(struct exporter *ex, int op, uint64_t a, uint64_t b, uint64_t c);
/* same, for the exporter's forked child */
uint64_t ex_kid(struct exporter *ex, int op, uint64_t a, uint64_t b, uint64_t c);
/* returns 0 or the errno of the failed op; *val gets the value */
int ex_try(struct exporter *ex, int target, int op, uint64_t a, uint64_t b,
	   uint64_t c, uint64_t *val);
/* EX_QUIT, then the exporter must exit(0) */
void exporter_quit(struct exporter *ex);

/* the exporter's buffer holds pattern seed in [off, off+len) */
#define CHECK_EX_PATTERN(ex, off, len, seed)					\
	do {									\
		uint64_t v_ = ex_do((ex), EX_VERIFY, (off), (len), (seed));	\
		if (v_)								\
			fail_at(__FILE__, __LINE__,				\
				"exporter's buffer at +0x%llx: pattern %s "	\
				"mismatch at +0x%llx", (unsigned long long)(off), \
				#seed, (unsigned long long)(v_ - 1));		\
	} while (0)

/*
 * Fork an attacher that gets a permit (flags), attaches the whole segment,
 * restores the default SIGSEGV/SIGBUS dispositions and touches byte off
 * (a write if write): it exits 0 if it survived, else dies by the signal.
 */
pid_t spawn_toucher(struct exporter *ex, int flags, size_t off, bool write);

/* a number read from a proc/sys file, or -1; writes say whether they took */
long file_read_long(const char *path);
bool file_write(const char *path, const char *text);
bool file_write_long(const char *path, long v);

/* NUMA balancing's knobs: the switch, scan delay and minimum period */
#define NUMA_KNOBS	3
/* each knob's value into @saved; SKIP if a knob is missing */
void numa_knobs_save(long saved[NUMA_KNOBS]);
void numa_knobs_restore(const long saved[NUMA_KNOBS]);
void numa_knobs_fast(void);		/* on, scanning at once, every 10 ms */

/* bool parameters of the loaded module, /sys/module/xpmem/parameters/NAME */
bool param_is_set(const char *name);
bool param_set(const char *name, bool on);

/* gup_attachments: GUP attachments need the find_special_page hook and root */
#define GUP_KNOB	"/sys/module/xpmem/parameters/gup_attachments"
bool set_gup(bool on);
void require_gup(void);		/* or SKIP */

/* nr_hugepages (2 MiB pages) raised to at least n: the old value, or -1 */
long hugepages_reserve(long n);
/* and put back */
void hugepages_restore(long old);

/* /dev/xpmem must be usable by other users for permission tests */
void require_world_usable_device(void);

#endif /* XPMEM_TEST_XP_H */
