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
 * unprivileged child write into its root parent. KSM merging an attached
 * page with root's must take the attacher's writable PTE away as well.
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

/* ---- KSM ------------------------------------------------------------------ */

#define KSM_KNOB(name)	"/sys/kernel/mm/ksm/" name
#define KSM_PAGES	8
#define KSM_WAIT_SECS	60.0

static const char *const ksm_knobs[] = {
	KSM_KNOB("run"), KSM_KNOB("sleep_millisecs"), KSM_KNOB("pages_to_scan"),
};

static long ksm_merging_pages(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", (int)pid);
	return file_read_long(path);
}

/* fresh memory of pattern 1 that KSM may merge with any page of that pattern */
static char *mergeable_pattern(void)
{
	char *p = mmap(NULL, PAGES(KSM_PAGES), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED, "mmap: %s", errname(errno));
	pat_fill(p, 0, PAGES(KSM_PAGES), 1);
	CHECK_SYS(madvise(p, PAGES(KSM_PAGES), MADV_MERGEABLE));
	return p;
}

/* true once ksmd merged every page of both processes, within the wait */
static bool wait_for_merge(pid_t a, pid_t b)
{
	double end = now_sec() + KSM_WAIT_SECS;

	while (now_sec() < end) {
		if (ksm_merging_pages(a) >= KSM_PAGES &&
		    ksm_merging_pages(b) >= KSM_PAGES)
			return true;
		sleep_sec(0.05);
	}
	return false;
}

/*
 * KSM merges a nobody child's page into the same content of root's: the
 * child's page is write-protected, then replaced and freed. An attachment
 * that kept its writable PTE would store into a freed page; one that
 * mapped the merged page writable would store into root's.
 */
TEST(attack_ksm_merging_an_attached_page_with_roots_keeps_stores_off_roots_page)
{
	long saved[3];
	struct census before;
	struct chan ch;
	char *mine;
	pid_t pid;
	bool merged;

	if (access(KSM_KNOB("run"), W_OK))
		SKIP("no KSM: %s", errname(errno));
	attack_begin(&before);
	for (int i = 0; i < 3; i++)
		saved[i] = file_read_long(ksm_knobs[i]);
	pid = fork_nobody(&ch);
	if (pid == 0) {
		char *buf = mergeable_pattern();
		char *p = attach_ok(get_ok(make_ok(buf, PAGES(KSM_PAGES), 0600),
					   XPMEM_RDWR), 0, PAGES(KSM_PAGES));

		pat_fill(p, 0, PAGES(KSM_PAGES), 1);	/* writable PTEs */
		send_u64(&ch, 1);
		if (recv_u64(&ch) == 0)
			peer_exit(0);			/* nothing merged */
		pat_fill(p, 0, PAGES(KSM_PAGES), 2);
		CHECK_PATTERN(buf, 0, PAGES(KSM_PAGES), 2);
		peer_exit(0);
	}
	mine = mergeable_pattern();
	CHECK_EQ(recv_u64(&ch), 1);
	file_write_long(KSM_KNOB("sleep_millisecs"), 0);
	file_write_long(KSM_KNOB("pages_to_scan"), 10000);
	file_write_long(KSM_KNOB("run"), 1);
	merged = wait_for_merge(getpid(), pid);
	for (int i = 2; i >= 0; i--)	/* stopping ksmd keeps what it merged */
		file_write_long(ksm_knobs[i], saved[i]);
	send_u64(&ch, merged);
	WAIT_OK(pid);
	CHECK_PATTERN(mine, 0, PAGES(KSM_PAGES), 1);
	munmap(mine, PAGES(KSM_PAGES));
	attack_end(&before);
	if (!merged)
		SKIP("ksmd merged nothing within %.0f s", KSM_WAIT_SECS);
}
