// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpmem.c - libxpmem: the XPMEM API of <xpmem.h> over /dev/xpmem.
 *
 * Each call is one ioctl on a single process-wide descriptor that is opened
 * on first use. The semantics are those of the hpc/openucx/Cray-HPE library
 * that MPI stacks are built against, minus its bugs: opening is thread-safe,
 * xpmem_make issues MAKE once, and a forked child replaces the descriptor it
 * inherited instead of leaking it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xpmem.h>

/* The build hides everything else (-fvisibility=hidden, libxpmem.map). */
#define EXPORT __attribute__((visibility("default")))

/* The first kernel version that honours XPMEM_ATTACH_SAME_VADDR; older ones
 * ignore attach flags and would map the range somewhere else. */
#define SAME_VADDR_SINCE	0x00028000
/* The first that knows XPMEM_ATTACH_POPULATE; older ones reject it. */
#define POPULATE_SINCE		0x00028001

static atomic_int dev_fd = -1;
/* Bumped whenever a forked child replaces the inherited descriptor, so that
 * threads failing on the old one at the same time re-open only once. */
static atomic_uint dev_generation;
static atomic_int kernel_version = -1;
/* A second descriptor of our own file after a re-open; under dev_lock. */
static int spare_fd = -1;

/* Serialises opening and re-opening; held only around open() and dup3(). */
static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void lock_device(void);
static void unlock_device(void);

/* A fork while another thread holds dev_lock would leave the child's copy
 * locked forever; holding it across fork() rules that out. */
static void register_atfork(void)
{
	pthread_atfork(lock_device, unlock_device, unlock_device);
}

static void lock_device(void)
{
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&dev_lock);
}

static void unlock_device(void)
{
	pthread_mutex_unlock(&dev_lock);
}

/* Returns a new descriptor for the device or -1 with errno. */
static int open_device(void)
{
	struct stat st;

	if (stat(XPMEM_DEV_PATH, &st) < 0)
		return -1;
	if (!S_ISCHR(st.st_mode)) {
		errno = ENODEV;
		return -1;
	}
	return open(XPMEM_DEV_PATH, O_RDWR | O_CLOEXEC);
}

EXPORT int xpmem_init(void)
{
	int fd, ret = 0;

	if (atomic_load(&dev_fd) >= 0)
		return 0;

	lock_device();
	if (atomic_load(&dev_fd) < 0) {
		fd = open_device();
		if (fd < 0)
			ret = -1;
		else
			atomic_store(&dev_fd, fd);
	}
	unlock_device();
	return ret;
}

/*
 * We are a forked child: the kernel does not know us through the inherited
 * descriptor. Open our own and dup3() it over the inherited one, so the
 * number every thread already holds switches files atomically and never
 * names an unrelated file in between. That closes the parent's file here,
 * which is harmless: the kernel tears a process's state down only when the
 * process that opened the file closes a descriptor of it.
 *
 * For the same reason we must never close a descriptor of our own file, not
 * even a duplicate: the one open() returned stays open as a spare. A spare
 * inherited from an earlier generation is an ancestor's, and is closed.
 */
static int reopen_device(unsigned int seen)
{
	int fd, old, ret = 0;

	lock_device();
	if (atomic_load(&dev_generation) != seen)
		goto out;	/* another thread already did it */

	fd = open_device();
	if (fd < 0) {
		ret = -1;
		goto out;
	}
	old = atomic_load(&dev_fd);
	if (dup3(fd, old, O_CLOEXEC) == old) {
		if (spare_fd >= 0)
			close(spare_fd);
		spare_fd = fd;
	} else {
		atomic_store(&dev_fd, fd);	/* leave the old one alone */
	}
	/* only after the swap: a thread that read the old generation may
	 * still have used the old file, and must then not open again */
	atomic_fetch_add(&dev_generation, 1);
out:
	unlock_device();
	return ret;
}

EXPORT int xpmem_ioctl(int cmd, void *arg)
{
	unsigned long request = (unsigned int)cmd;
	unsigned int gen;
	int ret;

	if (xpmem_init() < 0)
		return -1;

	gen = atomic_load(&dev_generation);
	ret = ioctl(atomic_load(&dev_fd), request, arg);
	if (ret < 0 && errno == XPMEM_ERRNO_NOPROC) {
		if (reopen_device(gen) < 0)
			return -1;
		ret = ioctl(atomic_load(&dev_fd), request, arg);
	}
	return ret;
}

EXPORT int xpmem_version(void)
{
	return xpmem_ioctl(XPMEM_CMD_VERSION, NULL);
}

/* An id of 0 or below means the kernel did not fill it in. */
static int64_t checked_id(int64_t id)
{
	if (id > 0)
		return id;
	errno = EPROTO;
	return -1;
}

EXPORT xpmem_segid_t xpmem_make(void *vaddr, size_t size, int permit_type,
				void *permit_value)
{
	struct xpmem_cmd_make make = {
		.vaddr = (uintptr_t)vaddr,
		.size = size,
		.permit_type = permit_type,
		.permit_value = (uintptr_t)permit_value,
	};

	if (xpmem_ioctl(XPMEM_CMD_MAKE, &make) < 0)
		return -1;
	return checked_id(make.segid);
}

EXPORT int xpmem_remove(xpmem_segid_t segid)
{
	struct xpmem_cmd_remove remove = { .segid = segid };

	return xpmem_ioctl(XPMEM_CMD_REMOVE, &remove) < 0 ? -1 : 0;
}

/*
 * permit_value is ignored: the kernel wants 0 here, and clients have always
 * passed 0666, 0600 or NULL, relying on the library to drop it.
 */
EXPORT xpmem_apid_t xpmem_get(xpmem_segid_t segid, int flags, int permit_type,
			      void *permit_value)
{
	struct xpmem_cmd_get get = {
		.segid = segid,
		.flags = flags,
		.permit_type = permit_type,
		.permit_value = 0,
	};

	(void)permit_value;
	if (xpmem_ioctl(XPMEM_CMD_GET, &get) < 0)
		return -1;
	return checked_id(get.apid);
}

EXPORT int xpmem_release(xpmem_apid_t apid)
{
	struct xpmem_cmd_release release = { .apid = apid };

	return xpmem_ioctl(XPMEM_CMD_RELEASE, &release) < 0 ? -1 : 0;
}

/* Failure is MAP_FAILED, never NULL: clients test for MAP_FAILED. */
static void *attach(struct xpmem_addr addr, size_t size, void *vaddr,
		    int flags)
{
	struct xpmem_cmd_attach attach = {
		.apid = addr.apid,
		.offset = addr.offset,
		.size = size,
		.vaddr = (uintptr_t)vaddr,
		.flags = flags,
	};

	/* open first so the (ignored, but traditional) fd field is real */
	if (xpmem_init() < 0)
		return MAP_FAILED;
	attach.fd = atomic_load(&dev_fd);

	if (xpmem_ioctl(XPMEM_CMD_ATTACH, &attach) < 0)
		return MAP_FAILED;
	return (void *)(uintptr_t)attach.vaddr;
}

EXPORT void *xpmem_attach(struct xpmem_addr addr, size_t size, void *vaddr)
{
	return attach(addr, size, vaddr, 0);
}

/* Whether the module is @since or newer; a failed query counts as older. */
static bool kernel_at_least(int since)
{
	int version = atomic_load(&kernel_version);

	if (version < 0) {
		version = xpmem_version();
		if (version < 0)
			return false;
		atomic_store(&kernel_version, version);
	}
	return version >= since;
}

/* An older kernel would silently map elsewhere; refuse instead. */
static bool same_vaddr_supported(void)
{
	if (kernel_at_least(SAME_VADDR_SINCE))
		return true;
	errno = EOPNOTSUPP;
	return false;
}

EXPORT void *xpmem_attach_same(struct xpmem_addr addr, size_t size)
{
	return xpmem_attach2(addr, size, NULL, XPMEM_ATTACH_SAME_VADDR);
}

EXPORT void *xpmem_attach2(struct xpmem_addr addr, size_t size, void *vaddr,
			   int flags)
{
	if (flags & ~XPMEM_ATTACH_FLAGS_ALL ||
	    ((flags & XPMEM_ATTACH_SAME_VADDR) && vaddr)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if ((flags & XPMEM_ATTACH_SAME_VADDR) && !same_vaddr_supported())
		return MAP_FAILED;
	/* advisory: an older kernel just maps on first touch */
	if ((flags & XPMEM_ATTACH_POPULATE) && !kernel_at_least(POPULATE_SINCE))
		flags &= ~XPMEM_ATTACH_POPULATE;
	return attach(addr, size, vaddr, flags);
}

EXPORT int xpmem_detach(void *vaddr)
{
	struct xpmem_cmd_detach detach = { .vaddr = (uintptr_t)vaddr };

	return xpmem_ioctl(XPMEM_CMD_DETACH, &detach) < 0 ? -1 : 0;
}
