// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - random numbers, raw /dev/xpmem ioctls and result tallies for
 * the stress driver and the fuzzers (see common.h).
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

/* ---- random numbers ------------------------------------------------------- */

void rng_seed(struct rng *r, uint64_t seed)
{
	/* splitmix64 once, so nearby seeds give unrelated streams */
	seed += 0x9e3779b97f4a7c15ULL;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
	r->s = (seed ^ (seed >> 31)) | 1;
}

uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

uint64_t rnd_below(struct rng *r, uint64_t n)
{
	return rnd(r) % n;
}

bool rnd_pct(struct rng *r, unsigned int pct)
{
	return rnd_below(r, 100) < pct;
}

uint64_t rnd_edge(struct rng *r)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 7, 8, 4095, 4096, 4097, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, 0xffffffffffffffffULL,
		0xfffffffffffff000ULL, 0x00007ffffffff000ULL,
		0x0000800000000000ULL, 0xffff800000000000ULL,
		0xffff888000000000ULL, 0xffffffff81000000ULL,
	};
	unsigned int k = rnd_below(r, 64);

	switch (rnd_below(r, 4)) {
	case 0:
		return fixed[rnd_below(r, sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return (1ULL << k) + rnd_below(r, 3) - 1;
	case 2:
		return -(1ULL << k);
	default:
		return rnd(r);
	}
}

int rnd_weighted(struct rng *r, const unsigned int *weights, int n)
{
	unsigned int total = 0, pick;
	int i;

	for (i = 0; i < n; i++)
		total += weights[i];
	pick = rnd_below(r, total);
	for (i = 0; i < n; i++) {
		if (pick < weights[i])
			return i;
		pick -= weights[i];
	}
	return n - 1;
}

/* ---- /dev/xpmem ------------------------------------------------------------ */

int xp_open(void)
{
	int fd = open(XPMEM_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

long xp_ioctl(int fd, unsigned long cmd, void *arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

long xp_make(int fd, uint64_t vaddr, size_t size, int mode, int64_t *segid)
{
	struct xpmem_cmd_make c = {
		.vaddr = vaddr, .size = size,
		.permit_type = XPMEM_PERMIT_MODE, .permit_value = mode,
	};
	long ret = xp_ioctl(fd, XPMEM_CMD_MAKE, &c);

	*segid = ret ? 0 : c.segid;
	return ret;
}

long xp_get(int fd, int64_t segid, int flags, int64_t *apid)
{
	struct xpmem_cmd_get c = {
		.segid = segid, .flags = flags, .permit_type = XPMEM_PERMIT_MODE,
	};
	long ret = xp_ioctl(fd, XPMEM_CMD_GET, &c);

	*apid = ret ? 0 : c.apid;
	return ret;
}

long xp_attach(int fd, int64_t apid, uint64_t offset, size_t size,
	       uint64_t vaddr, int flags, uint64_t *addr)
{
	struct xpmem_cmd_attach c = {
		.apid = apid, .offset = offset, .size = size, .vaddr = vaddr,
		.fd = -1, .flags = flags,
	};
	long ret = xp_ioctl(fd, XPMEM_CMD_ATTACH, &c);

	*addr = ret ? 0 : c.vaddr;
	return ret;
}

long xp_detach(int fd, uint64_t vaddr)
{
	struct xpmem_cmd_detach c = { .vaddr = vaddr };

	return xp_ioctl(fd, XPMEM_CMD_DETACH, &c);
}

long xp_release(int fd, int64_t apid)
{
	struct xpmem_cmd_release c = { .apid = apid };

	return xp_ioctl(fd, XPMEM_CMD_RELEASE, &c);
}

long xp_remove(int fd, int64_t segid)
{
	struct xpmem_cmd_remove c = { .segid = segid };

	return xp_ioctl(fd, XPMEM_CMD_REMOVE, &c);
}

/* ---- tallies ------------------------------------------------------------------ */

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "shared_alloc(%zu): %s\n", size, strerror(errno));
		exit(2);
	}
	return p;
}

int tally_bucket(long ret)
{
	if (ret >= 0)
		return 0;
	if (ret == -XPMEM_ERRNO_NOPROC)
		return TALLY_NOPROC;
	if (-ret < TALLY_NOPROC)
		return -ret;
	return TALLY_OTHER;
}

const char *err_name(int err)
{
	static __thread char buf[24];
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

const char *bucket_name(int bucket)
{
	if (bucket == 0)
		return "ok";
	if (bucket == TALLY_NOPROC)
		return "2004";
	if (bucket == TALLY_OTHER)
		return "other";
	return err_name(bucket);
}

void tally_add(struct tally *t, int row, long ret)
{
	__atomic_add_fetch(&t->n[row][tally_bucket(ret)], 1, __ATOMIC_RELAXED);
}

uint64_t tally_row_total(const struct tally *t, int row)
{
	uint64_t sum = 0;

	for (int b = 0; b < TALLY_BUCKETS; b++)
		sum += t->n[row][b];
	return sum;
}

const char *sig_name(int sig)
{
	static __thread char buf[24];
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

const char *signal_bucket_name(int bucket)
{
	return bucket ? sig_name(bucket) : "ok";
}

uint64_t tally_print(const struct tally *t, const char *prefix,
		     const char *const *names, int rows,
		     const char *(*namer)(int bucket))
{
	uint64_t all = 0;

	if (!namer)
		namer = bucket_name;
	for (int row = 0; row < rows; row++) {
		uint64_t total = tally_row_total(t, row);
		char line[1024];
		int len;

		if (!total)
			continue;
		all += total;
		len = snprintf(line, sizeof(line), "# %s%s: %llu:", prefix,
			       names[row], (unsigned long long)total);
		for (int b = 0; b < TALLY_BUCKETS && len < (int)sizeof(line) - 40; b++)
			if (t->n[row][b])
				len += snprintf(line + len, sizeof(line) - len,
						" %llu %s,",
						(unsigned long long)t->n[row][b],
						namer(b));
		line[len - 1] = '\0';
		printf("%s\n", line);
	}
	return all;
}
