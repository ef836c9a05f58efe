// SPDX-License-Identifier: GPL-2.0
/*
 * badcalls.c - the stress worker's calls that must fail one exact way:
 * removing another worker's segment, releasing twice, bad GET flags,
 * attaching past a segment, detaching what is no attachment, MAKE with a
 * misaligned address or a mode beyond 0777.
 */
#include <errno.h>

#include "stress.h"

void expect_exactly(int row, long ret, int err, const char *what)
{
	tally_add(&board->calls, row, ret);
	if (ret != -err)
		fail("%s: %s, expected %s", what, ret ? err_name(-ret) : "success",
		     err_name(err));
}

static void bad_remove_foreign(struct worker *wk)
{
	int w = rnd_below(&wk->rng, board->nworkers), s = rnd_below(&wk->rng, SLOTS);
	struct slot sl;
	uint64_t seq = slot_snap(w, s, &sl);
	long ret;

	if (!sl.segid || w == wk->wid)
		return;
	ret = xp_remove(wk->fd, sl.segid);
	tally_add(&board->calls, R_BAD_REMOVE_FOREIGN, ret);
	if (ret != -EACCES && ret != -ENOENT)
		fail("worker %d: remove of worker %d's segid %#llx: %s", wk->wid, w,
		     (unsigned long long)sl.segid, ret ? err_name(-ret) : "removed it");
	else if (ret == -ENOENT && slot_stable(w, s, seq, sl.segid) &&
		 !(sl.flags & SF_GONE))
		fail("worker %d: remove of worker %d's live segid %#llx: ENOENT",
		     wk->wid, w, (unsigned long long)sl.segid);
}

static void bad_release_twice(struct worker *wk)
{
	struct slot sl;
	int w = rnd_below(&wk->rng, board->nworkers), s = rnd_below(&wk->rng, SLOTS);
	int64_t apid;

	slot_snap(w, s, &sl);
	if (!sl.segid || xp_get(wk->fd, sl.segid, XPMEM_RDONLY, &apid))
		return;
	EXPECT_OK(OP_RELEASE, xp_release(wk->fd, apid), "release");
	expect_exactly(R_BAD_RELEASE_TWICE, xp_release(wk->fd, apid), ENOENT,
		       "a second release");
}

static void bad_attach_range(struct worker *wk)
{
	uint64_t addr;
	struct permit p;
	int pi;

	pthread_mutex_lock(&wk->lock);
	pi = pick_permit(wk);
	if (pi >= 0)
		p = wk->p[pi];
	pthread_mutex_unlock(&wk->lock);
	if (pi < 0 || p.kind == K_WHOLE)
		return;
	if (rnd_pct(&wk->rng, 50))
		expect_exactly(R_BAD_ATTACH_RANGE,
			       xp_attach(wk->fd, p.apid, p.pages * PAGE_SZ, PAGE_SZ,
					 0, 0, &addr), EINVAL,
			       "attach past the segment's end");
	else
		expect_exactly(R_BAD_ATTACH_RANGE,
			       xp_attach(wk->fd, p.apid, PAGE_SZ / 2, PAGE_SZ, 0, 0,
					 &addr), EINVAL,
			       "attach at an unaligned offset");
}

void op_bad(struct worker *wk)
{
	int64_t id;
	uint64_t base = wk->reserve;

	switch (rnd_below(&wk->rng, 7)) {
	case 0:
		bad_remove_foreign(wk);
		break;
	case 1:
		bad_release_twice(wk);
		break;
	case 2:
		expect_exactly(R_BAD_GET_FLAGS,
			       xp_get(wk->fd, 0x1234, rnd_pct(&wk->rng, 50) ? 0 : 3, &id),
			       EINVAL, "get with bad flags");
		break;
	case 3:
		bad_attach_range(wk);
		break;
	case 4:
		/* our PROT_NONE reserve is no attachment */
		if (!overlaps_att(wk, base, PAGE_SZ))
			expect_exactly(R_BAD_DETACH, xp_detach(wk->fd, base), EINVAL,
				       "detach of a non-attachment");
		break;
	case 5:
		expect_exactly(R_BAD_MAKE,
			       xp_make(wk->fd, base + 123, PAGE_SZ, 0600, &id),
			       EINVAL, "make at an unaligned address");
		break;
	default:
		expect_exactly(R_BAD_MAKE,
			       xp_make(wk->fd, base, PAGE_SZ, 01000, &id),
			       EINVAL, "make with mode 01000");
		break;
	}
}
