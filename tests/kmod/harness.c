// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - helpers every test uses: verdicts, probes, patterns, peers.
 * The runner itself (main) is in runner.c. No libxpmem in here.
 */
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "runner.h"

char harness_self[4096];

/* ---- verdicts ---------------------------------------------------------- */

static void record(int skipped, const char *file, int line, const char *fmt,
		   va_list ap)
{
	char msg[sizeof(g_result->reason)];
	int n = 0;

	if (file)
		n = snprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);

	/* the first failure of any process of the test is the reason */
	if (g_result && __sync_bool_compare_and_swap(&g_result->claimed, 0, 1)) {
		g_result->skipped = skipped;
		g_result->pid = getpid();
		memcpy(g_result->reason, msg, sizeof(msg));
	} else {
		fprintf(stderr, "%s (pid %d): %s\n", skipped ? "skip" : "failure",
			(int)getpid(), msg);
	}
}

void fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(0, file, line, fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(1);
}

void fail_check(const char *file, int line, const char *cond,
		const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_at(file, line, "CHECK(%s) failed.%s", cond, msg);
}

void skip_test(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(1, NULL, 0, fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(EXIT_SKIP);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *errname(int err)
{
	static __thread char buf[32];
	const char *n;

	if (err == 2004)
		return "XPMEM_ERRNO_NOPROC(2004)";
	if (err == 0)
		return "no error";
	n = strerrorname_np(err);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

const char *signame(int sig)
{
	static __thread char buf[32];
	const char *n;

	if (sig == 0)
		return "no signal";
	n = sigabbrev_np(sig);
	if (n) {
		snprintf(buf, sizeof(buf), "SIG%s", n);
		return buf;
	}
	snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

const char *describe_status(int st)
{
	static __thread char buf[96];

	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exited with status %d",
			 WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by %s%s", signame(WTERMSIG(st)),
			 WCOREDUMP(st) ? " (core dumped)" : "");
	else
		snprintf(buf, sizeof(buf), "wait status 0x%x", st);
	return buf;
}

/* ---- probes ---------------------------------------------------------------- */

static sigjmp_buf probe_env;
static volatile sig_atomic_t probe_sig;

static void probe_handler(int sig)
{
	probe_sig = sig;
	siglongjmp(probe_env, 1);
}

static int probe(void *addr, int write, uint64_t wval, uint64_t *rval)
{
	struct sigaction sa, old_segv, old_bus;
	volatile uint64_t *p = addr;
	volatile uint64_t v = 0;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_handler;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	probe_sig = 0;
	if (sigsetjmp(probe_env, 1) == 0) {
		if (write)
			*p = wval;
		else
			v = *p;
	}
	sig = probe_sig;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	if (rval && !sig)
		*rval = v;
	return sig;
}

int probe_read(const void *addr, uint64_t *val)
{
	return probe((void *)addr, 0, 0, val);
}

int probe_write(void *addr, uint64_t val)
{
	return probe(addr, 1, val, NULL);
}

/* ---- patterns ------------------------------------------------------------- */

uint64_t pat_word(uint64_t seed, uint64_t off)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + (off >> 3) + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

void pat_fill(void *p, uint64_t seg_off, size_t len, uint64_t seed)
{
	uint64_t *w = p;

	for (size_t i = 0; i < len / 8; i++)
		w[i] = pat_word(seed, seg_off + i * 8);
}

long pat_mismatch(const void *p, uint64_t seg_off, size_t len, uint64_t seed)
{
	const volatile uint64_t *w = p;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i] != pat_word(seed, seg_off + i * 8))
			return (long)(i * 8);
	return -1;
}

long zero_mismatch(const void *p, size_t len)
{
	const volatile uint64_t *w = p;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i])
			return (long)(i * 8);
	return -1;
}

/* ---- peers ------------------------------------------------------------------ */

/* channel fds of this process, closed in every new peer but its own */
#define MAX_CHAN_FDS 256
static int chan_fds[MAX_CHAN_FDS];
static int n_chan_fds;

static void track_fd(int fd)
{
	if (n_chan_fds < MAX_CHAN_FDS)
		chan_fds[n_chan_fds++] = fd;
}

static void untrack_fd(int fd)
{
	for (int i = 0; i < n_chan_fds; i++)
		if (chan_fds[i] == fd) {
			chan_fds[i] = chan_fds[--n_chan_fds];
			return;
		}
}

void chan_close(struct chan *ch)
{
	if (ch->rd >= 0) {
		untrack_fd(ch->rd);
		close(ch->rd);
	}
	if (ch->wr >= 0) {
		untrack_fd(ch->wr);
		close(ch->wr);
	}
	ch->rd = ch->wr = -1;
}

pid_t fork_plain(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		FAIL("fork: %s", errname(errno));
	return pid;
}

pid_t fork_peer(struct chan *ch)
{
	int down[2], up[2];	/* parent -> child, child -> parent */
	pid_t pid;

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC))
		FAIL("pipe2: %s", errname(errno));
	pid = fork_plain();
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		/* earlier peers' channels: let them see EOF when we go */
		for (int i = 0; i < n_chan_fds; i++)
			close(chan_fds[i]);
		n_chan_fds = 0;
		ch->rd = down[0];
		ch->wr = up[1];
	} else {
		close(down[0]);
		close(up[1]);
		ch->rd = up[0];
		ch->wr = down[1];
	}
	track_fd(ch->rd);
	track_fd(ch->wr);
	return pid;
}

void peer_exit(int code)
{
	fflush(NULL);
	_exit(code);
}

void chan_send(struct chan *ch, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(ch->wr, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			FAIL("channel write: %s", errname(errno));
		p += n;
		len -= n;
	}
}

bool chan_recv_or_eof(struct chan *ch, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(ch->rd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			FAIL("channel read: %s", errname(errno));
		if (n == 0) {
			if (got)
				FAIL("channel: short message (%zu of %zu bytes)",
				     got, len);
			return false;
		}
		got += n;
	}
	return true;
}

void chan_recv(struct chan *ch, void *buf, size_t len)
{
	if (!chan_recv_or_eof(ch, buf, len))
		FAIL("channel: peer closed it (the peer died or failed)");
}

void send_u64(struct chan *ch, uint64_t v)
{
	chan_send(ch, &v, sizeof(v));
}

uint64_t recv_u64(struct chan *ch)
{
	uint64_t v;

	chan_recv(ch, &v, sizeof(v));
	return v;
}

int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			FAIL("waitpid(%d): %s", (int)pid, errname(errno));
	return st;
}

pid_t spawn_role(const char *role, char *const args[], const int *keep_fds,
		 int nkeep)
{
	char *argv[64];
	int argc = 0;
	pid_t pid;

	argv[argc++] = harness_self;
	argv[argc++] = "--child";
	argv[argc++] = (char *)role;
	for (int i = 0; args && args[i] && argc < 63; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;

	pid = fork_plain();
	if (pid == 0) {
		for (int i = 0; i < nkeep; i++)
			fcntl(keep_fds[i], F_SETFD, 0);
		execv(harness_self, argv);
		fprintf(stderr, "execv %s: %s\n", harness_self, errname(errno));
		_exit(127);
	}
	return pid;
}

void drop_privileges(uid_t uid, gid_t gid, const gid_t *groups, int ngroups)
{
	if (setgroups(ngroups, groups))
		FAIL("setgroups: %s", errname(errno));
	if (setresgid(gid, gid, gid))
		FAIL("setresgid(%d): %s", (int)gid, errname(errno));
	if (setresuid(uid, uid, uid))
		FAIL("setresuid(%d): %s", (int)uid, errname(errno));
	if (geteuid() != uid || getegid() != gid)
		FAIL("still euid %d egid %d", (int)geteuid(), (int)getegid());
}

/* ---- environment ------------------------------------------------------------ */

bool read_global_pages(uint64_t *pinned, uint64_t *unpinned)
{
	FILE *f = fopen("/proc/xpmem/global_pages", "r");
	unsigned long long a, b;
	int n;

	if (!f)
		return false;
	n = fscanf(f, "all pages pinned by XPMEM: %llu\n"
		   "all pages unpinned by XPMEM: %llu", &a, &b);
	fclose(f);
	if (n != 2)
		return false;
	*pinned = a;
	*unpinned = b;
	return true;
}

int numa_online_nodes(int *nodes, int max)
{
	FILE *f = fopen("/sys/devices/system/node/online", "r");
	char buf[256], *s, *save = NULL;
	int count = 0;

	if (!f)
		return 1;	/* no NUMA support: one node */
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 1;
	}
	fclose(f);
	for (s = strtok_r(buf, ",\n", &save); s; s = strtok_r(NULL, ",\n", &save)) {
		int lo, hi;

		if (sscanf(s, "%d-%d", &lo, &hi) != 2)
			hi = lo = atoi(s);
		for (int n = lo; n <= hi; n++) {
			if (count < max)
				nodes[count] = n;
			count++;
		}
	}
	return count;
}

void two_nodes(int *a, int *b)
{
	int nodes[16], n = numa_online_nodes(nodes, 16);

	if (n < 2)
		SKIP("only %d NUMA node online", n);
	*a = nodes[0];
	*b = nodes[1];
}

uint64_t vmstat(const char *name)
{
	unsigned long long v = 0;
	char key[64];
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fscanf(f, "%63s %llu", key, &v) == 2)
		if (!strcmp(key, name))
			break;
	if (f)
		fclose(f);
	return v;
}

int first_cpu_of_node(int node)
{
	char path[64];
	int cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	f = fopen(path, "r");
	if (f && fscanf(f, "%d", &cpu) != 1)
		cpu = -1;
	if (f)
		fclose(f);
	return cpu;
}

bool swap_is_active(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[512];
	int lines = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	return lines > 1;
}

uint64_t pagemap_entry(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		FAIL("open /proc/self/pagemap: %s", errname(errno));
	if (pread(fd, &e, sizeof(e), ((uintptr_t)addr / PAGE_SZ) * 8) != 8)
		FAIL("read /proc/self/pagemap: %s", errname(errno));
	close(fd);
	return e;
}

size_t mapping_length(const void *addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[1024];
	size_t len = 0;

	if (!f)
		FAIL("open /proc/self/maps: %s", errname(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			len = hi - lo;
			break;
		}
	}
	fclose(f);
	return len;
}

bool range_is_mapped(const void *addr, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE_SZ)
		if (!mapping_length((const char *)addr + off))
			return false;
	return true;
}

void *free_address(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		FAIL("mmap reserve %zu: %s", len, errname(errno));
	munmap(p, len);
	return p;
}

void *far_address(void)
{
	static unsigned int calls;

	/*
	 * 1 GiB steps in [0x3000_0000_0000, 0x6000_0000_0000): above ASan's
	 * shadow and below its allocator, which starts at 0x6000_0000_0000
	 * and maps inside its range with MAP_FIXED (a test address there
	 * collides with the heap of the pids that land on it)
	 */
	return (void *)(0x300000000000ULL +
			((uint64_t)(getpid() % 768) * 64 + calls++ % 64) *
			(1ULL << 30));
}

long anon_huge_kb(pid_t pid)
{
	char path[64], line[128];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}
