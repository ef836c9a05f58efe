// SPDX-License-Identifier: GPL-2.0
/*
 * lockdep nesting for invalidations started from an invalidate callback:
 * only in the test-only debug kernel (tests/debug/patches)
 */
#include <linux/mmu_notifier.h>

void probe(void);
void probe(void)
{
	mmu_notifier_nested_begin();
	mmu_notifier_nested_end();
}
