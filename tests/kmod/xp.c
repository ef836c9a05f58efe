// SPDX-License-Identifier: GPL-2.0
/* xp.c - libxpmem wrappers and the remote-controlled exporter (see xp.h) */
#include <fcntl.h>
#include <linux/mempolicy.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xp.h"

xpmem_segid_t make_ok(void *vaddr, size_t size, int mode)
{
	xpmem_segid_t segid;

	errno = 0;
	segid = xpmem_make(vaddr, size, XPMEM_PERMIT_MODE,
			   (void *)(uintptr_t)mode);
	if (segid == -1)
		FAIL("xpmem_make(%p, 0x%zx, 0%o): %s", vaddr, size, mode,
		     errname(errno));
	if (segid <= 0)
		FAIL("xpmem_make returned segid %lld", (long long)segid);
	return segid;
}

xpmem_apid_t get_ok(xpmem_segid_t segid, int flags)
{
	xpmem_apid_t apid;

	errno = 0;
	apid = xpmem_get(segid, flags, XPMEM_PERMIT_MODE, NULL);
	if (apid == -1)
		FAIL("xpmem_get(0x%llx, %d): %s", (unsigned long long)segid,
		     flags, errname(errno));
	if (apid <= 0)
		FAIL("xpmem_get returned apid %lld", (long long)apid);
	return apid;
}

char *attach_ok(xpmem_apid_t apid, off_t offset, size_t size)
{
	struct xpmem_addr a = { .apid = apid, .offset = offset };
	void *p;

	errno = 0;
	p = xpmem_attach(a, size, NULL);
	if (p == MAP_FAILED)
		FAIL("xpmem_attach(0x%llx, +0x%llx, 0x%zx): %s",
		     (unsigned long long)apid, (unsigned long long)offset,
		     size, errname(errno));
	if (!p || (uintptr_t)p % PAGE_SZ)
		FAIL("xpmem_attach returned %p", p);
	return p;
}

void detach_ok(void *addr)
{
	if (xpmem_detach(addr))
		FAIL("xpmem_detach(%p): %s", addr, errname(errno));
}

pid_t spawn_toucher(struct exporter *ex, int flags, size_t off, bool write)
{
	pid_t pid = fork_plain();

	if (pid == 0) {
		char *p = attach_ok(get_ok(ex->segid, flags), ex->off0, ex->size);
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		sigaction(SIGSEGV, &dfl, NULL);
		sigaction(SIGBUS, &dfl, NULL);
		if (write)
			*(volatile uint64_t *)(p + off) = 0x77;
		else
			(void)*(volatile uint64_t *)(p + off);
		peer_exit(0);
	}
	return pid;
}

void require_world_usable_device(void)
{
	struct stat st;

	if (stat(XPMEM_DEV_PATH, &st))
		FAIL("stat %s: %s", XPMEM_DEV_PATH, errname(errno));
	if ((st.st_mode & 0006) != 0006)
		SKIP("%s is mode 0%o; run `chmod 666 %s` for the permission "
		     "tests", XPMEM_DEV_PATH, st.st_mode & 0777, XPMEM_DEV_PATH);
	if (geteuid() != 0)
		SKIP("permission tests need root to switch users");
}

/* ---- the exporter ------------------------------------------------------- */

struct ex_msg {
	uint32_t op;
	uint32_t target;
	uint64_t a, b, c;
};

struct ex_rep {
	int64_t err;		/* 0 or errno */
	uint64_t val;
};

struct ex_hello {
	int64_t err;
	int64_t segid;
	uint64_t base;
};

struct ex_state {
	char *base;
	size_t size;
	xpmem_segid_t segid;
	int file_fd;
	pid_t kid;
	struct chan kid_ch;
};

#define NODE_BITS 64

static void node_status(char *addr, size_t len, int *status)
{
	size_t n = len / PAGE_SZ;
	void **pages = calloc(n, sizeof(*pages));

	for (size_t i = 0; i < n; i++)
		pages[i] = addr + PAGES(i);
	if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0))
		for (size_t i = 0; i < n; i++)
			status[i] = -errno;
	free(pages);
}

static uint64_t count_on_node(char *addr, size_t len, int node)
{
	size_t n = len / PAGE_SZ;
	int *status = calloc(n, sizeof(*status));
	uint64_t count = 0;

	node_status(addr, len, status);
	for (size_t i = 0; i < n; i++)
		count += status[i] == node;
	free(status);
	return count;
}

static uint64_t count_swapped(char *addr, size_t len)
{
	uint64_t count = 0;

	for (size_t off = 0; off < len; off += PAGE_SZ)
		count += (pagemap_entry(addr + off) >> 62) & 1;
	return count;
}

static int op_exec(struct chan *ch)
{
	char rd[16], wr[16];
	char *argv[] = { harness_self, "--child", "exec_sleeper", rd, wr, NULL };

	snprintf(rd, sizeof(rd), "%d", ch->rd);
	snprintf(wr, sizeof(wr), "%d", ch->wr);
	fcntl(ch->rd, F_SETFD, 0);
	fcntl(ch->wr, F_SETFD, 0);
	fflush(NULL);
	execv(harness_self, argv);
	return errno;
}

static void exporter_loop(struct chan *ch, struct ex_state *st);

/* runs one command; returns 0 or an errno */
static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

static int ex_run(struct ex_state *st, struct chan *ch, const struct ex_msg *m,
		  uint64_t *val)
{
	char *p = st->base + m->a;
	size_t len = m->b;
	long r = 0;

	switch (m->op) {
	case EX_FILL:
		pat_fill(p, m->a, len, m->c);
		return 0;
	case EX_VERIFY:
		*val = pat_mismatch(p, m->a, len, m->c) + 1;
		return 0;
	case EX_VERIFY_ZERO:
		*val = zero_mismatch(p, len) + 1;
		return 0;
	case EX_FILL_STRIDED:
		for (size_t off = 0; off < st->size; off += PAGES(m->a))
			pat_fill(st->base + off, off, PAGE_SZ, m->c);
		return 0;
	case EX_MUNMAP:
		r = munmap(p, len);
		break;
	case EX_MMAP_ANON:
		r = (long)mmap(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			       MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	case EX_MAP_FILE:
		r = (long)mmap(p, len, PROT_READ | (m->c & EX_FILE_WRITABLE ?
			       PROT_WRITE : 0), (m->c & EX_FILE_PRIVATE ?
			       MAP_PRIVATE : MAP_SHARED) | MAP_FIXED,
			       st->file_fd, 0);
		break;
	case EX_DONTNEED:
		r = madvise(p, len, MADV_DONTNEED);
		break;
	case EX_MREMAP_AWAY: {
		void *to = free_address(len);

		r = (long)mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		*val = r;
		break;
	}
	case EX_REMOVE:
		r = xpmem_remove(st->segid);
		break;
	case EX_FORK:
		if (st->kid)
			return EBUSY;
		st->kid = fork_peer(&st->kid_ch);
		if (st->kid == 0) {
			struct ex_state kid = *st;

			kid.kid = 0;
			kid.segid = 0;
			exporter_loop(&st->kid_ch, &kid);
		}
		return 0;
	case EX_READ_U64:
		*val = *(volatile uint64_t *)p;
		return 0;
	case EX_WRITE_U64:
		*(volatile uint64_t *)p = m->b;
		return 0;
	case EX_NODE_OF: {
		int s;

		node_status(p, PAGE_SZ, &s);
		if (s < 0)
			return -s;
		*val = s;
		return 0;
	}
	case EX_MOVE_PAGES: {
		size_t n = len / PAGE_SZ;
		void **pages = calloc(n, sizeof(*pages));
		int *nodes = calloc(n, sizeof(*nodes));
		int *status = calloc(n, sizeof(*status));

		for (size_t i = 0; i < n; i++) {
			pages[i] = p + PAGES(i);
			nodes[i] = (int)m->c;
		}
		r = syscall(SYS_move_pages, 0, n, pages, nodes, status,
			    MPOL_MF_MOVE);
		free(pages);
		free(nodes);
		free(status);
		if (r < 0)
			break;
		*val = count_on_node(p, len, (int)m->c);
		return 0;
	}
	case EX_PAGES_ON_NODE:
		*val = count_on_node(p, len, (int)m->c);
		return 0;
	case EX_MIGRATE: {
		unsigned long from = 1UL << m->a, to = 1UL << m->b;

		/*
		 * Pages not yet on an LRU list (fresh ones in a per-CPU
		 * batch) cannot be isolated: the kernel skips them and
		 * says how many it left. Try a few times.
		 */
		for (int i = 0; i < 5; i++) {
			r = syscall(SYS_migrate_pages, 0, NODE_BITS + 1, &from, &to);
			if (r <= 0)
				break;
			usleep(100000);
		}
		*val = r;
		break;
	}
	case EX_PAGEOUT:
		/* a page may be briefly busy: try a few times */
		for (int i = 0; i < 5; i++) {
			r = madvise(p, len, MADV_PAGEOUT);
			*val = count_swapped(p, len);
			if (r || *val == len / PAGE_SZ)
				break;
			usleep(100000);
		}
		break;
	case EX_CHURN:
		for (uint64_t i = 0; i < m->c; i++) {
			if (madvise(p, len, MADV_DONTNEED))
				return errno;
			pat_fill(p, m->a, len, CHURN_SEED);
		}
		return 0;
	case EX_EXEC:
		return op_exec(ch);
	case EX_MADVISE:
		r = madvise(p, len, (int)m->c);
		break;
	case EX_MPROTECT:
		r = mprotect(p, len, (int)m->c);
		break;
	case EX_UFFD_WP: {
		/* user-mode-only: a fault from the kernel (an attacher's)
		 * gets SIGBUS rather than waiting for a handler */
		struct uffdio_range range = { (uintptr_t)p, len };
		struct uffdio_api api = { .api = UFFD_API };
		struct uffdio_register reg = {
			.range = range, .mode = UFFDIO_REGISTER_MODE_WP };
		struct uffdio_writeprotect wp = {
			.range = range, .mode = UFFDIO_WRITEPROTECT_MODE_WP };
		int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

		if (fd < 0)
			return errno;
		/* the descriptor stays open: closing it would disarm */
		if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg) ||
		    ioctl(fd, UFFDIO_WRITEPROTECT, &wp)) {
			r = errno;
			close(fd);
			return (int)r;
		}
		return 0;
	}
	case EX_SPIN: {
		cpu_set_t cpus;
		struct timespec t0, now;
		volatile uint64_t sum = 0;
		pthread_t idler;

		CPU_ZERO(&cpus);
		CPU_SET((int)m->b, &cpus);
		if (sched_setaffinity(0, sizeof(cpus), &cpus))
			return errno;
		/* NUMA balancing leaves a single-threaded task's local pages
		 * alone: a second thread makes it hint them like any MPI rank */
		if (pthread_create(&idler, NULL, idle_thread, NULL))
			return EAGAIN;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			for (size_t off = 0; !m->c && off < st->size; off += PAGE_SZ)
				sum += *(volatile uint64_t *)(st->base + off);
			clock_gettime(CLOCK_MONOTONIC, &now);
		} while ((now.tv_sec - t0.tv_sec) * 1000 +
			 (now.tv_nsec - t0.tv_nsec) / 1000000 < (long)m->a);
		pthread_cancel(idler);
		pthread_join(idler, NULL);
		return 0;
	}
	default:
		return ENOSYS;
	}
	return r == -1 ? errno : 0;
}

static void exporter_loop(struct chan *ch, struct ex_state *st)
{
	struct ex_msg m;

	while (chan_recv_or_eof(ch, &m, sizeof(m))) {
		struct ex_rep rep = { 0, 0 };

		if (m.target == EX_KID) {
			if (!st->kid) {
				rep.err = ESRCH;
			} else {
				m.target = EX_SELF;
				chan_send(&st->kid_ch, &m, sizeof(m));
				chan_recv(&st->kid_ch, &rep, sizeof(rep));
			}
		} else if (m.op == EX_QUIT) {
			chan_send(ch, &rep, sizeof(rep));
			peer_exit(0);
		} else {
			rep.err = ex_run(st, ch, &m, &rep.val);
		}
		chan_send(ch, &rep, sizeof(rep));
	}
	peer_exit(0);	/* the test is gone */
}

#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << 26)	/* log2(1 GiB) << MAP_HUGE_SHIFT */
#endif

char *map_huge(size_t len, int huge)
{
	const size_t align = 2UL << 20;
	char *p;

	if (huge == EX_HUGE_HUGETLB)
		return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			    MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == EX_HUGE_HUGETLB_1G)
		return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			    MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB, -1, 0);
	p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	char *q = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));

	if (q > p)
		munmap(p, q - p);
	munmap(q + len, p + align - q);
	if (madvise(q, len, MADV_HUGEPAGE))
		FAIL("exporter: MADV_HUGEPAGE: %s", errname(errno));
	return q;
}

static void exporter_main(struct chan *ch, const struct ex_opts *o)
{
	struct ex_hello hello = { 0, 0, 0 };
	struct ex_state st = { 0 };
	int mode = o->mode == EX_MODE_NONE ? 0 : o->mode ? o->mode : 0600;

	if (o->drop)
		drop_privileges(o->uid, o->gid, NULL, 0);
	st.size = PAGES(o->pages);
	st.file_fd = o->file_fd;
	if (o->huge)
		st.base = map_huge(st.size, o->huge);
	else
		st.base = mmap((void *)(uintptr_t)o->at, st.size,
			       PROT_READ | PROT_WRITE,
			       (o->shared ? MAP_SHARED : MAP_PRIVATE) |
			       MAP_ANONYMOUS | (o->at ? MAP_FIXED_NOREPLACE : 0) |
			       (o->noreserve ? MAP_NORESERVE : 0), -1, 0);
	if (st.base == MAP_FAILED)
		FAIL("exporter: mmap %zu pages: %s", o->pages, errname(errno));
	if (o->seed)
		pat_fill(st.base, 0, st.size, o->seed);
	if (o->hole_pages &&
	    munmap(st.base + PAGES(o->hole_page), PAGES(o->hole_pages)))
		FAIL("exporter: munmap hole: %s", errname(errno));
	errno = 0;
	if (o->whole_as)
		st.segid = xpmem_make(0, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE,
				      (void *)(uintptr_t)mode);
	else
		st.segid = xpmem_make(st.base, st.size, XPMEM_PERMIT_MODE,
				      (void *)(uintptr_t)mode);
	hello.err = st.segid == -1 ? errno : 0;
	hello.segid = st.segid;
	hello.base = (uintptr_t)st.base;
	chan_send(ch, &hello, sizeof(hello));
	if (hello.err)
		peer_exit(0);
	exporter_loop(ch, &st);
}

void exporter_start(struct exporter *ex, const struct ex_opts *o)
{
	struct ex_hello hello;

	ex->pid = fork_peer(&ex->ch);
	if (ex->pid == 0)
		exporter_main(&ex->ch, o);
	chan_recv(&ex->ch, &hello, sizeof(hello));
	if (hello.err)
		FAIL("exporter: xpmem_make failed: %s", errname(hello.err));
	if (hello.segid <= 0)
		FAIL("exporter: xpmem_make returned segid %lld",
		     (long long)hello.segid);
	ex->segid = hello.segid;
	ex->base = hello.base;
	ex->size = PAGES(o->pages);
	ex->off0 = o->whole_as ? (off_t)hello.base : 0;
}

int ex_try(struct exporter *ex, int target, int op, uint64_t a, uint64_t b,
	   uint64_t c, uint64_t *val)
{
	struct ex_msg m = { op, target, a, b, c };
	struct ex_rep rep;

	chan_send(&ex->ch, &m, sizeof(m));
	chan_recv(&ex->ch, &rep, sizeof(rep));
	if (val)
		*val = rep.val;
	return (int)rep.err;
}

static const char *const op_names[] = {
	[EX_QUIT] = "QUIT", [EX_FILL] = "FILL", [EX_VERIFY] = "VERIFY",
	[EX_VERIFY_ZERO] = "VERIFY_ZERO", [EX_FILL_STRIDED] = "FILL_STRIDED",
	[EX_MUNMAP] = "MUNMAP", [EX_MMAP_ANON] = "MMAP_ANON",
	[EX_MAP_FILE] = "MAP_FILE", [EX_DONTNEED] = "DONTNEED",
	[EX_MREMAP_AWAY] = "MREMAP_AWAY", [EX_REMOVE] = "REMOVE",
	[EX_FORK] = "FORK", [EX_READ_U64] = "READ_U64",
	[EX_WRITE_U64] = "WRITE_U64", [EX_NODE_OF] = "NODE_OF",
	[EX_MOVE_PAGES] = "MOVE_PAGES", [EX_PAGES_ON_NODE] = "PAGES_ON_NODE",
	[EX_MIGRATE] = "MIGRATE", [EX_PAGEOUT] = "PAGEOUT", [EX_CHURN] = "CHURN",
	[EX_EXEC] = "EXEC", [EX_MADVISE] = "MADVISE",
	[EX_MPROTECT] = "MPROTECT",
};

static uint64_t ex_checked(struct exporter *ex, int target, int op, uint64_t a,
			   uint64_t b, uint64_t c)
{
	uint64_t val = 0;
	int err = ex_try(ex, target, op, a, b, c, &val);

	if (err)
		FAIL("exporter%s: %s(0x%llx, 0x%llx, 0x%llx) failed: %s",
		     target == EX_KID ? "'s child" : "", op_names[op],
		     (unsigned long long)a, (unsigned long long)b,
		     (unsigned long long)c, errname(err));
	return val;
}

uint64_t ex_do(struct exporter *ex, int op, uint64_t a, uint64_t b, uint64_t c)
{
	return ex_checked(ex, EX_SELF, op, a, b, c);
}

uint64_t ex_kid(struct exporter *ex, int op, uint64_t a, uint64_t b, uint64_t c)
{
	return ex_checked(ex, EX_KID, op, a, b, c);
}

void exporter_quit(struct exporter *ex)
{
	ex_do(ex, EX_QUIT, 0, 0, 0);
	WAIT_OK(ex->pid);
	chan_close(&ex->ch);
}

/* what an exporter becomes after EX_EXEC: answers once, then waits for EOF */
ROLE(exec_sleeper)
{
	struct chan ch;
	struct ex_rep rep = { 0, 0 };
	struct ex_msg m;

	if (argc != 2)
		return 2;
	ch.rd = atoi(argv[0]);
	ch.wr = atoi(argv[1]);
	chan_send(&ch, &rep, sizeof(rep));
	while (chan_recv_or_eof(&ch, &m, sizeof(m))) {
		rep.err = m.op == EX_QUIT ? 0 : ENOSYS;
		chan_send(&ch, &rep, sizeof(rep));
		if (m.op == EX_QUIT)
			return 0;
	}
	return 0;
}

long file_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

bool file_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return !fclose(f) && ok;
}

bool file_write_long(const char *path, long v)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld", v);
	return file_write(path, text);
}

/* NUMA balancing's switch, scan delay and minimum scan period */
static const char *const numa_knobs[NUMA_KNOBS] = {
	"/proc/sys/kernel/numa_balancing",
	"/sys/kernel/debug/sched/numa_balancing/scan_delay_ms",
	"/sys/kernel/debug/sched/numa_balancing/scan_period_min_ms",
};

void numa_knobs_save(long saved[NUMA_KNOBS])
{
	for (int i = 0; i < NUMA_KNOBS; i++) {
		saved[i] = file_read_long(numa_knobs[i]);
		if (saved[i] < 0)
			SKIP("no NUMA balancing knob %s", numa_knobs[i]);
	}
}

void numa_knobs_restore(const long saved[NUMA_KNOBS])
{
	for (int i = 0; i < NUMA_KNOBS; i++)
		file_write_long(numa_knobs[i], saved[i]);
}

void numa_knobs_fast(void)
{
	static const long fast[NUMA_KNOBS] = { 1, 0, 10 };

	numa_knobs_restore(fast);
}

#define PARAMS	"/sys/module/xpmem/parameters/"

bool param_is_set(const char *name)
{
	char path[128];
	int c = 'N';
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return c == 'Y';
}

bool param_set(const char *name, bool on)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	return file_write(path, on ? "Y" : "N");
}

bool set_gup(bool on)
{
	return param_set("gup_attachments", on);
}

void require_gup(void)
{
	if (access(GUP_KNOB, F_OK))
		SKIP("no %s: the kernel has no hook for GUP attachments",
		     GUP_KNOB);
	if (access(GUP_KNOB, W_OK))
		SKIP("cannot write %s: %s", GUP_KNOB, errname(errno));
}

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

/* nr_hugepages (2 MiB) raised to at least n; the old value, or -1 */
long hugepages_reserve(long n)
{
	long old = file_read_long(NR_HUGEPAGES);

	if (old < 0 || old >= n)
		return old;
	file_write_long(NR_HUGEPAGES, n);
	return file_read_long(NR_HUGEPAGES) >= n ? old : -1;
}

void hugepages_restore(long old)
{
	file_write_long(NR_HUGEPAGES, old);
}
