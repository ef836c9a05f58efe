// SPDX-License-Identifier: MIT
/*
 * linked_list.c - walk another process's linked list in place, following
 * its raw pointers, with xpmem_attach_same().
 *
 *   usage: linked_list
 *
 * A plain xpmem_attach() maps the peer's memory wherever there is room, so
 * a pointer stored in it (the peer's address) means nothing to the reader.
 * xpmem_attach_same() maps it at the peer's own address instead, where
 * every pointer is right as it is. It never replaces anything: if that
 * address range is in use in the reader, it fails with EBUSY.
 *
 * The parent builds a list in a region of its own, exports the region and
 * forks a reader. A forked child is the simplest reader, and it shows both
 * sides of the rule: the child still has its private copy of the region at
 * that very address (fork copies the address space), so the first attempt
 * is EBUSY. The child unmaps its copy, attaches again, and walks the
 * parent's live list, including a node the parent added after the fork,
 * which the child's own copy never had.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xpmem.h>

#define REGION	(64 * 1024)

struct node {
	struct node *next;
	int value;
	char name[28];
};

/* The region starts with this, so a reader finds the list from offset 0. */
struct root {
	struct node *head;
	int count;
	size_t used;		/* bump allocator over the rest of the region */
};

static struct node *add_node(struct root *root, int value, const char *name)
{
	struct node *node = (struct node *)((char *)root + root->used);
	struct node **tail = &root->head;

	/* spread nodes over the pages: the walk really jumps around */
	root->used += 4096 + sizeof(*node);
	while (*tail)
		tail = &(*tail)->next;
	*node = (struct node){ .value = value };
	snprintf(node->name, sizeof(node->name), "%s", name);
	*tail = node;
	root->count++;
	return node;
}

static int reader(struct root *region, xpmem_segid_t segid, int go)
{
	struct xpmem_addr addr = { .offset = 0 };
	struct root *root;
	xpmem_apid_t apid;
	char c;

	/* wait until the parent has changed its list */
	if (read(go, &c, 1) != 1)
		return 1;

	/*
	 * Our first XPMEM call after fork: the library notices the kernel
	 * does not know us through the inherited descriptor and re-opens
	 * /dev/xpmem by itself.
	 */
	apid = xpmem_get(segid, XPMEM_RDONLY, XPMEM_PERMIT_MODE, NULL);
	if (apid == -1) {
		perror("reader: xpmem_get");
		return 1;
	}
	addr.apid = apid;

	root = xpmem_attach_same(addr, REGION);
	if (root != MAP_FAILED || errno != EBUSY) {
		fprintf(stderr, "reader: expected EBUSY, got %s\n",
			root == MAP_FAILED ? strerror(errno) : "a mapping");
		return 1;
	}
	printf("reader: attach at %p: EBUSY, our fork-time copy is there\n",
	       (void *)region);

	/* Make room: drop our stale private copy, then attach again. */
	munmap(region, REGION);
	root = xpmem_attach_same(addr, REGION);
	if (root == MAP_FAILED) {
		perror("reader: xpmem_attach_same");
		return 1;
	}
	printf("reader: attached at %p, the parent's own address\n",
	       (void *)root);

	/* Follow the parent's pointers as they are. */
	for (struct node *n = root->head; n; n = n->next)
		printf("reader:   %p  %3d  %s\n", (void *)n, n->value, n->name);

	if (root->count != 5 || strcmp(root->head->next->next->next->next->name,
				       "added after fork") != 0) {
		fprintf(stderr, "reader: that is not the parent's live list\n");
		return 1;
	}
	printf("reader: %d nodes, the last one added after we forked\n",
	       root->count);

	xpmem_detach(root);
	xpmem_release(apid);
	return 0;
}

int main(void)
{
	xpmem_segid_t segid;
	struct root *root;
	int go[2], status;
	pid_t pid;

	root = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (root == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	root->used = sizeof(*root);
	add_node(root, 1, "one");
	add_node(root, 2, "two");
	add_node(root, 3, "three");
	add_node(root, 4, "four");

	segid = xpmem_make(root, REGION, XPMEM_PERMIT_MODE, (void *)0600);
	if (segid == -1) {
		perror("xpmem_make");
		if (errno == ENOENT)	/* the library could not find the device */
			fprintf(stderr, "is the xpmem module loaded?\n");
		return 1;
	}
	printf("parent: list of %d nodes at %p, exported as segment 0x%llx\n",
	       root->count, (void *)root, (unsigned long long)segid);

	if (pipe(go) == -1) {
		perror("pipe");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == -1) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		status = reader(root, segid, go[0]);
		fflush(stdout);
		_exit(status);
	}

	/* Only the parent's list gets this node (copy-on-write). */
	add_node(root, 5, "added after fork");
	printf("parent: added node 5 after the fork\n");
	fflush(stdout);
	if (write(go[1], "", 1) != 1)
		return 1;

	waitpid(pid, &status, 0);
	xpmem_remove(segid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
