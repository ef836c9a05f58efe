/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - what every benchmark section shares: timing and medians,
 * error exits, sysfs/procfs knobs, source buffers of the three page kinds,
 * and the exporter, a forked child that owns the exported buffer and runs
 * simple commands for the attacher (the parent) over a pair of pipes.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <xpmem.h>

#define KIB		(1UL << 10)
#define MIB		(1UL << 20)
#define PAGE_SZ		4096UL
#define HUGE_SZ		(2 * MIB)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define ONE_PAGE_KNOB	"/sys/module/xpmem/parameters/one_page_faults"

/* the page kinds a source buffer can be made of */
enum src_kind {
	SRC_4K,		/* anonymous, MADV_NOHUGEPAGE */
	SRC_THP,	/* anonymous, 2 MiB aligned, MADV_HUGEPAGE */
	SRC_HUGETLB,	/* MAP_HUGETLB, from the reserved pool */
};

extern const char *const src_name[];

/* exit(1) after printing "xpmem_bench: <what>: <strerror(errno)>" */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* exit(1) after printing "xpmem_bench: <what>" */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

double now(void);
double median(const double *v, int n);
long minor_faults(void);

/* knobs: true on success; @old (if not NULL) gets the value, newline cut */
bool knob_read(const char *path, char *old, size_t len);
bool knob_write(const char *path, const char *val);
/* one_page_faults=Y or N; dies if the knob cannot be written */
void set_one_page_faults(bool one);
bool have_one_page_knob(void);

/* the module's "pages pinned" line of /proc/xpmem/global_pages */
long long module_pages_mapped(void);
/* the module's global fault counter (xpmemctl stats), -1 if unknown */
long long module_faults(void);

uint64_t vmstat(const char *name);
int first_cpu_of_node(int node);
void pin_to_cpu(int cpu);

/*
 * A buffer of @kind, @size bytes (a multiple of 2 MiB for the huge kinds),
 * not yet touched; NULL with @why filled if it cannot be had.
 */
char *map_source(enum src_kind kind, size_t size, char *why, size_t whylen);
/*
 * A prefaulted 4 KiB-page buffer for copies to land in (or come from),
 * deliberately not 2 MiB aligned: TCG's software TLB is indexed by the low
 * bits of the page number, so two buffers with the same alignment evict
 * each other's entries on every page and a 64 MiB memcpy between them runs
 * ~1.5x slower under emulation, whatever the source is. Dies on failure.
 */
char *scratch_buffer(size_t size);
void scratch_free(char *p, size_t size);
/* AnonHugePages of the mapping holding @addr in process @pid, in KiB */
long anon_huge_kb(pid_t pid, const void *addr);

/* copies and page walks the compiler may not drop */
void copy_bytes(void *dst, const void *src, size_t len);
long touch_read(const char *p, size_t len);
void touch_write(char *p, size_t len);

/* the exporter -------------------------------------------------------- */

struct ex_opts {
	enum src_kind kind;
	size_t size;		/* buffer bytes */
	size_t fill;		/* bytes written before the export; 0: all */
	size_t seg_len;		/* the main segment covers [0, seg_len); 0: all */
	int cpu;		/* pinned there before allocating; -1: anywhere */
};

struct exporter {
	pid_t pid;
	int cmd;		/* commands to the child */
	int rep;		/* its replies */
	int data;		/* the pipe benchmark's bytes */
	char *base;		/* the buffer, at the exporter's address */
	size_t size;
	xpmem_segid_t segid;	/* the main segment */
	long huge_kb;		/* AnonHugePages of the buffer */
};

enum ex_op {
	EX_PIPE,		/* a: bytes to write into the data pipe */
	EX_SPIN,		/* a: threads to start reading the buffer */
	EX_STOP,		/* stop them */
	EX_MAKE,		/* make 4 KiB segments until a: of them exist */
	EX_REMOVE,		/* remove them until a: are left */
	EX_SEGIDS,		/* send the ids of the first a: of them */
	EX_ON_NODE,		/* a: node; how many buffer pages are there */
	EX_REFRESH,		/* fresh pages; val: AnonHugePages, KiB */
};

struct ex_reply {
	long val;
	double secs;
	int err;
};

/*
 * Fork an exporter: it allocates, fills, exports. 0, or -1 with @why
 * filled if the buffer could not be had (the caller skips); dies on
 * anything else.
 */
int exporter_start(struct exporter *ex, const struct ex_opts *o, char *why,
		   size_t whylen);
struct ex_reply exporter_do(struct exporter *ex, enum ex_op op, long a);
/* the reply to EX_SEGIDS is followed by the ids: read them */
void exporter_read(struct exporter *ex, void *buf, size_t len);
void exporter_stop(struct exporter *ex);

/* xpmem_get / xpmem_attach2 that die on failure */
xpmem_apid_t get_or_die(xpmem_segid_t segid, int flags);
char *attach_or_die(xpmem_apid_t apid, off_t off, size_t len, int flags);
void detach_or_die(void *att);
void release_or_die(xpmem_apid_t apid);

/* "met" or "missed" against an issue target */
const char *verdict(bool met);

/* the sections */
int bench_cold(void);
int bench_prefault(void);
int bench_steady(void);
int bench_control(void);
int bench_cycle(void);
int bench_transfer(void);
int bench_numa(void);

#endif /* BENCH_COMMON_H */
