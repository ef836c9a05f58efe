// SPDX-License-Identifier: GPL-2.0
/*
 * t_perms.c - GET's permission check: the segment's mode bits against the
 * exporter's uid/gid, like SysV ipcperms (owner bits if euid matches, else
 * group bits if in the group, else other bits; RDONLY needs r, RDWR needs
 * r and w; CAP_IPC_OWNER bypasses), and read-only permits mapping read-only.
 *
 * The exporter runs as EXP_UID:EXP_GID; the test process drops to the
 * accessor's ids after starting it. /dev/xpmem must be 0666 (suite.sh does
 * that) because both open it after dropping root.
 */
#define TEST_ORDER 40
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xp.h"

#define EXP_UID		1000
#define EXP_GID		1000
#define OTHER_UID	1001	/* unrelated user */
#define OTHER_GID	1001
#define MEMBER_UID	1002	/* has EXP_GID as a supplementary group */
#define MEMBER_GID	1002
#define PRIMARY_UID	1003	/* has EXP_GID as its primary group */

static void start_as_user(struct exporter *ex, int mode)
{
	require_world_usable_device();
	exporter_start(ex, &(struct ex_opts){ .pages = 2, .seed = 1,
			.mode = mode ? mode : EX_MODE_NONE, .drop = true,
			.uid = EXP_UID, .gid = EXP_GID });
}

static void become_other(void)
{
	drop_privileges(OTHER_UID, OTHER_GID, NULL, 0);
}

static void become_member(void)
{
	gid_t g = EXP_GID;

	drop_privileges(MEMBER_UID, MEMBER_GID, &g, 1);
}

static void become_same_user(void)
{
	drop_privileges(EXP_UID, EXP_GID, NULL, 0);
}

static int try_get(struct exporter *ex, int flags)
{
	return xpmem_get(ex->segid, flags, XPMEM_PERMIT_MODE, NULL) > 0 ? 0 :
	       errno;
}

#define CHECK_GET(ex, flags, err)						\
	do {									\
		int e_ = try_get((ex), (flags));				\
		if (e_ != (err))						\
			fail_at(__FILE__, __LINE__,				\
				"xpmem_get(%s) as uid %d: %s, expected %s",	\
				#flags, (int)geteuid(), errname(e_),		\
				errname(err));					\
	} while (0)

TEST(mode_0644_lets_another_user_get_rdonly)
{
	struct exporter ex;

	start_as_user(&ex, 0644);
	become_other();
	CHECK_GET(&ex, XPMEM_RDONLY, 0);
}

TEST(mode_0644_denies_another_user_rdwr)
{
	struct exporter ex;

	start_as_user(&ex, 0644);
	become_other();
	CHECK_GET(&ex, XPMEM_RDWR, EACCES);
}

TEST(mode_0600_denies_another_user_rdonly)
{
	struct exporter ex;

	start_as_user(&ex, 0600);
	become_other();
	CHECK_GET(&ex, XPMEM_RDONLY, EACCES);
	CHECK_GET(&ex, XPMEM_RDWR, EACCES);
}

TEST(write_only_mode_bits_deny_rdwr_and_rdonly)
{
	struct exporter ex;

	start_as_user(&ex, 0602);
	become_other();
	CHECK_GET(&ex, XPMEM_RDWR, EACCES);
	CHECK_GET(&ex, XPMEM_RDONLY, EACCES);
}

TEST(mode_0666_lets_another_user_attach_read_write)
{
	struct exporter ex;
	char *p;

	start_as_user(&ex, 0666);
	become_other();
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(2));
	CHECK_PATTERN(p, 0, PAGES(2), 1);
	pat_fill(p, 0, PAGE_SZ, 2);
	CHECK_EX_PATTERN(&ex, 0, PAGE_SZ, 2);
}

TEST(rdonly_permit_of_another_user_attaches_read_only)
{
	struct exporter ex;
	char *p;

	start_as_user(&ex, 0644);
	become_other();
	p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY), 0, PAGES(2));
	CHECK_PATTERN(p, 0, PAGES(2), 1);
	CHECK_WRITE_SIGNALS(p + 16, SIGSEGV);
	CHECK_ERRNO(mprotect(p, PAGES(2), PROT_READ | PROT_WRITE), EACCES);
	CHECK_EX_PATTERN(&ex, 0, PAGES(2), 1);
}

TEST(owner_bits_apply_to_another_process_of_the_same_user)
{
	struct exporter ex;

	start_as_user(&ex, 0600);
	become_same_user();
	CHECK_GET(&ex, XPMEM_RDWR, 0);
}

TEST(owner_bits_take_precedence_over_group_and_other_bits)
{
	struct exporter ex;

	start_as_user(&ex, 0066);
	become_same_user();
	CHECK_GET(&ex, XPMEM_RDONLY, EACCES);
	CHECK_GET(&ex, XPMEM_RDWR, EACCES);
}

TEST(mode_0400_gives_the_same_user_rdonly_but_not_rdwr)
{
	struct exporter ex;

	start_as_user(&ex, 0400);
	become_same_user();
	CHECK_GET(&ex, XPMEM_RDONLY, 0);
	CHECK_GET(&ex, XPMEM_RDWR, EACCES);
}

TEST(group_bits_apply_to_a_supplementary_member_of_the_exporter_group)
{
	struct exporter ex;

	start_as_user(&ex, 0640);
	become_member();
	CHECK_GET(&ex, XPMEM_RDONLY, 0);
	CHECK_GET(&ex, XPMEM_RDWR, EACCES);
}

TEST(group_bits_apply_to_a_user_whose_primary_group_is_the_exporter_group)
{
	struct exporter ex;

	start_as_user(&ex, 0660);
	drop_privileges(PRIMARY_UID, EXP_GID, NULL, 0);
	CHECK_GET(&ex, XPMEM_RDWR, 0);
}

TEST(group_member_is_denied_when_only_other_bits_allow)
{
	struct exporter ex;

	start_as_user(&ex, 0606);
	become_member();
	CHECK_GET(&ex, XPMEM_RDONLY, EACCES);
}

TEST(other_bits_apply_to_an_unrelated_user)
{
	struct exporter ex;

	start_as_user(&ex, 0606);
	become_other();
	CHECK_GET(&ex, XPMEM_RDWR, 0);
}

TEST(mode_0000_denies_even_the_same_user)
{
	struct exporter ex;

	start_as_user(&ex, 0);
	become_same_user();
	CHECK_GET(&ex, XPMEM_RDONLY, EACCES);
}

TEST(root_bypasses_the_mode_bits)
{
	struct exporter ex;
	char *p;

	start_as_user(&ex, 0);
	p = attach_ok(get_ok(ex.segid, XPMEM_RDWR), 0, PAGES(2));
	CHECK_PATTERN(p, 0, PAGES(2), 1);
	pat_fill(p + PAGE_SZ, PAGE_SZ, PAGE_SZ, 3);
	CHECK_EX_PATTERN(&ex, PAGE_SZ, PAGE_SZ, 3);
}

TEST(unprivileged_exporter_can_remove_its_segment_and_gets_fail_after)
{
	struct exporter ex;

	start_as_user(&ex, 0666);
	ex_do(&ex, EX_REMOVE, 0, 0, 0);
	become_other();
	CHECK_GET(&ex, XPMEM_RDONLY, ENOENT);
}
