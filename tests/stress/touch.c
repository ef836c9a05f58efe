// SPDX-License-Identifier: GPL-2.0
/*
 * touch.c - reading and writing through attachments, and what must be seen
 * there: the slots' sequence counts, the data pattern and writer tokens,
 * the checks of one touched page, and the racer thread that reads,
 * drops and re-protects attachments while the main thread works.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "stress.h"

/* ---- slots ------------------------------------------------------------------ */

uint64_t slot_snap(int w, int s, struct slot *copy)
{
	struct slot *sl = &board->s[w][s];
	uint64_t seq = 1;

	for (int tries = 0; tries < 200; tries++) {
		seq = __atomic_load_n(&sl->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			sched_yield();
			continue;
		}
		memcpy(copy, sl, sizeof(*copy));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&sl->seq, __ATOMIC_RELAXED) == seq)
			return seq;
	}
	memset(copy, 0, sizeof(*copy));
	return seq | 1;
}

bool slot_stable(int w, int s, uint64_t seq, int64_t segid)
{
	struct slot *sl = &board->s[w][s];
	uint32_t flags;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	flags = __atomic_load_n(&sl->flags, __ATOMIC_RELAXED);
	return !(seq & 1) && __atomic_load_n(&sl->seq, __ATOMIC_RELAXED) == seq &&
	       (flags & (SF_LIVE | SF_GONE)) && !(flags & SF_DYING) &&
	       __atomic_load_n(&sl->segid, __ATOMIC_RELAXED) == segid;
}

void slot_begin(int w, int s)
{
	__atomic_add_fetch(&board->s[w][s].seq, 1, __ATOMIC_SEQ_CST);
}

void slot_end(int w, int s)
{
	__atomic_add_fetch(&board->s[w][s].seq, 1, __ATOMIC_RELEASE);
}

void slot_set(int w, int s, uint32_t set, uint32_t clear)
{
	__atomic_or_fetch(&board->s[w][s].flags, set, __ATOMIC_SEQ_CST);
	__atomic_and_fetch(&board->s[w][s].flags, ~clear, __ATOMIC_SEQ_CST);
}

/* +2 keeps the owner's parity: an owner mid-change stays odd */
void slot_mark_dying(int w)
{
	for (int s = 0; s < SLOTS; s++) {
		__atomic_or_fetch(&board->s[w][s].flags, SF_DYING, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&board->s[w][s].seq, 2, __ATOMIC_SEQ_CST);
	}
}

/* ---- data ------------------------------------------------------------------ */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

uint64_t pattern_word(uint64_t seed, uint32_t page, uint32_t word)
{
	return mix(seed ^ ((uint64_t)page << 32) ^ word) | 1;
}

void pattern_fill(void *page, uint64_t seed, uint32_t page_index)
{
	uint64_t *w = page;

	for (uint32_t k = 0; k < PATTERN_WORDS; k++)
		w[k] = pattern_word(seed, page_index, k);
	memset(w + PATTERN_WORDS, 0, SCRATCH_WORDS * 8);
}

uint64_t make_token(int wid, uint64_t n)
{
	uint64_t v = ((uint64_t)(wid + 1) << 56) | ((n & 0xffffffffffULL) << 8);

	return v | (mix(v) & 0xff);
}

/*
 * Where this process's token count starts. A respawned worker and every child
 * of one worker share a writer id, so the count alone would repeat their
 * tokens: a child could then read an earlier child's write as its own.
 */
uint64_t first_token(void)
{
	return __atomic_add_fetch(&board->writers, 1, __ATOMIC_RELAXED) << 24;
}

bool token_valid(uint64_t v)
{
	return !v || ((v >> 56) && (v & 0xff) == (mix(v & ~0xffULL) & 0xff));
}

/* ---- checks of one page ---------------------------------------------------- */

/* the exporter's slot and our mapping both unchanged since the snapshot */
static bool still(struct worker *wk, int i, const struct att *a, uint64_t seq,
		  const struct slot *sl)
{
	return sl->segid == a->segid && slot_stable(a->w, a->s, seq, a->segid) &&
	       !(a->lseq & 1) &&
	       __atomic_load_n(&wk->a[i].lseq, __ATOMIC_ACQUIRE) == a->lseq;
}

static const char *state_name(uint8_t st)
{
	static const char *const names[] = { "data", "zero", "gone", "none" };

	return names[st & PS_MASK];
}

#define WHERE_FMT "worker %d: slot %d.%d (%s%s pid %u uid %u segid %#llx) page %u " \
		  "(%s%s) through %s attachment %#llx+%#llx"
#define WHERE_ARGS(wk, a, sl, dp) (wk)->wid, (a)->w, (a)->s,		\
	(sl)->flags & SF_GONE ? "gone " : "",				\
	(sl)->kind == K_HOLED ? "holed" : (sl)->kind == K_WHOLE ? "whole-space" : \
	(sl)->kind == K_SHARED ? "shared" : "plain", (sl)->owner_pid,	\
	(sl)->owner_uid, (unsigned long long)(sl)->segid, (unsigned int)(dp), \
	state_name((sl)->pstate[dp]), (sl)->pstate[dp] & PS_RO ? ",ro" : "", \
	(a)->rw ? "an rdwr" : "an rdonly", (unsigned long long)(a)->addr,	\
	(unsigned long long)((dp) * PAGE_SZ + (sl)->seg_off - (a)->off)

/* data page of the segment that page pg of the attachment shows, or -1 */
static long data_page(const struct att *a, const struct slot *sl, uint64_t pg)
{
	uint64_t dp;

	if (a->off < sl->seg_off)
		return -1;
	dp = (a->off - sl->seg_off) / PAGE_SZ + pg;
	return dp < sl->pages ? (long)dp : -1;
}

static void check_read(struct worker *wk, const struct att *a,
		       const struct slot *sl, uint32_t dp, int sig,
		       const uint64_t *buf)
{
	uint8_t st = sl->flags & SF_GONE ? PS_GONE : sl->pstate[dp] & PS_MASK;

	__atomic_add_fetch(&board->stable_checks, 1, __ATOMIC_RELAXED);
	if (st == PS_GONE || st == PS_NONE) {
		if (sig != SIGBUS)
			fail_about(a->w, "read of " WHERE_FMT ": %s, expected SIGBUS",
			     WHERE_ARGS(wk, a, sl, dp), sig ? sig_name(sig) : "it worked");
		return;
	}
	if (sig) {
		fail_about(a->w, "read of " WHERE_FMT ": %s (si_code %d), expected "
			   "the data", WHERE_ARGS(wk, a, sl, dp), sig_name(sig),
			   probe_si_code());
		show_maps_near(a->addr);
		return;
	}
	for (uint32_t k = 0; k < PATTERN_WORDS; k++) {
		uint64_t want = st == PS_ZERO ? 0 : pattern_word(sl->seed, dp, k);

		if (buf[k] != want) {
			fail_about(a->w, "read of " WHERE_FMT ": word %u is %#llx, expected %#llx",
			     WHERE_ARGS(wk, a, sl, dp), k,
			     (unsigned long long)buf[k], (unsigned long long)want);
			return;
		}
	}
}

int touch_page(struct worker *wk, int i, const struct att *a, uint64_t pg,
	       int check_row)
{
	uint64_t buf[PATTERN_WORDS];
	struct slot sl;
	uint64_t seq = slot_snap(a->w, a->s, &sl);
	long dp = data_page(a, &sl, pg);
	int sig = probe_copy((void *)(a->addr + pg * PAGE_SZ), buf, sizeof(buf));

	if (dp >= 0 && still(wk, i, a, seq, &sl))
		check_read(wk, a, &sl, dp, sig, buf);
	count_check(dp >= 0 && sl.hole == dp ? C_READ_HOLE : check_row, sig);
	return sig;
}

/* what the exporter has at the word we wrote: 0 and *v, or -errno */
static int exporter_word(const struct slot *sl, uint64_t addr, uint64_t *v)
{
	struct iovec local = { v, 8 }, remote = { (void *)addr, 8 };

	if (sl->owner_pid == (uint32_t)getpid())
		return probe_read((void *)addr, v) ? -EFAULT : 0;
	if (process_vm_readv(sl->owner_pid, &local, 1, &remote, 1, 0) != 8)
		return -errno;
	return 0;
}

static void check_exporter_sees(struct worker *wk, int i, const struct att *a,
				const struct slot *sl, uint64_t seq, uint32_t dp,
				uint32_t word, uint64_t token)
{
	uint64_t v = 0;
	int ret = exporter_word(sl, sl->base + dp * PAGE_SZ + word * 8, &v);

	if (ret || !still(wk, i, a, seq, sl))
		return;		/* not ours to read (another uid), or it moved */
	if (v != token)
		fail_about(a->w, "write through " WHERE_FMT ": the exporter sees %#llx at "
		     "word %u, not our %#llx", WHERE_ARGS(wk, a, sl, dp),
		     (unsigned long long)v, word, (unsigned long long)token);
	count_check(C_EXPORTER_SEES, v == token ? 0 : SIGBUS);
}

static void write_page(struct worker *wk, int i, const struct att *a,
		       uint64_t pg)
{
	uint32_t word = PATTERN_WORDS + (wk->wid % 32) * 8 + rnd_below(&wk->rng, 8);
	uint64_t token = make_token(wk->wid, ++wk->tokens), v = 0;
	uint64_t addr = a->addr + pg * PAGE_SZ + word * 8;
	struct slot sl;
	uint64_t seq = slot_snap(a->w, a->s, &sl);
	long dp = data_page(a, &sl, pg);
	int sig = probe_write((void *)addr, token), st;

	if (!a->rw) {
		/* the mapping is read-only whatever the exporter does */
		if (!sig && !(a->lseq & 1) &&
		    __atomic_load_n(&wk->a[i].lseq, __ATOMIC_ACQUIRE) == a->lseq)
			fail("worker %d: a write through the rdonly attachment "
			     "%#llx of segid %#llx worked", wk->wid,
			     (unsigned long long)a->addr, (unsigned long long)a->segid);
		count_check(C_WRITE_RDONLY, sig);
		return;
	}
	if (!sig)
		sig = probe_read((void *)addr, &v);
	count_check(C_WRITE, sig);
	if (dp < 0 || !still(wk, i, a, seq, &sl))
		return;
	__atomic_add_fetch(&board->stable_checks, 1, __ATOMIC_RELAXED);
	st = sl.flags & SF_GONE ? PS_GONE : sl.pstate[dp];
	if ((st & PS_MASK) == PS_GONE || (st & PS_MASK) == PS_NONE || (st & PS_RO)) {
		if (sig != SIGBUS)
			fail_about(a->w, "write through " WHERE_FMT ": %s, expected SIGBUS",
			     WHERE_ARGS(wk, a, &sl, dp),
			     sig ? sig_name(sig) : "it worked");
		return;
	}
	if (sig || v != token) {
		fail_about(a->w, "write through " WHERE_FMT ": %s, read back %#llx for %#llx",
		     WHERE_ARGS(wk, a, &sl, dp), sig ? sig_name(sig) : "no fault",
		     (unsigned long long)v, (unsigned long long)token);
		return;
	}
	check_exporter_sees(wk, i, a, &sl, seq, dp, word, token);
}

void op_touch(struct worker *wk, bool write)
{
	struct att a;
	uint64_t pg;
	int i;

	pthread_mutex_lock(&wk->lock);
	i = pick_att(wk, &wk->rng);
	if (i >= 0)
		a = wk->a[i];
	pthread_mutex_unlock(&wk->lock);
	if (i < 0)
		return;
	pg = rnd_below(&wk->rng, a.len / PAGE_SZ);
	if (write)
		write_page(wk, i, &a, pg);
	else
		touch_page(wk, i, &a, pg, C_READ);
}

/* ---- the racer thread ------------------------------------------------------- */

static void racer_mprotect(struct worker *wk, struct rng *r, int i)
{
	struct att *a = &wk->a[i];
	int prot = rnd_pct(r, 50) ? PROT_NONE : PROT_READ;

	att_lseq_bump(a);
	trace("racer mprotect %d att %d %#llx+%#llx", prot, i,
	      (unsigned long long)a->addr, (unsigned long long)a->len);
	if (mprotect((void *)a->addr, a->len, prot))
		fail("worker %d racer: mprotect of attachment %#llx: %s", wk->wid,
		     (unsigned long long)a->addr, err_name(errno));
	sleep_ms(rnd_below(r, 3));
	if (mprotect((void *)a->addr, a->len, PROT_READ | (a->rw ? PROT_WRITE : 0)))
		fail("worker %d racer: restoring attachment %#llx: %s", wk->wid,
		     (unsigned long long)a->addr, err_name(errno));
	att_lseq_bump(a);
	count_check(C_RACER_MPROTECT, 0);
}

static void racer_get(struct worker *wk, struct rng *r)
{
	int w = rnd_below(r, board->nworkers), s = rnd_below(r, SLOTS);
	struct slot sl;
	uint64_t seq = slot_snap(w, s, &sl);
	int64_t apid;
	long ret;

	if (!sl.segid)
		return;
	ret = xp_get(wk->fd, sl.segid, XPMEM_RDONLY, &apid);
	check_get(R_RACER_GET, ret, &sl, seq, w, s, XPMEM_RDONLY);
	if (!ret)
		EXPECT_OK(R_RACER_RELEASE, xp_release(wk->fd, apid), "racer release");
}

static void *racer(void *arg)
{
	static const unsigned int weights[] = { 60, 15, 10, 15 };
	struct worker *wk = arg;
	struct rng r;
	struct att a;
	int i;

	rng_seed(&r, rnd(&wk->rng) ^ 0x5a5a);
	while (!__atomic_load_n(&board->stop, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&wk->racer_quit, __ATOMIC_RELAXED)) {
		int what = rnd_weighted(&r, weights, 4);

		if (what == 3) {
			racer_get(wk, &r);
			continue;
		}
		pthread_mutex_lock(&wk->lock);
		i = pick_att(wk, &r);
		if (i < 0) {
			pthread_mutex_unlock(&wk->lock);
			sleep_ms(2);
			continue;
		}
		a = wk->a[i];
		if (what == 0) {
			pthread_mutex_unlock(&wk->lock);
			touch_page(wk, i, &a, rnd_below(&r, a.len / PAGE_SZ),
				   C_RACER_READ);
		} else if (what == 1) {
			/* dropping PTEs loses nothing: no sequence bump */
			att_dontneed(wk, &a);
			pthread_mutex_unlock(&wk->lock);
		} else {
			racer_mprotect(wk, &r, i);
			pthread_mutex_unlock(&wk->lock);
		}
		sched_yield();
	}
	return NULL;
}

void racer_start(struct worker *wk)
{
	wk->racer_quit = 0;
	wk->racer_running = !pthread_create(&wk->racer, NULL, racer, wk);
}

void racer_stop(struct worker *wk)
{
	if (!wk->racer_running)
		return;
	__atomic_store_n(&wk->racer_quit, 1, __ATOMIC_RELAXED);
	pthread_join(wk->racer, NULL);
	wk->racer_running = false;
}
