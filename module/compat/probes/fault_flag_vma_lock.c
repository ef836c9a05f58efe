// SPDX-License-Identifier: GPL-2.0
/* faults may run under a per-VMA lock instead of mmap_lock (6.4+) */
#include <linux/mm.h>

int probe(void);
int probe(void)
{
	return FAULT_FLAG_VMA_LOCK;
}
