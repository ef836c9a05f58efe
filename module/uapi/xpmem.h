/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR LGPL-2.1-or-later) */
/*
 * xpmem.h - cross-process memory: the /dev/xpmem ABI and the libxpmem API.
 *
 * This one header is shared by the kernel module, libxpmem and any client
 * that talks to /dev/xpmem directly. It is installed as <xpmem.h>.
 *
 * Model
 * -----
 * A process exports a range of its address space as a *segment* (MAKE) and
 * publishes the segment id out of band. A peer asks for access (GET) and
 * receives an *access permit* id (apid), then maps any page-aligned part of
 * the segment into its own address space (ATTACH). Loads and stores through
 * the attachment reach the exporter's current pages: nothing is pinned, the
 * attachment follows the exporter's page tables through munmap, madvise,
 * copy-on-write, swap, migration and compaction.
 *
 * Commands (ioctl on /dev/xpmem; the argument is a pointer to the struct)
 * ------------------------------------------------------------------------
 *   XPMEM_CMD_VERSION  no argument; returns XPMEM_CURRENT_VERSION (>= 0).
 *   XPMEM_CMD_MAKE     in: vaddr, size, permit_type = XPMEM_PERMIT_MODE,
 *                      permit_value = a 0777 mode; out: segid.
 *                      size == XPMEM_MAXADDR_SIZE with vaddr == 0 exports the
 *                      whole user address space. The range may contain holes.
 *   XPMEM_CMD_REMOVE   in: segid. Only the exporting process may remove.
 *   XPMEM_CMD_GET      in: segid, flags = XPMEM_RDONLY or XPMEM_RDWR,
 *                      permit_type = XPMEM_PERMIT_MODE, permit_value = 0;
 *                      out: apid. Checked against the segment's mode bits
 *                      and the exporter's uid/gid (CAP_IPC_OWNER bypasses).
 *   XPMEM_CMD_RELEASE  in: apid. Detaches every attachment made with it.
 *   XPMEM_CMD_ATTACH   in: apid, offset, size, vaddr (0 = kernel chooses,
 *                      else MAP_FIXED), flags (XPMEM_ATTACH_*); out: vaddr.
 *   XPMEM_CMD_DETACH   in: any address inside an attachment.
 *
 * Errors are negative errnos. An ioctl issued by a process that did not open
 * the descriptor (a child after fork) fails with XPMEM_ERRNO_NOPROC; the
 * child re-opens /dev/xpmem, as libxpmem does by itself.
 *
 * Deliberate differences from the older XPMEM lineage
 * ---------------------------------------------------
 *  - XPMEM_RDONLY permits attach read-only; XPMEM_RDWR needs write
 *    permission in the mode bits; flags == 0 is EINVAL.
 *  - A page the exporter cannot write (a read-only file mapping) is never
 *    writable through an attachment.
 *  - Segment and permit ids are random; they reveal no pid and no counter.
 *  - Unmapping part of an attachment only loses that part (no SIGKILL).
 *    mremap cannot move an attachment (EINVAL) or grow it (EFAULT);
 *    shrinking it in place unmaps the tail. mprotect() is honoured, within
 *    what the permit grants (PROT_WRITE on an RDONLY attachment: EACCES).
 *  - Only ATTACH maps a segment: remap_file_pages() on an attachment, or an
 *    mmap of the segment's file reached any other way, fails with EACCES.
 *  - XPMEM_ATTACH_SAME_VADDR maps the attachment at the exporter's own
 *    address, so pointer-rich structures can be walked in place.
 */
#ifndef _XPMEM_H
#define _XPMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>
#ifndef __KERNEL__
#include <sys/types.h>
#endif

typedef __s64 xpmem_segid_t;	/* segment id */
typedef __s64 xpmem_apid_t;	/* access permit id */

/* Where an attachment starts: a permit and an offset into its segment. */
struct xpmem_addr {
	xpmem_apid_t apid;
	off_t offset;
};

#define XPMEM_MAXADDR_SIZE	((size_t)(-1L))

/* errno of an ioctl issued from a process that did not open the fd */
#define XPMEM_ERRNO_NOPROC	2004

/* GET flags: the access asked for */
#define XPMEM_RDONLY		0x1
#define XPMEM_RDWR		0x2

/* permit types; the permit value of XPMEM_PERMIT_MODE is a 0777 mode */
enum {
	XPMEM_PERMIT_MODE = 0x1,
};

/*
 * ATTACH flags (struct xpmem_cmd_attach.flags; older kernels ignore them).
 *
 * XPMEM_ATTACH_SAME_VADDR: map at the source address of the attached part
 * (segment start + offset) and never replace an existing mapping: EBUSY if
 * any page of that range is already mapped in the caller, EPERM if it lies
 * below vm.mmap_min_addr (as for mmap). vaddr must be 0.
 */
#define XPMEM_ATTACH_SAME_VADDR	0x1
/*
 * XPMEM_ATTACH_POPULATE: before returning, map every page of the range
 * that is present in the exporter, as MAP_POPULATE would, so the first
 * pass over the attachment takes no fault; pages the exporter never
 * touched are left for the first access to fault in. Advisory: a quota or
 * a racing detach ends it without failing the attach. madvise(addr, len,
 * MADV_WILLNEED) on an attachment does the same for that range, and for
 * the caller's other attachments of the same part of the segment (the
 * advice reaches the segment's file, which knows source ranges only).
 */
#define XPMEM_ATTACH_POPULATE	0x2
#define XPMEM_ATTACH_FLAGS_ALL	(XPMEM_ATTACH_SAME_VADDR | XPMEM_ATTACH_POPULATE)

/*
 * 2.8.1: major in bits 16..27, minor in 12..15, patch level in 0..11.
 * 2.8.0 added XPMEM_ATTACH_SAME_VADDR, 2.8.1 XPMEM_ATTACH_POPULATE.
 */
#define XPMEM_CURRENT_VERSION	0x00028001

#define XPMEM_DEV_PATH		"/dev/xpmem"

/* ioctl commands: _IO('x', nr); no size or direction is encoded */
#define XPMEM_CMD_VERSION	_IO('x', 0)
#define XPMEM_CMD_MAKE		_IO('x', 1)
#define XPMEM_CMD_REMOVE	_IO('x', 2)
#define XPMEM_CMD_GET		_IO('x', 3)
#define XPMEM_CMD_RELEASE	_IO('x', 4)
#define XPMEM_CMD_ATTACH	_IO('x', 5)
#define XPMEM_CMD_DETACH	_IO('x', 6)
#define XPMEM_CMD_FORK_BEGIN	_IO('x', 7)
#define XPMEM_CMD_FORK_END	_IO('x', 8)

struct xpmem_cmd_make {
	__u64 vaddr;
	size_t size;
	int permit_type;
	__u64 permit_value;
	xpmem_segid_t segid;		/* out */
};

struct xpmem_cmd_remove {
	xpmem_segid_t segid;
};

struct xpmem_cmd_get {
	xpmem_segid_t segid;
	int flags;
	int permit_type;
	__u64 permit_value;
	xpmem_apid_t apid;		/* out */
};

struct xpmem_cmd_release {
	xpmem_apid_t apid;
};

struct xpmem_cmd_attach {
	xpmem_apid_t apid;
	off_t offset;
	size_t size;
	__u64 vaddr;			/* in: 0 or a fixed address; out */
	int fd;				/* unused, kept for the ABI */
	int flags;			/* XPMEM_ATTACH_* */
};

struct xpmem_cmd_detach {
	__u64 vaddr;
};

#ifndef __KERNEL__
#ifdef __cplusplus
extern "C" {
#endif

int xpmem_init(void);
int xpmem_ioctl(int cmd, void *arg);
int xpmem_version(void);
xpmem_segid_t xpmem_make(void *vaddr, size_t size, int permit_type,
			 void *permit_value);
int xpmem_remove(xpmem_segid_t segid);
xpmem_apid_t xpmem_get(xpmem_segid_t segid, int flags, int permit_type,
		       void *permit_value);
int xpmem_release(xpmem_apid_t apid);
void *xpmem_attach(struct xpmem_addr addr, size_t size, void *vaddr);
int xpmem_detach(void *vaddr);

/*
 * Extension: attach at the exporter's own address (segment start + offset).
 * Returns that address, or MAP_FAILED with errno EBUSY when any part of the
 * range is already mapped here (nothing is replaced).
 */
void *xpmem_attach_same(struct xpmem_addr addr, size_t size);

/*
 * Extension: xpmem_attach() with XPMEM_ATTACH_* flags. SAME_VADDR needs
 * vaddr == NULL and fails with EOPNOTSUPP on a kernel before 2.8.0;
 * POPULATE is dropped on a kernel before 2.8.1, which maps on first touch
 * instead. Unknown flags: EINVAL.
 */
void *xpmem_attach2(struct xpmem_addr addr, size_t size, void *vaddr,
		    int flags);

#ifdef __cplusplus
}
#endif
#endif /* !__KERNEL__ */

#endif /* _XPMEM_H */
