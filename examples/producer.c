// SPDX-License-Identifier: MIT
/*
 * producer.c - process A of the XPMEM walk-through: export some memory.
 *
 *   usage: producer [MODE]        MODE: who may attach, octal (default 0600)
 *
 * Fills a 1 MiB buffer, exports it with xpmem_make() and prints one line,
 * "SEGID SIZE", on stdout: that is all a peer needs (see consumer.c). Then
 * it waits for a line (or end of file) on stdin, removes the segment and
 * exits. The buffer is only reachable while this process is alive: XPMEM
 * maps A's memory into B, it does not copy it anywhere.
 *
 * Try it by hand in two terminals:
 *   A$ examples/producer              ->  0x1234abcd... 1048576
 *   B$ examples/consumer 0x1234abcd... 1048576
 *   A$ <Enter>
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xpmem.h>

#define SIZE	(1 << 20)

/* The consumer computes the same bytes to check what it reads. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 31 + (i >> 12));
}

int main(int argc, char **argv)
{
	long mode = argc > 1 ? strtol(argv[1], NULL, 8) : 0600;
	xpmem_segid_t segid;
	unsigned char *buf;
	int c;

	/*
	 * Segments cover whole pages, so take page-aligned memory. Any
	 * mapping works: heap, stack, a file, shared memory.
	 */
	buf = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t i = 0; i < SIZE; i++)
		buf[i] = pattern(i);
	/* a readable greeting at the start, after it the pattern goes on */
	snprintf((char *)buf, 64, "hello from process %d", (int)getpid());

	/*
	 * Export [buf, buf + SIZE). The permit value is a file mode for the
	 * segment: 0600 lets processes of our own user attach, read-only or
	 * read-write; 0644 would let everyone else read too.
	 */
	segid = xpmem_make(buf, SIZE, XPMEM_PERMIT_MODE,
			   (void *)(uintptr_t)mode);
	if (segid == -1) {
		perror("xpmem_make");
		if (errno == ENOENT)	/* the library could not find the device */
			fprintf(stderr, "is the xpmem module loaded?\n");
		return 1;
	}

	/* The segid is just a number: pass it on any way you like. */
	printf("0x%llx %d\n", (unsigned long long)segid, SIZE);
	fflush(stdout);
	fprintf(stderr, "producer: exported %d bytes at %p as segment 0x%llx "
		"(mode %04lo); press Enter to stop\n", SIZE, (void *)buf,
		(unsigned long long)segid, mode);

	while ((c = getchar()) != EOF && c != '\n')
		;

	/* Attachers lose the pages now (and would at our exit anyway). */
	if (xpmem_remove(segid) == -1) {
		perror("xpmem_remove");
		return 1;
	}
	fprintf(stderr, "producer: segment removed, bye\n");
	return 0;
}
