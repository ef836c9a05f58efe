/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - what the stress driver and the two fuzzers share: a small
 * random generator, raw /dev/xpmem ioctls, result tallies in shared memory
 * (calls per row and errno), fault probes, privilege dropping, and the
 * module's counters at rest (netlink stats and /proc/xpmem/global_pages).
 *
 * Results are 0 or -errno everywhere, as the ioctls return them.
 */
#ifndef XPMEM_STRESS_COMMON_H
#define XPMEM_STRESS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <xpmem.h>

#define PAGE_SZ		4096UL
#define NOBODY		65534

/* ---- random numbers (xorshift64*, one state per process or thread) ---- */

struct rng {
	uint64_t s;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rnd(struct rng *r);
uint64_t rnd_below(struct rng *r, uint64_t n);	/* [0, n), n > 0 */
bool rnd_pct(struct rng *r, unsigned int pct);	/* true pct% of the time */
/* a value interesting at a boundary: 0, -1, INT64_MIN/MAX, 2^k +- 1, ... */
uint64_t rnd_edge(struct rng *r);
/* pick an index by weights[0..n) */
int rnd_weighted(struct rng *r, const unsigned int *weights, int n);

/* ---- /dev/xpmem ---------------------------------------------------------- */

int xp_open(void);			/* fd, or -errno */
long xp_ioctl(int fd, unsigned long cmd, void *arg);	/* >= 0 or -errno */
/* -errno or 0; the out value in *out */
long xp_make(int fd, uint64_t vaddr, size_t size, int mode, int64_t *segid);
long xp_get(int fd, int64_t segid, int flags, int64_t *apid);
long xp_attach(int fd, int64_t apid, uint64_t offset, size_t size,
	       uint64_t vaddr, int flags, uint64_t *addr);
long xp_detach(int fd, uint64_t vaddr);
long xp_release(int fd, int64_t apid);
long xp_remove(int fd, int64_t segid);

/* ---- tallies: calls per (row, result) in shared memory ---------------------- */

#define TALLY_ROWS	48
#define TALLY_NOPROC	134		/* bucket of XPMEM_ERRNO_NOPROC */
#define TALLY_OTHER	135		/* any other result */
#define TALLY_BUCKETS	136

struct tally {
	uint64_t n[TALLY_ROWS][TALLY_BUCKETS];
};

/* anonymous MAP_SHARED memory, zeroed, inherited by fork; exits on failure */
void *shared_alloc(size_t size);
int tally_bucket(long ret);
const char *bucket_name(int bucket);	/* "ok", "ENOENT", "2004", ... */
void tally_add(struct tally *t, int row, long ret);
uint64_t tally_row_total(const struct tally *t, int row);
/*
 * "# <prefix><name>: N: a ok, b ENOENT, ..." for each non-empty row; the
 * buckets are named by namer (NULL: bucket_name). Returns the calls.
 */
uint64_t tally_print(const struct tally *t, const char *prefix,
		     const char *const *names, int rows,
		     const char *(*namer)(int bucket));
/* bucket 0 "ok", else the signal's name ("SIGBUS") */
const char *signal_bucket_name(int bucket);

/* errno names for messages; numbers the table lacks are printed */
const char *err_name(int err);
const char *sig_name(int sig);		/* "SIGBUS" */

/* ---- fault probes ------------------------------------------------------------- */

/*
 * Install SIGSEGV/SIGBUS handlers (process-wide) that turn a fault inside
 * a probe into its signal number; a fault outside a probe is a real crash:
 * the handler restores the default action and the fault repeats.
 */
void probes_install(void);
/* 0 if the access worked, else SIGSEGV or SIGBUS */
int probe_read(const volatile void *addr, uint64_t *val);
int probe_write(volatile void *addr, uint64_t val);
/* read len bytes (a multiple of 8) into buf: 0 or the signal */
int probe_copy(const volatile void *addr, void *buf, size_t len);
/* si_code of this thread's last probe fault (SEGV_MAPERR, BUS_ADRERR...) */
int probe_si_code(void);
/* print the /proc/self/maps lines within 64 KiB of addr as "# " lines */
void show_maps_near(uint64_t addr);

/* ---- processes ------------------------------------------------------------------ */

/* to uid/gid 65534 with no supplementary groups; dumpable again */
void drop_to_nobody(void);
uint64_t now_ns(void);
void sleep_ms(unsigned int ms);
/* waitpid(pid, WNOHANG) until ms passed: status, or -1 if still running */
int wait_ms(pid_t pid, unsigned int ms);
/* "exit 0", "killed by SIGSEGV", ... (static buffer) */
const char *status_text(int status);
/*
 * Print the state, wchan and kernel stack of every process in our process
 * group (and their threads) as "# " lines: what a hang looks like.
 */
void dump_group_stacks(void);

/* ---- the module at rest --------------------------------------------------------- */

struct xstats {
	uint64_t segments, permits, attachments, attached_bytes, mapped_pages;
	uint64_t pages_mapped_total, pages_unmapped_total;
};

bool read_global_pages(uint64_t *pinned, uint64_t *unpinned);
/* the family's global counters (get-stats do): 0 or -errno */
int read_xstats(struct xstats *st);
/*
 * Wait up to ms for the object counters to come back to base and
 * global_pages to balance; print what was seen as "# " lines.
 * true if they did.
 */
bool counters_at_rest(const struct xstats *base, unsigned int ms);

#endif /* XPMEM_STRESS_COMMON_H */
