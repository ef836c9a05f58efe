// SPDX-License-Identifier: GPL-2.0
/*
 * jobstate.c - read and write the job state files of /run/xpmem/jobs (one
 * file per registered job; the format is described in jobstate.h and in
 * xpmemd(8)). No daemon state here: xpmemctl can link this file as is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobstate.h"

static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* A decimal number without sign, blanks or leading zeros, at most MAX. */
static bool number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

bool xpmem_jobstate_name(const char *name, uint64_t *id)
{
	uint64_t v;

	if (!number(name, UINT64_MAX, &v))
		return false;
	if (id)
		*id = v;
	return true;
}

enum { K_ID, K_UID, K_CGID, K_CGPATH, K_MAXSEG, K_MAXBYTES, K_MAXPAGES, K_COUNT };

static const char *const keys[K_COUNT] = {
	[K_ID] = "id",
	[K_UID] = "uid",
	[K_CGID] = "cgroup-id",
	[K_CGPATH] = "cgroup-path",
	[K_MAXSEG] = "max-segments",
	[K_MAXBYTES] = "max-attached-bytes",
	[K_MAXPAGES] = "max-mapped-pages",
};

static int set_key(struct xpmem_job_state *st, int k, const char *v)
{
	uint64_t n = 0;

	if (k == K_CGPATH) {
		if (!*v || strlen(v) >= sizeof(st->cgroup_path))
			return -EINVAL;
		strcpy(st->cgroup_path, v);
		return 0;
	}
	if (!number(v, k == K_UID || k == K_MAXSEG ? UINT32_MAX : UINT64_MAX, &n))
		return -EINVAL;
	if (k == K_UID && n == UINT32_MAX)	/* (uid_t)-1 is no uid */
		return -EINVAL;
	switch (k) {
	case K_ID:		st->id = n; break;
	case K_UID:		st->uid = (uint32_t)n; break;
	case K_CGID:		st->cgroup_id = n; break;
	case K_MAXSEG:		st->max_segments = (uint32_t)n; break;
	case K_MAXBYTES:	st->max_attached_bytes = n; break;
	case K_MAXPAGES:	st->max_mapped_pages = n; break;
	}
	return 0;
}

int xpmem_jobstate_parse(const char *text, struct xpmem_job_state *st,
			 char *why, size_t whylen)
{
	bool seen[K_COUNT] = { false };
	const char *line = text, *eol;
	char buf[PATH_MAX + 64];
	unsigned int lineno = 0;

	memset(st, 0, sizeof(*st));
	for (; *line; line = *eol ? eol + 1 : eol) {
		char *eq, *v;
		size_t len;
		int k;

		eol = strchrnul(line, '\n');
		len = (size_t)(eol - line);
		lineno++;
		if (len >= sizeof(buf)) {
			say(why, whylen, "line %u: too long", lineno);
			return -EINVAL;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (!buf[0] || buf[0] == '#')
			continue;
		eq = strchr(buf, '=');
		if (!eq) {
			say(why, whylen, "line %u: not key=value: \"%s\"", lineno, buf);
			return -EINVAL;
		}
		*eq = '\0';
		v = eq + 1;
		for (k = 0; k < K_COUNT; k++)
			if (!strcmp(buf, keys[k]))
				break;
		if (k == K_COUNT)
			continue;	/* a newer writer's key */
		if (seen[k]) {
			say(why, whylen, "line %u: %s given twice", lineno, buf);
			return -EINVAL;
		}
		seen[k] = true;
		if (set_key(st, k, v)) {
			say(why, whylen, "line %u: invalid %s \"%s\"", lineno, buf, v);
			return -EINVAL;
		}
	}
	if (!seen[K_ID] || !seen[K_UID]) {
		say(why, whylen, "no %s= line", seen[K_ID] ? "uid" : "id");
		return -EINVAL;
	}
	if (!st->cgroup_id && !st->cgroup_path[0]) {
		say(why, whylen, "neither cgroup-id= nor cgroup-path=");
		return -EINVAL;
	}
	return 0;
}

int xpmem_jobstate_format(const struct xpmem_job_state *st, char *buf, size_t len)
{
	char cgid[48] = "", cgpath[PATH_MAX + 16] = "";
	int n;

	if (st->cgroup_id)
		snprintf(cgid, sizeof(cgid), "cgroup-id=%" PRIu64 "\n", st->cgroup_id);
	if (st->cgroup_path[0])
		snprintf(cgpath, sizeof(cgpath), "cgroup-path=%s\n", st->cgroup_path);
	n = snprintf(buf, len,
		     "# xpmem job state (see xpmemd(8), JOB STATE FILES)\n"
		     "id=%" PRIu64 "\nuid=%" PRIu32 "\n%s%s"
		     "max-segments=%" PRIu32 "\n"
		     "max-attached-bytes=%" PRIu64 "\n"
		     "max-mapped-pages=%" PRIu64 "\n",
		     st->id, st->uid, cgid, cgpath,
		     st->max_segments, st->max_attached_bytes, st->max_mapped_pages);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* The whole of an open file, NUL-terminated, at most XPMEM_JOBSTATE_MAX. */
static int slurp(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == len - 1)
			return -EFBIG;
	}
	buf[got] = '\0';
	return (int)got;
}

static int read_at(int dfd, const char *name, char *buf, size_t len)
{
	int fd, ret;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ret = slurp(fd, buf, len);
	close(fd);
	return ret;
}

int xpmem_jobstate_read(const char *dir, uint64_t id, struct xpmem_job_state *st,
			char *why, size_t whylen)
{
	char name[32], text[XPMEM_JOBSTATE_MAX + 1];
	int dfd, ret;

	snprintf(name, sizeof(name), "%" PRIu64, id);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ret = read_at(dfd, name, text, sizeof(text));
	close(dfd);
	if (ret == -EFBIG) {
		say(why, whylen, "larger than %d bytes", XPMEM_JOBSTATE_MAX);
		return -EINVAL;
	}
	if (ret < 0)
		return ret;
	ret = xpmem_jobstate_parse(text, st, why, whylen);
	if (ret)
		return ret;
	if (st->id != id) {
		say(why, whylen, "holds job %" PRIu64, st->id);
		return -EINVAL;
	}
	return 0;
}

int xpmem_jobstate_write(const char *dir, const struct xpmem_job_state *st)
{
	char name[32], tmp[64], text[XPMEM_JOBSTATE_MAX + 1], old[XPMEM_JOBSTATE_MAX + 1];
	int dfd, fd, len, ret;

	len = xpmem_jobstate_format(st, text, sizeof(text));
	if (len < 0)
		return len;
	snprintf(name, sizeof(name), "%" PRIu64, st->id);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (read_at(dfd, name, old, sizeof(old)) == len && !strcmp(old, text)) {
		ret = 0;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", name, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (write(fd, text, (size_t)len) != len || fchmod(fd, 0644) < 0) {
		ret = errno ? -errno : -EIO;
		close(fd);
		goto err_tmp;
	}
	if (close(fd) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		ret = -errno;
		goto err_tmp;
	}
	ret = 1;
	goto out;

err_tmp:
	unlinkat(dfd, tmp, 0);
out:
	close(dfd);
	return ret;
}

int xpmem_jobstate_remove(const char *dir, uint64_t id)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%" PRIu64, dir, id) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (unlink(path) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int xpmem_jobstate_list(const char *dir, uint64_t **ids)
{
	uint64_t *v = NULL, *grown, id;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*ids = NULL;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!xpmem_jobstate_name(de->d_name, &id))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = grown;
		}
		v[n++] = id;
	}
	closedir(d);
	if (n > INT32_MAX) {
		free(v);
		return -E2BIG;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_u64);
	*ids = v;
	return (int)n;
}
