// SPDX-License-Identifier: MIT
/*
 * hwloc_topology.c - share a real hwloc topology between processes with
 * xpmem_attach_same(), instead of hwloc's file-backed shared memory.
 *
 *   usage: hwloc_topology [--busy]
 *
 * An hwloc topology is a tree of objects full of raw pointers (children,
 * siblings, cpusets), and discovering it costs every process of a job time
 * and /sys reads. hwloc can duplicate a loaded topology into a buffer that
 * sits at one virtual address in every process (hwloc/shmem.h); it wants a
 * file that each process maps itself. Here the owner keeps that buffer in
 * an anonymous memfd that no one else can open, exports it with xpmem, and
 * a peer attaches it at the very same address and walks the tree in place.
 *
 * The owner picks the address (hwloc's rule: a range free in every process),
 * writes the topology there with hwloc_shmem_topology_write() and adopts
 * it back, which maps the buffer read-only at that address, then exports
 * it. The peer is a fresh program (this one, re-executed), so it inherits
 * nothing. xpmem_attach_same() never replaces a mapping: if the range is in
 * use in the peer it fails with EBUSY, and the peer does what hwloc
 * documents for hwloc_shmem_topology_adopt()'s EBUSY: it discovers a
 * topology of its own. --busy makes the peer occupy the range first, to
 * show that path.
 *
 * Both sides print the same summary (objects per type, PUs of the root's
 * cpuset); the owner compares them and exits 0 when they agree.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hwloc.h>
#include <hwloc/shmem.h>
#include <xpmem.h>

#define TIB		(1ULL << 40)
#define HUGE_ALIGN	(2ULL << 20)

/* objects per type and the PU count of the root, in one line */
static void summarize(hwloc_obj_t obj, unsigned counts[HWLOC_OBJ_TYPE_MAX])
{
	hwloc_obj_t child;

	counts[obj->type]++;
	for (unsigned i = 0; i < obj->arity; i++)
		summarize(obj->children[i], counts);
	for (child = obj->memory_first_child; child; child = child->next_sibling)
		summarize(child, counts);
	for (child = obj->io_first_child; child; child = child->next_sibling)
		summarize(child, counts);
	for (child = obj->misc_first_child; child; child = child->next_sibling)
		summarize(child, counts);
}

static void describe(hwloc_obj_t root, char *buf, size_t len)
{
	unsigned counts[HWLOC_OBJ_TYPE_MAX] = { 0 };
	size_t used;

	summarize(root, counts);
	used = snprintf(buf, len, "pus=%d", hwloc_bitmap_weight(root->cpuset));
	for (int t = 0; t < HWLOC_OBJ_TYPE_MAX && used < len; t++)
		if (counts[t])
			used += snprintf(buf + used, len - used, " %s=%u",
					 hwloc_obj_type_string(t), counts[t]);
}

static int load(hwloc_topology_t *topo)
{
	if (hwloc_topology_init(topo) || hwloc_topology_load(*topo)) {
		perror("hwloc_topology_load");
		return -1;
	}
	return 0;
}

/* The peer: attach the owner's topology at its address and walk it. */
static int peer(xpmem_segid_t segid, void *addr, size_t len, hwloc_obj_t root,
		int busy)
{
	struct xpmem_addr at;
	hwloc_topology_t own;
	char line[512];
	void *p;

	if (busy && mmap(addr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_FIXED_NOREPLACE, -1, 0) != addr) {
		perror("peer: mmap to occupy the range");
		return 1;
	}
	at.apid = xpmem_get(segid, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL);
	if (at.apid < 0) {
		perror("peer: xpmem_get");
		return 1;
	}
	at.offset = 0;
	p = xpmem_attach_same(at, len);
	if (p == (void *)-1 && errno == EBUSY) {
		/* hwloc's advice for an unavailable range: discover locally */
		fprintf(stderr, "peer: %p is in use here (EBUSY): discovering a topology of its own\n",
			addr);
		if (load(&own))
			return 1;
		describe(hwloc_get_root_obj(own), line, sizeof(line));
		printf("local %s\n", line);
		hwloc_topology_destroy(own);
		xpmem_release(at.apid);
		return 0;
	}
	if (p != addr) {
		perror("peer: xpmem_attach_same");
		return 1;
	}
	/* every pointer of the tree is valid here as it is */
	describe(root, line, sizeof(line));
	printf("shared %s\n", line);
	xpmem_detach(p);
	xpmem_release(at.apid);
	return 0;
}

/* A 2 MiB-aligned range 2 TiB below where mmap() puts things now: mmap
 * bases are randomized over 1 TiB, so a fresh process very likely has it
 * free too (if not, the peer gets EBUSY and copes). */
static void *pick_address(size_t len)
{
	void *probe = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (probe == MAP_FAILED)
		return NULL;
	munmap(probe, len);
	a = ((uintptr_t)probe - 2 * TIB) & ~(uintptr_t)(HUGE_ALIGN - 1);
	return (void *)a;
}

static int run_peer(xpmem_segid_t segid, void *addr, size_t len,
		    hwloc_obj_t root, int busy, char *out, size_t outlen)
{
	char arg[4][32];
	int pfd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	snprintf(arg[0], sizeof(arg[0]), "%#llx", (unsigned long long)segid);
	snprintf(arg[1], sizeof(arg[1]), "%p", addr);
	snprintf(arg[2], sizeof(arg[2]), "%zu", len);
	snprintf(arg[3], sizeof(arg[3]), "%p", (void *)root);
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		execl("/proc/self/exe", "hwloc_topology", "--peer", arg[0], arg[1], arg[2], arg[3],
		      busy ? "busy" : "free", (char *)NULL);
		perror("exec");
		_exit(127);
	}
	close(pfd[1]);
	while (got < (ssize_t)outlen - 1 &&
	       (n = read(pfd[0], out + got, outlen - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(pfd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	char mine[512], theirs[512], expect[600];
	hwloc_topology_t topo, adopted;
	int busy = argc > 1 && !strcmp(argv[1], "--busy");
	xpmem_segid_t segid;
	void *addr;
	size_t len;
	int fd;

	if (argc == 7 && !strcmp(argv[1], "--peer"))
		return peer(strtoll(argv[2], NULL, 0), (void *)strtoull(argv[3], NULL, 0),
			    strtoull(argv[4], NULL, 0), (hwloc_obj_t)strtoull(argv[5], NULL, 0),
			    !strcmp(argv[6], "busy"));
	if (argc > 2 || (argc == 2 && !busy)) {
		fprintf(stderr, "usage: %s [--busy]\n", argv[0]);
		return 2;
	}

	if (load(&topo))
		return 1;
	if (hwloc_shmem_topology_get_length(topo, &len, 0)) {
		perror("hwloc_shmem_topology_get_length");
		return 1;
	}
	addr = pick_address(len);
	fd = memfd_create("hwloc-topology", MFD_CLOEXEC);
	if (!addr || fd < 0 || ftruncate(fd, len)) {
		perror("memfd");
		return 1;
	}
	/* hwloc maps the memfd at addr, duplicates the topology into it and
	 * unmaps it; adopting maps it again, read-only, at the same place */
	if (hwloc_shmem_topology_write(topo, fd, 0, addr, len, 0) ||
	    hwloc_shmem_topology_adopt(&adopted, fd, 0, addr, len, 0)) {
		fprintf(stderr, "hwloc shmem at %p: %s\n", addr, strerror(errno));
		return 1;
	}
	close(fd);
	segid = xpmem_make(addr, len, XPMEM_PERMIT_MODE, (void *)0444);
	if (segid == -1) {
		perror("xpmem_make");
		return 1;
	}
	describe(hwloc_get_root_obj(adopted), mine, sizeof(mine));
	printf("owner: topology of %zu bytes at %p, exported as segment %#llx\n",
	       len, addr, (unsigned long long)segid);
	printf("owner:  %s\n", mine);

	if (run_peer(segid, addr, len, hwloc_get_root_obj(adopted), busy,
		     theirs, sizeof(theirs))) {
		fprintf(stderr, "the peer failed\n");
		return 1;
	}
	printf("peer:   %s", theirs);
	snprintf(expect, sizeof(expect), "%s %s\n", busy ? "local" : "shared", mine);
	xpmem_remove(segid);
	hwloc_topology_destroy(adopted);
	hwloc_topology_destroy(topo);
	if (strcmp(theirs, expect)) {
		fprintf(stderr, "the peer saw another topology (expected \"%s\")\n", expect);
		return 1;
	}
	printf("the peer %s\n", busy ? "found the range in use and discovered the same topology itself" :
	       "walked the owner's topology in place: same objects");
	return 0;
}
