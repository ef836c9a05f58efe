// SPDX-License-Identifier: GPL-2.0
/*
 * fake_dev.c - the fake /dev/xpmem of the libxpmem tests (fake_dev.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "fake_dev.h"

struct fake_state fake = {
	.mode = S_IFCHR | 0666,
	.version = XPMEM_CURRENT_VERSION,
	.fail_cmd = ~0UL,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.last_fd = -1,
};

int __real_stat(const char *path, struct stat *st);
int __real_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long request, ...);
int __real_close(int fd);
int __real_dup3(int oldfd, int newfd, int flags);
int __wrap_stat(const char *path, struct stat *st);
int __wrap_open(const char *path, int flags, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);
int __wrap_close(int fd);
int __wrap_dup3(int oldfd, int newfd, int flags);

static bool is_device(const char *path)
{
	return fake.on && strcmp(path, XPMEM_DEV_PATH) == 0;
}

int __wrap_stat(const char *path, struct stat *st)
{
	if (!is_device(path))
		return __real_stat(path, st);
	memset(st, 0, sizeof(*st));
	st->st_mode = fake.mode;
	return 0;
}

int __wrap_open(const char *path, int flags, ...)
{
	struct stat st;
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (!is_device(path)) {
		if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
			va_start(ap, flags);
			mode = va_arg(ap, mode_t);
			va_end(ap);
		}
		return __real_open(path, flags, mode);
	}

	if (fake.open_delay)
		usleep(fake.open_delay);
	fd = memfd_create("fake-xpmem", flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
	if (fd < 0 || fstat(fd, &st) < 0)
		abort();

	pthread_mutex_lock(&fake.lock);
	if (fake.nfiles == MAX_FILES)
		abort();
	fake.files[fake.nfiles++] = (struct fake_file){
		.dev = st.st_dev, .ino = st.st_ino, .opener = getpid(),
	};
	fake.last_fd = fd;
	fake.last_flags = flags;
	pthread_mutex_unlock(&fake.lock);
	atomic_fetch_add(&fake.opens, 1);
	return fd;
}

/* The fake file behind fd, or NULL if fd is not one of ours. */
struct fake_file *fake_file(int fd)
{
	struct fake_file *found = NULL;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return NULL;
	pthread_mutex_lock(&fake.lock);
	for (int i = 0; i < fake.nfiles; i++)
		if (fake.files[i].dev == st.st_dev &&
		    fake.files[i].ino == st.st_ino)
			found = &fake.files[i];
	pthread_mutex_unlock(&fake.lock);
	return found;
}

static void log_call(unsigned long cmd, int fd, const void *arg, size_t size)
{
	pthread_mutex_lock(&fake.lock);
	if (fake.ncalls < MAX_CALLS) {
		struct fake_call *c = &fake.calls[fake.ncalls++];

		c->cmd = cmd;
		c->fd = fd;
		if (arg)
			memcpy(&c->arg, arg, size);
	}
	pthread_mutex_unlock(&fake.lock);
}

static size_t arg_size(unsigned long cmd)
{
	switch (cmd) {
	case XPMEM_CMD_MAKE:	return sizeof(struct xpmem_cmd_make);
	case XPMEM_CMD_REMOVE:	return sizeof(struct xpmem_cmd_remove);
	case XPMEM_CMD_GET:	return sizeof(struct xpmem_cmd_get);
	case XPMEM_CMD_RELEASE:	return sizeof(struct xpmem_cmd_release);
	case XPMEM_CMD_ATTACH:	return sizeof(struct xpmem_cmd_attach);
	case XPMEM_CMD_DETACH:	return sizeof(struct xpmem_cmd_detach);
	default:		return 0;
	}
}

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	struct fake_file *file;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	file = fake.on ? fake_file(fd) : NULL;
	if (!file)
		return __real_ioctl(fd, request, arg);

	log_call(request, fd, arg, arg_size(request));

	/* like the kernel: only the opener is known through a file */
	if (fake.noproc_always || file->opener != getpid() || file->dead) {
		errno = XPMEM_ERRNO_NOPROC;
		return -1;
	}
	if (request == fake.fail_cmd) {
		errno = fake.fail_errno;
		return -1;
	}

	switch (request) {
	case XPMEM_CMD_VERSION:
		return fake.version;
	case XPMEM_CMD_MAKE:
		((struct xpmem_cmd_make *)arg)->segid = FAKE_SEGID;
		return 0;
	case XPMEM_CMD_GET:
		((struct xpmem_cmd_get *)arg)->apid = FAKE_APID;
		return 0;
	case XPMEM_CMD_ATTACH: {
		struct xpmem_cmd_attach *at = arg;

		if (at->flags & XPMEM_ATTACH_SAME_VADDR)
			at->vaddr = FAKE_SOURCE + at->offset;
		else if (!at->vaddr)
			at->vaddr = FAKE_VADDR;
		return 0;
	}
	case XPMEM_CMD_REMOVE:
	case XPMEM_CMD_RELEASE:
	case XPMEM_CMD_DETACH:
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* The kernel's flush: a close by the opener tears the state down. */
static void closing(int fd)
{
	struct fake_file *file = fake.on ? fake_file(fd) : NULL;

	if (file && file->opener == getpid())
		file->dead = true;
}

int __wrap_close(int fd)
{
	closing(fd);
	return __real_close(fd);
}

int __wrap_dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd)
		closing(newfd);		/* dup3 closes what newfd was */
	return __real_dup3(oldfd, newfd, flags);
}

int count_calls(unsigned long cmd)
{
	int n = 0;

	pthread_mutex_lock(&fake.lock);
	for (int i = 0; i < fake.ncalls; i++)
		n += fake.calls[i].cmd == cmd;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

const struct fake_call *last_call(unsigned long cmd)
{
	for (int i = fake.ncalls - 1; i >= 0; i--)
		if (fake.calls[i].cmd == cmd)
			return &fake.calls[i];
	return NULL;
}

struct fds fake_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct fds n = { -1, -1 };
	struct dirent *d;

	if (!dir)
		return n;
	n.own = n.foreign = 0;
	while ((d = readdir(dir))) {
		int fd = atoi(d->d_name);
		struct fake_file *file;

		if (d->d_name[0] == '.' || fd == dirfd(dir))
			continue;
		file = fake_file(fd);
		if (file && file->opener == getpid())
			n.own++;
		else if (file)
			n.foreign++;
	}
	closedir(dir);
	return n;
}

/* Forget what the parent did: the child counts its own opens and calls. */
static void fake_forked(void)
{
	atomic_store(&fake.opens, 0);
	fake.ncalls = 0;
}

int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		fake_forked();
		exit(fn());
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	if (WIFSIGNALED(status))
		printf("# child killed by signal %d\n", WTERMSIG(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* Runs fn in nthreads threads released at the same moment. */
struct crowd {
	pthread_barrier_t start;
	int (*fn)(void);
	atomic_int failures;
};

static void *crowd_member(void *arg)
{
	struct crowd *c = arg;

	pthread_barrier_wait(&c->start);
	if (c->fn())
		atomic_fetch_add(&c->failures, 1);
	return NULL;
}

int run_crowd(int nthreads, int (*fn)(void))
{
	struct crowd c = { .fn = fn };
	pthread_t threads[nthreads];

	pthread_barrier_init(&c.start, NULL, nthreads);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, crowd_member, &c))
			abort();
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&c.start);
	return atomic_load(&c.failures);
}
