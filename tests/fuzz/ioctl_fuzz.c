// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz.c - random ioctls on /dev/xpmem from several processes, half
 * of them as uid 65534, and from forked children that still hold their
 * parent's descriptor.
 *
 *   xpmem_ioctl_fuzz [-n calls] [-p processes] [-s seed] [-t seconds]
 *
 * The nine commands get most of the calls, random command numbers the
 * rest; the structs mix ids that MAKE and GET really returned (by anyone)
 * with edge values, page-misaligned and huge sizes and kernel addresses;
 * the argument points at a normal buffer, or NULL, a kernel address, an
 * unmapped page, a read-only page, or the last bytes before an unmapped
 * page. Fixed attach addresses stay inside our own PROT_NONE reserve (or
 * are ones the kernel must refuse), so the fuzzer never maps over itself.
 *
 * Every result must be success or a documented errno; VERSION must return
 * the version; a child using its parent's descriptor must get 2004 for
 * everything but VERSION; an argument the kernel cannot read must give
 * EFAULT; and the bytes around the struct, and the struct itself but for
 * the one field a successful call writes back, must be unchanged.
 * Calls and results are printed per command and errno. Exit 0 if all held.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define MAX_PROCS	8
#define POOL		32
#define BUF_PAGES	64
#define RESERVE_PAGES	256
#define CANARY		0xa5
#define PAD		64

enum row {
	R_VERSION, R_MAKE, R_REMOVE, R_GET, R_RELEASE, R_ATTACH, R_DETACH,
	R_FORK_BEGIN, R_FORK_END, R_RANDOM, R_CHILD_PARENT_FD, N_ROWS
};

static const char *const row_names[N_ROWS] = {
	"version", "make", "remove", "get", "release", "attach", "detach",
	"fork-begin", "fork-end", "random-command", "child-on-parent-fd",
};

/* where the argument points */
enum where { W_BUF, W_STRADDLE, W_RDONLY, W_NULL, W_KERNEL, W_UNMAPPED,
	     W_PROT_NONE, N_WHERE };

static const char *const where_names[N_WHERE] = {
	"arg-in-buffer", "arg-straddles-into-prot-none", "arg-in-read-only-page",
	"arg-null", "arg-kernel-address", "arg-unmapped-low-page",
	"arg-in-prot-none-page",
};

/* below mmap_min_addr: nothing of ours is ever mapped there */
#define LOW_UNMAPPED	((char *)0x1000)

struct shared {
	struct tally calls;		/* rows: enum row */
	struct tally args;		/* rows: enum where */
	uint64_t total;
	uint64_t heartbeat[MAX_PROCS];
	int64_t segids[POOL];		/* anybody's, for GET */
	uint64_t failures;
	char msg[8][256];
};

static struct shared *sh;

struct fuzzer {
	int slot;			/* heartbeat index */
	int fd;
	bool child;			/* a forked child on its parent's fd */
	struct rng rng;
	char *buf;			/* BUF_PAGES, exported */
	char *reserve;			/* RESERVE_PAGES PROT_NONE */
	char *rdonly;			/* one read-only page */
	char *edge;			/* one page, the next one PROT_NONE */
	int64_t segids[POOL], apids[POOL];
	uint64_t atts[POOL];
};

static __attribute__((format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	uint64_t n = __atomic_fetch_add(&sh->failures, 1, __ATOMIC_SEQ_CST);
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 8)
		memcpy(sh->msg[n], line, sizeof(line));
	if (n < 20)
		printf("# FAIL (pid %d uid %d): %s\n", (int)getpid(), (int)geteuid(), line);
}

/* ---- values -------------------------------------------------------------------- */

static int64_t pick_id(struct fuzzer *f, const int64_t *pool)
{
	int64_t id = pool[rnd_below(&f->rng, POOL)];

	switch (rnd_below(&f->rng, 6)) {
	case 0:
	case 1:
	case 2:
		return id ? id : (int64_t)rnd_edge(&f->rng);
	case 3:
		return sh->segids[rnd_below(&f->rng, POOL)];
	case 4:
		return id + (rnd_pct(&f->rng, 50) ? 1 : -1);
	default:
		return rnd_edge(&f->rng);
	}
}

static uint64_t pick_size(struct fuzzer *f)
{
	switch (rnd_below(&f->rng, 5)) {
	case 0:
	case 1:
		return (1 + rnd_below(&f->rng, 8)) * PAGE_SZ;
	case 2:
		return 1 + rnd_below(&f->rng, BUF_PAGES * PAGE_SZ);
	case 3:
		return XPMEM_MAXADDR_SIZE;
	default:
		return rnd_edge(&f->rng);
	}
}

/* a source address for MAKE: our buffer, somewhere odd, or everything */
static uint64_t pick_vaddr(struct fuzzer *f)
{
	switch (rnd_below(&f->rng, 6)) {
	case 0:
	case 1:
	case 2:
		return (uint64_t)f->buf + rnd_below(&f->rng, BUF_PAGES) * PAGE_SZ;
	case 3:
		return (uint64_t)f->buf + rnd_below(&f->rng, PAGE_SZ);
	case 4:
		return 0;
	default:
		return rnd_edge(&f->rng);
	}
}

/*
 * A fixed attach address that cannot map over anything of ours: inside
 * the reserve, or one the kernel must refuse (kernel half, misaligned).
 */
static uint64_t pick_attach_vaddr(struct fuzzer *f)
{
	static const uint64_t refused[] = {
		0xffff888000000000ULL, 0xffffffff81000000ULL,
		0x0000800000000000ULL, 0xfffffffffffff000ULL,
	};

	switch (rnd_below(&f->rng, 6)) {
	case 0:
	case 1:
	case 2:
		return 0;
	case 3:
	case 4:
		return (uint64_t)f->reserve +
		       rnd_below(&f->rng, RESERVE_PAGES / 2) * PAGE_SZ;
	default:
		return refused[rnd_below(&f->rng, 4)] +
		       (rnd_pct(&f->rng, 20) ? rnd_below(&f->rng, PAGE_SZ) : 0);
	}
}

static int pick_mode(struct fuzzer *f)
{
	return rnd_pct(&f->rng, 80) ? (int)rnd_below(&f->rng, 01000) :
	       (int)rnd_edge(&f->rng);
}

/* ---- one call ------------------------------------------------------------------- */

union cmd_arg {
	struct xpmem_cmd_make make;
	struct xpmem_cmd_remove remove;
	struct xpmem_cmd_get get;
	struct xpmem_cmd_release release;
	struct xpmem_cmd_attach attach;
	struct xpmem_cmd_detach detach;
	unsigned char bytes[64];
};

static const unsigned long real_cmds[] = {
	XPMEM_CMD_VERSION, XPMEM_CMD_MAKE, XPMEM_CMD_REMOVE, XPMEM_CMD_GET,
	XPMEM_CMD_RELEASE, XPMEM_CMD_ATTACH, XPMEM_CMD_DETACH,
	XPMEM_CMD_FORK_BEGIN, XPMEM_CMD_FORK_END,
};

/* struct size read by each real command (0: none) */
static const size_t arg_size[] = {
	0, sizeof(struct xpmem_cmd_make), sizeof(struct xpmem_cmd_remove),
	sizeof(struct xpmem_cmd_get), sizeof(struct xpmem_cmd_release),
	sizeof(struct xpmem_cmd_attach), sizeof(struct xpmem_cmd_detach), 0, 0,
};

/* offset and size of the field a successful call writes back */
static void out_field(int row, size_t *off, size_t *len)
{
	*off = 0;
	*len = 0;
	if (row == R_MAKE) {
		*off = offsetof(struct xpmem_cmd_make, segid);
		*len = 8;
	} else if (row == R_GET) {
		*off = offsetof(struct xpmem_cmd_get, apid);
		*len = 8;
	} else if (row == R_ATTACH) {
		*off = offsetof(struct xpmem_cmd_attach, vaddr);
		*len = 8;
	}
}

static void fill_arg(struct fuzzer *f, int row, union cmd_arg *a)
{
	memset(a, 0, sizeof(*a));
	if (rnd_pct(&f->rng, 5)) {
		for (size_t i = 0; i < sizeof(a->bytes); i++)
			a->bytes[i] = rnd(&f->rng);
		return;
	}
	switch (row) {
	case R_MAKE:
		a->make.vaddr = pick_vaddr(f);
		a->make.size = a->make.vaddr ? pick_size(f) :
			       (rnd_pct(&f->rng, 70) ? XPMEM_MAXADDR_SIZE : pick_size(f));
		a->make.permit_type = rnd_pct(&f->rng, 90) ? XPMEM_PERMIT_MODE :
				      (int)rnd_edge(&f->rng);
		a->make.permit_value = pick_mode(f);
		break;
	case R_REMOVE:
		a->remove.segid = pick_id(f, f->segids);
		break;
	case R_GET:
		a->get.segid = pick_id(f, f->segids);
		a->get.flags = rnd_pct(&f->rng, 85) ? 1 + (int)rnd_below(&f->rng, 2) :
			       (int)rnd_edge(&f->rng);
		a->get.permit_type = rnd_pct(&f->rng, 90) ? XPMEM_PERMIT_MODE :
				     (int)rnd_edge(&f->rng);
		a->get.permit_value = rnd_pct(&f->rng, 90) ? 0 : rnd_edge(&f->rng);
		break;
	case R_RELEASE:
		a->release.apid = pick_id(f, f->apids);
		break;
	case R_ATTACH:
		a->attach.apid = pick_id(f, f->apids);
		a->attach.offset = rnd_pct(&f->rng, 60) ?
				   rnd_below(&f->rng, BUF_PAGES) * PAGE_SZ :
				   rnd_pct(&f->rng, 50) ? (uint64_t)f->buf : rnd_edge(&f->rng);
		a->attach.size = pick_size(f);
		a->attach.fd = rnd(&f->rng);
		a->attach.flags = rnd_pct(&f->rng, 80) ? 0 :
				  rnd_pct(&f->rng, 60) ? XPMEM_ATTACH_SAME_VADDR :
				  (int)rnd_edge(&f->rng);
		/* a same-address attach names no address of its own */
		a->attach.vaddr = a->attach.flags & XPMEM_ATTACH_SAME_VADDR ?
				  (rnd_pct(&f->rng, 90) ? 0 : (uint64_t)f->reserve) :
				  pick_attach_vaddr(f);
		/* MAP_FIXED replaces what is there: never past the reserve */
		if (a->attach.vaddr >= (uint64_t)f->reserve &&
		    a->attach.vaddr < (uint64_t)f->reserve + RESERVE_PAGES * PAGE_SZ &&
		    !(a->attach.flags & XPMEM_ATTACH_SAME_VADDR)) {
			uint64_t room = (uint64_t)f->reserve + RESERVE_PAGES * PAGE_SZ -
					a->attach.vaddr;

			if (a->attach.size - 1 >= room)
				a->attach.size = 1 + rnd_below(&f->rng, room);
		}
		break;
	case R_DETACH:
		a->detach.vaddr = rnd_pct(&f->rng, 60) ?
				  f->atts[rnd_below(&f->rng, POOL)] +
				  rnd_below(&f->rng, 4) * PAGE_SZ : rnd_edge(&f->rng);
		break;
	}
}

/* a command number: a real one mostly; never one the VFS acts on itself */
static unsigned long pick_cmd(struct fuzzer *f, int *row)
{
	unsigned long cmd;
	unsigned int type;

	if (rnd_pct(&f->rng, 90)) {
		*row = rnd_below(&f->rng, 9);
		return real_cmds[*row];
	}
	*row = R_RANDOM;
	do {
		cmd = rnd_pct(&f->rng, 50) ? (rnd(&f->rng) & 0xffff00ffUL) | ('x' << 8) :
		      (uint32_t)rnd(&f->rng);
		type = (cmd >> 8) & 0xff;
	} while ((type == 'x' && (cmd & 0xff) < 9 && !(cmd >> 16)) ||
		 type == 'T' || type == 'X' || type == 'f' || type == 0x94 ||
		 type == 0x12 || type == 0x15 || type == 0);
	return cmd;
}

static bool allowed(long ret)
{
	static const int ok[] = { EINVAL, EFAULT, ENOENT, EACCES, EBUSY, ENOMEM,
				  EDQUOT, ENOTTY };

	if (ret >= 0)
		return true;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ret == -ok[i])
			return true;
	return false;
}

/* the pointer we hand the kernel, and the copy it should read */
static char *place_arg(struct fuzzer *f, int *where, char *page, size_t size)
{
	static const unsigned int weights[N_WHERE] = { 80, 5, 5, 3, 3, 2, 2 };

	*where = rnd_weighted(&f->rng, weights, N_WHERE);
	switch (*where) {
	case W_STRADDLE:
		if (size < 2)
			break;
		return f->edge + PAGE_SZ - 1 - rnd_below(&f->rng, size - 1);
	case W_RDONLY:
		return f->rdonly;
	case W_NULL:
		return NULL;
	case W_KERNEL:
		return (char *)0xffff888000001000ULL;
	case W_UNMAPPED:
		return LOW_UNMAPPED;
	case W_PROT_NONE:
		return f->edge + PAGE_SZ;
	}
	*where = W_BUF;
	return page + PAD;
}

static void remember(struct fuzzer *f, int row, const union cmd_arg *after)
{
	int k = rnd_below(&f->rng, POOL);

	if (row == R_MAKE) {
		if (f->segids[k])
			xp_remove(f->fd, f->segids[k]);
		f->segids[k] = after->make.segid;
		sh->segids[rnd_below(&f->rng, POOL)] = after->make.segid;
	} else if (row == R_GET) {
		if (f->apids[k])
			xp_release(f->fd, f->apids[k]);
		f->apids[k] = after->get.apid;
	} else if (row == R_ATTACH) {
		if (f->atts[k])
			xp_detach(f->fd, f->atts[k]);
		f->atts[k] = after->attach.vaddr;
	}
}

static void check_bytes(int row, unsigned long cmd, long ret, const unsigned char *page,
			const union cmd_arg *before, size_t size)
{
	const unsigned char *arg = page + PAD;
	size_t off, len;

	for (size_t i = 0; i < PAD; i++)
		if (page[i] != CANARY || arg[sizeof(*before) + i] != CANARY) {
			fail("%s (cmd %#lx): the bytes around the struct changed",
			     row_names[row], cmd);
			return;
		}
	out_field(row, &off, &len);
	for (size_t i = 0; i < sizeof(*before); i++) {
		bool out = !ret && i >= off && i < off + len;

		if (!out && arg[i] != before->bytes[i]) {
			fail("%s (cmd %#lx) returned %s and changed byte %zu of its "
			     "%zu-byte struct", row_names[row], cmd,
			     ret < 0 ? err_name(-ret) : "ok", i, size);
			return;
		}
	}
}

/*
 * An attach at the source address lands wherever the segment starts: below
 * vm.mmap_min_addr the core refuses a process without CAP_SYS_RAWIO with
 * EPERM (uapi/xpmem.h does not list it).
 */
static bool low_same_address(int row, long ret, const union cmd_arg *before)
{
	return row == R_ATTACH && ret == -EPERM && geteuid() != 0 &&
	       (before->attach.flags & XPMEM_ATTACH_SAME_VADDR);
}

static void check_result(struct fuzzer *f, int row, unsigned long cmd, int where,
			 long ret, const union cmd_arg *after,
			 const union cmd_arg *before)
{
	bool reads = row >= R_MAKE && row <= R_DETACH;

	if (f->child) {
		if (row != R_VERSION && ret != -XPMEM_ERRNO_NOPROC)
			fail("a child on its parent's descriptor: %s (cmd %#lx) gave "
			     "%s, expected 2004", row_names[row], cmd,
			     ret < 0 ? err_name(-ret) : "success");
		if (row == R_VERSION && ret != XPMEM_CURRENT_VERSION)
			fail("version in a child: %ld", ret);
		return;
	}
	if (row == R_VERSION && ret != XPMEM_CURRENT_VERSION)
		fail("version returned %ld, expected %#x", ret, XPMEM_CURRENT_VERSION);
	if (!allowed(ret) && !low_same_address(row, ret, before))
		fail("%s (cmd %#lx, %s): undocumented result %s", row_names[row], cmd,
		     where_names[where], err_name(-ret));
	if (reads && where != W_BUF && where != W_RDONLY && ret != -EFAULT)
		fail("%s with an unreadable argument (%s): %s, expected EFAULT",
		     row_names[row], where_names[where],
		     ret < 0 ? err_name(-ret) : "success");
	if (where == W_RDONLY && ret == 0 &&
	    (row == R_MAKE || row == R_GET || row == R_ATTACH))
		fail("%s succeeded with its struct in read-only memory",
		     row_names[row]);
	if (!ret && row == R_MAKE && after->make.segid <= 0)
		fail("make returned segid %lld", (long long)after->make.segid);
	if (!ret && row == R_GET && after->get.apid <= 0)
		fail("get returned apid %lld", (long long)after->get.apid);
	if (!ret && row == R_ATTACH && (after->attach.vaddr & (PAGE_SZ - 1)))
		fail("attach returned the unaligned address %#llx",
		     (unsigned long long)after->attach.vaddr);
	if (row == R_RANDOM && ret != -ENOTTY && ret != -EINVAL)
		fail("random command %#lx: %s, expected ENOTTY", cmd,
		     ret < 0 ? err_name(-ret) : "success");
}

static void one_call(struct fuzzer *f, unsigned char *page)
{
	union cmd_arg before;
	unsigned long cmd;
	int row, where;
	size_t size;
	char *arg;
	long ret;

	cmd = pick_cmd(f, &row);
	fill_arg(f, row, &before);
	size = row < 9 ? arg_size[row] : sizeof(before);
	memset(page, CANARY, PAD);
	memcpy(page + PAD, &before, sizeof(before));
	memset(page + PAD + sizeof(before), CANARY, PAD);
	arg = place_arg(f, &where, (char *)page, size);
	if (where == W_STRADDLE)
		memcpy(arg, &before, (size_t)(f->edge + PAGE_SZ - arg));
	ret = xp_ioctl(f->fd, cmd, arg);
	if (f->child)
		tally_add(&sh->calls, R_CHILD_PARENT_FD, ret);
	else
		tally_add(&sh->calls, row, ret);
	tally_add(&sh->args, where, ret);
	__atomic_add_fetch(&sh->total, 1, __ATOMIC_RELAXED);
	check_result(f, row, cmd, where, ret, (union cmd_arg *)(page + PAD), &before);
	if (where == W_BUF) {
		check_bytes(row, cmd, ret, page, &before, size);
		if (!ret && !f->child)
			remember(f, row, (union cmd_arg *)(page + PAD));
	}
}

/* ---- processes ------------------------------------------------------------------ */

static void *map_or_die(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED) {
		fail("mmap of %zu bytes: %s", len, err_name(errno));
		_exit(1);
	}
	return p;
}

static void setup(struct fuzzer *f)
{
	f->buf = map_or_die(BUF_PAGES * PAGE_SZ, PROT_READ | PROT_WRITE);
	memset(f->buf, 0x3c, BUF_PAGES * PAGE_SZ);
	f->reserve = map_or_die(RESERVE_PAGES * PAGE_SZ, PROT_NONE);
	f->rdonly = map_or_die(PAGE_SZ, PROT_READ);
	/* a guard that stays mapped: no attachment can move in there */
	f->edge = map_or_die(2 * PAGE_SZ, PROT_READ | PROT_WRITE);
	mprotect(f->edge + PAGE_SZ, PAGE_SZ, PROT_NONE);
}

static void run_child(struct fuzzer *parent, unsigned char *page, int calls)
{
	struct fuzzer f = *parent;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	rnd(&f.rng);
	f.child = true;
	for (int i = 0; i < calls; i++)
		one_call(&f, page);
	/* then its own descriptor, and a few calls of its own */
	f.child = false;
	f.fd = xp_open();
	if (f.fd < 0) {
		fail("open in a child: %s", err_name(-f.fd));
		_exit(1);
	}
	memset(f.segids, 0, sizeof(f.segids));
	memset(f.apids, 0, sizeof(f.apids));
	memset(f.atts, 0, sizeof(f.atts));
	for (int i = 0; i < calls; i++)
		one_call(&f, page);
	if (rnd_pct(&f.rng, 30))
		kill(getpid(), SIGKILL);
	_exit(0);
}

static void fuzz_process(int slot, uint64_t seed, uint64_t calls)
{
	struct fuzzer f = { .slot = slot };
	unsigned char *page;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (slot % 2)
		drop_to_nobody();
	rng_seed(&f.rng, seed + slot);
	probes_install();
	f.fd = xp_open();
	if (f.fd < 0) {
		fail("open: %s", err_name(-f.fd));
		_exit(1);
	}
	setup(&f);
	page = map_or_die(PAGE_SZ, PROT_READ | PROT_WRITE);
	for (uint64_t i = 0; i < calls; i++) {
		one_call(&f, page);
		sh->heartbeat[slot] = now_ns();
		if (rnd_below(&f.rng, 500) == 0) {
			pid_t pid;
			int st;

			fflush(NULL);
			pid = fork();
			if (pid == 0)
				run_child(&f, page, 20);
			st = pid > 0 ? wait_ms(pid, 60000) : 0;
			if (pid > 0 && st == -1) {
				fail("a forked child hangs");
				dump_group_stacks();
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
			} else if (pid > 0 && !(WIFEXITED(st) && !WEXITSTATUS(st)) &&
				   !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
				fail("a forked child: %s", status_text(st));
			}
		}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	uint64_t calls = 20000, seed = now_ns(), start, last = 0;
	unsigned int seconds = 0, hang = 60;
	int procs = 4, c, alive, status;
	pid_t pids[MAX_PROCS];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "n:p:s:t:")) != -1) {
		switch (c) {
		case 'n': calls = strtoull(optarg, NULL, 0); break;
		case 'p': procs = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: xpmem_ioctl_fuzz [-n calls] [-p processes] "
				"[-s seed] [-t seconds]\n");
			return 2;
		}
	}
	if (procs < 1 || procs > MAX_PROCS)
		procs = 4;
	sh = shared_alloc(sizeof(*sh));
	setpgid(0, 0);
	printf("# ioctl fuzz: %llu calls from %d processes (%d as uid %d), seed %llu\n",
	       (unsigned long long)calls, procs, procs / 2, NOBODY,
	       (unsigned long long)seed);
	start = now_ns();
	for (int i = 0; i < procs; i++) {
		sh->heartbeat[i] = now_ns();
		fflush(NULL);
		pids[i] = fork();
		if (pids[i] == 0)
			fuzz_process(i, seed, calls / procs + (i < (int)(calls % procs)));
	}
	for (alive = procs; alive > 0;) {
		uint64_t now = now_ns();
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			alive--;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				fail("fuzzing process %d: %s", (int)pid, status_text(status));
			continue;
		}
		for (int i = 0; i < procs; i++) {
			uint64_t hb = sh->heartbeat[i];

			if (pids[i] && hb < now && now - hb > hang * 1000000000ULL &&
			    !kill(pids[i], 0) && waitpid(pids[i], &status, WNOHANG) == 0) {
				fail("fuzzing process %d made no call for %u s", (int)pids[i],
				     hang);
				dump_group_stacks();
				kill(pids[i], SIGKILL);
				pids[i] = 0;
			}
		}
		if (seconds && now - start > seconds * 1000000000ULL)
			for (int i = 0; i < procs; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
		if (now - last > 30000000000ULL) {
			printf("# %llu s: %llu calls\n",
			       (unsigned long long)((now - start) / 1000000000ULL),
			       (unsigned long long)sh->total);
			last = now;
		}
		sleep_ms(20);
	}
	printf("# %llu calls in %.1f s; by command and result:\n",
	       (unsigned long long)sh->total, (now_ns() - start) / 1e9);
	tally_print(&sh->calls, "  ", row_names, N_ROWS, NULL);
	printf("# by where the argument pointed:\n");
	tally_print(&sh->args, "  ", where_names, N_WHERE, NULL);
	printf("%s - ioctl_fuzz_made_%llu_calls_as_root_and_nobody\n",
	       sh->total >= calls ? "ok" : "not ok", (unsigned long long)sh->total);
	if (!sh->failures) {
		printf("ok - ioctl_fuzz_results_are_documented_and_structs_intact\n");
		return sh->total >= calls ? 0 : 1;
	}
	printf("not ok - ioctl_fuzz_results_are_documented_and_structs_intact "
	       "(%llu failures)\n", (unsigned long long)sh->failures);
	for (int k = 0; k < 8 && k < (int)sh->failures; k++)
		printf("#   %s\n", sh->msg[k]);
	return 1;
}
