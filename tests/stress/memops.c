// SPDX-License-Identifier: GPL-2.0
/*
 * memops.c - the stress worker's memory operations: on exported memory
 * (refill, verify, and munmap, mprotect, MADV_DONTNEED, mremap held for a
 * while in a stable state that attachers check, then healed), on its own
 * attachments (mremap, mprotect, MADV_DONTNEED, partial munmap), and fork
 * (a child that must not inherit attachments or the descriptor, checks
 * copy-on-write isolation and uses xpmem on its own).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

/* ---- exported memory ------------------------------------------------------------ */

/* a run of data pages on one side of the hole: [*first, *first + *n) */
static void pick_range(struct worker *wk, const struct slot *sl, uint32_t *first,
		       uint32_t *n)
{
	uint32_t end = sl->pages, max;

	*first = rnd_below(&wk->rng, sl->pages);
	if (sl->hole >= 0 && *first == (uint32_t)sl->hole)
		*first = sl->hole + 1;	/* the hole is never the last page */
	if (sl->hole >= 0 && *first < (uint32_t)sl->hole)
		end = sl->hole;
	max = end - *first < 8 ? end - *first : 8;
	*n = 1 + rnd_below(&wk->rng, max);
}

static void *page_at(const struct slot *sl, uint32_t p)
{
	return (void *)(sl->base + (uint64_t)p * PAGE_SZ);
}

static void hold(struct worker *wk)
{
	sleep_ms(2 + rnd_below(&wk->rng, 20));
}

/* every page but the hole back to the pattern of the slot's seed */
static void heal_pages(struct slot *sl, uint32_t first, uint32_t n)
{
	for (uint32_t p = first; p < first + n; p++) {
		if ((int)p == sl->hole)
			continue;
		pattern_fill(page_at(sl, p), sl->seed, p);
		sl->pstate[p] = PS_DATA;
	}
}

static void set_state(struct slot *sl, uint32_t first, uint32_t n, uint8_t st)
{
	for (uint32_t p = first; p < first + n; p++)
		sl->pstate[p] = st;
}

static void sys_ok(struct worker *wk, int ret, const char *what)
{
	if (ret)
		fail("worker %d: %s: %s", wk->wid, what, err_name(errno));
}

void op_refill(struct worker *wk)
{
	int s = own_live_slot(wk);
	struct slot *sl;

	if (s < 0)
		return;
	sl = &board->s[wk->wid][s];
	slot_begin(wk->wid, s);
	sl->seed = rnd(&wk->rng);
	heal_pages(sl, 0, sl->pages);
	slot_end(wk->wid, s);
}

void op_verify(struct worker *wk)
{
	int s = own_live_slot(wk);
	struct slot *sl;

	if (s < 0)
		return;
	sl = &board->s[wk->wid][s];
	for (uint32_t p = 0; p < sl->pages; p++) {
		const uint64_t *w = page_at(sl, p);
		uint32_t k;

		if ((int)p == sl->hole)
			continue;
		for (k = 0; k < PATTERN_WORDS; k++)
			if (w[k] != pattern_word(sl->seed, p, k))
				break;
		if (k < PATTERN_WORDS)
			fail("worker %d: own segment %#llx page %u word %u is %#llx, "
			     "expected %#llx", wk->wid, (unsigned long long)sl->segid,
			     p, k, (unsigned long long)w[k],
			     (unsigned long long)pattern_word(sl->seed, p, k));
		for (k = PATTERN_WORDS; k < PATTERN_WORDS + SCRATCH_WORDS; k++)
			if (!token_valid(w[k]))
				break;
		if (k < PATTERN_WORDS + SCRATCH_WORDS)
			fail("worker %d: own segment %#llx page %u scratch word %u is "
			     "%#llx, no writer's token", wk->wid,
			     (unsigned long long)sl->segid, p, k,
			     (unsigned long long)w[k]);
	}
	count_check(C_EXPORTER_VERIFY, 0);
}

void op_exp_munmap(struct worker *wk)
{
	int s = own_live_slot(wk), shared;
	uint32_t first, n;
	struct slot *sl;
	void *p;

	if (s < 0)
		return;
	sl = &board->s[wk->wid][s];
	pick_range(wk, sl, &first, &n);
	trace("exporter munmap slot %d pages %u+%u", s, first, n);
	shared = sl->kind == K_SHARED ? MAP_SHARED : MAP_PRIVATE;
	slot_begin(wk->wid, s);
	sys_ok(wk, munmap(page_at(sl, first), n * PAGE_SZ), "munmap of exported pages");
	set_state(sl, first, n, PS_GONE);
	slot_end(wk->wid, s);
	hold(wk);
	slot_begin(wk->wid, s);
	p = mmap(page_at(sl, first), n * PAGE_SZ, PROT_READ | PROT_WRITE,
		 shared | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	sys_ok(wk, p == MAP_FAILED, "re-mmap of exported pages");
	heal_pages(sl, first, n);
	slot_end(wk->wid, s);
}

void op_exp_mprotect(struct worker *wk)
{
	int s = own_live_slot(wk), prot = rnd_pct(&wk->rng, 50) ? PROT_READ : PROT_NONE;
	uint32_t first, n;
	struct slot *sl;

	if (s < 0)
		return;
	sl = &board->s[wk->wid][s];
	pick_range(wk, sl, &first, &n);
	trace("exporter mprotect %d slot %d pages %u+%u", prot, s, first, n);
	slot_begin(wk->wid, s);
	sys_ok(wk, mprotect(page_at(sl, first), n * PAGE_SZ, prot),
	       "mprotect of exported pages");
	set_state(sl, first, n, prot == PROT_NONE ? PS_NONE : PS_DATA | PS_RO);
	slot_end(wk->wid, s);
	hold(wk);
	slot_begin(wk->wid, s);
	sys_ok(wk, mprotect(page_at(sl, first), n * PAGE_SZ, PROT_READ | PROT_WRITE),
	       "mprotect back");
	set_state(sl, first, n, PS_DATA);
	slot_end(wk->wid, s);
}

void op_exp_dontneed(struct worker *wk)
{
	int s = own_live_slot(wk);
	uint32_t first, n;
	struct slot *sl;

	if (s < 0)
		return;
	sl = &board->s[wk->wid][s];
	pick_range(wk, sl, &first, &n);
	trace("exporter dontneed slot %d pages %u+%u", s, first, n);
	slot_begin(wk->wid, s);
	sys_ok(wk, madvise(page_at(sl, first), n * PAGE_SZ, MADV_DONTNEED),
	       "MADV_DONTNEED of exported pages");
	/* shared memory keeps its pages; private memory reads back zeros */
	set_state(sl, first, n, sl->kind == K_SHARED ? PS_DATA : PS_ZERO);
	slot_end(wk->wid, s);
	hold(wk);
	slot_begin(wk->wid, s);
	heal_pages(sl, first, n);
	slot_end(wk->wid, s);
}

/* an address range nothing uses, kept PROT_NONE until replaced */
static void *spare_range(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void op_exp_mremap(struct worker *wk)
{
	int s = own_live_slot(wk);
	size_t len;
	struct slot *sl;
	void *away, *back;

	if (s < 0)
		return;
	sl = &board->s[wk->wid][s];
	if (sl->hole >= 0)
		return;			/* two mappings: mremap refuses */
	len = sl->pages * PAGE_SZ;
	away = spare_range(len);
	if (!away)
		return;
	trace("exporter mremap slot %d %#llx away to %p", s,
	      (unsigned long long)sl->base, away);
	slot_begin(wk->wid, s);
	back = mremap((void *)sl->base, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, away);
	/* EFAULT: the buffer is several mappings by now (a re-mmapped part) */
	EXPECT(R_SYS_EXP_MREMAP, back == MAP_FAILED ? -errno : 0,
	       "mremap of exported memory", EFAULT);
	if (back == MAP_FAILED) {
		munmap(away, len);
		slot_end(wk->wid, s);
		return;
	}
	set_state(sl, 0, sl->pages, PS_GONE);
	slot_end(wk->wid, s);
	hold(wk);
	slot_begin(wk->wid, s);
	back = mremap(away, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)sl->base);
	sys_ok(wk, back == MAP_FAILED, "mremap of exported memory back");
	/* the data moved with it: the same pattern */
	set_state(sl, 0, sl->pages, PS_DATA);
	slot_end(wk->wid, s);
}

/* ---- our attachments ---------------------------------------------------------- */

/* a used attachment, with the lock held; -1 (unlocked) if none */
static int lock_att(struct worker *wk)
{
	int i;

	pthread_mutex_lock(&wk->lock);
	i = pick_att(wk, &wk->rng);
	if (i < 0)
		pthread_mutex_unlock(&wk->lock);
	return i;
}

/* after a change: a page of it must still read right */
static void touch_after(struct worker *wk, int i)
{
	struct att a = wk->a[i];

	touch_page(wk, i, &a, rnd_below(&wk->rng, a.len / PAGE_SZ), C_READ);
}

void op_att_mremap(struct worker *wk)
{
	int i = lock_att(wk), what;
	struct att *a;
	void *away, *r;

	if (i < 0)
		return;
	a = &wk->a[i];
	what = rnd_below(&wk->rng, 3);
	trace("attachment mremap %d of att %d %#llx+%#llx", what, i,
	      (unsigned long long)a->addr, (unsigned long long)a->len);
	if (what == 0) {
		away = spare_range(a->len);
		r = away ? mremap((void *)a->addr, a->len, a->len,
				  MREMAP_MAYMOVE | MREMAP_FIXED, away) : NULL;
		if (away && r != MAP_FAILED)
			fail("worker %d: mremap moved attachment %#llx to %p",
			     wk->wid, (unsigned long long)a->addr, r);
		else if (away && errno != EINVAL)
			fail("worker %d: mremap of attachment %#llx: %s, expected "
			     "EINVAL", wk->wid, (unsigned long long)a->addr,
			     err_name(errno));
		if (away)
			munmap(away, a->len);
		count_check(C_ATT_MREMAP_MOVE, 0);
	} else if (what == 1) {
		r = mremap((void *)a->addr, a->len, a->len + PAGE_SZ, MREMAP_MAYMOVE);
		if (r != MAP_FAILED)
			fail("worker %d: mremap grew attachment %#llx", wk->wid,
			     (unsigned long long)a->addr);
		count_check(C_ATT_MREMAP_GROW, 0);
	} else if (a->len > PAGE_SZ) {
		uint64_t keep = (1 + rnd_below(&wk->rng, a->len / PAGE_SZ - 1)) * PAGE_SZ;

		att_lseq_bump(a);
		r = mremap((void *)a->addr, a->len, keep, 0);
		if (r == MAP_FAILED) {
			fail("worker %d: shrinking attachment %#llx: %s", wk->wid,
			     (unsigned long long)a->addr, err_name(errno));
		} else {
			uint64_t tail = a->addr + keep, tail_len = a->len - keep;

			a->len = keep;
			if (a->fixed)
				reserve_gaps(wk, tail, tail_len);
			else if (probe_read((void *)tail, NULL) != SIGSEGV)
				fail("worker %d: %#llx still mapped after shrinking "
				     "its attachment", wk->wid, (unsigned long long)tail);
		}
		att_lseq_bump(a);
		count_check(C_ATT_MREMAP_SHRINK, 0);
	}
	atts_still_mapped(wk, "an attachment mremap");
	touch_after(wk, i);
	pthread_mutex_unlock(&wk->lock);
}

void op_att_mprotect(struct worker *wk)
{
	int i = lock_att(wk);
	struct att *a;

	if (i < 0)
		return;
	a = &wk->a[i];
	if (!a->rw) {
		/* an rdonly attachment can never become writable */
		if (!mprotect((void *)a->addr, a->len, PROT_READ | PROT_WRITE))
			fail("worker %d: mprotect made rdonly attachment %#llx "
			     "writable", wk->wid, (unsigned long long)a->addr);
		else if (errno != EACCES)
			fail("worker %d: mprotect(rw) of rdonly attachment: %s, "
			     "expected EACCES", wk->wid, err_name(errno));
		count_check(C_ATT_MPROTECT_RW, 0);
	} else {
		int sig;

		att_lseq_bump(a);
		sys_ok(wk, mprotect((void *)a->addr, a->len, PROT_READ), "mprotect(r)");
		sig = probe_write((void *)(a->addr + PATTERN_WORDS * 8), 0);
		if (sig != SIGSEGV)
			fail("worker %d: write to attachment %#llx made read-only: %s",
			     wk->wid, (unsigned long long)a->addr,
			     sig ? sig_name(sig) : "it worked");
		sys_ok(wk, mprotect((void *)a->addr, a->len, PROT_READ | PROT_WRITE),
		       "mprotect(rw)");
		att_lseq_bump(a);
		count_check(C_ATT_MPROTECT_RW, sig);
	}
	touch_after(wk, i);
	pthread_mutex_unlock(&wk->lock);
}

/* attachments are VM_PFNMAP: the core may refuse with EINVAL (6.1) */
void att_dontneed(struct worker *wk, const struct att *a)
{
	long ret = madvise((void *)a->addr, a->len, MADV_DONTNEED) ? -errno : 0;

	EXPECT(R_SYS_ATT_DONTNEED, ret, "MADV_DONTNEED of an attachment", EINVAL);
	(void)wk;
}

void op_att_dontneed(struct worker *wk)
{
	int i = lock_att(wk);

	if (i < 0)
		return;
	att_dontneed(wk, &wk->a[i]);
	touch_after(wk, i);
	pthread_mutex_unlock(&wk->lock);
}

void op_att_munmap(struct worker *wk)
{
	int i = lock_att(wk), sig;
	struct att *a;
	uint64_t cut, gone;

	if (i < 0)
		return;
	a = &wk->a[i];
	if (a->len == PAGE_SZ) {
		trace("attachment munmap all of att %d %#llx", i,
		      (unsigned long long)a->addr);
		att_going(a);
		sys_ok(wk, munmap((void *)a->addr, PAGE_SZ), "munmap of an attachment");
		gone = a->addr;
		att_forget(wk, i, true);
		sig = probe_read((void *)gone, NULL);
		count_check(C_MUNMAPPED_GONE, sig);
		pthread_mutex_unlock(&wk->lock);
		return;
	}
	cut = (1 + rnd_below(&wk->rng, a->len / PAGE_SZ - 1)) * PAGE_SZ;
	trace("attachment munmap %#llx of att %d %#llx+%#llx", (unsigned long long)cut,
	      i, (unsigned long long)a->addr, (unsigned long long)a->len);
	att_lseq_bump(a);
	if (rnd_pct(&wk->rng, 50)) {
		gone = a->addr;
		sys_ok(wk, munmap((void *)gone, cut), "munmap of an attachment's head");
		a->addr += cut;
		a->off += cut;
	} else {
		gone = a->addr + a->len - cut;
		sys_ok(wk, munmap((void *)gone, cut), "munmap of an attachment's tail");
	}
	a->len -= cut;
	att_lseq_bump(a);
	if (a->fixed)
		reserve_gaps(wk, gone, cut);
	sig = probe_read((void *)gone, NULL);
	count_check(C_MUNMAPPED_GONE, sig);
	if (sig != SIGSEGV)
		fail("worker %d: %#llx still readable after munmap of that part of "
		     "its attachment", wk->wid, (unsigned long long)gone);
	atts_still_mapped(wk, "an attachment munmap");
	touch_after(wk, i);
	pthread_mutex_unlock(&wk->lock);
}

/* ---- fork --------------------------------------------------------------------------- */

/* the child's copy of one private exported buffer, exported by the child */
static void child_cow(struct worker *ch, const struct slot *sl)
{
	uint64_t addr, token = make_token(ch->wid, ++ch->tokens), v = 0;
	uint64_t word = sl->base + (PATTERN_WORDS + ch->wid % 32 * 8) * 8;
	int64_t segid, apid;
	long ret;

	ret = xp_make(ch->fd, sl->base, PAGE_SZ, 0600, &segid);
	EXPECT(R_CHILD_MAKE, ret, "make in a child", ENOMEM);
	if (ret)
		return;
	if (xp_get(ch->fd, segid, XPMEM_RDWR, &apid) ||
	    xp_attach(ch->fd, apid, 0, PAGE_SZ, 0, 0, &addr)) {
		fail("child of worker %d: attaching its own segment failed",
		     ch->wid - CHILD_WID);
		return;
	}
	/* written through our attachment: our copy changes, the parent's not */
	*(volatile uint64_t *)(addr + (word - sl->base)) = token;
	if (*(volatile uint64_t *)word != token)
		fail("child of worker %d: its own buffer misses the write through "
		     "its attachment", ch->wid - CHILD_WID);
	if (!xp_get(ch->fd, sl->segid, XPMEM_RDONLY, &apid) &&
	    !xp_attach(ch->fd, apid, sl->seg_off, PAGE_SZ, 0, 0, &addr)) {
		if (!probe_read((void *)(addr + (word - sl->base)), &v) && v == token)
			fail("child of worker %d: the parent's segment %#llx shows the "
			     "child's write to its copy", ch->wid - CHILD_WID,
			     (unsigned long long)sl->segid);
		count_check(C_CHILD_COW, 0);
	}
}

static void child_main(struct worker *parent)
{
	static const int ops[] = { OP_GET, OP_GET, OP_ATTACH, OP_ATTACH, OP_TOUCH,
				   OP_TOUCH, OP_WRITE, OP_DETACH, OP_RELEASE };
	static struct worker ch;
	int64_t apid;
	int s, n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the parent's racer may have held the lock: it is not ours */
	memset(&ch, 0, sizeof(ch));
	ch.wid = CHILD_WID + parent->wid;
	ch.tokens = first_token();
	trace_init(ch.wid);
	ch.rng = parent->rng;
	rnd(&ch.rng);
	ch.reserve = parent->reserve;
	pthread_mutex_init(&ch.lock, NULL);

	expect_exactly(R_CHILD_OLD_FD,
		       xp_get(parent->fd, 1, XPMEM_RDONLY, &apid),
		       XPMEM_ERRNO_NOPROC, "get on the parent's descriptor");
	for (int i = 0; i < MAX_ATTS; i++) {
		int sig;

		if (!parent->a[i].used)
			continue;
		sig = probe_read((void *)parent->a[i].addr, NULL);
		count_check(C_CHILD_INHERITS, sig);
		if (sig != SIGSEGV)
			fail("child of worker %d: the parent's attachment %#llx is "
			     "mapped in the child (%s)", parent->wid,
			     (unsigned long long)parent->a[i].addr,
			     sig ? sig_name(sig) : "readable");
		break;
	}
	ch.fd = xp_open();
	if (ch.fd < 0) {
		fail("child of worker %d: open: %s", parent->wid, err_name(-ch.fd));
		_exit(1);
	}
	s = own_live_slot(parent);
	if (s >= 0 && board->s[parent->wid][s].kind != K_SHARED)
		child_cow(&ch, &board->s[parent->wid][s]);
	n = 2 + rnd_below(&ch.rng, 10);
	for (int k = 0; k < n; k++) {
		int op = ops[rnd_below(&ch.rng, sizeof(ops) / sizeof(ops[0]))];

		if (op == OP_GET)
			op_get(&ch);
		else if (op == OP_ATTACH)
			op_attach(&ch);
		else if (op == OP_TOUCH || op == OP_WRITE)
			op_touch(&ch, op == OP_WRITE);
		else if (op == OP_DETACH)
			op_detach(&ch);
		else
			op_release(&ch);
	}
	switch (rnd_below(&ch.rng, 3)) {
	case 0:
		worker_cleanup(&ch);
		_exit(0);
	case 1:
		kill(getpid(), SIGKILL);
		_exit(1);
	default:
		_exit(0);	/* everything abandoned to the exit */
	}
}

void op_fork(struct worker *wk)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	trace("fork: %d", (int)pid);
	if (pid < 0) {
		count_check(C_FORK, SIGBUS);
		return;
	}
	if (pid == 0)
		child_main(wk);
	count_check(C_FORK, 0);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!(WIFEXITED(status) && !WEXITSTATUS(status)) &&
	    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		fail("child of worker %d: %s", wk->wid, status_text(status));
}
