// SPDX-License-Identifier: GPL-2.0
/*
 * mpi_check.c - what make check-clients asks of Open MPI over xpmem: every
 * byte that moves is checked, and a ping-pong measures bandwidth.
 *
 *   mpirun -np N mpi_check [pingpong] [alltoall] [rma] [bw]
 *
 * pingpong  ranks 0 and 1 bounce messages of 1 B .. 4 MiB; each side fills
 *           its message with a pattern of (size, round, sender) and the
 *           other checks every byte; the other ranks wait at a barrier.
 * alltoall  MPI_Alltoall of 256 KiB per pair (big enough for the
 *           shared-memory BTL's single-copy path): the word i of the block
 *           from s to d is a function of (s, d, i), checked by every d.
 * rma       one-sided: every rank exposes a window; with fences, each rank
 *           MPI_Puts a block into its right neighbour and MPI_Gets one from
 *           its left one, then checks both; then the same under
 *           MPI_Win_lock/unlock (passive target).
 * bw        ping-pong bandwidth, ranks 0 and 1, at 4 KiB, 64 KiB, 1 MiB and
 *           4 MiB: prints "bw SIZE MB/s".
 *
 * Rank 0 prints "ok - NAME" or "not ok - NAME" per part (TAP); exit status
 * 0 only if every part passed on every rank.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MSG		(4u << 20)
#define A2A_BLOCK	(256u << 10)
#define RMA_BLOCK	(512u << 10)

static int rank, nranks;

static uint64_t pattern(uint64_t a, uint64_t b, uint64_t c, uint64_t i)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ull ^ b * 0xc2b2ae3d27d4eb4full ^
		     c * 0x165667b19e3779f9ull ^ i;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 29);
}

/* byte i of the message of (a, b, c) */
static unsigned char byte_at(uint64_t a, uint64_t b, uint64_t c, size_t i)
{
	return (unsigned char)(pattern(a, b, c, i / 8) >> (8 * (i % 8)));
}

static void fill(unsigned char *buf, size_t len, uint64_t a, uint64_t b, uint64_t c)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = byte_at(a, b, c, i);
}

/* the index of the first wrong byte, or -1 */
static long check(const unsigned char *buf, size_t len, uint64_t a, uint64_t b, uint64_t c)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != byte_at(a, b, c, i))
			return (long)i;
	return -1;
}

/* every rank's verdict; rank 0 prints the TAP line */
static int report(const char *name, int bad)
{
	int any;

	MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	if (rank == 0)
		printf("%s - %s (np=%d)\n", any ? "not ok" : "ok", name, nranks);
	fflush(stdout);
	return any;
}

static int pingpong(void)
{
	unsigned char *buf = malloc(MAX_MSG);
	int bad = 0;

	if (rank < 2 && nranks >= 2) {
		int peer = !rank;

		for (size_t len = 1; len <= MAX_MSG && !bad; len *= 4) {
			for (int round = 0; round < 3 && !bad; round++) {
				long at;

				if (rank == 0) {
					fill(buf, len, len, round, 0);
					MPI_Send(buf, len, MPI_BYTE, peer, round, MPI_COMM_WORLD);
					MPI_Recv(buf, len, MPI_BYTE, peer, round, MPI_COMM_WORLD,
						 MPI_STATUS_IGNORE);
					at = check(buf, len, len, round, 1);
				} else {
					MPI_Recv(buf, len, MPI_BYTE, peer, round, MPI_COMM_WORLD,
						 MPI_STATUS_IGNORE);
					at = check(buf, len, len, round, 0);
					fill(buf, len, len, round, 1);
					MPI_Send(buf, len, MPI_BYTE, peer, round, MPI_COMM_WORLD);
				}
				if (at >= 0) {
					fprintf(stderr, "rank %d: pingpong %zu B round %d: byte %ld wrong\n",
						rank, len, round, at);
					bad = 1;
				}
			}
		}
	}
	free(buf);
	return report("mpi_pingpong_of_1B_to_4MiB_is_validated_both_ways", bad);
}

static int alltoall(void)
{
	size_t total = (size_t)A2A_BLOCK * nranks;
	unsigned char *out = malloc(total), *in = malloc(total);
	int bad = 0;

	for (int round = 0; round < 2; round++) {
		for (int d = 0; d < nranks; d++)
			fill(out + (size_t)d * A2A_BLOCK, A2A_BLOCK, rank, d, round);
		memset(in, 0, total);
		MPI_Alltoall(out, A2A_BLOCK, MPI_BYTE, in, A2A_BLOCK, MPI_BYTE, MPI_COMM_WORLD);
		for (int s = 0; s < nranks; s++) {
			long at = check(in + (size_t)s * A2A_BLOCK, A2A_BLOCK, s, rank, round);

			if (at >= 0) {
				fprintf(stderr, "rank %d: alltoall block from %d: byte %ld wrong\n",
					rank, s, at);
				bad = 1;
			}
		}
	}
	free(out);
	free(in);
	return report("mpi_alltoall_of_256KiB_blocks_is_checked_by_every_rank", bad);
}

static int rma_epoch(MPI_Win win, unsigned char *base, unsigned char *got, int passive)
{
	int right = (rank + 1) % nranks, left = (rank + nranks - 1) % nranks;
	unsigned char *put = malloc(RMA_BLOCK);
	long at;
	int bad = 0;

	/* the window: [0, BLOCK) is put into by the left neighbour, [BLOCK,
	 * 2 BLOCK) holds this rank's own data for the right neighbour's get */
	memset(base, 0, RMA_BLOCK);
	fill(base + RMA_BLOCK, RMA_BLOCK, rank, passive, 7);
	fill(put, RMA_BLOCK, rank, passive, 3);
	MPI_Barrier(MPI_COMM_WORLD);
	if (passive) {
		MPI_Win_lock(MPI_LOCK_SHARED, right, 0, win);
		MPI_Put(put, RMA_BLOCK, MPI_BYTE, right, 0, RMA_BLOCK, MPI_BYTE, win);
		MPI_Win_unlock(right, win);
		MPI_Win_lock(MPI_LOCK_SHARED, left, 0, win);
		MPI_Get(got, RMA_BLOCK, MPI_BYTE, left, RMA_BLOCK, RMA_BLOCK, MPI_BYTE, win);
		MPI_Win_unlock(left, win);
		MPI_Barrier(MPI_COMM_WORLD);
		/* make the neighbour's put visible in this rank's own copy */
		MPI_Win_lock(MPI_LOCK_SHARED, rank, 0, win);
		MPI_Win_unlock(rank, win);
	} else {
		MPI_Win_fence(0, win);
		MPI_Put(put, RMA_BLOCK, MPI_BYTE, right, 0, RMA_BLOCK, MPI_BYTE, win);
		MPI_Get(got, RMA_BLOCK, MPI_BYTE, left, RMA_BLOCK, RMA_BLOCK, MPI_BYTE, win);
		MPI_Win_fence(0, win);
	}
	at = check(base, RMA_BLOCK, left, passive, 3);
	if (at >= 0) {
		fprintf(stderr, "rank %d: %s put from %d: byte %ld wrong\n", rank,
			passive ? "passive" : "fence", left, at);
		bad = 1;
	}
	at = check(got, RMA_BLOCK, left, passive, 7);
	if (at >= 0) {
		fprintf(stderr, "rank %d: %s get from %d: byte %ld wrong\n", rank,
			passive ? "passive" : "fence", left, at);
		bad = 1;
	}
	free(put);
	MPI_Barrier(MPI_COMM_WORLD);
	return bad;
}

static int rma(void)
{
	unsigned char *base, *got = malloc(RMA_BLOCK);
	MPI_Win win;
	int bad;

	MPI_Alloc_mem(2 * RMA_BLOCK, MPI_INFO_NULL, &base);
	MPI_Win_create(base, 2 * RMA_BLOCK, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
	bad = report("mpi_put_and_get_over_a_window_with_fences_are_checked",
		     rma_epoch(win, base, got, 0));
	bad |= report("mpi_put_and_get_under_passive_target_locks_are_checked",
		      rma_epoch(win, base, got, 1));
	MPI_Win_free(&win);
	MPI_Free_mem(base);
	free(got);
	return bad;
}

static void bandwidth(void)
{
	static const size_t sizes[] = { 4u << 10, 64u << 10, 1u << 20, 4u << 20 };
	unsigned char *buf = malloc(MAX_MSG);

	memset(buf, rank, MAX_MSG);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t len = sizes[k];
		int iters = len <= (4u << 10) ? 4000 : len <= (64u << 10) ? 1000 :
			    len <= (1u << 20) ? 200 : 50;
		double t0 = 0;

		MPI_Barrier(MPI_COMM_WORLD);
		for (int i = -10; i < iters && rank < 2; i++) {
			if (i == 0)
				t0 = MPI_Wtime();
			if (rank == 0) {
				MPI_Send(buf, len, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
				MPI_Recv(buf, len, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			} else {
				MPI_Recv(buf, len, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				MPI_Send(buf, len, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
			}
		}
		if (rank == 0)
			printf("bw %zu %.1f\n", len, 2.0 * len * iters / (MPI_Wtime() - t0) / 1e6);
	}
	fflush(stdout);
	free(buf);
}

int main(int argc, char **argv)
{
	int bad = 0;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "pingpong"))
			bad |= pingpong();
		else if (!strcmp(argv[i], "alltoall"))
			bad |= alltoall();
		else if (!strcmp(argv[i], "rma"))
			bad |= rma();
		else if (!strcmp(argv[i], "bw") && nranks >= 2)
			bandwidth();
		else {
			if (rank == 0)
				fprintf(stderr, "mpi_check: unknown part %s\n", argv[i]);
			bad = 1;
		}
	}
	MPI_Finalize();
	return bad;
}
