// SPDX-License-Identifier: GPL-2.0
/*
 * get_user_pages() takes a NUMA-hinted (PROT_NONE) page as it is unless
 * asked to honour the hint (FOLL_HONOR_NUMA_FAULT, from 6.6), and
 * get_user_pages_remote() has no vmas argument
 */
#include <linux/mm.h>

long probe(struct mm_struct *mm, struct page **page);
long probe(struct mm_struct *mm, struct page **page)
{
	return get_user_pages_remote(mm, 0, 1, FOLL_NOFAULT, page, NULL) +
	       FOLL_HONOR_NUMA_FAULT;
}
