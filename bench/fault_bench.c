// SPDX-License-Identifier: GPL-2.0
/*
 * fault_bench.c - what it costs to get pages into an attachment, and what
 * an attachment costs once they are there:
 *
 *   cold:     first touch (one word a page) and first memcpy out of / into
 *             a fresh attachment, against the same pass once mapped (warm),
 *             and against the module's one_page_faults=Y switch (one page
 *             per fault, no dirtying ahead of a write), for sources of
 *             4 KiB pages, THP and hugetlb: how much the fault-around
 *             window and the write-ahead dirtying buy;
 *   prefault: XPMEM_ATTACH_POPULATE (and MADV_WILLNEED) against faulting
 *             page by page: does a populated attachment copy at warm speed,
 *             and is mapping ahead cheaper than faulting in all;
 *   steady:   a warm memcpy out of an attachment against a memcpy of a
 *             local buffer of the same kind: the price of the special PTEs
 *             once nothing faults.
 *
 * Every result is a ratio of two times taken side by side in this run,
 * rounds interleaved (A B, B A, ...): the median of the per-round ratios,
 * or the ratio of the medians where one of the two times is tiny.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

/* a pass costs milliseconds even under TCG: rounds are cheap */
#define COLD_SIZE	(64 * MIB)	/* run.sh reserves this much hugetlb */
#define COLD_ROUNDS	5
#define PF_SIZE		(64 * MIB)
#define PF_ROUNDS	5
#define ST_SIZE		(64 * MIB)
#define ST_ROUNDS	11
#define MAX_ROUNDS	16

static volatile long sink;

/* a prefaulted local source of @kind, aligned as an attachment would be */
static char *local_source(enum src_kind kind, size_t size)
{
	char why[160];
	char *p = map_source(kind, size, why, sizeof(why));

	if (!p)
		fail("local buffer: %s", why);
	memset(p, 0x33, size);
	return p;
}

static double ms(double secs)
{
	return secs * 1e3;
}

/* --- cold --------------------------------------------------------------- */

struct cold_op {
	const char *name;
	bool write;		/* stores (RDWR permit), else loads */
	bool copy;		/* memcpy, else one word a page */
};

static const struct cold_op cold_ops[] = {
	{ "read,  first touch", false, false },
	{ "read,  memcpy out ", false, true },
	{ "write, first touch", true, false },
	{ "write, memcpy in  ", true, true },
};

struct cold_result {
	double cold, warm, one;		/* medians, seconds */
	double floor;			/* the emulator's part of a cold touch */
	double cold_warm;		/* of the medians */
	double one_normal;		/* median of the per-round ratios */
	double flt, flt_one;		/* attacher faults of the cold pass */
};

/* the fewest AnonHugePages any refreshed THP source had */
static long min_huge_kb;

static void refresh(struct exporter *ex)
{
	struct ex_reply r = exporter_do(ex, EX_REFRESH, 0);

	if (r.err) {
		errno = r.err;
		die("madvise(MADV_DONTNEED) of the exporter's buffer");
	}
	if (r.val < min_huge_kb)
		min_huge_kb = r.val;
}

static double cold_pass(const struct cold_op *op, char *att, char *local,
			size_t len)
{
	double t = now();

	if (op->copy && op->write)
		copy_bytes(att, local, len);
	else if (op->copy)
		copy_bytes(local, att, len);
	else if (op->write)
		touch_write(att, len);
	else
		sink += touch_read(att, len);
	return now() - t;
}

/*
 * Rounds of: normal mode, fresh attachment, cold pass, warm pass, detach;
 * and (with @ab) the same cold pass with one_page_faults=Y. The two modes
 * swap order every round. Before each cold pass the exporter replaces its
 * pages with freshly written ones, as a new message buffer would be: an
 * anonymous page that was once written through an attachment stays dirty,
 * and would spare later rounds the dirtying the fault path does ahead of
 * a write.
 */
static void cold_measure(struct exporter *ex, xpmem_apid_t apid,
			 const struct cold_op *op, char *local, bool ab,
			 struct cold_result *res)
{
	double cold[MAX_ROUNDS], warm[MAX_ROUNDS], one[MAX_ROUNDS];
	double on[MAX_ROUNDS], flt[MAX_ROUNDS], flt1[MAX_ROUNDS];

	for (int r = 0; r < COLD_ROUNDS; r++) {
		for (int k = 0; k < 2; k++) {
			bool onepage = k == (r & 1);
			long f0;
			double t;
			char *att;

			if (onepage && !ab)
				continue;
			if (ab)
				set_one_page_faults(onepage);
			refresh(ex);
			att = attach_or_die(apid, 0, COLD_SIZE, 0);
			f0 = minor_faults();
			t = cold_pass(op, att, local, COLD_SIZE);
			if (onepage) {
				one[r] = t;
				flt1[r] = minor_faults() - f0;
			} else {
				cold[r] = t;
				flt[r] = minor_faults() - f0;
				warm[r] = cold_pass(op, att, local, COLD_SIZE);
			}
			detach_or_die(att);
		}
		on[r] = ab ? one[r] / cold[r] : 0;
	}
	if (ab)
		set_one_page_faults(false);
	res->cold = median(cold, COLD_ROUNDS);
	res->warm = median(warm, COLD_ROUNDS);
	/*
	 * A warm touch takes well under a millisecond: any preemption shows,
	 * so the medians are taken first, not of each round's ratio.
	 */
	res->cold_warm = res->cold / res->warm;
	res->flt = median(flt, COLD_ROUNDS);
	if (ab) {
		res->one = median(one, COLD_ROUNDS);
		res->one_normal = median(on, COLD_ROUNDS);
		res->flt_one = median(flt1, COLD_ROUNDS);
	}
}

static void cold_print(enum src_kind kind, const struct cold_op *op,
		       const struct cold_result *r, bool ab)
{
	char abtxt[64] = "one-page/normal   n/a";

	if (ab)
		snprintf(abtxt, sizeof(abtxt), "one-page/normal %5.2fx",
			 r->one_normal);
	printf("  %-11s %s: cold/warm %8.1fx   %s   (attacher faults %.0f vs %.0f one-page; cold %.1f ms, warm %.2f ms, one-page %.1f ms)\n",
	       src_name[kind], op->name, r->cold_warm, abtxt, r->flt,
	       ab ? r->flt_one : 0, ms(r->cold), ms(r->warm), ab ? ms(r->one) : 0);
}

/*
 * What a first touch costs under emulation whatever the module does: TCG
 * refills its software TLB page by page, 4 KiB at a time even inside a
 * 2 MiB mapping, after every flush. Measured as a read touch pass over
 * local, mapped memory of @kind right after mprotect() flushed its TLB
 * entries; median seconds of COLD_ROUNDS passes.
 */
static double tlb_floor(enum src_kind kind)
{
	char *p = local_source(kind, COLD_SIZE);
	double t[MAX_ROUNDS];

	for (int r = 0; r < COLD_ROUNDS; r++) {
		if (mprotect(p, COLD_SIZE, PROT_NONE) ||
		    mprotect(p, COLD_SIZE, PROT_READ | PROT_WRITE))
			die("mprotect of a local buffer");
		t[r] = now();
		sink += touch_read(p, COLD_SIZE);
		t[r] = now() - t[r];
	}
	munmap(p, COLD_SIZE);
	return median(t, COLD_ROUNDS);
}

static void normal_faults(void)
{
	knob_write(ONE_PAGE_KNOB, "N");
}

int bench_cold(void)
{
	static const enum src_kind kinds[] = { SRC_4K, SRC_THP, SRC_HUGETLB };
	struct cold_result res[ARRAY_SIZE(kinds)][ARRAY_SIZE(cold_ops)];
	bool have[ARRAY_SIZE(kinds)] = { false };
	bool ab = have_one_page_knob();
	char *local = scratch_buffer(COLD_SIZE);

	printf("== cold: a fresh %lu MiB attachment, first pass vs the next (warm) pass, and vs one_page_faults=Y ==\n",
	       COLD_SIZE / MIB);
	printf("   cold/warm = time of the first pass / time of the same pass once mapped\n");
	printf("   one-page/normal = first-pass time with one_page_faults=Y / with the normal fault path (N)\n");
	printf("   read: RDONLY permit, loads; write: RDWR permit, stores. Medians of %d rounds, modes interleaved;\n",
	       COLD_ROUNDS);
	printf("   the exporter writes fresh pages (MADV_DONTNEED + memset) before every cold pass.\n");
	if (!ab)
		printf("   (one-page/normal skipped: %s is not writable, an older module?)\n",
		       ONE_PAGE_KNOB);
	else
		atexit(normal_faults);	/* whatever ends the run */
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct ex_opts o = { .kind = kinds[k], .size = COLD_SIZE, .cpu = -1 };
		xpmem_apid_t ro, rw;
		struct exporter ex;
		char why[160];

		if (exporter_start(&ex, &o, why, sizeof(why))) {
			printf("  %-11s skipped: the exporter could not get its buffer: %s\n",
			       src_name[kinds[k]], why);
			continue;
		}
		min_huge_kb = ex.huge_kb;
		ro = get_or_die(ex.segid, XPMEM_RDONLY);
		rw = get_or_die(ex.segid, XPMEM_RDWR);
		for (size_t i = 0; i < ARRAY_SIZE(cold_ops); i++) {
			cold_measure(&ex, cold_ops[i].write ? rw : ro,
				     &cold_ops[i], local, ab, &res[k][i]);
			cold_print(kinds[k], &cold_ops[i], &res[k][i], ab);
		}
		if (kinds[k] == SRC_THP)
			printf("  %-11s source: AnonHugePages at least %ld of %lu KiB in every round%s\n",
			       src_name[kinds[k]], min_huge_kb, COLD_SIZE / KIB,
			       min_huge_kb <= 0 ? " (no THP: the kernel gave 4 KiB pages)" : "");
		release_or_die(ro);
		release_or_die(rw);
		exporter_stop(&ex);
		/* after the exporter: a hugetlb pool holds one buffer only */
		res[k][0].floor = tlb_floor(kinds[k]);
		have[k] = true;
	}

	printf("  -- against the issue's targets:\n");
	if (ab && have[0]) {
		printf("  cold memcpy out, one-page/normal (4 KiB source): %.2fx (target >= 2x: %s)\n",
		       res[0][1].one_normal, verdict(res[0][1].one_normal >= 2));
		printf("  cold memcpy in,  one-page/normal (4 KiB source): %.2fx (target >= 2x: %s)\n",
		       res[0][3].one_normal, verdict(res[0][3].one_normal >= 2));
	}
	for (size_t k = 1; k < ARRAY_SIZE(kinds); k++) {
		const struct cold_result *small = &res[0][0], *big = &res[k][0];
		double r, rf;

		if (!have[0] || !have[k]) {
			printf("  first touch, 4 KiB source / %s source: skipped (no %s source)\n",
			       src_name[kinds[k]], src_name[kinds[k]]);
			continue;
		}
		r = small->cold / big->cold;
		/* noise can put a pass under its floor: count it as 1% of it */
		rf = (small->cold - small->floor) /
		     fmax(big->cold - big->floor, big->floor / 100);
		printf("  read first touch, time with a 4 KiB source / with a %s source: %.2fx; without the emulator's TLB refill: %.1fx%s%s\n",
		       src_name[kinds[k]], r, rf,
		       kinds[k] == SRC_THP ? " (target >= 10x: " : "",
		       kinds[k] == SRC_THP ? (rf >= 10 ? "met)" : "MISSED)") : "");
		printf("     (the refill: a touch pass over local memory of the kind just after a TLB flush, %.2f ms for %s pages and %.2f ms for 4 KiB pages; the attachment's passes took %.2f and %.2f ms)\n",
		       ms(big->floor), src_name[kinds[k]], ms(small->floor),
		       ms(big->cold), ms(small->cold));
	}
	scratch_free(local, COLD_SIZE);
	return 0;
}

/* --- prefault ----------------------------------------------------------- */

enum pf_way { PF_POPULATE, PF_PLAIN, PF_WILLNEED, PF_WAYS };

int bench_prefault(void)
{
	struct ex_opts o = { .kind = SRC_4K, .size = PF_SIZE, .cpu = -1 };
	double first[PF_WAYS][MAX_ROUNDS], total[PF_WAYS][MAX_ROUNDS];
	double warm[MAX_ROUNDS], flt[MAX_ROUNDS], r_fw[MAX_ROUNDS];
	double r_pop[MAX_ROUNDS], r_wn[MAX_ROUNDS];
	struct exporter ex;
	xpmem_apid_t apid;
	char why[160];
	char *local;

	printf("== prefault: a fresh %lu MiB attachment (4 KiB source) mapped ahead vs faulted page by page ==\n",
	       PF_SIZE / MIB);
	printf("   POPULATE = xpmem_attach2(XPMEM_ATTACH_POPULATE); plain = xpmem_attach, pages fault in on the memcpy;\n");
	printf("   WILLNEED = plain attach + madvise(MADV_WILLNEED). Medians of %d rounds, the three rotated.\n",
	       PF_ROUNDS);
	if (exporter_start(&ex, &o, why, sizeof(why))) {
		printf("  skipped: the exporter could not get its buffer: %s\n", why);
		return 0;
	}
	local = scratch_buffer(PF_SIZE);
	apid = get_or_die(ex.segid, XPMEM_RDONLY);
	for (int r = 0; r < PF_ROUNDS; r++) {
		for (int k = 0; k < PF_WAYS; k++) {
			enum pf_way w = (k + r) % PF_WAYS;
			double t0, t1, t2;
			long f0;
			char *att;

			t0 = now();
			att = attach_or_die(apid, 0, PF_SIZE,
					    w == PF_POPULATE ? XPMEM_ATTACH_POPULATE : 0);
			if (w == PF_WILLNEED && madvise(att, PF_SIZE, MADV_WILLNEED))
				die("madvise(MADV_WILLNEED) on an attachment");
			t1 = now();
			f0 = minor_faults();
			copy_bytes(local, att, PF_SIZE);
			t2 = now();
			if (w == PF_POPULATE) {
				flt[r] = minor_faults() - f0;
				warm[r] = now();
				copy_bytes(local, att, PF_SIZE);
				warm[r] = now() - warm[r];
			}
			first[w][r] = t2 - t1;
			total[w][r] = t2 - t0;
			detach_or_die(att);
		}
		r_fw[r] = first[PF_POPULATE][r] / warm[r];
		r_pop[r] = total[PF_POPULATE][r] / total[PF_PLAIN][r];
		r_wn[r] = total[PF_WILLNEED][r] / total[PF_PLAIN][r];
	}
	release_or_die(apid);
	exporter_stop(&ex);
	scratch_free(local, PF_SIZE);

	printf("  first memcpy after a POPULATE attach / a warm memcpy: %.2fx (target <= 1.3x: %s; attacher faults during it: %.0f; %.1f vs %.1f ms)\n",
	       median(r_fw, PF_ROUNDS), verdict(median(r_fw, PF_ROUNDS) <= 1.3),
	       median(flt, PF_ROUNDS), ms(median(first[PF_POPULATE], PF_ROUNDS)),
	       ms(median(warm, PF_ROUNDS)));
	printf("  (POPULATE attach + first memcpy) / (plain attach + first memcpy): %.2fx (%.1f vs %.1f ms; the POPULATE attach alone %.1f ms)\n",
	       median(r_pop, PF_ROUNDS), ms(median(total[PF_POPULATE], PF_ROUNDS)),
	       ms(median(total[PF_PLAIN], PF_ROUNDS)),
	       ms(median(total[PF_POPULATE], PF_ROUNDS) -
		  median(first[PF_POPULATE], PF_ROUNDS)));
	printf("  (attach + MADV_WILLNEED + first memcpy) / (plain attach + first memcpy): %.2fx (%.1f vs %.1f ms)\n",
	       median(r_wn, PF_ROUNDS), ms(median(total[PF_WILLNEED], PF_ROUNDS)),
	       ms(median(total[PF_PLAIN], PF_ROUNDS)));
	return 0;
}

/* --- steady ------------------------------------------------------------- */

int bench_steady(void)
{
	static const enum src_kind kinds[] = { SRC_4K, SRC_THP };

	printf("== steady: a warm %lu MiB memcpy out of an attachment vs out of a local buffer of the same page kind ==\n",
	       ST_SIZE / MIB);
	printf("   ratio = local memcpy time / attachment memcpy time (1.0: as fast as local). Medians of %d paired rounds.\n",
	       ST_ROUNDS);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct ex_opts o = { .kind = kinds[k], .size = ST_SIZE, .cpu = -1 };
		double ta[MAX_ROUNDS], tl[MAX_ROUNDS], ratio[MAX_ROUNDS];
		char why[160], thp[96] = "";
		char *src, *dst, *att;
		struct exporter ex;
		xpmem_apid_t apid;
		double r;

		if (exporter_start(&ex, &o, why, sizeof(why))) {
			printf("  %-11s skipped: the exporter could not get its buffer: %s\n",
			       src_name[kinds[k]], why);
			continue;
		}
		src = local_source(kinds[k], ST_SIZE);
		dst = scratch_buffer(ST_SIZE);
		if (kinds[k] == SRC_THP)
			snprintf(thp, sizeof(thp), "; AnonHugePages: exporter %ld, local %ld of %lu KiB",
				 ex.huge_kb, anon_huge_kb(getpid(), src), ST_SIZE / KIB);
		apid = get_or_die(ex.segid, XPMEM_RDONLY);
		att = attach_or_die(apid, 0, ST_SIZE, 0);
		copy_bytes(dst, att, ST_SIZE);		/* map it */
		copy_bytes(dst, src, ST_SIZE);
		for (int i = 0; i < ST_ROUNDS; i++) {
			for (int j = 0; j < 2; j++) {
				bool through = j == (i & 1);
				double t = now();

				copy_bytes(dst, through ? att : src, ST_SIZE);
				t = now() - t;
				if (through)
					ta[i] = t;
				else
					tl[i] = t;
			}
			ratio[i] = tl[i] / ta[i];
		}
		r = median(ratio, ST_ROUNDS);
		printf("  %-11s local/attachment: %.3fx (target >= 0.98: %s; %.1f vs %.1f ms%s)\n",
		       src_name[kinds[k]], r, verdict(r >= 0.98),
		       ms(median(tl, ST_ROUNDS)), ms(median(ta, ST_ROUNDS)), thp);
		detach_or_die(att);
		release_or_die(apid);
		exporter_stop(&ex);
		munmap(src, ST_SIZE);
		scratch_free(dst, ST_SIZE);
	}
	return 0;
}
