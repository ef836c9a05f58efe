// SPDX-License-Identifier: GPL-2.0
/*
 * attack.c - helpers of the adversarial tests: the leak check, processes
 * as uid 65534, thread-safe probes, raw ioctls on one descriptor, netlink
 * administration, job cgroups and exporters that churn their mmap_lock.
 * See attack.h.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attack.h"
#include "nlpolicy.h"
#include "nlraw.h"
#include "xp.h"

/* ---- the leak check ------------------------------------------------------ */

static struct nl_msgbuf msg;
static struct nl_reply reply;

static int take_census(const struct nl_attrs *a, void *arg)
{
	struct census *c = arg;

	if (!a->a[XPMEM_A_STATS_SEGMENTS] || !a->a[XPMEM_A_STATS_PERMITS] ||
	    !a->a[XPMEM_A_STATS_ATTACHMENTS] || !a->a[XPMEM_A_STATS_MAPPED_PAGES])
		FAIL("the global stats lack a counter");
	c->segments = nla_u64(a->a[XPMEM_A_STATS_SEGMENTS]);
	c->permits = nla_u64(a->a[XPMEM_A_STATS_PERMITS]);
	c->attachments = nla_u64(a->a[XPMEM_A_STATS_ATTACHMENTS]);
	c->mapped_pages = nla_u64(a->a[XPMEM_A_STATS_MAPPED_PAGES]);
	if (!a->a[XPMEM_A_STATS_INVALIDATIONS_TOTAL] ||
	    !a->a[XPMEM_A_STATS_INVALIDATIONS_KEPT_TOTAL])
		FAIL("the global stats lack the invalidation counters");
	c->invalidations = nla_u64(a->a[XPMEM_A_STATS_INVALIDATIONS_TOTAL]);
	c->invalidations_kept = nla_u64(a->a[XPMEM_A_STATS_INVALIDATIONS_KEPT_TOTAL]);
	if (!a->a[XPMEM_A_STATS_FAULTS])
		FAIL("the global stats lack the fault counter");
	c->faults = nla_u64(a->a[XPMEM_A_STATS_FAULTS]);
	return 0;
}

void census_take(struct census *c)
{
	int fd = nl_open();

	if (fd < 0 || nl_family() < 0)
		FAIL("the xpmem netlink family is not reachable: %s",
		     errname(errno));
	nl_start(&msg, XPMEM_NL_CMD_GET_STATS);
	if (nl_call(fd, &msg, 0, take_census, c, &reply))
		FAIL("get-stats: %s (%s)", errname(-reply.error), reply.extack);
	close(fd);
}

void touch_counted(const char *p, uint64_t *faults, uint64_t *mapped)
{
	struct census c0, c1;

	census_take(&c0);
	(void)*(volatile const char *)p;
	census_take(&c1);
	*faults = c1.faults - c0.faults;
	*mapped = c1.mapped_pages - c0.mapped_pages;
}

static bool census_equal(const struct census *a, const struct census *b)
{
	return a->segments == b->segments && a->permits == b->permits &&
	       a->attachments == b->attachments &&
	       a->mapped_pages == b->mapped_pages;
}

static bool pages_balanced(uint64_t *pinned, uint64_t *unpinned)
{
	if (!read_global_pages(pinned, unpinned))
		FAIL("/proc/xpmem/global_pages is missing or malformed");
	return *pinned == *unpinned;
}

void attack_begin(struct census *before)
{
	uint64_t pinned = 0, unpinned = 0;
	struct census again;

	require_world_usable_device();
	/* what an earlier test left behind may still be going away */
	for (int i = 0; i < 30; i++) {
		census_take(before);
		usleep(100000);
		census_take(&again);
		if (census_equal(before, &again) &&
		    pages_balanced(&pinned, &unpinned))
			return;
	}
	note("the module did not settle before the case (pinned %llu, "
	     "unpinned %llu)", (unsigned long long)pinned,
	     (unsigned long long)unpinned);
}

static void reap_children(void)
{
	for (;;) {
		if (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
			continue;
		if (errno != ECHILD)
			FAIL("waitpid: %s", errname(errno));
		return;
	}
}

void attack_end(const struct census *before)
{
	uint64_t pinned = 0, unpinned = 0;
	struct census now;

	reap_children();
	for (int i = 0; i < 50; i++) {
		census_take(&now);
		if (census_equal(&now, before) &&
		    pages_balanced(&pinned, &unpinned))
			return;
		usleep(100000);
	}
	pages_balanced(&pinned, &unpinned);
	FAIL("objects leaked: with every process of the case gone, segments "
	     "%llu -> %llu, permits %llu -> %llu, attachments %llu -> %llu, "
	     "mapped pages %llu -> %llu; global_pages pinned %llu, unpinned %llu",
	     (unsigned long long)before->segments,
	     (unsigned long long)now.segments,
	     (unsigned long long)before->permits,
	     (unsigned long long)now.permits,
	     (unsigned long long)before->attachments,
	     (unsigned long long)now.attachments,
	     (unsigned long long)before->mapped_pages,
	     (unsigned long long)now.mapped_pages,
	     (unsigned long long)pinned, (unsigned long long)unpinned);
}

/* ---- processes ----------------------------------------------------------- */

void victim_start(struct exporter *ex, size_t pages, int mode)
{
	exporter_start(ex, &(struct ex_opts){ .pages = pages, .seed = 1,
			.mode = mode, .drop = true, .uid = VICTIM_UID,
			.gid = VICTIM_UID });
}

pid_t fork_as(uid_t uid, struct chan *ch)
{
	pid_t pid = ch ? fork_peer(ch) : fork_plain();

	if (pid == 0)
		drop_privileges(uid, uid, NULL, 0);
	return pid;
}

pid_t fork_nobody(struct chan *ch)
{
	return fork_as(NOBODY, ch);
}

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_sec(double secs)
{
	struct timespec ts = { (time_t)secs,
			       (long)((secs - (time_t)secs) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void expect_errno(const char *what, long ret, ...)
{
	int err = errno, ok;
	va_list ap;

	if (ret != -1)
		return;
	va_start(ap, ret);
	while ((ok = va_arg(ap, int)))
		if (ok == err)
			break;
	va_end(ap);
	if (!ok)
		FAIL("%s failed with %s, not one of its documented results",
		     what, errname(err));
}

/* ---- thread-safe memory probes ------------------------------------------- */

static __thread sigjmp_buf *fault_env;
static __thread volatile sig_atomic_t fault_sig;

static void on_fault(int sig)
{
	if (!fault_env) {
		/* not a probe: die of it when the access is retried */
		signal(sig, SIG_DFL);
		return;
	}
	fault_sig = sig;
	siglongjmp(*fault_env, 1);
}

void catch_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static int tprobe(void *addr, bool write, uint64_t wval, uint64_t *rval)
{
	volatile uint64_t *p = addr;
	volatile uint64_t v = 0;
	sigjmp_buf env;

	fault_sig = 0;
	fault_env = &env;
	if (sigsetjmp(env, 0) == 0) {
		if (write)
			*p = wval;
		else
			v = *p;
	}
	fault_env = NULL;
	if (rval && !fault_sig)
		*rval = v;
	return fault_sig;
}

int tprobe_read(const void *addr, uint64_t *val)
{
	return tprobe((void *)addr, false, 0, val);
}

int tprobe_write(void *addr, uint64_t val)
{
	return tprobe(addr, true, val, NULL);
}

/* ---- raw ioctls ---------------------------------------------------------- */

int dev_open(void)
{
	return CHECK_SYS(open(XPMEM_DEV_PATH, O_RDWR | O_CLOEXEC));
}

int64_t dev_make(int fd, void *addr, size_t size, int mode)
{
	struct xpmem_cmd_make c = { .vaddr = (uintptr_t)addr, .size = size,
		.permit_type = XPMEM_PERMIT_MODE, .permit_value = mode };

	return ioctl(fd, XPMEM_CMD_MAKE, &c) ? -1 : c.segid;
}

int64_t dev_get(int fd, int64_t segid, int flags)
{
	struct xpmem_cmd_get c = { .segid = segid, .flags = flags,
		.permit_type = XPMEM_PERMIT_MODE };

	return ioctl(fd, XPMEM_CMD_GET, &c) ? -1 : c.apid;
}

long dev_attach(int fd, int64_t apid, off_t off, size_t size, void *vaddr)
{
	struct xpmem_cmd_attach c = { .apid = apid, .offset = off,
		.size = size, .vaddr = (uintptr_t)vaddr, .fd = fd };

	return ioctl(fd, XPMEM_CMD_ATTACH, &c) ? -1 : (long)c.vaddr;
}

int dev_detach(int fd, void *vaddr)
{
	struct xpmem_cmd_detach c = { .vaddr = (uintptr_t)vaddr };

	return ioctl(fd, XPMEM_CMD_DETACH, &c);
}

int dev_release(int fd, int64_t apid)
{
	struct xpmem_cmd_release c = { .apid = apid };

	return ioctl(fd, XPMEM_CMD_RELEASE, &c);
}

int dev_remove(int fd, int64_t segid)
{
	struct xpmem_cmd_remove c = { .segid = segid };

	return ioctl(fd, XPMEM_CMD_REMOVE, &c);
}

/* ---- netlink administration ---------------------------------------------- */

static void admin_call(const char *what, nl_cb cb, void *arg)
{
	int fd = nl_open();

	if (fd < 0)
		FAIL("netlink socket: %s", errname(errno));
	if (nl_call(fd, &msg, 0, cb, arg, &reply))
		FAIL("%s: %s (%s)", what, errname(-reply.error), reply.extack);
	close(fd);
}

void admin_reset_policy(void)
{
	if (nl_family() < 0)
		FAIL("the xpmem genetlink family is not registered");
	nl_start(&msg, XPMEM_NL_CMD_RESET_POLICY);
	admin_call("reset-policy", NULL, NULL);
}

void admin_set_quota(uid_t uid, uint32_t segments, uint64_t bytes,
		     uint64_t pages)
{
	nl_start(&msg, XPMEM_NL_CMD_SET_QUOTA);
	nl_put_u32(&msg, XPMEM_A_QUOTA_UID, uid);
	nl_put_u32(&msg, XPMEM_A_QUOTA_MAX_SEGMENTS, segments);
	nl_put_u64(&msg, XPMEM_A_QUOTA_MAX_ATTACHED_BYTES, bytes);
	nl_put_u64(&msg, XPMEM_A_QUOTA_MAX_MAPPED_PAGES, pages);
	admin_call("set-quota", NULL, NULL);
}

static int take_revoked(const struct nl_attrs *a, void *arg)
{
	if (a->a[XPMEM_A_REVOKE_COUNT])
		*(uint32_t *)arg = nla_u32(a->a[XPMEM_A_REVOKE_COUNT]);
	return 0;
}

uint32_t admin_revoke(int attr, uint64_t value)
{
	uint32_t count = 0;

	nl_start(&msg, XPMEM_NL_CMD_REVOKE);
	if (attr == XPMEM_A_REVOKE_SEGID || attr == XPMEM_A_REVOKE_JOB_ID)
		nl_put_u64(&msg, attr, value);
	else
		nl_put_u32(&msg, attr, (uint32_t)value);
	admin_call("revoke", take_revoked, &count);
	return count;
}

void admin_add_job(uint64_t id, uid_t uid, uint64_t cgroup_id)
{
	nl_start(&msg, XPMEM_NL_CMD_ADD_JOB);
	nl_put_u64(&msg, XPMEM_A_JOB_ID, id);
	nl_put_u32(&msg, XPMEM_A_JOB_UID, uid);
	nl_put_u64(&msg, XPMEM_A_JOB_CGROUP_ID, cgroup_id);
	admin_call("add-job", NULL, NULL);
}

void admin_del_job(uint64_t id)
{
	nl_start(&msg, XPMEM_NL_CMD_DEL_JOB);
	nl_put_u64(&msg, XPMEM_A_JOB_ID, id);
	admin_call("del-job", NULL, NULL);
}

/* ---- cgroups ------------------------------------------------------------- */

const char *job_cgroup(const char *name, uint64_t *id)
{
	static char path[512];

	cgroup_dir(name, path, sizeof(path));
	*id = cgroup_id_of(path);
	return path;
}

/* ---- churning exporters -------------------------------------------------- */

#define CHURN_THREADS 2

static pthread_t churn_threads[CHURN_THREADS];
static int n_churn_threads;
static volatile int churn_stopping;
static char *churn_buf;
static size_t churn_len;

/* every mprotect takes the mmap_lock for writing and zaps the attachers */
static void *churn_protect(void *arg)
{
	(void)arg;
	while (!churn_stopping) {
		mprotect(churn_buf, churn_len, PROT_READ);
		mprotect(churn_buf, churn_len, PROT_READ | PROT_WRITE);
	}
	return NULL;
}

static void *churn_maps(void *arg)
{
	(void)arg;
	while (!churn_stopping) {
		char *p = mmap(NULL, PAGES(2), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			continue;
		p[0] = 1;
		munmap(p, PAGES(2));
	}
	return NULL;
}

void churn_start(char *buf, size_t len, unsigned int what)
{
	churn_buf = buf;
	churn_len = len;
	churn_stopping = 0;
	n_churn_threads = 0;
	if (what & CHURN_PROTECT)
		pthread_create(&churn_threads[n_churn_threads++], NULL,
			       churn_protect, NULL);
	if (what & CHURN_MAPS)
		pthread_create(&churn_threads[n_churn_threads++], NULL,
			       churn_maps, NULL);
}

void churn_stop(void)
{
	churn_stopping = 1;
	for (int i = 0; i < n_churn_threads; i++)
		pthread_join(churn_threads[i], NULL);
	n_churn_threads = 0;
}

enum { CHURNER_QUIT, CHURNER_REMAKE };

static void churner_main(struct chan *ch, const struct churner_opts *o)
{
	size_t len = PAGES(o->pages);
	size_t exported = PAGES(o->exported ? o->exported : o->pages);
	uint64_t cmd;
	char *buf;

	buf = CHECK_SYS((char *)mmap(NULL, len, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	pat_fill(buf, 0, exported, o->seed);
	pat_fill(buf + exported, exported, len - exported, SECRET_SEED);
	send_u64(ch, make_ok(buf, exported, o->mode));
	send_u64(ch, (uintptr_t)buf);
	if (o->churn)
		churn_start(buf, exported, o->churn);
	while (chan_recv_or_eof(ch, &cmd, sizeof(cmd)) && cmd == CHURNER_REMAKE)
		send_u64(ch, make_ok(buf, exported, o->mode));
	peer_exit(0);
}

void churner_start(struct churner *c, const struct churner_opts *o)
{
	c->pid = fork_as(o->uid, &c->ch);
	if (c->pid == 0)
		churner_main(&c->ch, o);
	c->segid = recv_u64(&c->ch);
	c->base = recv_u64(&c->ch);
}

xpmem_segid_t churner_remake(struct churner *c)
{
	send_u64(&c->ch, CHURNER_REMAKE);
	c->segid = recv_u64(&c->ch);
	return c->segid;
}

void churner_stop(struct churner *c)
{
	send_u64(&c->ch, CHURNER_QUIT);
	WAIT_OK(c->pid);
	chan_close(&c->ch);
}
