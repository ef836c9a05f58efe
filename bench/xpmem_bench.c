// SPDX-License-Identifier: GPL-2.0
/*
 * xpmem_bench.c - side-by-side ratios, measured in one run on one machine.
 *
 *   xpmem_bench [cold|prefault|steady|control|cycle|transfer|numa|all]...
 *
 *   cold, prefault, steady  fault_bench.c: what faulting pages into an
 *                           attachment costs, mapping ahead, warm copies;
 *   control                 control_bench.c: get/attach/detach/release
 *                           with many segments and permits alive;
 *   cycle                   control_bench.c: that cycle's time with and
 *                           without a touch, for run.sh's baseline (not
 *                           part of "all");
 *   transfer                transfer_bench.c: attachment vs
 *                           process_vm_readv vs a pipe;
 *   numa                    numa_bench.c: a get loop under NUMA balancing.
 *
 * Absolute times mean little under emulation (and on a shared machine):
 * only the ratios, of times taken side by side in the same run, are the
 * results; the absolute numbers are printed in parentheses as context.
 * Run as root with the module loaded (bench/run.sh does it in the guest).
 */
#include <stdio.h>
#include <string.h>

#include "common.h"

static const struct {
	const char *name;
	int (*run)(void);
} sections[] = {
	{ "cold", bench_cold },
	{ "prefault", bench_prefault },
	{ "steady", bench_steady },
	{ "control", bench_control },
	{ "cycle", bench_cycle },
	{ "transfer", bench_transfer },
	{ "numa", bench_numa },
};

static int run_named(const char *name)
{
	bool all = !strcmp(name, "all");
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		if (all ? strcmp(sections[i].name, "cycle") != 0 :
			  !strcmp(name, sections[i].name)) {
			ret |= sections[i].run();
			if (!all)
				return ret;
		}
	if (!all)
		fail("no section %s (cold, prefault, steady, control, cycle, transfer, numa, all)",
		     name);
	return ret;
}

int main(int argc, char **argv)
{
	int ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return run_named("all");
	for (int i = 1; i < argc; i++)
		ret |= run_named(argv[i]);
	return ret;
}
