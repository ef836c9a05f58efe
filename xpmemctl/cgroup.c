// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup.c - a cgroup v2 directory to its id, the number the kernel's
 * job matching uses (cgroup_id(), the kernfs node id).
 *
 * The id comes from name_to_handle_at(): on cgroup2 the file handle is
 * exactly the 8-byte kernfs id, and asking needs no privilege. The cgroup2
 * mount is looked up in mountinfo rather than assumed at /sys/fs/cgroup:
 * hybrid hosts have it at /sys/fs/cgroup/unified.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "parse.h"

/* mountinfo escapes blanks, tabs, newlines and backslashes as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

int cgroup2_mount(const char *mountinfo, char *buf, size_t len)
{
	char *line = NULL, *sep, *mnt, *save;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mount-point options [tags] - type ... */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = '\0';
		mnt = NULL;
		save = NULL;
		for (int i = 0; i < 5; i++)
			mnt = strtok_r(i ? NULL : line, " ", &save);
		if (!mnt)
			continue;
		unescape(mnt);
		if (strlen(mnt) >= len) {
			ret = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, mnt);
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static int on_cgroup2(const char *path)
{
	struct statfs sfs;
	struct stat st;

	if (statfs(path, &sfs) < 0 || stat(path, &st) < 0)
		return -errno;
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int cgroup_id(const char *mountinfo, const char *path, uint64_t *id,
	      char *resolved, size_t len)
{
	union {
		struct file_handle fh;
		char room[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	char mnt[PATH_MAX];
	int ret, mount_id;

	if (!path || !*path)
		return -EINVAL;
	/* An absolute path already on cgroup2 is taken as it is. */
	if (path[0] == '/' && on_cgroup2(path) == 0) {
		if ((size_t)snprintf(resolved, len, "%s", path) >= len)
			return -ENAMETOOLONG;
	} else {
		ret = cgroup2_mount(mountinfo, mnt, sizeof(mnt));
		if (ret)
			return ret == -ENOENT ? -ENODEV : ret;
		while (*path == '/')
			path++;
		if ((size_t)snprintf(resolved, len, "%s%s%s", mnt,
				     *path && strcmp(mnt, "/") ? "/" : "", path) >= len)
			return -ENAMETOOLONG;
		ret = on_cgroup2(resolved);
		if (ret)
			return ret;
	}
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, resolved, &h.fh, &mount_id, 0) < 0)
		return -errno;
	/* kernfs: 8 bytes, the 64-bit node id that cgroup_id() returns */
	if (h.fh.handle_bytes != sizeof(*id))
		return -EMEDIUMTYPE;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}
