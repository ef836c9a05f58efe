// SPDX-License-Identifier: MIT
/*
 * consumer.c - process B of the XPMEM walk-through: read A's memory.
 *
 *   usage: consumer SEGID [SIZE]      (as printed by producer)
 *
 * Asks for read-only access to the segment (xpmem_get), maps it into its
 * own address space (xpmem_attach), copies it out with one memcpy straight
 * from A's pages, checks every byte, and cleans up (xpmem_detach,
 * xpmem_release). No data passes through the kernel or through a pipe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xpmem.h>

/* The same bytes producer.c wrote. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 31 + (i >> 12));
}

int main(int argc, char **argv)
{
	struct xpmem_addr addr;
	xpmem_segid_t segid;
	xpmem_apid_t apid;
	unsigned char *peer, *copy;
	size_t size, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s SEGID [SIZE]\n", argv[0]);
		return 2;
	}
	segid = strtoll(argv[1], NULL, 0);
	size = argc > 2 ? strtoull(argv[2], NULL, 0) : 1 << 20;

	/*
	 * 1. A permit. The kernel checks the segment's mode against our
	 * user here, once. XPMEM_RDONLY is all we need: our mapping will be
	 * read-only. The last argument is ignored; pass NULL.
	 */
	apid = xpmem_get(segid, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL);
	if (apid == -1) {
		fprintf(stderr, "consumer: xpmem_get(0x%llx): %s\n",
			(unsigned long long)segid, strerror(errno));
		return 1;
	}

	/*
	 * 2. The mapping: offset 0 of the segment, the whole size, at an
	 * address the kernel picks. Failure is MAP_FAILED, as with mmap().
	 */
	addr.apid = apid;
	addr.offset = 0;
	peer = xpmem_attach(addr, size, NULL);
	if (peer == MAP_FAILED) {
		perror("consumer: xpmem_attach");
		return 1;
	}
	fprintf(stderr, "consumer: segment 0x%llx is mapped at %p in this "
		"process\n", (unsigned long long)segid, (void *)peer);

	/*
	 * 3. Plain loads from here on. The first touch of each page faults,
	 * and the kernel points our page table at A's page: no copy.
	 */
	copy = malloc(size);
	if (!copy) {
		perror("malloc");
		return 1;
	}
	memcpy(copy, peer, size);	/* the one and only copy */

	for (size_t i = 64; i < size; i++)
		bad += copy[i] != pattern(i);
	fprintf(stderr, "consumer: read \"%.63s\" and %zu more bytes, %zu "
		"wrong\n", (char *)copy, size - 64, bad);

	/* 4. Unmap, and give the permit back. */
	if (xpmem_detach(peer) == -1 || xpmem_release(apid) == -1) {
		perror("consumer: detach/release");
		return 1;
	}
	free(copy);
	return bad ? 1 : 0;
}
