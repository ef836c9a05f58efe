// SPDX-License-Identifier: GPL-2.0
/*
 * transfer_bench.c - moving a peer's bytes into our buffer, three ways:
 * one memcpy out of a (mapped) attachment, process_vm_readv (the kernel
 * copies per call), and a pipe (the peer copies in, we copy out), for
 * message sizes from 4 KiB to 64 MiB. Each way moves about the same number
 * of bytes per measurement; the three are rotated within each round.
 *
 * Under TCG, glibc's vector memcpy and the kernel's copy loops do not
 * compare as they do on hardware (the guest boots with erms/fsrm off, so
 * neither side gets an emulated rep movsb): read these ratios as a sanity
 * check of the data path, not as a forecast for a real machine.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"

#define TR_SIZE		(64 * MIB)
#define TR_BYTES	(64 * MIB)	/* moved per way, size and round */
#define TR_ROUNDS	5

enum way { W_XPMEM, W_CMA, W_PIPE, W_WAYS };

static int reps_for(size_t len)
{
	return len >= TR_BYTES ? 1 : (int)(TR_BYTES / len);
}

static double time_xpmem(char *local, const char *att, size_t len, int reps)
{
	double t = now();

	for (int i = 0; i < reps; i++)
		copy_bytes(local, att, len);
	return (now() - t) / reps;
}

static double time_cma(pid_t pid, char *local, char *remote, size_t len,
		       int reps)
{
	struct iovec l = { local, len }, r = { remote, len };
	double t = now();

	for (int i = 0; i < reps; i++) {
		ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (n != (ssize_t)len)
			die("process_vm_readv(%zu bytes) returned %zd", len, n);
	}
	return (now() - t) / reps;
}

/* the exporter writes each message into the pipe as it is asked for it */
static double time_pipe(struct exporter *ex, char *local, size_t len, int reps)
{
	double t = now();

	for (int i = 0; i < reps; i++) {
		exporter_do(ex, EX_PIPE, (long)len);
		for (size_t off = 0; off < len;) {
			ssize_t n = read(ex->data, local + off, len - off);

			if (n <= 0)
				die("read from the exporter's pipe");
			off += n;
		}
	}
	return (now() - t) / reps;
}

int bench_transfer(void)
{
	static const size_t sizes[] = { 4 * KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB };
	struct ex_opts o = { .kind = SRC_4K, .size = TR_SIZE, .cpu = -1 };
	struct exporter ex;
	xpmem_apid_t apid;
	char *local, *att;
	char why[160];

	printf("== transfer: read a peer's buffer into ours: memcpy out of a mapped attachment vs process_vm_readv vs a pipe ==\n");
	printf("   ratio = time of the other way / time of the xpmem memcpy (> 1: xpmem is faster); about %lu MiB a way\n",
	       TR_BYTES / MIB);
	printf("   and size per round, medians of %d rounds, the three ways rotated. The pipe has the default 64 KiB buffer.\n",
	       TR_ROUNDS);
	if (exporter_start(&ex, &o, why, sizeof(why))) {
		printf("  skipped: the exporter could not get its buffer: %s\n", why);
		return 0;
	}
	local = scratch_buffer(TR_SIZE);
	apid = get_or_die(ex.segid, XPMEM_RDONLY);
	att = attach_or_die(apid, 0, TR_SIZE, 0);
	copy_bytes(local, att, TR_SIZE);	/* mapped: no fault is timed */

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		double t[W_WAYS][TR_ROUNDS], cma[TR_ROUNDS], pip[TR_ROUNDS];
		size_t len = sizes[s];
		int reps = reps_for(len);

		for (int r = 0; r < TR_ROUNDS; r++) {
			for (int k = 0; k < W_WAYS; k++) {
				enum way w = (k + r) % W_WAYS;

				if (w == W_XPMEM)
					t[w][r] = time_xpmem(local, att, len, reps);
				else if (w == W_CMA)
					t[w][r] = time_cma(ex.pid, local, ex.base, len, reps);
				else
					t[w][r] = time_pipe(&ex, local, len, reps);
			}
			cma[r] = t[W_CMA][r] / t[W_XPMEM][r];
			pip[r] = t[W_PIPE][r] / t[W_XPMEM][r];
		}
		printf("  %6zu KiB reads (x%d): CMA/xpmem %6.2fx   pipe/xpmem %6.2fx   (per read: xpmem %.1f us, CMA %.1f us, pipe %.1f us)\n",
		       len / KIB, reps, median(cma, TR_ROUNDS), median(pip, TR_ROUNDS),
		       median(t[W_XPMEM], TR_ROUNDS) * 1e6,
		       median(t[W_CMA], TR_ROUNDS) * 1e6,
		       median(t[W_PIPE], TR_ROUNDS) * 1e6);
	}
	detach_or_die(att);
	release_or_die(apid);
	exporter_stop(&ex);
	scratch_free(local, TR_SIZE);
	return 0;
}
