// SPDX-License-Identifier: GPL-2.0
/*
 * worker.c - one stress worker process: its loop of random operations and
 * the xpmem calls among them (make, get, attach, detach, release, remove,
 * and calls that must fail with one exact errno), each checked against
 * what the board says about the segment at the time of the call.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "stress.h"

static struct worker wk_self;

static const int modes[] = { 0600, 0640, 0644, 0666, 0604, 0606, 0400, 0444 };

/* ---- local tables -------------------------------------------------------------- */

int pick_att(struct worker *wk, struct rng *r)
{
	int start = rnd_below(r, MAX_ATTS);

	for (int k = 0; k < MAX_ATTS; k++) {
		int i = (start + k) % MAX_ATTS;

		if (wk->a[i].used)
			return i;
	}
	return -1;
}

int pick_permit(struct worker *wk)
{
	int start = rnd_below(&wk->rng, MAX_PERMITS);

	for (int k = 0; k < MAX_PERMITS; k++) {
		int i = (start + k) % MAX_PERMITS;

		if (wk->p[i].used)
			return i;
	}
	return -1;
}

int own_live_slot(struct worker *wk)
{
	int start = rnd_below(&wk->rng, SLOTS);

	for (int k = 0; k < SLOTS; k++) {
		int s = (start + k) % SLOTS;

		if (board->s[wk->wid][s].flags & SF_LIVE)
			return s;
	}
	return -1;
}

void att_lseq_bump(struct att *a)
{
	__atomic_add_fetch(&a->lseq, 1, __ATOMIC_SEQ_CST);
}

static bool in_reserve(struct worker *wk, uint64_t addr, uint64_t len)
{
	return addr >= wk->reserve &&
	       addr + len <= wk->reserve + RESERVE_PAGES * PAGE_SZ;
}

/* PROT_NONE again over the pages of [addr, addr+len) no attachment covers */
void reserve_gaps(struct worker *wk, uint64_t addr, uint64_t len)
{
	for (uint64_t p = addr; p < addr + len; p += PAGE_SZ) {
		bool covered = false;

		for (int i = 0; i < MAX_ATTS && !covered; i++)
			covered = wk->a[i].used && p >= wk->a[i].addr &&
				  p < wk->a[i].addr + wk->a[i].len;
		if (!covered)
			trace("re-reserve %#llx", (unsigned long long)p);
		if (!covered && mmap((void *)p, PAGE_SZ, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				     MAP_NORESERVE, -1, 0) == MAP_FAILED)
			fail("worker %d: re-reserving %#llx: %s", wk->wid,
			     (unsigned long long)p, err_name(errno));
	}
}

/*
 * Every attachment we know of is still mapped (msync fails with ENOMEM on
 * an unmapped range): an operation on one attachment must not take others
 * with it. The caller holds the lock; what names the operation.
 */
void atts_still_mapped(struct worker *wk, const char *what)
{
	for (int i = 0; i < MAX_ATTS; i++) {
		struct att *a = &wk->a[i];

		if (a->used && msync((void *)a->addr, a->len, MS_ASYNC) && errno == ENOMEM) {
			fail("worker %d: after %s, attachment %d %#llx+%#llx (segid "
			     "%#llx) is no longer mapped", wk->wid, what, i,
			     (unsigned long long)a->addr, (unsigned long long)a->len,
			     (unsigned long long)a->segid);
			show_maps_near(a->addr);
			att_forget(wk, i, false);
		}
	}
}

void att_going(struct att *a)
{
	if (!(__atomic_load_n(&a->lseq, __ATOMIC_RELAXED) & 1))
		att_lseq_bump(a);
}

void att_forget(struct worker *wk, int i, bool unmapped)
{
	struct att *a = &wk->a[i];

	att_going(a);
	a->used = false;
	att_lseq_bump(a);
	if (unmapped && in_reserve(wk, a->addr, a->len))
		reserve_gaps(wk, a->addr, a->len);
}

/* ---- make and remove ---------------------------------------------------------- */

/*
 * Around the hole, never over it: a one-page attachment of ours may have
 * been placed there since.
 */
static void unmap_buffer(struct slot *sl)
{
	uint64_t end = sl->base + sl->pages * PAGE_SZ;

	if (!sl->base)
		return;
	trace("unmap buffer %#llx+%u pages, hole %d", (unsigned long long)sl->base,
	      sl->pages, sl->hole);
	if (sl->hole >= 0) {
		uint64_t hole = sl->base + sl->hole * PAGE_SZ;

		munmap((void *)sl->base, hole - sl->base);
		munmap((void *)(hole + PAGE_SZ), end - hole - PAGE_SZ);
	} else {
		munmap((void *)sl->base, end - sl->base);
	}
	sl->base = 0;
}

static void fill_slot(struct worker *wk, struct slot *sl)
{
	static const unsigned int kinds[N_KINDS] = { 5, 2, 2, 1 };
	int shared;

	sl->kind = rnd_weighted(&wk->rng, kinds, N_KINDS);
	sl->pages = 2 + rnd_below(&wk->rng, MAX_DATA_PAGES - 1);
	sl->hole = -1;
	if (sl->kind == K_HOLED) {
		sl->pages = 3 + rnd_below(&wk->rng, MAX_DATA_PAGES - 2);
		sl->hole = 1 + rnd_below(&wk->rng, sl->pages - 2);
	}
	shared = sl->kind == K_SHARED ? MAP_SHARED : MAP_PRIVATE;
	sl->base = (uint64_t)mmap(NULL, sl->pages * PAGE_SZ,
				  PROT_READ | PROT_WRITE,
				  shared | MAP_ANONYMOUS, -1, 0);
	if (sl->base == (uint64_t)MAP_FAILED) {
		sl->base = 0;
		return;
	}
	sl->seed = rnd(&wk->rng);
	for (uint32_t p = 0; p < sl->pages; p++) {
		pattern_fill((void *)(sl->base + p * PAGE_SZ), sl->seed, p);
		sl->pstate[p] = PS_DATA;
	}
	if (sl->hole >= 0) {
		munmap((void *)(sl->base + sl->hole * PAGE_SZ), PAGE_SZ);
		sl->pstate[sl->hole] = PS_GONE;
	}
	sl->mode = modes[rnd_below(&wk->rng, sizeof(modes) / sizeof(modes[0]))];
	sl->seg_off = sl->kind == K_WHOLE ? sl->base : 0;
	sl->owner_pid = getpid();
	sl->owner_uid = geteuid();
}

void op_make(struct worker *wk)
{
	int s = rnd_below(&wk->rng, SLOTS);
	struct slot *sl = &board->s[wk->wid][s];
	int64_t segid = 0;
	long ret;

	if (sl->flags & SF_LIVE)
		return;
	slot_begin(wk->wid, s);
	unmap_buffer(sl);
	sl->segid = 0;
	slot_set(wk->wid, s, 0, SF_LIVE | SF_GONE);
	fill_slot(wk, sl);
	if (sl->base) {
		if (sl->kind == K_WHOLE)
			ret = xp_make(wk->fd, 0, XPMEM_MAXADDR_SIZE, sl->mode, &segid);
		else
			ret = xp_make(wk->fd, sl->base, sl->pages * PAGE_SZ,
				      sl->mode, &segid);
		EXPECT(sl->kind == K_WHOLE ? R_MAKE_WHOLE : OP_MAKE, ret,
		       "make", ENOMEM, EDQUOT);
		trace("make slot %d kind %u at %#llx+%u pages hole %d: %ld", s,
		      sl->kind, (unsigned long long)sl->base, sl->pages, sl->hole, ret);
		if (!ret) {
			sl->segid = segid;
			slot_set(wk->wid, s, SF_LIVE, 0);
		} else {
			unmap_buffer(sl);
		}
	}
	slot_end(wk->wid, s);
}

static void remove_slot(struct worker *wk, int s, int row)
{
	struct slot *sl = &board->s[wk->wid][s];

	slot_begin(wk->wid, s);
	EXPECT_OK(row, xp_remove(wk->fd, sl->segid), "remove of our segment");
	slot_set(wk->wid, s, SF_GONE, SF_LIVE);
	slot_end(wk->wid, s);
}

void op_remove(struct worker *wk)
{
	int s = own_live_slot(wk);

	if (s >= 0)
		remove_slot(wk, s, OP_REMOVE);
}

/* ---- get ---------------------------------------------------------------------- */

static bool mode_allows(const struct slot *sl, int flags)
{
	int want = 04 | (flags == XPMEM_RDWR ? 02 : 0), granted;

	if (geteuid() == 0)
		return true;		/* CAP_IPC_OWNER */
	if (geteuid() == sl->owner_uid)
		granted = sl->mode >> 6;
	else
		granted = sl->mode;	/* nobody is in no group of root */
	return !(want & ~granted & 07);
}

void check_get(int row, long ret, const struct slot *sl, uint64_t seq,
	       int w, int s, int flags)
{
	bool allowed;

	EXPECT(row, ret, "get", ENOENT, EACCES, ENOMEM, EDQUOT);
	if (!sl->segid || !slot_stable(w, s, seq, sl->segid))
		return;
	__atomic_add_fetch(&board->stable_checks, 1, __ATOMIC_RELAXED);
	if (sl->flags & SF_GONE) {
		if (ret != -ENOENT)
			fail("get of the gone segid %#llx (slot %d.%d): %s, "
			     "expected ENOENT", (unsigned long long)sl->segid, w, s,
			     ret ? err_name(-ret) : "granted");
		return;
	}
	allowed = mode_allows(sl, flags);
	if ((!ret && !allowed) || (ret == -EACCES && allowed) || ret == -ENOENT)
		fail("uid %d: get %s of segid %#llx (slot %d.%d, uid %u mode "
		     "%04o): %s", (int)geteuid(),
		     flags == XPMEM_RDWR ? "rdwr" : "rdonly",
		     (unsigned long long)sl->segid, w, s, sl->owner_uid, sl->mode,
		     ret ? err_name(-ret) : "granted");
}

void op_get(struct worker *wk)
{
	int w = rnd_below(&wk->rng, board->nworkers), s = rnd_below(&wk->rng, SLOTS);
	int flags = rnd_pct(&wk->rng, 50) ? XPMEM_RDWR : XPMEM_RDONLY;
	int i = -1;
	struct slot sl;
	uint64_t seq = slot_snap(w, s, &sl);
	int64_t apid;
	long ret;

	if (!sl.segid)
		return;
	ret = xp_get(wk->fd, sl.segid, flags, &apid);
	check_get(flags == XPMEM_RDWR ? R_GET_RDWR : R_GET_RDONLY, ret, &sl, seq,
		  w, s, flags);
	if (ret)
		return;
	pthread_mutex_lock(&wk->lock);
	for (int k = 0; k < MAX_PERMITS && i < 0; k++)
		if (!wk->p[k].used)
			i = k;
	if (i >= 0)
		wk->p[i] = (struct permit){ true, apid, sl.segid, w, s, flags,
					    sl.seg_off, sl.pages, sl.kind };
	pthread_mutex_unlock(&wk->lock);
	if (i < 0)
		EXPECT_OK(OP_RELEASE, xp_release(wk->fd, apid), "release");
}

/* ---- attach and detach ----------------------------------------------------------- */

bool overlaps_att(struct worker *wk, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < MAX_ATTS; i++)
		if (wk->a[i].used && addr < wk->a[i].addr + wk->a[i].len &&
		    wk->a[i].addr < addr + len)
			return true;
	return false;
}

static int free_att(struct worker *wk)
{
	for (int i = 0; i < MAX_ATTS; i++)
		if (!wk->a[i].used)
			return i;
	return -1;
}

static void record_att(struct worker *wk, int pi, uint64_t addr, uint64_t len,
		       uint64_t off)
{
	struct permit *p = &wk->p[pi];
	int i = free_att(wk);
	struct att *a;

	if (i < 0) {
		EXPECT_OK(OP_DETACH, xp_detach(wk->fd, addr), "detach");
		if (in_reserve(wk, addr, len))
			reserve_gaps(wk, addr, len);
		return;
	}
	a = &wk->a[i];
	att_lseq_bump(a);
	a->addr = addr;
	a->len = len;
	a->off = off;
	a->permit = pi;
	a->segid = p->segid;
	a->w = p->w;
	a->s = p->s;
	a->rw = p->flags == XPMEM_RDWR;
	a->fixed = in_reserve(wk, addr, len);
	a->used = true;
	att_lseq_bump(a);
}

void op_attach(struct worker *wk)
{
	uint64_t fp, n, off, size, vaddr = 0, addr, len;
	int mode = rnd_below(&wk->rng, 10), flags = 0, row = OP_ATTACH, pi;
	bool overlap = false;
	struct permit p;
	struct slot sl;
	uint64_t seq;
	long ret;

	pthread_mutex_lock(&wk->lock);
	pi = pick_permit(wk);
	if (pi < 0 || free_att(wk) < 0)
		goto out;
	p = wk->p[pi];
	fp = rnd_below(&wk->rng, p.pages);
	n = 1 + rnd_below(&wk->rng, p.pages - fp < 16 ? p.pages - fp : 16);
	off = p.seg_off + fp * PAGE_SZ;
	len = n * PAGE_SZ;
	size = rnd_pct(&wk->rng, 20) ? len - rnd_below(&wk->rng, PAGE_SZ - 1) : len;
	if (mode < 2) {
		vaddr = wk->reserve + rnd_below(&wk->rng, RESERVE_PAGES - n) * PAGE_SZ;
		overlap = overlaps_att(wk, vaddr, len);
		row = overlap ? R_BAD_FIXED_OVERLAP : R_ATTACH_FIXED;
	} else if (mode == 2) {
		flags = XPMEM_ATTACH_SAME_VADDR;
		row = R_ATTACH_SAME;
	}
	seq = slot_snap(p.w, p.s, &sl);
	ret = xp_attach(wk->fd, p.apid, off, size, vaddr, flags, &addr);
	if (overlap) {
		if (ret != -EINVAL)
			fail("worker %d: a fixed attach over our attachment at "
			     "%#llx: %s, expected EINVAL", wk->wid,
			     (unsigned long long)vaddr, ret ? err_name(-ret) : "mapped");
		tally_add(&board->calls, row, ret);
	} else if (flags) {
		EXPECT(row, ret, "attach at the source address", ENOENT, EBUSY,
		       ENOMEM, EDQUOT);
	} else {
		EXPECT(row, ret, "attach", ENOENT, ENOMEM, EDQUOT);
	}
	if (!overlap && slot_stable(p.w, p.s, seq, p.segid) && sl.segid == p.segid &&
	    ((sl.flags & SF_GONE) ? ret != -ENOENT : ret == -ENOENT))
		fail("worker %d: attach of segid %#llx (slot %d.%d, %s): %s",
		     wk->wid, (unsigned long long)p.segid, p.w, p.s,
		     sl.flags & SF_GONE ? "gone" : "live",
		     ret ? err_name(-ret) : "mapped");
	if (!ret && flags && addr != sl.base + fp * PAGE_SZ &&
	    sl.segid == p.segid && slot_stable(p.w, p.s, seq, p.segid))
		fail("worker %d: attach at the source address of segid %#llx "
		     "mapped at %#llx", wk->wid, (unsigned long long)p.segid,
		     (unsigned long long)addr);
	trace("attach permit %d (segid %#llx) off %#llx len %#llx vaddr %#llx "
	      "flags %d: %ld at %#llx", pi, (unsigned long long)p.segid,
	      (unsigned long long)off, (unsigned long long)len,
	      (unsigned long long)vaddr, flags, ret, (unsigned long long)addr);
	if (!ret)
		record_att(wk, pi, addr, len, off);
	else if (vaddr && !overlap)
		reserve_gaps(wk, vaddr, len);	/* a failed MAP_FIXED may unmap */
	atts_still_mapped(wk, "an attach");
out:
	pthread_mutex_unlock(&wk->lock);
}

void op_detach(struct worker *wk)
{
	uint64_t addr;
	struct att *a;
	int i;

	pthread_mutex_lock(&wk->lock);
	i = pick_att(wk, &wk->rng);
	if (i < 0)
		goto out;
	a = &wk->a[i];
	/* any address inside the attachment names it */
	addr = a->addr + rnd_below(&wk->rng, a->len / PAGE_SZ) * PAGE_SZ;
	att_going(a);
	EXPECT_OK(OP_DETACH, xp_detach(wk->fd, addr), "detach");
	trace("detach %#llx (att %d at %#llx+%#llx)", (unsigned long long)addr, i,
	      (unsigned long long)a->addr, (unsigned long long)a->len);
	addr = a->addr;
	att_forget(wk, i, true);
	atts_still_mapped(wk, "a detach");
	count_check(C_DETACHED_GONE, probe_read((void *)addr, NULL));
	if (!in_reserve(wk, addr, PAGE_SZ) && probe_read((void *)addr, NULL) != SIGSEGV)
		fail("worker %d: %#llx is still mapped after its detach", wk->wid,
		     (unsigned long long)addr);
out:
	pthread_mutex_unlock(&wk->lock);
}

static void release_permit(struct worker *wk, int pi, int row)
{
	uint64_t gone = 0;

	for (int i = 0; i < MAX_ATTS; i++)
		if (wk->a[i].used && wk->a[i].permit == pi)
			att_going(&wk->a[i]);
	EXPECT_OK(row, xp_release(wk->fd, wk->p[pi].apid), "release");
	trace("release permit %d", pi);
	wk->p[pi].used = false;
	for (int i = 0; i < MAX_ATTS; i++) {
		if (!wk->a[i].used || wk->a[i].permit != pi)
			continue;
		if (!gone && !wk->a[i].fixed)
			gone = wk->a[i].addr;
		att_forget(wk, i, true);
	}
	atts_still_mapped(wk, "a release");
	if (gone) {
		int sig = probe_read((void *)gone, NULL);

		count_check(C_RELEASED_GONE, sig);
		if (sig != SIGSEGV)
			fail("worker %d: %#llx is still mapped after its permit's "
			     "release", wk->wid, (unsigned long long)gone);
	}
}

void op_release(struct worker *wk)
{
	int pi;

	pthread_mutex_lock(&wk->lock);
	pi = pick_permit(wk);
	if (pi >= 0)
		release_permit(wk, pi, OP_RELEASE);
	pthread_mutex_unlock(&wk->lock);
}

/* ---- the worker ----------------------------------------------------------------- */

void worker_cleanup(struct worker *wk)
{
	pthread_mutex_lock(&wk->lock);
	for (int i = 0; i < MAX_ATTS; i++) {
		if (!wk->a[i].used)
			continue;
		att_going(&wk->a[i]);
		EXPECT_OK(R_CLEANUP, xp_detach(wk->fd, wk->a[i].addr), "detach");
		att_forget(wk, i, true);
	}
	for (int pi = 0; pi < MAX_PERMITS; pi++)
		if (wk->p[pi].used)
			release_permit(wk, pi, R_CLEANUP);
	pthread_mutex_unlock(&wk->lock);
	for (int s = 0; s < SLOTS && wk->wid < MAX_WORKERS; s++)
		if (board->s[wk->wid][s].flags & SF_LIVE)
			remove_slot(wk, s, R_CLEANUP);
}

void worker_init_slots(int wid)
{
	for (int s = 0; s < SLOTS; s++) {
		struct slot *sl = &board->s[wid][s];

		/* a dead predecessor's gone segments stay checkable */
		slot_begin(wid, s);
		if (!(sl->flags & SF_GONE)) {
			__atomic_store_n(&sl->flags, 0, __ATOMIC_SEQ_CST);
			sl->segid = 0;
		}
		sl->base = 0;		/* an address in the dead process */
		slot_end(wid, s);
	}
}

static void run_op(struct worker *wk, int op)
{
	switch (op) {
	case OP_MAKE: op_make(wk); break;
	case OP_GET: op_get(wk); break;
	case OP_ATTACH: op_attach(wk); break;
	case OP_TOUCH: op_touch(wk, false); break;
	case OP_WRITE: op_touch(wk, true); break;
	case OP_DETACH: op_detach(wk); break;
	case OP_RELEASE: op_release(wk); break;
	case OP_REMOVE: op_remove(wk); break;
	case OP_REFILL: op_refill(wk); break;
	case OP_VERIFY: op_verify(wk); break;
	case OP_FORK: op_fork(wk); break;
	case OP_EXP_MREMAP: op_exp_mremap(wk); break;
	case OP_EXP_MPROTECT: op_exp_mprotect(wk); break;
	case OP_EXP_MUNMAP: op_exp_munmap(wk); break;
	case OP_EXP_DONTNEED: op_exp_dontneed(wk); break;
	case OP_ATT_MREMAP: op_att_mremap(wk); break;
	case OP_ATT_MPROTECT: op_att_mprotect(wk); break;
	case OP_ATT_DONTNEED: op_att_dontneed(wk); break;
	case OP_ATT_MUNMAP: op_att_munmap(wk); break;
	case OP_BAD: op_bad(wk); break;
	}
}

static void worker_exit(struct worker *wk)
{
	slot_mark_dying(wk->wid);
	count_check(C_EXIT, 0);
	if (rnd_pct(&wk->rng, 50))
		kill(getpid(), SIGKILL);
	_exit(0);
}

void worker_main(int wid)
{
	static unsigned int weights[N_OPS] = {
		[OP_MAKE] = 12, [OP_GET] = 20, [OP_ATTACH] = 24, [OP_TOUCH] = 50,
		[OP_WRITE] = 24, [OP_DETACH] = 10, [OP_RELEASE] = 6,
		[OP_REMOVE] = 5, [OP_REFILL] = 6, [OP_VERIFY] = 4, [OP_FORK] = 3,
		[OP_EXIT] = 1, [OP_EXP_MREMAP] = 2, [OP_EXP_MPROTECT] = 4,
		[OP_EXP_MUNMAP] = 2, [OP_EXP_DONTNEED] = 4, [OP_ATT_MREMAP] = 2,
		[OP_ATT_MPROTECT] = 4, [OP_ATT_DONTNEED] = 4, [OP_ATT_MUNMAP] = 2,
		[OP_BAD] = 6,
	};
	struct worker *wk = &wk_self;
	struct wstate *ws = &board->w[wid];
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int op = 0; op < N_OPS; op++)
		if (!(board->op_mask & (1u << op)))
			weights[op] = 0;
	wk->wid = wid;
	wk->tokens = first_token();
	trace_init(wid);
	wk->root = wid % 2 == 0;
	rng_seed(&wk->rng, board->seed * 1000003 + wid * 7919 + ws->spawns);
	pthread_mutex_init(&wk->lock, NULL);
	if (!wk->root)
		drop_to_nobody();
	ws->uid = geteuid();
	worker_init_slots(wid);
	fd = xp_open();
	if (fd < 0) {
		fail("worker %d: open %s: %s", wid, XPMEM_DEV_PATH, err_name(-fd));
		_exit(1);
	}
	wk->fd = fd;
	wk->reserve = (uint64_t)mmap(NULL, RESERVE_PAGES * PAGE_SZ, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				     -1, 0);
	if (wk->reserve == (uint64_t)MAP_FAILED) {
		fail("worker %d: reserve: %s", wid, err_name(errno));
		_exit(1);
	}
	probes_install();
	if (!(board->flags & NO_RACER))
		racer_start(wk);
	while (!__atomic_load_n(&board->stop, __ATOMIC_RELAXED)) {
		int op = rnd_weighted(&wk->rng, weights, N_OPS);

		__atomic_store_n(&ws->op, op, __ATOMIC_RELAXED);
		__atomic_add_fetch(&board->op_count[op], 1, __ATOMIC_RELAXED);
		if (op == OP_EXIT)
			worker_exit(wk);
		run_op(wk, op);
		__atomic_store_n(&ws->heartbeat, now_ns(), __ATOMIC_RELAXED);
		__atomic_add_fetch(&ws->ops, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&ws->op, OP_EXIT, __ATOMIC_RELAXED);
	racer_stop(wk);
	if (rnd_pct(&wk->rng, 50))
		worker_cleanup(wk);
	slot_mark_dying(wid);
	_exit(0);
}
