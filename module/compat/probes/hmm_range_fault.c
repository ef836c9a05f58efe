// SPDX-License-Identifier: GPL-2.0
/* required: mirroring without pins needs CONFIG_HMM_MIRROR */
#include <linux/hmm.h>

int probe(struct hmm_range *range);
int probe(struct hmm_range *range)
{
	return hmm_range_fault(range);
}
