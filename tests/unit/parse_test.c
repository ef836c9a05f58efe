// SPDX-License-Identifier: GPL-2.0
/*
 * parse_test.c - host tests of xpmemctl's value parsers (xpmemctl/parse.c)
 * and of the cgroup v2 lookup (xpmemctl/cgroup.c). Prints TAP lines
 * "ok - name" / "not ok - name" with "# ..." diagnostics; exit 1 if any
 * failed. tests/unit/parse.sh builds and runs it, plain and sanitized.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "parse.h"
#include "tap.h"



static void numbers_are_decimal_and_strict(void)
{
	uint64_t v;
	uint32_t w;

	CHECK(parse_u64("0", &v) == 0 && v == 0);
	CHECK(parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK(parse_u64("18446744073709551616", &v) == -ERANGE);
	CHECK(parse_u64("", &v) == -EINVAL);
	CHECK(parse_u64("-1", &v) == -EINVAL);
	CHECK(parse_u64("+1", &v) == -EINVAL);
	CHECK(parse_u64(" 1", &v) == -EINVAL);
	CHECK(parse_u64("1 ", &v) == -EINVAL);
	CHECK(parse_u64("12x", &v) == -EINVAL);
	CHECK(parse_u64("0x10", &v) == -EINVAL);
	CHECK(parse_u64(NULL, &v) == -EINVAL);
	CHECK(parse_u32("4294967295", &w) == 0 && w == UINT32_MAX);
	CHECK(parse_u32("4294967296", &w) == -ERANGE);
}

static void sizes_take_binary_suffixes(void)
{
	uint64_t v;

	CHECK(parse_size("512", &v) == 0 && v == 512);
	CHECK(parse_size("4K", &v) == 0 && v == 4096);
	CHECK(parse_size("4k", &v) == 0 && v == 4096);
	CHECK(parse_size("64M", &v) == 0 && v == 64ULL << 20);
	CHECK(parse_size("2G", &v) == 0 && v == 2ULL << 30);
	CHECK(parse_size("2GiB", &v) == 0 && v == 2ULL << 30);
	CHECK(parse_size("2GB", &v) == 0 && v == 2ULL << 30);
	CHECK(parse_size("1T", &v) == 0 && v == 1ULL << 40);
	CHECK(parse_size("15E", &v) == 0 && v == 15ULL << 60);
	CHECK(parse_size("16E", &v) == -ERANGE);
	CHECK(parse_size("0G", &v) == 0 && v == 0);
}

static void bad_sizes_are_refused(void)
{
	uint64_t v;

	CHECK(parse_size("", &v) == -EINVAL);
	CHECK(parse_size("G", &v) == -EINVAL);
	CHECK(parse_size("1Q", &v) == -EINVAL);
	CHECK(parse_size("1.5G", &v) == -EINVAL);
	CHECK(parse_size("1GG", &v) == -EINVAL);
	CHECK(parse_size("1Gi", &v) == -EINVAL);
	CHECK(parse_size("1 G", &v) == -EINVAL);
	CHECK(parse_size("-1", &v) == -EINVAL);
	CHECK(parse_size("1G ", &v) == -EINVAL);
}

static void segids_are_hex_or_decimal(void)
{
	uint64_t v;

	CHECK(parse_segid("0x1f", &v) == 0 && v == 0x1f);
	CHECK(parse_segid("0XABCdef", &v) == 0 && v == 0xabcdef);
	CHECK(parse_segid("0xffffffffffffffff", &v) == 0 && v == UINT64_MAX);
	CHECK(parse_segid("0x10000000000000000", &v) == -ERANGE);
	CHECK(parse_segid("31", &v) == 0 && v == 31);
	CHECK(parse_segid("0x", &v) == -EINVAL);
	CHECK(parse_segid("0xg1", &v) == -EINVAL);
	CHECK(parse_segid("1f", &v) == -EINVAL);
	CHECK(parse_segid("-0x1", &v) == -EINVAL);
	CHECK(parse_segid("", &v) == -EINVAL);
}

static void uids_are_numbers_or_names(void)
{
	uint32_t v;

	CHECK(parse_uid("0", &v) == 0 && v == 0);
	CHECK(parse_uid("root", &v) == 0 && v == 0);
	CHECK(parse_uid("65534", &v) == 0 && v == 65534);
	CHECK(parse_uid("4294967294", &v) == 0 && v == 4294967294u);
	CHECK(parse_uid("4294967295", &v) == -ERANGE);	/* (uid_t)-1 */
	CHECK(parse_uid("bob7-no-such-user", &v) == -EINVAL);
	CHECK(parse_uid("", &v) == -EINVAL);
	CHECK(parse_uid("-1", &v) == -EINVAL);
	CHECK(parse_gid("0", &v) == 0 && v == 0);
	CHECK(parse_gid("root", &v) == 0 && v == 0);
	CHECK(parse_gid("no-such-group-xq", &v) == -EINVAL);
	CHECK(parse_gid("4294967295", &v) == -ERANGE);
}

static void pids_and_job_ids_are_positive(void)
{
	uint64_t j;
	uint32_t p;

	CHECK(parse_pid("1", &p) == 0 && p == 1);
	CHECK(parse_pid("0", &p) == -ERANGE);
	CHECK(parse_pid("2147483648", &p) == -ERANGE);
	CHECK(parse_pid("12ab", &p) == -EINVAL);
	CHECK(parse_job_id("4242", &j) == 0 && j == 4242);
	CHECK(parse_job_id("0", &j) == -ERANGE);
	CHECK(parse_job_id("x", &j) == -EINVAL);
}

static void sizes_print_short(void)
{
	char b[32];

	CHECK(!strcmp(format_size(b, sizeof(b), 0), "0"));
	CHECK(!strcmp(format_size(b, sizeof(b), 1023), "1023"));
	CHECK(!strcmp(format_size(b, sizeof(b), 4096), "4.0K"));
	CHECK(!strcmp(format_size(b, sizeof(b), 3ULL << 19), "1.5M"));
	CHECK(!strcmp(format_size(b, sizeof(b), 2ULL << 30), "2.0G"));
	CHECK(!strcmp(format_size(b, sizeof(b), UINT64_MAX), "16.0E"));
}

static char tmpdir[] = "/tmp/xpmem-parse.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

static void mountinfo_finds_the_cgroup2_mount(void)
{
	char mnt[PATH_MAX];
	const char *mi;

	mi = write_file("hybrid",
		"31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw\n"
		"42 31 0:39 / /other rw - cgroup2 cgroup2 rw\n");
	CHECK(mi && cgroup2_mount(mi, mnt, sizeof(mnt)) == 0);
	CHECK(!strcmp(mnt, "/sys/fs/cgroup/unified"));

	mi = write_file("escaped", "41 31 0:38 / /mnt/my\\040cg\\134x rw - cgroup2 none rw\n");
	CHECK(mi && cgroup2_mount(mi, mnt, sizeof(mnt)) == 0);
	CHECK(!strcmp(mnt, "/mnt/my cg\\x"));

	/* "cgroup2" must be the file system type, not a mount point */
	mi = write_file("none", "41 31 0:38 / /cgroup2 rw - cgroup cgroup2 rw\n");
	CHECK(mi && cgroup2_mount(mi, mnt, sizeof(mnt)) == -ENOENT);
	CHECK(cgroup2_mount("/nonexistent/mountinfo", mnt, sizeof(mnt)) == -ENOENT);
}

static void cgroup_ids_come_from_file_handles(void)
{
	char mnt[PATH_MAX], res[PATH_MAX], path[PATH_MAX + 16];
	uint64_t id, id2;
	struct stat st;

	if (cgroup2_mount("/proc/self/mountinfo", mnt, sizeof(mnt))) {
		printf("# no cgroup2 mount here: nothing to resolve\n");
		return;
	}
	CHECK(stat(mnt, &st) == 0);
	/* the root by its absolute path, and as "/" relative to the mount */
	CHECK(cgroup_id("/proc/self/mountinfo", mnt, &id, res, sizeof(res)) == 0);
	CHECK(!strcmp(res, mnt));
	CHECK(id == (uint64_t)st.st_ino);	/* on 64-bit: id == inode */
	CHECK(cgroup_id("/proc/self/mountinfo", "/", &id2, res, sizeof(res)) == 0);
	CHECK(id2 == id && !strcmp(res, mnt));
	CHECK(cgroup_id("/proc/self/mountinfo", "", &id2, res, sizeof(res)) == -EINVAL);
	/* not there; a file; a directory elsewhere is taken as relative */
	CHECK(cgroup_id("/proc/self/mountinfo", "no-such-job_424242", &id2, res,
			sizeof(res)) == -ENOENT);
	CHECK(cgroup_id("/proc/self/mountinfo", "cgroup.procs", &id2, res,
			sizeof(res)) == -ENOTDIR);
	CHECK(cgroup_id("/proc/self/mountinfo", "/tmp", &id2, res, sizeof(res)) == -ENOENT);
	snprintf(path, sizeof(path), "%s/tmp", mnt);
	CHECK(!strcmp(res, path));
}

static void no_cgroup2_mount_is_enodev(void)
{
	const char *mi = write_file("v1only", "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw\n");
	char res[PATH_MAX];
	uint64_t id;

	CHECK(mi && cgroup_id(mi, "system.slice", &id, res, sizeof(res)) == -ENODEV);
}

int main(void)
{
	char cmd[PATH_MAX];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	run("parse_numbers_are_decimal_and_strict", numbers_are_decimal_and_strict);
	run("parse_sizes_take_binary_suffixes", sizes_take_binary_suffixes);
	run("parse_bad_sizes_are_refused", bad_sizes_are_refused);
	run("parse_segids_are_hex_or_decimal", segids_are_hex_or_decimal);
	run("parse_uids_are_numbers_or_names", uids_are_numbers_or_names);
	run("parse_pids_and_job_ids_are_positive", pids_and_job_ids_are_positive);
	run("parse_sizes_print_short", sizes_print_short);
	run("cgroup_mountinfo_finds_the_cgroup2_mount", mountinfo_finds_the_cgroup2_mount);
	run("cgroup_ids_come_from_file_handles", cgroup_ids_come_from_file_handles);
	run("cgroup_no_cgroup2_mount_is_enodev", no_cgroup2_mount_is_enodev);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return failed;
}
