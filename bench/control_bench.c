// SPDX-License-Identifier: GPL-2.0
/*
 * control_bench.c - does the control path slow down as segments and
 * permits pile up? One cycle is what a short-lived user does per peer
 * buffer: xpmem_get + xpmem_attach (64 KiB) + touch one page +
 * xpmem_detach + xpmem_release of one segment. It is timed while 10,
 * 10,000 and 100,000 other segments exist in the exporter (each over its
 * own 4 KiB page of one big, mostly untouched buffer), and while the
 * attacher holds 10 or 10,000 other permits. At 10 segments it is also
 * timed against a bare mmap + touch + munmap of a 64 KiB memfd: the mm's
 * own work in a cycle, which no module can avoid.
 *
 * The segment count goes 10 -> 10,000 -> 100,000 -> 10,000 -> 10, three
 * times, and each stop is measured, so a drift of a shared machine does
 * not pass for a trend: each level's blocks are spread over the whole run.
 * Making and removing segments is not timed as part of the cycle, only
 * reported.
 *
 * Under TCG a MAKE costs tens of microseconds or more, so 100,000 segments
 * take a while: the time for the first 10,000 is measured, and if the rest
 * would take longer than CREATE_BUDGET the 100,000 case is skipped (and
 * the output says so) rather than measured with fewer segments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define SEG_LEN		(64 * KIB)
#define MAX_OTHERS	100000L
#define CYCLES		250		/* cycles per timed block */
#define BLOCKS		20		/* blocks per stop, after a discarded one */
#define MAX_SAMPLES	160
#define APIDS		10000L
#define CREATE_BUDGET	300.0		/* seconds for the last 90,000 */
/* an ioctl command no module knows: only the kernel's part of an ioctl */
#define NO_SUCH_IOCTL	_IO('x', 0x7f)

static const long levels[] = { 10, 10000, MAX_OTHERS };
/* indices into levels: three trips up and down */
static const int stops[] = { 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0 };
#define PERMIT_STOP	3		/* the first 10,000 on the way down */

static volatile long sink;

struct samples {
	double v[MAX_SAMPLES];
	int n;
};

/* mean seconds of one get + attach + (touch) + detach + release */
static double cycles_touching(xpmem_segid_t segid, int n, bool touch)
{
	double t = now();

	for (int i = 0; i < n; i++) {
		xpmem_apid_t apid = get_or_die(segid, XPMEM_RDONLY);
		char *att = attach_or_die(apid, 0, SEG_LEN, 0);

		if (touch)
			sink += *(volatile char *)att;
		detach_or_die(att);
		release_or_die(apid);
	}
	return (now() - t) / n;
}

static double cycles(xpmem_segid_t segid, int n)
{
	return cycles_touching(segid, n, true);
}

/*
 * Removing thousands of segments leaves work behind (RCU callbacks, file
 * releases) that would be billed to the next cycles: let it drain, run a
 * block that is not counted, then BLOCKS that are; returns their median.
 */
static double measure(xpmem_segid_t segid, struct samples *s)
{
	usleep(500000);
	cycles(segid, CYCLES);
	for (int b = 0; b < BLOCKS; b++) {
		if (s->n == MAX_SAMPLES)
			fail("too many samples");
		s->v[s->n++] = cycles(segid, CYCLES);
	}
	return median(&s->v[s->n - BLOCKS], BLOCKS);
}

/* the mm's own work in a cycle: map 64 KiB of shared memory, touch, unmap */
static double bare_cycles(int fd, int n)
{
	double t = now();

	for (int i = 0; i < n; i++) {
		char *p = mmap(NULL, SEG_LEN, PROT_READ, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED)
			fail("mmap of a memfd: %s", strerror(errno));
		sink += *(volatile char *)p;
		munmap(p, SEG_LEN);
	}
	return (now() - t) / n;
}

/*
 * The kernel's share of an untouched cycle, which every module pays: four
 * ioctls on /dev/xpmem that no module handles (syscall entry, the LSMs'
 * ioctl hooks) and an mmap + munmap of a 64 KiB memfd.
 */
static double floor_cycles(int dev, int fd, int n)
{
	double t = now();

	for (int i = 0; i < n; i++) {
		char *p;

		ioctl(dev, NO_SUCH_IOCTL, 0);
		ioctl(dev, NO_SUCH_IOCTL, 0);
		p = mmap(NULL, SEG_LEN, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			fail("mmap of a memfd: %s", strerror(errno));
		ioctl(dev, NO_SUCH_IOCTL, 0);
		munmap(p, SEG_LEN);
		ioctl(dev, NO_SUCH_IOCTL, 0);
	}
	return (now() - t) / n;
}

/*
 * At 10 segments: the cycle against the same mmap + touch + munmap of a
 * 64 KiB memfd, block for block, so what the module adds to the mm's own
 * work shows as one ratio that does not depend on the machine.
 */
static void reference(xpmem_segid_t segid)
{
	static struct samples s[2];
	int fd = memfd_create("xpmem-bench", MFD_CLOEXEC);
	double m0, m1;

	if (fd < 0 || ftruncate(fd, SEG_LEN) || pwrite(fd, "x", 1, 0) != 1)
		fail("a 64 KiB memfd: %s", strerror(errno));
	bare_cycles(fd, CYCLES);
	cycles(segid, CYCLES);
	for (int b = 0; b < BLOCKS; b++) {
		s[0].v[s[0].n++] = bare_cycles(fd, CYCLES);
		s[1].v[s[1].n++] = cycles(segid, CYCLES);
	}
	close(fd);
	m0 = median(s[0].v, s[0].n);
	m1 = median(s[1].v, s[1].n);
	printf("  cycle at 10 segments / mmap + touch + munmap of a 64 KiB memfd: %.2fx (%.0f vs %.0f us: the module's share of a cycle)\n",
	       m1 / m0, m1 * 1e6, m0 * 1e6);
}

/*
 * Move the exporter to @want other segments; the seconds it took, or -1
 * (said why) if it could not.
 */
static double set_level(struct exporter *ex, long *have, long want)
{
	struct ex_reply r;

	if (want == *have)
		return 0;
	r = exporter_do(ex, want > *have ? EX_MAKE : EX_REMOVE, want);
	if (r.err) {
		bool quota = r.err == EDQUOT || r.err == ENOSPC;

		printf("  %s stopped at %ld segments: %s%s\n",
		       want > *have ? "xpmem_make" : "xpmem_remove", r.val,
		       strerror(r.err), quota ? " (the segment quota? run.sh lifts it)" : "");
		exporter_do(ex, EX_REMOVE, 0);
		*have = 0;
		return -1;
	}
	*have = r.val;
	return r.secs;
}

/*
 * At 10,000 other segments: the cycle while the attacher holds 10 and
 * 10,000 permits to them, alternating three times.
 */
static void permits(struct exporter *ex)
{
	static const long hold[] = { 10, APIDS, 10, APIDS, 10, APIDS };
	xpmem_segid_t *ids = calloc(APIDS, sizeof(*ids));
	xpmem_apid_t *apids = calloc(APIDS, sizeof(*apids));
	static struct samples s[2];
	double get_secs = 0, m0, m1;
	struct ex_reply r;
	long held = 0;

	if (!ids || !apids)
		fail("out of memory for %ld ids", APIDS);
	r = exporter_do(ex, EX_SEGIDS, APIDS);
	exporter_read(ex, ids, r.val * sizeof(*ids));
	if (r.val < APIDS) {
		printf("  cycle with 10,000 other permits held / with 10: skipped, only %ld segments to get\n",
		       r.val);
		goto out;
	}
	for (size_t p = 0; p < ARRAY_SIZE(hold); p++) {
		double t = now();

		for (; held < hold[p]; held++)
			apids[held] = get_or_die(ids[held], XPMEM_RDONLY);
		for (; held > hold[p]; held--)
			release_or_die(apids[held - 1]);
		if (p == 1)
			get_secs = now() - t;
		measure(ex->segid, &s[hold[p] == APIDS]);
	}
	while (held)
		release_or_die(apids[--held]);
	m0 = median(s[0].v, s[0].n);
	m1 = median(s[1].v, s[1].n);
	printf("  cycle with 10,000 other permits held / with 10 held: %.2fx (%.0f vs %.0f us; getting 9,990 took %.1f s)\n",
	       m1 / m0, m1 * 1e6, m0 * 1e6, get_secs);
out:
	free(ids);
	free(apids);
}

int bench_control(void)
{
	struct ex_opts o = {
		.kind = SRC_4K,
		.size = SEG_LEN + MAX_OTHERS * PAGE_SZ,
		.fill = SEG_LEN,
		.seg_len = SEG_LEN,
		.cpu = -1,
	};
	double stop_us[ARRAY_SIZE(stops)] = { 0 }, up[3] = { 0 }, down = 0, base;
	static struct samples s[ARRAY_SIZE(levels)];
	bool skip_top = false;
	struct exporter ex;
	long have = 0;
	char why[160];

	printf("== control: one get + attach 64 KiB + touch 1 page + detach + release, vs how many other segments exist ==\n");
	printf("   ratio = cycle time with N other segments in the exporter / with 10: medians of %d-cycle blocks, %d a stop;\n",
	       CYCLES, BLOCKS);
	printf("   the count goes 10 -> 10,000 -> 100,000 -> 10,000 -> 10 three times (creation is not timed, only reported);\n");
	printf("   at the first 10,000 on the way down also: the attacher holding 10,000 other permits vs 10.\n");
	if (exporter_start(&ex, &o, why, sizeof(why))) {
		printf("  skipped: the exporter could not get its buffer: %s\n", why);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(stops); i++) {
		int l = stops[i];
		long from = have;
		double secs;

		if (l == 2 && skip_top)
			continue;
		secs = set_level(&ex, &have, levels[l]);
		if (secs < 0)
			break;
		if (have > from && !up[l])
			up[l] = secs;
		else if (from == MAX_OTHERS && !down)
			down = secs;
		/* the 10 -> 10,000 step tells how long 100,000 would take */
		if (i == 1 && secs * (MAX_OTHERS - levels[1]) /
		    (levels[1] - levels[0]) > CREATE_BUDGET) {
			skip_top = true;
			printf("  (100,000 segments skipped: making the other 90,000 would take ~%.0f s here)\n",
			       secs * (MAX_OTHERS - levels[1]) / (levels[1] - levels[0]));
		}
		stop_us[i] = measure(ex.segid, &s[l]) * 1e6;
		if (i == 0)
			reference(ex.segid);
		if (i == PERMIT_STOP)
			permits(&ex);
	}
	exporter_stop(&ex);

	if (up[2] > 0)
		printf("  (making the segments the first time: 10 -> 10,000 in %.1f s, 10,000 -> 100,000 in %.1f s, %.0f us each;\n"
		       "   all 100,000 in %.1f s; removing 90,000 took %.1f s)\n",
		       up[1], up[2], up[2] * 1e6 / (MAX_OTHERS - levels[1]),
		       up[0] + up[1] + up[2], down);
	if (!s[0].n) {
		printf("  skipped: no measurement at 10 segments\n");
		return 0;
	}
	printf("  (each stop in order, us a cycle:");
	for (size_t i = 0; i < ARRAY_SIZE(stops); i++)
		if (stop_us[i] > 0)
			printf(" %s%.0f", levels[stops[i]] == 10 ? "10:" :
			       levels[stops[i]] == 10000 ? "10k:" : "100k:", stop_us[i]);
	printf(")\n");
	base = median(s[0].v, s[0].n);
	for (size_t l = 1; l < ARRAY_SIZE(levels); l++) {
		double m;

		if (!s[l].n) {
			printf("  cycle with %ld other segments / with 10: skipped (%s)\n",
			       levels[l], skip_top ? "too slow to create here" : "could not create them");
			continue;
		}
		m = median(s[l].v, s[l].n);
		printf("  cycle with %ld other segments / with 10: %.2fx (target <= 1.2x: %s; %.0f vs %.0f us)\n",
		       levels[l], m / base, verdict(m / base <= 1.2), m * 1e6, base * 1e6);
	}
	return 0;
}

/*
 * `xpmem_bench cycle`: the cycle at 10 other segments, with one page
 * touched and without, and the kernel's share of it (floor_cycles), in
 * alternating blocks; prints the three medians in us on one line.
 * bench/run.sh runs it once per module and loads another module in
 * between (its baseline section), so the line is for a script.
 */
int bench_cycle(void)
{
	struct ex_opts o = {
		.kind = SRC_4K,
		.size = SEG_LEN + 10 * PAGE_SZ,
		.fill = SEG_LEN,
		.seg_len = SEG_LEN,
		.cpu = -1,
	};
	static struct samples s[3];
	int dev = open("/dev/xpmem", O_RDWR | O_CLOEXEC);
	int fd = memfd_create("xpmem-bench", MFD_CLOEXEC);
	struct exporter ex;
	long have = 0;
	char why[160];

	if (dev < 0)
		fail("/dev/xpmem: %s", strerror(errno));
	if (fd < 0 || ftruncate(fd, SEG_LEN))
		fail("a 64 KiB memfd: %s", strerror(errno));
	if (exporter_start(&ex, &o, why, sizeof(why)))
		fail("the exporter could not get its buffer: %s", why);
	if (set_level(&ex, &have, 10) < 0)
		fail("could not make 10 other segments");
	cycles_touching(ex.segid, CYCLES, true);
	for (int b = 0; b < BLOCKS; b++) {
		s[0].v[s[0].n++] = cycles_touching(ex.segid, CYCLES, true);
		s[1].v[s[1].n++] = cycles_touching(ex.segid, CYCLES, false);
		s[2].v[s[2].n++] = floor_cycles(dev, fd, CYCLES);
	}
	exporter_stop(&ex);
	close(fd);
	close(dev);
	printf("cycle-us %.2f %.2f %.2f\n", median(s[0].v, s[0].n) * 1e6,
	       median(s[1].v, s[1].n) * 1e6, median(s[2].v, s[2].n) * 1e6);
	return 0;
}
