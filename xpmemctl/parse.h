/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - the command line's value parsers: numbers, sizes, segids, users,
 * groups, and cgroup v2 directories. Pure functions returning 0 or
 * -errno, so tests/unit/parse_test.c can check them without a kernel.
 */
#ifndef XPMEMCTL_PARSE_H
#define XPMEMCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Decimal digits only: no sign, no blanks, no base prefix. -EINVAL/-ERANGE. */
int parse_u64(const char *s, uint64_t *v);
int parse_u32(const char *s, uint32_t *v);

/* Bytes: decimal with an optional K, M, G, T, P or E (powers of 1024,
 * either case), optionally followed by "B" or "iB": 64K, 2GiB, 512. */
int parse_size(const char *s, uint64_t *v);

/* A segment id as printed: 0x followed by hex digits, or decimal. */
int parse_segid(const char *s, uint64_t *v);

/* A uid or gid: all digits is a number (never looked up), anything else
 * a user or group name. (uid_t)-1 is refused. -EINVAL for unknown names. */
int parse_uid(const char *s, uint32_t *v);
int parse_gid(const char *s, uint32_t *v);

/* A pid: 1 .. INT32_MAX. A job id: 1 .. UINT64_MAX. */
int parse_pid(const char *s, uint32_t *v);
int parse_job_id(const char *s, uint64_t *v);

/*
 * The first cgroup2 mount point listed in MOUNTINFO (a file in the
 * format of /proc/self/mountinfo), unescaped, into BUF. -ENOENT if none.
 */
int cgroup2_mount(const char *mountinfo, char *buf, size_t len);

/*
 * The cgroup v2 id of directory PATH: an absolute path on a cgroup2
 * file system, or a path relative to the cgroup2 mount found in
 * MOUNTINFO ("/system.slice/x" and "system.slice/x" both work). The
 * directory used goes to RESOLVED. -ENOENT: no such cgroup; -ENOTDIR;
 * -EMEDIUMTYPE: not on cgroup2; -ENODEV: no cgroup2 mount at all.
 */
int cgroup_id(const char *mountinfo, const char *path, uint64_t *id,
	      char *resolved, size_t len);

/* Human-readable bytes: 512, 4.0K, 1.5M, 2.0G (powers of 1024). */
const char *format_size(char *buf, size_t len, uint64_t bytes);

#endif /* XPMEMCTL_PARSE_H */
