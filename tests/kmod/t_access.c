// SPDX-License-Identifier: GPL-2.0
/*
 * t_access.c - a debugger's view of attached memory: /proc/PID/mem and
 * ptrace(PEEKDATA/POKEDATA) read an attachment, and write it where the
 * attachment is writable, through the module's ->access; never more than
 * the attacher itself may do. The attack cases run as uid 65534.
 */
#define TEST_ORDER 36
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

/* pread or pwrite of /proc/PID/mem (0: self) at addr; -1 with errno */
static ssize_t mem_rw(pid_t pid, const void *addr, void *buf, size_t len,
		     bool write)
{
	char path[64];
	ssize_t n;
	int fd, err;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mem");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write)
		n = pwrite(fd, buf, len, (off_t)(uintptr_t)addr);
	else
		n = pread(fd, buf, len, (off_t)(uintptr_t)addr);
	err = errno;
	close(fd);
	errno = err;
	return n;
}

static char *attach_filled(struct exporter *ex, size_t pages, int perm)
{
	exporter_start(ex, &(struct ex_opts){ .pages = pages, .seed = 1 });
	return attach_ok(get_ok(ex->segid, perm), ex->off0, PAGES(pages));
}

/* the 8 bytes pattern seed holds at segment offset off */
static uint64_t pattern_word(uint64_t off, uint64_t seed)
{
	uint64_t w;

	pat_fill(&w, off, sizeof(w), seed);
	return w;
}

TEST(proc_self_mem_reads_an_attachment_across_a_page_boundary)
{
	static char buf[PAGES(4)];
	struct exporter ex;
	char *p = attach_filled(&ex, 4, XPMEM_RDONLY);

	CHECK_EQ(mem_rw(0, p, buf, PAGES(4), false), PAGES(4));
	CHECK_PATTERN(buf, 0, PAGES(4), 1);
	CHECK_EQ(mem_rw(0, p + PAGE_SZ - 24, buf, 48, false), 48);
	CHECK_PATTERN(buf, PAGE_SZ - 24, 48, 1);
}

TEST(proc_pid_mem_write_to_an_rdwr_attachment_reaches_the_exporter)
{
	static char buf[PAGES(2)];
	struct exporter ex;
	char *p = attach_filled(&ex, 4, XPMEM_RDWR);

	pat_fill(buf, PAGE_SZ, PAGES(2), 2);
	CHECK_EQ(mem_rw(0, p + PAGE_SZ, buf, PAGES(2), true), PAGES(2));
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGES(2), 2);
	CHECK_EX_PATTERN(&ex, 0, PAGE_SZ, 1);
	CHECK_PATTERN(p + PAGE_SZ, PAGE_SZ, PAGES(2), 2);
}

TEST(proc_pid_mem_write_to_an_rdonly_attachment_fails_with_eio)
{
	uint64_t w = 0x5a5a5a5a;
	struct exporter ex;
	char *p = attach_filled(&ex, 2, XPMEM_RDONLY);

	CHECK_ERRNO(mem_rw(0, p + 64, &w, sizeof(w), true), EIO);
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 1);
}

TEST(proc_pid_mem_read_of_a_hole_in_the_segment_fails_with_eio)
{
	struct exporter ex;
	uint64_t w;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 4, .seed = 1,
		       .hole_page = 2, .hole_pages = 1 });
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), ex.off0, PAGES(4));
	CHECK_ERRNO(mem_rw(0, p + PAGES(2), &w, sizeof(w), false), EIO);
	CHECK_EQ(mem_rw(0, p + PAGES(3), &w, sizeof(w), false), sizeof(w));
	CHECK_EQ(w, pattern_word(PAGES(3), 1));
}

TEST(proc_pid_mem_read_of_an_untouched_page_reads_zero_and_populates_it)
{
	static char buf[PAGE_SZ];
	struct exporter ex;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 2 });
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), ex.off0, PAGES(2));
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ(mem_rw(0, p + PAGE_SZ, buf, PAGE_SZ, false), PAGE_SZ);
	CHECK_ZERO(buf, PAGE_SZ);
	CHECK_EQ(ex_do(&ex, EX_VERIFY_ZERO, PAGE_SZ, PAGE_SZ, 0), 0);
}

/* a child that attaches the exporter's buffer and waits to be inspected */
static pid_t start_tracee(struct exporter *ex, int perm, struct chan *ch,
			  char **p)
{
	uint64_t addr;
	pid_t pid = fork_peer(ch);

	if (pid == 0) {
		char *q = attach_ok(get_ok(ex->segid, perm), ex->off0, PAGES(2));

		send_u64(ch, (uintptr_t)q);
		recv_u64(ch);			/* the tracer is done */
		send_u64(ch, *(volatile uint64_t *)(q + 8));
		recv_u64(ch);
		peer_exit(0);
	}
	addr = recv_u64(ch);
	*p = (char *)(uintptr_t)addr;
	return pid;
}

static void trace_stop(pid_t pid)
{
	int st;

	CHECK_SYS(ptrace(PTRACE_SEIZE, pid, NULL, NULL));
	CHECK_SYS(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL));
	CHECK_EQ(waitpid(pid, &st, __WALL), pid);
	CHECK(WIFSTOPPED(st), "tracee not stopped: %s", describe_status(st));
}

TEST(ptrace_peekdata_and_pokedata_reach_attached_memory)
{
	struct exporter ex;
	struct chan ch;
	long word;
	pid_t pid;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 2, .seed = 1 });
	pid = start_tracee(&ex, XPMEM_RDWR, &ch, &p);
	trace_stop(pid);
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, p + PAGE_SZ, NULL);
	CHECK(errno == 0, "PEEKDATA: %s", errname(errno));
	CHECK_EQ((uint64_t)word, pattern_word(PAGE_SZ, 1));
	CHECK_SYS(ptrace(PTRACE_POKEDATA, pid, p + 8, (void *)0x1122334455667788));
	CHECK_SYS(ptrace(PTRACE_DETACH, pid, NULL, NULL));
	send_u64(&ch, 0);
	CHECK_EQ(recv_u64(&ch), 0x1122334455667788);
	CHECK_EQ(ex_do(&ex, EX_READ_U64, 8, 0, 0), 0x1122334455667788);
	send_u64(&ch, 0);
	WAIT_OK(pid);
}

TEST(ptrace_pokedata_into_an_rdonly_attachment_fails_and_changes_nothing)
{
	struct exporter ex;
	struct chan ch;
	pid_t pid;
	char *p;

	exporter_start(&ex, &(struct ex_opts){ .pages = 2, .seed = 1 });
	pid = start_tracee(&ex, XPMEM_RDONLY, &ch, &p);
	trace_stop(pid);
	CHECK_ERRNO(ptrace(PTRACE_POKEDATA, pid, p + 8, (void *)0x77), EIO);
	CHECK_SYS(ptrace(PTRACE_DETACH, pid, NULL, NULL));
	send_u64(&ch, 0);
	CHECK_EQ(recv_u64(&ch), pattern_word(8, 1));
	send_u64(&ch, 0);
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 1);
}

/* gdb, as an admin would run it on a rank: it reads memory with ptrace */
TEST_EX(gdb_reads_and_writes_attached_memory, T_HEAVY, 120)
{
	char cmd[512], line[256], want[32];
	bool seen = false;
	struct exporter ex;
	struct chan ch;
	FILE *gdb;
	pid_t pid;
	char *p;

	if (system("command -v gdb >/dev/null 2>&1"))
		SKIP("no gdb");
	exporter_start(&ex, &(struct ex_opts){ .pages = 2, .seed = 1 });
	pid = start_tracee(&ex, XPMEM_RDWR, &ch, &p);
	snprintf(cmd, sizeof(cmd), "gdb -batch -nx -p %d -ex 'x/gx %p' "
		 "-ex 'set {long}(%p + 8) = 0x99' -ex detach 2>&1",
		 (int)pid, (void *)p, (void *)p);
	snprintf(want, sizeof(want), "0x%016llx",
		 (unsigned long long)pattern_word(0, 1));
	gdb = CHECK_SYS(popen(cmd, "r"));
	while (fgets(line, sizeof(line), gdb))
		seen |= strstr(line, want) != NULL;
	CHECK_EQ(pclose(gdb), 0);
	CHECK(seen, "gdb did not print %s (run: %s)", want, cmd);
	send_u64(&ch, 0);
	CHECK_EQ(recv_u64(&ch), 0x99);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	CHECK_EQ(ex_do(&ex, EX_READ_U64, 8, 0, 0), 0x99);
}

/* ---- as uid 65534 ------------------------------------------------------- */

/*
 * A nobody attacker with its own /proc/self/mem: dropping from root made
 * it non-dumpable, which would hide its /proc files from itself.
 */
static pid_t fork_debuggable_nobody(struct chan *ch)
{
	pid_t pid = fork_nobody(ch);

	if (pid == 0)
		CHECK_SYS(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	return pid;
}

TEST(attack_proc_mem_cannot_write_an_attachment_mprotected_read_only)
{
	struct census before;
	struct exporter ex;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 2, 0666);
	pid = fork_debuggable_nobody(NULL);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(2));
		uint64_t w = 0x77;

		CHECK_SYS(mprotect(p, PAGES(2), PROT_READ));
		CHECK_ERRNO(mem_rw(0, p + 8, &w, sizeof(w), true), EIO);
		CHECK_SYS(mprotect(p, PAGES(2), PROT_NONE));
		CHECK_ERRNO(mem_rw(0, p + 8, &w, sizeof(w), true), EIO);
		/* reading is what PROT_NONE hides from loads, not from ptrace */
		CHECK_EQ(mem_rw(0, p + 8, &w, sizeof(w), false), sizeof(w));
		CHECK_EQ(w, pattern_word(8, 1));
		peer_exit(0);
	}
	WAIT_OK(pid);
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 1);
	exporter_quit(&ex);
	attack_end(&before);
}

TEST(attack_proc_mem_of_a_removed_segment_reads_nothing)
{
	struct census before;
	struct exporter ex;
	struct chan ch;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 2, 0666);
	pid = fork_debuggable_nobody(&ch);
	if (pid == 0) {
		char *p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(2));
		uint64_t w;

		CHECK_EQ(mem_rw(0, p, &w, sizeof(w), false), sizeof(w));
		send_u64(&ch, 1);
		recv_u64(&ch);			/* the exporter removed it */
		CHECK_ERRNO(mem_rw(0, p, &w, sizeof(w), false), EIO);
		peer_exit(0);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	ex_do(&ex, EX_REMOVE, 0, 0, 0);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	exporter_quit(&ex);
	attack_end(&before);
}

struct churn_reader {
	char *p;
	size_t len;
	volatile bool stop;
	long reads, bad;	/* reads that copied something; wrong bytes */
};

/* every byte read is the pattern the exporter keeps rewriting, or zero */
static void *read_while_churning(void *arg)
{
	static char buf[PAGES(8)], expect[PAGES(8)];
	struct churn_reader *r = arg;

	pat_fill(expect, 0, r->len, CHURN_SEED);
	while (!r->stop) {
		ssize_t n = mem_rw(0, r->p, buf, r->len, false);

		if (n < 0 && errno != EIO)
			r->bad++;	/* EIO: a page between unmap and refill */
		r->reads += n > 0;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] && buf[i] != expect[i])
				r->bad++;
	}
	return NULL;
}

/*
 * The exporter throws its pages away and refills them (MADV_DONTNEED) as
 * fast as it can while nobody reads them through /proc/self/mem: a read
 * must copy a page the source still maps, never one being freed.
 */
TEST(attack_proc_mem_reads_racing_the_exporters_page_churn_see_only_real_data)
{
	struct churn_reader r = { .len = PAGES(8) };
	struct census before;
	struct exporter ex;
	struct chan ch;
	pthread_t t;
	pid_t pid;

	attack_begin(&before);
	victim_start(&ex, 8, 0666);
	ex_do(&ex, EX_FILL, 0, PAGES(8), CHURN_SEED);
	pid = fork_debuggable_nobody(&ch);
	if (pid == 0) {
		r.p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(8));
		CHECK_EQ(pthread_create(&t, NULL, read_while_churning, &r), 0);
		send_u64(&ch, 1);
		recv_u64(&ch);			/* churn is over */
		r.stop = true;
		pthread_join(t, NULL);
		note("%ld reads while churning", r.reads);
		CHECK(r.reads > 0, "no read finished");
		CHECK_EQ(r.bad, 0);
		peer_exit(0);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	ex_do(&ex, EX_CHURN, 0, PAGES(8), 300);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	exporter_quit(&ex);
	attack_end(&before);
}
