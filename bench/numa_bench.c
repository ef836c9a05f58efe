// SPDX-License-Identifier: GPL-2.0
/*
 * numa_bench.c - a get-style loop under NUMA balancing. The attacher, on
 * one node, reads the same 64 KiB of a peer's buffer through an
 * attachment over and over (one memcpy a read), as a one-sided get would.
 * The exporter sits on the other node, where its pages are, with two
 * threads spinning over the buffer: balancing leaves the local pages of a
 * single-threaded task alone, so the second thread is what makes it scan
 * them. With balancing on, every scan makes the exporter's PTEs PROT_NONE
 * for a moment (a hint pass); if that cost the attacher its PTEs, each
 * pass would show up as refaults and lost throughput.
 *
 * The same loop runs with kernel.numa_balancing=1 (the scan made fast and
 * frequent through debugfs) and =0, alternating, for a fixed time each.
 * Reported: throughput on/off, and the attacher's faults per 1000 reads
 * in each mode, from getrusage (which also counts the hinting faults on
 * the attacher's own memory) and from the module's own fault counter.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NB_SIZE		(4 * MIB)	/* the exporter's buffer */
#define NB_READ		(64 * KIB)	/* read again and again */
#define NB_ROUNDS	5		/* per mode */
#define NB_SECS		3.0		/* per round */

enum { K_ENABLE, K_DELAY, K_PERIOD, K_NR };

static const char *const knobs[K_NR] = {
	[K_ENABLE] = "/proc/sys/kernel/numa_balancing",
	[K_DELAY] = "/sys/kernel/debug/sched/numa_balancing/scan_delay_ms",
	[K_PERIOD] = "/sys/kernel/debug/sched/numa_balancing/scan_period_min_ms",
};

static char saved[K_NR][32];
static bool saved_ok;

static void restore_knobs(void)
{
	if (!saved_ok)
		return;
	for (int i = 0; i < K_NR; i++)
		knob_write(knobs[i], saved[i]);
	saved_ok = false;
}

static void set_knob(int k, const char *val)
{
	if (!knob_write(knobs[k], val))
		die("writing %s to %s", val, knobs[k]);
}

struct nb_round {
	double secs;
	long reads, flt;
	long long mflt, mapped;		/* module faults, pages it mapped */
	uint64_t hinted;		/* vmstat numa_pte_updates */
};

static void get_loop(char *local, const char *att, struct nb_round *r)
{
	long long mf0 = module_faults(), mp0 = module_pages_mapped();
	uint64_t h0 = vmstat("numa_pte_updates");
	long f0 = minor_faults();
	double t0 = now(), t;

	r->reads = 0;
	do {
		for (int i = 0; i < 16; i++)
			copy_bytes(local, att, NB_READ);
		r->reads += 16;
		t = now();
	} while (t - t0 < NB_SECS);
	r->secs = t - t0;
	r->flt = minor_faults() - f0;
	r->hinted = vmstat("numa_pte_updates") - h0;
	r->mapped = module_pages_mapped() - mp0;
	r->mflt = module_faults();
	r->mflt = mf0 < 0 || r->mflt < 0 ? -1 : r->mflt - mf0;
}

static void sum_mode(const struct nb_round *rs, bool on, double *rate,
		     double *fpk, double *mfpk, long long *mapped,
		     uint64_t *hinted)
{
	long reads = 0, flt = 0;
	long long mflt = 0;
	double secs = 0;

	*mapped = 0;
	*hinted = 0;
	for (int i = 0; i < 2 * NB_ROUNDS; i++) {
		if ((i % 2 == 1) != on)
			continue;
		reads += rs[i].reads;
		secs += rs[i].secs;
		flt += rs[i].flt;
		mflt = mflt < 0 || rs[i].mflt < 0 ? -1 : mflt + rs[i].mflt;
		*mapped += rs[i].mapped;
		*hinted += rs[i].hinted;
	}
	*rate = reads / secs;
	*fpk = 1000.0 * flt / reads;
	*mfpk = mflt < 0 ? -1 : 1000.0 * mflt / reads;
}

int bench_numa(void)
{
	struct ex_opts o = { .kind = SRC_4K, .size = NB_SIZE, .cpu = -1 };
	struct nb_round rs[2 * NB_ROUNDS];
	double ratio[NB_ROUNDS], rate[2], fpk[2], mfpk[2];
	long long mapped[2];
	uint64_t hinted[2];
	int cpu_ex, cpu_at;
	struct exporter ex;
	cpu_set_t oldset;
	xpmem_apid_t apid;
	char why[160];
	char *local, *att;
	long on_node;

	printf("== numa: a get loop (memcpy of the same 64 KiB out of a remote attachment) with NUMA balancing on vs off ==\n");
	printf("   exporter: 2 threads spinning over its %lu MiB buffer on the node of its pages; attacher on the other node.\n",
	       NB_SIZE / MIB);
	printf("   on = kernel.numa_balancing=1, scan_delay_ms=0, scan_period_min_ms=10; off = numa_balancing=0;\n");
	printf("   %d rounds of %.0f s each, alternating. ratio = reads/s on / reads/s off.\n",
	       NB_ROUNDS, NB_SECS);
	cpu_ex = first_cpu_of_node(0);
	cpu_at = first_cpu_of_node(1);
	if (cpu_ex < 0 || cpu_at < 0 || cpu_ex == cpu_at) {
		printf("  skipped: needs two NUMA nodes with a CPU each (node0 cpu %d, node1 cpu %d)\n",
		       cpu_ex, cpu_at);
		return 0;
	}
	for (int i = 0; i < K_NR; i++)
		if (!knob_read(knobs[i], saved[i], sizeof(saved[i])) ||
		    access(knobs[i], W_OK)) {
			printf("  skipped: no NUMA balancing knob %s (CONFIG_NUMA_BALANCING, debugfs?)\n",
			       knobs[i]);
			return 0;
		}
	saved_ok = true;
	atexit(restore_knobs);
	/* a task's first scan delay is set when it forks: before the exporter */
	set_knob(K_DELAY, "0");
	set_knob(K_PERIOD, "10");
	set_knob(K_ENABLE, "0");

	o.cpu = cpu_ex;
	if (exporter_start(&ex, &o, why, sizeof(why))) {
		restore_knobs();
		printf("  skipped: the exporter could not get its buffer: %s\n", why);
		return 0;
	}
	on_node = exporter_do(&ex, EX_ON_NODE, 0).val;
	if (sched_getaffinity(0, sizeof(oldset), &oldset))
		die("sched_getaffinity");
	pin_to_cpu(cpu_at);
	local = malloc(NB_READ);
	if (!local)
		fail("out of memory");
	memset(local, 0, NB_READ);
	apid = get_or_die(ex.segid, XPMEM_RDONLY);
	att = attach_or_die(apid, 0, NB_SIZE, 0);
	copy_bytes(local, att, NB_READ);
	if (exporter_do(&ex, EX_SPIN, 2).err)
		fail("the exporter could not start its spinning threads");

	/* even entries of rs are "off" rounds, odd ones "on" */
	for (int r = 0; r < NB_ROUNDS; r++) {
		for (int k = 0; k < 2; k++) {
			int on = k == (r & 1);

			set_knob(K_ENABLE, on ? "1" : "0");
			get_loop(local, att, &rs[2 * r + on]);
		}
		ratio[r] = (rs[2 * r + 1].reads / rs[2 * r + 1].secs) /
			   (rs[2 * r].reads / rs[2 * r].secs);
	}
	set_knob(K_ENABLE, "0");
	exporter_do(&ex, EX_STOP, 0);
	restore_knobs();
	detach_or_die(att);
	release_or_die(apid);
	exporter_stop(&ex);
	free(local);
	if (sched_setaffinity(0, sizeof(oldset), &oldset))
		die("sched_setaffinity");

	for (int on = 0; on < 2; on++)
		sum_mode(rs, on, &rate[on], &fpk[on], &mfpk[on], &mapped[on],
			 &hinted[on]);
	printf("  (exporter on cpu %d, %ld of %lu buffer pages on node 0; attacher on cpu %d)\n",
	       cpu_ex, on_node, NB_SIZE / PAGE_SZ, cpu_at);
	printf("  get-loop throughput, balancing on / off: %.3fx (%.0f vs %.0f reads/s; each round:",
	       median(ratio, NB_ROUNDS), rate[1], rate[0]);
	for (int r = 0; r < NB_ROUNDS; r++)
		printf(" %.2f", ratio[r]);
	printf(")\n");
	printf("  attacher faults per 1000 reads (getrusage): on %.3f, off %.3f\n",
	       fpk[1], fpk[0]);
	if (mfpk[0] >= 0 && mfpk[1] >= 0)
		printf("  attacher faults per 1000 reads (module counter): on %.3f, off %.3f; pages the module mapped meanwhile: on %lld, off %lld\n",
		       mfpk[1], mfpk[0], mapped[1], mapped[0]);
	else
		printf("  module fault counter: unavailable (xpmemctl stats failed; set XPMEMCTL)\n");
	printf("  (PTEs NUMA-hinted system-wide during the rounds, vmstat numa_pte_updates: on %llu, off %llu)\n",
	       (unsigned long long)hinted[1], (unsigned long long)hinted[0]);
	if (!hinted[1])
		printf("  note: no hint pass ran during the on rounds, so the on/off ratio says nothing about balancing\n");
	return 0;
}
