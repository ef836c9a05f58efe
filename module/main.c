// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module init/exit and the /dev/xpmem misc device: open, close,
 * and the ioctl dispatch into segment.c, permit.c and attach.c.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"

/* The lineage's ABI, frozen: existing binaries pass these structs as is. */
#define ABI_FIELD(type, field, offset) \
	static_assert(offsetof(struct type, field) == (offset))
static_assert(sizeof(struct xpmem_cmd_make) == 40);
ABI_FIELD(xpmem_cmd_make, size, 8);
ABI_FIELD(xpmem_cmd_make, permit_type, 16);
ABI_FIELD(xpmem_cmd_make, permit_value, 24);
ABI_FIELD(xpmem_cmd_make, segid, 32);
static_assert(sizeof(struct xpmem_cmd_remove) == 8);
static_assert(sizeof(struct xpmem_cmd_get) == 32);
ABI_FIELD(xpmem_cmd_get, flags, 8);
ABI_FIELD(xpmem_cmd_get, permit_type, 12);
ABI_FIELD(xpmem_cmd_get, permit_value, 16);
ABI_FIELD(xpmem_cmd_get, apid, 24);
static_assert(sizeof(struct xpmem_cmd_release) == 8);
static_assert(sizeof(struct xpmem_cmd_attach) == 40);
ABI_FIELD(xpmem_cmd_attach, offset, 8);
ABI_FIELD(xpmem_cmd_attach, size, 16);
ABI_FIELD(xpmem_cmd_attach, vaddr, 24);
ABI_FIELD(xpmem_cmd_attach, fd, 32);
ABI_FIELD(xpmem_cmd_attach, flags, 36);
static_assert(sizeof(struct xpmem_cmd_detach) == 8);
static_assert(XPMEM_CMD_MAKE == 0x7801 && XPMEM_CMD_FORK_END == 0x7808);

static int dev_open(struct inode *inode, struct file *file)
{
	struct xpmem_proc *proc;

	if (!current->mm)
		return -EINVAL;
	proc = xpmem_proc_create();
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	file->private_data = proc;
	return 0;
}

/*
 * Called on every close() of a descriptor for this open. As in the lineage,
 * a close by the opening process tears its state down; a close by a forked
 * child that inherited the descriptor does not.
 */
static int dev_flush(struct file *file, fl_owner_t id)
{
	struct xpmem_proc *proc = file->private_data;

	if (current->tgid == proc->tgid)
		xpmem_proc_teardown(proc);
	return 0;
}

static int dev_release(struct inode *inode, struct file *file)
{
	struct xpmem_proc *proc = file->private_data;

	xpmem_proc_teardown(proc);
	xpmem_proc_free(proc);
	return 0;
}

static long dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xpmem_proc *proc = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (cmd == XPMEM_CMD_VERSION)
		return XPMEM_CURRENT_VERSION;

	/* a forked child must open its own descriptor first */
	if (current->mm != proc->mm || READ_ONCE(proc->dead))
		return -XPMEM_ERRNO_NOPROC;

	switch (cmd) {
	case XPMEM_CMD_MAKE:
		return xpmem_make(proc, uarg);
	case XPMEM_CMD_REMOVE:
		return xpmem_remove(proc, uarg);
	case XPMEM_CMD_GET:
		return xpmem_get(proc, uarg);
	case XPMEM_CMD_RELEASE:
		return xpmem_release(proc, uarg);
	case XPMEM_CMD_ATTACH:
		return xpmem_attach(proc, uarg);
	case XPMEM_CMD_DETACH:
		return xpmem_detach(proc, uarg);
	case XPMEM_CMD_FORK_BEGIN:
	case XPMEM_CMD_FORK_END:
		/* nothing is pinned, so there is nothing to recall at fork */
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}

static const struct file_operations dev_fops = {
	.owner		= THIS_MODULE,
	.open		= dev_open,
	.flush		= dev_flush,
	.release	= dev_release,
	.unlocked_ioctl	= dev_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice xpmem_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "xpmem",
	.fops	= &dev_fops,
	.mode	= 0666,
};

/*
 * The device comes last: once it is registered, anyone may open it and
 * reach everything else, the netlink family included.
 */
static int __init xpmem_init(void)
{
	int ret;

	ret = xpmem_ids_init();
	if (ret)
		return ret;
	ret = xpmem_segments_init();
	if (ret)
		goto err_ids;
	ret = xpmem_stats_init();
	if (ret)
		goto err_segments;
	ret = xpmem_netlink_init();
	if (ret)
		goto err_stats;
	ret = misc_register(&xpmem_miscdev);
	if (ret)
		goto err_netlink;
	pr_info("cross-process memory, version %x.%x.%x\n",
		(XPMEM_CURRENT_VERSION >> 16) & 0xfff,
		(XPMEM_CURRENT_VERSION >> 12) & 0xf,
		XPMEM_CURRENT_VERSION & 0xfff);
	return 0;

err_netlink:
	xpmem_netlink_exit();
err_stats:
	xpmem_stats_exit();
err_segments:
	xpmem_segments_exit();
err_ids:
	xpmem_ids_exit();
	return ret;
}

static void __exit xpmem_exit(void)
{
	misc_deregister(&xpmem_miscdev);
	xpmem_netlink_exit();
	xpmem_stats_exit();
	xpmem_segments_exit();
	xpmem_policy_exit();
	xpmem_gup_exit();
	xpmem_ids_exit();
}

module_init(xpmem_init);
module_exit(xpmem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Cross-process memory mapping (XPMEM) without pinning");
MODULE_VERSION("2.8.1");
MODULE_AUTHOR("xpmem developers");
