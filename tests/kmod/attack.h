/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attack.h - shared helpers of the adversarial tests (t_attack_*.c).
 *
 * Every case plays a local attacker that runs as uid 65534 against an
 * exporter it does not own, and ends with a leak check:
 *
 *   struct census before;
 *
 *   attack_begin(&before);              (root; records the module's counters)
 *   ... fork exporters and attackers (fork_nobody), wait for them ...
 *   attack_end(&before);                (every process gone: all back?)
 *
 * attack_end() reaps every child of the test process, then wants the two
 * counters of /proc/xpmem/global_pages equal and the global netlink stats
 * (segments, permits, attachments, mapped pages) back where they were.
 *
 * The race tests run threads that touch memory while other threads tear
 * it down, so they use tprobe_*(), which are thread-safe (the harness's
 * probe_*() are not), and expect_errno() for "one of its documented
 * results".
 */
#ifndef XPMEM_TEST_ATTACK_H
#define XPMEM_TEST_ATTACK_H

#include <stdbool.h>
#include <stdint.h>
#include <xpmem.h>
#include <xpmem_netlink.h>

#include "harness.h"
#include "xp.h"

#define NOBODY		65534	/* the attacker */
#define VICTIM_UID	1000	/* an exporter the attacker does not own */
#define SECRET_SEED	0x5ec	/* exporter memory no segment covers */

/* ---- the leak check ------------------------------------------------------ */

struct census {
	uint64_t segments, permits, attachments, mapped_pages;
	/* not part of the leak check: they only ever grow */
	uint64_t invalidations, invalidations_kept, faults;
};

void census_take(struct census *c);
/* touch one byte; how many faults and newly mapped pages that took */
void touch_counted(const char *p, uint64_t *faults, uint64_t *mapped);
/* root only; skips unless /dev/xpmem is 0666; waits for a quiet module */
void attack_begin(struct census *before);
/* reaps every child, then fails unless everything is back */
void attack_end(const struct census *before);

/* ---- processes ----------------------------------------------------------- */

/* an exporter of VICTIM_UID: pages filled with pattern 1, permit mode mode */
void victim_start(struct exporter *ex, size_t pages, int mode);

/* fork_peer (or a plain fork if ch is NULL); the child runs as uid */
pid_t fork_as(uid_t uid, struct chan *ch);
pid_t fork_nobody(struct chan *ch);

double now_sec(void);
void sleep_sec(double secs);

/* ---- results of racing calls --------------------------------------------- */

/*
 * ret is what a call returned (-1 on failure; errno is read first thing,
 * so the call may be the argument): success passes, and so does a failure
 * with one of the listed errnos (0 ends the list). Anything else fails the
 * test, naming what.
 */
void expect_errno(const char *what, long ret, ...);

/* ---- thread-safe memory probes ------------------------------------------- */

/* install the process-wide SIGSEGV/SIGBUS handler the tprobes need */
void catch_faults(void);
/* 0 if the access worked, else SIGSEGV or SIGBUS */
int tprobe_read(const void *addr, uint64_t *val);
int tprobe_write(void *addr, uint64_t val);

/* ---- raw ioctls on one descriptor (no library re-open on 2004) ----------- */

int dev_open(void);
/* each returns the id/address, or -1 with errno */
int64_t dev_make(int fd, void *addr, size_t size, int mode);
int64_t dev_get(int fd, int64_t segid, int flags);
long dev_attach(int fd, int64_t apid, off_t off, size_t size, void *vaddr);
int dev_detach(int fd, void *vaddr);
int dev_release(int fd, int64_t apid);
int dev_remove(int fd, int64_t segid);

/* ---- netlink administration (as root; the request must succeed) ---------- */

void admin_reset_policy(void);
void admin_set_quota(uid_t uid, uint32_t segments, uint64_t bytes,
		     uint64_t pages);
/* attr is XPMEM_A_REVOKE_SEGID / _UID / ...; returns the reported count */
uint32_t admin_revoke(int attr, uint64_t value);
void admin_add_job(uint64_t id, uid_t uid, uint64_t cgroup_id);
void admin_del_job(uint64_t id);

/* ---- cgroups for jobs ---------------------------------------------------- */

/* a cgroup v2 directory of that name (made if needed); its id in *id */
const char *job_cgroup(const char *name, uint64_t *id);

/* ---- exporters that keep their own mmap_lock busy ------------------------ */

#define CHURN_PROTECT	0x1	/* mprotect the segment read-only and back */
#define CHURN_MAPS	0x2	/* mmap and munmap scratch pages */

/* start churning threads in this process over [buf, buf + len) */
void churn_start(char *buf, size_t len, unsigned int what);
void churn_stop(void);

struct churner_opts {
	uid_t uid;
	size_t pages;		/* buffer size */
	size_t exported;	/* pages at the start the segment covers; 0 = all */
	int mode;
	unsigned int churn;	/* CHURN_* */
	uint64_t seed;		/* exported pages; the rest holds SECRET_SEED */
};

struct churner {
	pid_t pid;
	struct chan ch;
	xpmem_segid_t segid;
	uint64_t base;		/* the buffer in the churner */
};

void churner_start(struct churner *c, const struct churner_opts *o);
/* MAKE the same range again (after a revoke); returns the new segid */
xpmem_segid_t churner_remake(struct churner *c);
void churner_stop(struct churner *c);

#endif /* XPMEM_TEST_ATTACK_H */
