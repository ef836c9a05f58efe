// SPDX-License-Identifier: GPL-2.0
/*
 * t_attack_cow.c - copy-on-write through an attachment. A root process
 * fills private memory and forks; the child drops to uid 65534 while it
 * still shares every page with its parent copy on write, exports its
 * copy and stores through its own RDWR attachment of it. Only the child's
 * copy may change, however the attachment got its PTEs (loads first, the
 * store itself, XPMEM_ATTACH_POPULATE, MADV_WILLNEED) and whether the
 * memory is 4 KiB pages or THP blocks; and the parent's own stores after
 * that must not show through the child's attachment. A module that mapped
 * a shared page writable, or kept a mapping across the copy, would let an
 * unprivileged child write into its root parent.
 */
#define TEST_ORDER 95
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attack.h"

#define COW_PAGES	1024		/* two 2 MiB blocks */
#define COW_LEN		PAGES(COW_PAGES)
#define HALF		(COW_LEN / 2)

enum how_mapped { BY_LOADS, BY_STORES, BY_POPULATE, BY_WILLNEED };

/* the child's RDWR attachment of its own copy, its PTEs made as how says */
static char *attach_own_copy(char *buf, enum how_mapped how)
{
	xpmem_apid_t apid = get_ok(make_ok(buf, COW_LEN, 0600), XPMEM_RDWR);
	char *p;

	if (how == BY_POPULATE) {
		struct xpmem_addr addr = { .apid = apid, .offset = 0 };

		p = xpmem_attach2(addr, COW_LEN, NULL, XPMEM_ATTACH_POPULATE);
		CHECK(p != MAP_FAILED, "xpmem_attach2(POPULATE): %s", errname(errno));
		return p;
	}
	p = attach_ok(apid, 0, COW_LEN);
	if (how == BY_LOADS)
		CHECK_PATTERN(p, 0, COW_LEN, 1);
	else if (how == BY_WILLNEED)
		CHECK_SYS(madvise(p, COW_LEN, MADV_WILLNEED));
	return p;
}

static void child_stores_through_its_attachment(char *buf, enum how_mapped how,
						struct chan *ch)
{
	char *p = attach_own_copy(buf, how);

	pat_fill(p + HALF, HALF, HALF, 2);
	CHECK_PATTERN(buf, 0, HALF, 1);
	CHECK_PATTERN(buf + HALF, HALF, HALF, 2);
	send_u64(ch, 1);		/* the parent checks, then stores */
	recv_u64(ch);
	CHECK_PATTERN(p, 0, HALF, 1);
	CHECK_PATTERN(p + HALF, HALF, HALF, 2);
	CHECK_PATTERN(buf, 0, HALF, 1);
	peer_exit(0);
}

static void cow_attack(int huge, enum how_mapped how)
{
	struct census before;
	struct chan ch;
	char *buf;
	pid_t pid;

	attack_begin(&before);
	buf = huge ? map_huge(COW_LEN, huge) :
		     mmap(NULL, COW_LEN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(buf != MAP_FAILED, "mmap: %s", errname(errno));
	pat_fill(buf, 0, COW_LEN, 1);
	if (huge && anon_huge_kb(getpid()) < (long)COW_LEN / 1024) {
		munmap(buf, COW_LEN);
		SKIP("the test process got no transparent huge pages");
	}
	pid = fork_nobody(&ch);
	if (pid == 0)
		child_stores_through_its_attachment(buf, how, &ch);
	CHECK_EQ(recv_u64(&ch), 1);
	CHECK_PATTERN(buf, 0, COW_LEN, 1);
	pat_fill(buf, 0, HALF, 3);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	CHECK_PATTERN(buf, 0, HALF, 3);
	CHECK_PATTERN(buf + HALF, HALF, HALF, 1);
	munmap(buf, COW_LEN);
	attack_end(&before);
}

TEST(attack_cow_child_stores_through_an_attachment_mapped_by_loads_miss_the_parent)
{
	cow_attack(0, BY_LOADS);
}

TEST(attack_cow_child_stores_through_a_fresh_attachment_miss_the_parent)
{
	cow_attack(0, BY_STORES);
}

TEST(attack_cow_child_stores_through_a_populated_attachment_miss_the_parent)
{
	cow_attack(0, BY_POPULATE);
}

TEST(attack_cow_child_stores_through_a_willneed_attachment_miss_the_parent)
{
	cow_attack(0, BY_WILLNEED);
}

TEST(attack_cow_child_stores_into_thp_through_an_attachment_mapped_by_loads_miss_the_parent)
{
	cow_attack(EX_HUGE_THP, BY_LOADS);
}

TEST(attack_cow_child_stores_into_thp_through_a_fresh_attachment_miss_the_parent)
{
	cow_attack(EX_HUGE_THP, BY_STORES);
}

TEST(attack_cow_child_stores_into_thp_through_a_populated_attachment_miss_the_parent)
{
	cow_attack(EX_HUGE_THP, BY_POPULATE);
}

TEST(attack_cow_child_stores_into_thp_through_a_willneed_attachment_miss_the_parent)
{
	cow_attack(EX_HUGE_THP, BY_WILLNEED);
}
