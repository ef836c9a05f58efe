// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - the helpers of common.h: clocks, knobs, source buffers and
 * the exporter child. The exporter is always a separate process (the
 * attacher never attaches its own memory): it maps and fills its buffer,
 * exports it, reports where it is, then serves commands until its command
 * pipe closes.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

const char *const src_name[] = {
	[SRC_4K] = "4 KiB pages",
	[SRC_THP] = "THP",
	[SRC_HUGETLB] = "hugetlb",
};

/* the benchmark process; forked children never run its exit handlers */
static pid_t main_pid;

__attribute__((constructor)) static void remember_main_pid(void)
{
	main_pid = getpid();
}

static void vreport(const char *fmt, va_list ap, int err)
{
	fprintf(stderr, "xpmem_bench: ");
	vfprintf(stderr, fmt, ap);
	if (err >= 0)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	if (getpid() != main_pid)
		_exit(1);
	exit(1);
}

void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, err);
	va_end(ap);
	_exit(1);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, -1);
	va_end(ap);
	_exit(1);
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(const double *v, int n)
{
	double s[256];

	if (n <= 0 || n > (int)ARRAY_SIZE(s))
		fail("median of %d values", n);
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

long minor_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		die("getrusage");
	return ru.ru_minflt;
}

bool knob_read(const char *path, char *old, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(old, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		old[strcspn(old, "\n")] = 0;
	return ok;
}

bool knob_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(val, f) >= 0;
	return !fclose(f) && ok;
}

bool have_one_page_knob(void)
{
	return access(ONE_PAGE_KNOB, W_OK) == 0;
}

void set_one_page_faults(bool one)
{
	if (!knob_write(ONE_PAGE_KNOB, one ? "Y" : "N"))
		die("writing %s to %s", one ? "Y" : "N", ONE_PAGE_KNOB);
}

long long module_pages_mapped(void)
{
	FILE *f = fopen("/proc/xpmem/global_pages", "r");
	long long n = -1;

	if (f && fscanf(f, "all pages pinned by XPMEM: %lld", &n) != 1)
		n = -1;
	if (f)
		fclose(f);
	return n;
}

/*
 * glibc's popen() spawns without copying our address space (posix_spawn),
 * so asking xpmemctl leaves no copy-on-write faults behind in the caller.
 */
long long module_faults(void)
{
	const char *ctl = getenv("XPMEMCTL");
	char cmd[256], line[256];
	long long n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s stats 2>/dev/null",
		 ctl ? ctl : "xpmemctl/xpmemctl");
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "faults: %lld", &n) == 1)
			break;
	while (fgets(line, sizeof(line), p))
		;
	pclose(p);
	return n;
}

uint64_t vmstat(const char *name)
{
	unsigned long long v = 0;
	char key[64];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return 0;
	while (fscanf(f, "%63s %llu", key, &v) == 2)
		if (!strcmp(key, name)) {
			fclose(f);
			return v;
		}
	fclose(f);
	return 0;
}

int first_cpu_of_node(int node)
{
	char path[64];
	int cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &cpu) != 1)
		cpu = -1;
	fclose(f);
	return cpu;
}

void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(cpu %d)", cpu);
}

char *map_source(enum src_kind kind, size_t size, char *why, size_t whylen)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t len = size;
	char *p, *a;

	switch (kind) {
	case SRC_4K:
		flags |= MAP_NORESERVE;
		break;
	case SRC_THP:
		len += HUGE_SZ;		/* room to align */
		break;
	case SRC_HUGETLB:
		flags |= MAP_HUGETLB;	/* reserved now: ENOMEM, not SIGBUS */
		break;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(why, whylen, "mmap of %zu MiB (%s): %s", size / MIB,
			 src_name[kind], strerror(errno));
		return NULL;
	}
	if (kind == SRC_THP) {
		a = (char *)(((uintptr_t)p + HUGE_SZ - 1) & ~(HUGE_SZ - 1));
		if (a > p)
			munmap(p, a - p);
		if (a + size < p + len)
			munmap(a + size, p + len - (a + size));
		p = a;
	}
	if (kind != SRC_HUGETLB &&
	    madvise(p, size, kind == SRC_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		snprintf(why, whylen, "madvise(%s): %s",
			 kind == SRC_THP ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
			 strerror(errno));
		munmap(p, size);
		return NULL;
	}
	return p;
}

#define SCRATCH_SKEW	(37 * PAGE_SZ)	/* off every power-of-2 alignment */

char *scratch_buffer(size_t size)
{
	char why[160];
	char *p = map_source(SRC_4K, size + 2 * SCRATCH_SKEW, why, sizeof(why));

	if (!p)
		fail("a local buffer: %s", why);
	p += SCRATCH_SKEW;
	memset(p, 0x33, size);
	return p;
}

void scratch_free(char *p, size_t size)
{
	munmap(p - SCRATCH_SKEW, size + 2 * SCRATCH_SKEW);
}

long anon_huge_kb(pid_t pid, const void *addr)
{
	unsigned long start, end, a = (uintptr_t)addr;
	char path[64], line[512];
	bool inside = false;
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* a mapping's first line; "AnonHugePages:" stops at 'n' */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			inside = a >= start && a < end;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* the barrier tells the compiler that the copied bytes may be read */
void copy_bytes(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
	__asm__ __volatile__("" : : "r"(dst) : "memory");
}

long touch_read(const char *p, size_t len)
{
	long sum = 0;

	for (size_t off = 0; off < len; off += PAGE_SZ)
		sum += *(const volatile char *)(p + off);
	return sum;
}

void touch_write(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE_SZ)
		*(volatile uint64_t *)(p + off) = off;
}

const char *verdict(bool met)
{
	return met ? "met" : "MISSED";
}

/* the exporter child ---------------------------------------------------- */

struct ex_hello {
	int err;
	char why[160];
	char *base;
	size_t size;
	xpmem_segid_t segid;
	long huge_kb;
};

struct ex_cmd {
	enum ex_op op;
	long a;
};

struct ex_state {
	char *base;
	size_t size, fill, seg_len;
	xpmem_segid_t *others;		/* the 4 KiB segments of EX_MAKE */
	long nothers, max_others;
	pthread_t spinners[4];
	int nspin;
	atomic_bool spin;
};

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write to a pipe");
		p += n;
		len -= n;
	}
}

/* false on end of file before the first byte */
static bool read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read from a pipe");
		if (n == 0) {
			if (!got)
				return false;
			fail("short read from a pipe (%zu of %zu bytes)", got, len);
		}
		got += n;
	}
	return true;
}

static void *spinner(void *arg)
{
	struct ex_state *st = arg;
	volatile long sum = 0;

	while (atomic_load_explicit(&st->spin, memory_order_relaxed))
		sum += touch_read(st->base, st->size);
	return NULL;
}

static struct ex_reply ex_handle(struct ex_state *st, const struct ex_cmd *c,
				 int data)
{
	struct ex_reply r = { 0, 0, 0 };
	double t = now();

	switch (c->op) {
	case EX_PIPE:
		write_all(data, st->base, c->a);
		break;
	case EX_SPIN:
		atomic_store(&st->spin, true);
		for (; st->nspin < c->a && st->nspin < (int)ARRAY_SIZE(st->spinners);
		     st->nspin++)
			if (pthread_create(&st->spinners[st->nspin], NULL, spinner, st)) {
				r.err = EAGAIN;
				break;
			}
		break;
	case EX_STOP:
		atomic_store(&st->spin, false);
		while (st->nspin)
			pthread_join(st->spinners[--st->nspin], NULL);
		break;
	case EX_MAKE:
		for (; st->nothers < c->a && st->nothers < st->max_others; st->nothers++) {
			char *p = st->base + st->seg_len + st->nothers * PAGE_SZ;
			xpmem_segid_t id = xpmem_make(p, PAGE_SZ, XPMEM_PERMIT_MODE,
						      (void *)0600);

			if (id == -1) {
				r.err = errno;
				break;
			}
			st->others[st->nothers] = id;
		}
		r.val = st->nothers;
		break;
	case EX_REMOVE:
		for (; st->nothers > c->a; st->nothers--)
			if (xpmem_remove(st->others[st->nothers - 1])) {
				r.err = errno;
				break;
			}
		r.val = st->nothers;
		break;
	case EX_SEGIDS:
		r.val = c->a < st->nothers ? c->a : st->nothers;
		break;
	case EX_REFRESH:
		if (madvise(st->base, st->size, MADV_DONTNEED)) {
			r.err = errno;
			break;
		}
		memset(st->base, 0x5a, st->fill);
		r.val = anon_huge_kb(getpid(), st->base);
		break;
	case EX_ON_NODE: {
		long pages = st->size / PAGE_SZ, n = 0;
		void **addrs = calloc(pages, sizeof(*addrs));
		int *status = calloc(pages, sizeof(*status));

		if (!addrs || !status) {
			r.err = ENOMEM;
		} else {
			for (long i = 0; i < pages; i++)
				addrs[i] = st->base + i * PAGE_SZ;
			/* no target nodes: only ask where each page is */
			if (syscall(SYS_move_pages, 0, pages, addrs, NULL, status, 0))
				r.err = errno;
			for (long i = 0; i < pages; i++)
				n += status[i] == c->a;
		}
		r.val = n;
		free(addrs);
		free(status);
		break;
	}
	}
	r.secs = now() - t;
	return r;
}

static void exporter_main(const struct ex_opts *o, int cmd, int rep, int data)
{
	struct ex_state st = { .size = o->size };
	struct ex_hello h = { 0 };
	struct ex_cmd c;

	if (o->cpu >= 0)
		pin_to_cpu(o->cpu);
	st.base = map_source(o->kind, o->size, h.why, sizeof(h.why));
	if (!st.base) {
		h.err = ENOMEM;
		write_all(rep, &h, sizeof(h));
		_exit(0);
	}
	st.fill = o->fill ? o->fill : o->size;
	memset(st.base, 0x5a, st.fill);
	st.seg_len = o->seg_len ? o->seg_len : o->size;
	st.max_others = (o->size - st.seg_len) / PAGE_SZ;
	if (st.max_others) {
		st.others = calloc(st.max_others, sizeof(*st.others));
		if (!st.others)
			die("calloc of %ld segment ids", st.max_others);
	}
	h.segid = xpmem_make(st.base, st.seg_len, XPMEM_PERMIT_MODE, (void *)0600);
	if (h.segid == -1)
		die("xpmem_make(%zu bytes of %s)", st.seg_len, src_name[o->kind]);
	h.base = st.base;
	h.size = o->size;
	h.huge_kb = anon_huge_kb(getpid(), st.base);
	write_all(rep, &h, sizeof(h));

	while (read_all(cmd, &c, sizeof(c))) {
		struct ex_reply r = ex_handle(&st, &c, data);

		if (c.op == EX_PIPE)
			continue;
		write_all(rep, &r, sizeof(r));
		if (c.op == EX_SEGIDS)
			write_all(rep, st.others, r.val * sizeof(*st.others));
	}
	/* the attacher is done: our segments go with the process */
	_exit(0);
}

int exporter_start(struct exporter *ex, const struct ex_opts *o, char *why,
		   size_t whylen)
{
	int cmd[2], rep[2], data[2];
	struct ex_hello h;

	if (pipe(cmd) || pipe(rep) || pipe(data))
		die("pipe");
	fflush(NULL);
	ex->pid = fork();
	if (ex->pid < 0)
		die("fork");
	if (ex->pid == 0) {
		close(cmd[1]);
		close(rep[0]);
		close(data[0]);
		exporter_main(o, cmd[0], rep[1], data[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	close(data[1]);
	ex->cmd = cmd[1];
	ex->rep = rep[0];
	ex->data = data[0];
	if (!read_all(ex->rep, &h, sizeof(h)))
		fail("the exporter died while setting up (see above)");
	if (h.err) {
		snprintf(why, whylen, "%s", h.why);
		exporter_stop(ex);
		return -1;
	}
	ex->base = h.base;
	ex->size = h.size;
	ex->segid = h.segid;
	ex->huge_kb = h.huge_kb;
	return 0;
}

struct ex_reply exporter_do(struct exporter *ex, enum ex_op op, long a)
{
	struct ex_cmd c = { op, a };
	struct ex_reply r = { 0, 0, 0 };

	write_all(ex->cmd, &c, sizeof(c));
	if (op == EX_PIPE)
		return r;
	if (!read_all(ex->rep, &r, sizeof(r)))
		fail("the exporter died (command %d)", op);
	return r;
}

void exporter_read(struct exporter *ex, void *buf, size_t len)
{
	if (!read_all(ex->rep, buf, len))
		fail("the exporter died sending segment ids");
}

void exporter_stop(struct exporter *ex)
{
	int status;

	close(ex->cmd);
	close(ex->rep);
	close(ex->data);
	if (waitpid(ex->pid, &status, 0) != ex->pid)
		die("waitpid(exporter)");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("the exporter failed (status 0x%x)", status);
}

xpmem_apid_t get_or_die(xpmem_segid_t segid, int flags)
{
	xpmem_apid_t apid = xpmem_get(segid, flags, XPMEM_PERMIT_MODE, NULL);

	if (apid == -1)
		die("xpmem_get(%s)", flags == XPMEM_RDWR ? "RDWR" : "RDONLY");
	return apid;
}

char *attach_or_die(xpmem_apid_t apid, off_t off, size_t len, int flags)
{
	struct xpmem_addr addr = { .apid = apid, .offset = off };
	char *p = xpmem_attach2(addr, len, NULL, flags);

	if (p == MAP_FAILED)
		die("xpmem_attach2(%zu KiB, flags 0x%x)", len / KIB, flags);
	return p;
}

void detach_or_die(void *att)
{
	if (xpmem_detach(att))
		die("xpmem_detach");
}

void release_or_die(xpmem_apid_t apid)
{
	if (xpmem_release(apid))
		die("xpmem_release");
}
