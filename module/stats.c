// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - global counters and /proc/xpmem/global_pages.
 *
 * The file keeps the lineage's two lines, so existing leak checks that
 * compare "pages pinned" with "pages unpinned" keep working. Nothing is
 * pinned here: the numbers count pages mapped into attachers and pages
 * unmapped from them, which are equal whenever no attachment is mapped.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "xpmem_internal.h"

struct xpmem_stats xpmem_stats;

static struct proc_dir_entry *proc_dir;

static int global_pages_show(struct seq_file *m, void *v)
{
	seq_printf(m, "all pages pinned by XPMEM: %lld\n",
		   atomic64_read(&xpmem_stats.pages_mapped));
	seq_printf(m, "all pages unpinned by XPMEM: %lld\n",
		   atomic64_read(&xpmem_stats.pages_unmapped));
	return 0;
}

int xpmem_stats_init(void)
{
	proc_dir = proc_mkdir("xpmem", NULL);
	if (!proc_dir)
		return -ENOMEM;
	if (!proc_create_single("global_pages", 0444, proc_dir,
				global_pages_show)) {
		remove_proc_subtree("xpmem", NULL);
		return -ENOMEM;
	}
	return 0;
}

void xpmem_stats_exit(void)
{
	remove_proc_subtree("xpmem", NULL);
}
