// SPDX-License-Identifier: GPL-2.0
/*
 * xpmem_bench.c - side-by-side ratios, measured in one run on one machine:
 *
 *   copy:  reading a peer's buffer through an attachment (one memcpy) vs
 *          process_vm_readv (CMA, a kernel copy per call) vs a pipe
 *          (copy in, copy out), for a few message sizes;
 *   cold:  first touch of a fresh attachment (faults, batched) vs the same
 *          read once mapped (no faults), i.e. what the fault path costs;
 *   batch: pages mapped per page fault on that first touch (the fault
 *          path maps a window of present neighbours, not one page).
 *
 * Absolute numbers mean nothing under emulation; only the ratios printed
 * on each line are claims, and under TCG even those favour the kernel's
 * simple copy loops over glibc's vector memcpy, which TCG emulates slowly.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xpmem.h>

#define MAX_BYTES (8UL << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "xpmem_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * The exporter: a child that fills a buffer, exports it, tells us where it
 * is, then serves the pipe benchmark: for each length read from @req it
 * writes that many bytes to @data.
 */
static pid_t start_exporter(char **remote, xpmem_segid_t *segid, int *req_wr,
			    int *data_rd)
{
	int up[2], req[2], data[2];
	pid_t pid;

	if (pipe(up) || pipe(req) || pipe(data))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *buf = mmap(NULL, MAX_BYTES, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		xpmem_segid_t id;
		size_t len;

		memset(buf, 0x5a, MAX_BYTES);
		id = xpmem_make(buf, MAX_BYTES, XPMEM_PERMIT_MODE, (void *)0600);
		if (id == -1)
			die("xpmem_make");
		if (write(up[1], &buf, sizeof(buf)) != sizeof(buf) ||
		    write(up[1], &id, sizeof(id)) != sizeof(id))
			die("write");
		while (read(req[0], &len, sizeof(len)) == sizeof(len)) {
			for (size_t off = 0; off < len;) {
				ssize_t n = write(data[1], buf + off, len - off);

				if (n <= 0)
					_exit(0);
				off += n;
			}
		}
		_exit(0);
	}
	close(req[0]);
	close(data[1]);
	if (read(up[0], remote, sizeof(*remote)) != sizeof(*remote) ||
	    read(up[0], segid, sizeof(*segid)) != sizeof(*segid))
		die("read");
	*req_wr = req[1];
	*data_rd = data[0];
	return pid;
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static double time_xpmem(char *local, const char *att, size_t len, int reps)
{
	double t = now();

	for (int i = 0; i < reps; i++)
		memcpy(local, att, len);
	return now() - t;
}

static double time_cma(pid_t pid, char *local, char *remote, size_t len,
		       int reps)
{
	struct iovec l = { local, len }, r = { remote, len };
	double t = now();

	for (int i = 0; i < reps; i++)
		if (process_vm_readv(pid, &l, 1, &r, 1, 0) != (ssize_t)len)
			die("process_vm_readv");
	return now() - t;
}

static double time_pipe(int req, int data, char *local, size_t len, int reps)
{
	double t = now();

	for (int i = 0; i < reps; i++) {
		if (write(req, &len, sizeof(len)) != sizeof(len))
			die("write");
		for (size_t off = 0; off < len;) {
			ssize_t n = read(data, local + off, len - off);

			if (n <= 0)
				die("read");
			off += n;
		}
	}
	return now() - t;
}

int main(void)
{
	static const size_t sizes[] = { 4096, 65536, 1 << 20, MAX_BYTES };
	char *remote, *local, *att;
	struct xpmem_addr addr;
	xpmem_segid_t segid;
	int req, data;
	pid_t pid;

	local = malloc(MAX_BYTES);
	memset(local, 0, MAX_BYTES);
	pid = start_exporter(&remote, &segid, &req, &data);
	addr.apid = xpmem_get(segid, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL);
	if (addr.apid == -1)
		die("xpmem_get");
	addr.offset = 0;

	/* cold: every page faulted in by the first pass over the attachment */
	att = xpmem_attach(addr, MAX_BYTES, NULL);
	if (att == MAP_FAILED)
		die("xpmem_attach");
	double cold = time_xpmem(local, att, MAX_BYTES, 1);
	double warm = time_xpmem(local, att, MAX_BYTES, 1);

	/* a fresh attachment, walked a page at a time */
	char *walk = xpmem_attach(addr, MAX_BYTES, NULL);
	long faults = minor_faults(), sum = 0;

	if (walk == MAP_FAILED)
		die("xpmem_attach");
	for (size_t off = 0; off < MAX_BYTES; off += 4096)
		sum += ((volatile char *)walk)[off];
	faults = minor_faults() - faults;
	printf("first touch of 8 MiB, page by page: %.1f pages mapped per fault (%ld faults, %lu pages, sum %ld)\n",
	       (double)(MAX_BYTES / 4096) / (faults ? faults : 1), faults,
	       MAX_BYTES / 4096, sum);
	xpmem_detach(walk);

	printf("cold vs warm 8 MiB read through an attachment: first touch costs %.2fx a mapped read\n",
	       cold / warm);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];
		int reps = (int)((64UL << 20) / len);
		double x = time_xpmem(local, att, len, reps);
		double c = time_cma(pid, local, remote, len, reps);
		double pp = time_pipe(req, data, local, len, reps / 4 + 1) * 4;

		printf("%8zu-byte reads: speed-up of xpmem over CMA %.2fx, over a pipe %.2fx\n",
		       len, c / x, pp / x);
	}
	xpmem_detach(att);
	xpmem_release(addr.apid);
	close(req);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return 0;
}
