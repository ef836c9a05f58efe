// SPDX-License-Identifier: GPL-2.0
/* faults may run under a per-VMA lock; release whichever is held (6.5+) */
#include <linux/mm.h>

void probe(struct vm_fault *vmf);
void probe(struct vm_fault *vmf)
{
	release_fault_lock(vmf);
}
