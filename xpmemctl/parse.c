// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - value parsers of xpmemctl (see parse.h). Strict on purpose: a
 * Slurm prolog that passes "12x" for a uid must fail loudly, not register
 * uid 12.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "parse.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Digits from *s on, stopping at the first non-digit; needs at least one. */
static int digits(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t n = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*v = n;
	return 0;
}

int parse_u64(const char *s, uint64_t *v)
{
	int ret;

	if (!s)
		return -EINVAL;
	ret = digits(&s, v);
	if (ret)
		return ret;
	return *s ? -EINVAL : 0;
}

int parse_u32(const char *s, uint32_t *v)
{
	uint64_t n;
	int ret = parse_u64(s, &n);

	if (ret)
		return ret;
	if (n > UINT32_MAX)
		return -ERANGE;
	*v = (uint32_t)n;
	return 0;
}

int parse_size(const char *s, uint64_t *v)
{
	static const char units[] = "KMGTPE";
	const char *u;
	uint64_t n;
	int ret, shift = 0;

	if (!s)
		return -EINVAL;
	ret = digits(&s, &n);
	if (ret)
		return ret;
	if (*s) {
		u = strchr(units, *s & ~0x20);	/* upper case */
		if (!u || !(*s & ~0x20))
			return -EINVAL;
		shift = 10 * (int)(u - units + 1);
		s++;
		if (!strcmp(s, "iB"))
			s += 2;
		else if (!strcmp(s, "B"))
			s++;
		if (*s)
			return -EINVAL;
	}
	if (shift && n > UINT64_MAX >> shift)
		return -ERANGE;
	*v = n << shift;
	return 0;
}

int parse_segid(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	int d;

	if (!s)
		return -EINVAL;
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return parse_u64(s, v);
	s += 2;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return -EINVAL;
		if (n >> 60)
			return -ERANGE;
		n = n << 4 | (uint64_t)d;
	}
	*v = n;
	return 0;
}

/*
 * A uid or gid as a number; (uint32_t)-1 is never an id. Returns 1 when
 * @s is not all digits (a name, for the caller to look up).
 */
static int parse_id_number(const char *s, uint32_t *v)
{
	int ret;

	if (!s || !*s)
		return -EINVAL;
	if (!all_digits(s))
		return 1;
	ret = parse_u32(s, v);
	return !ret && *v == (uint32_t)-1 ? -ERANGE : ret;
}

int parse_uid(const char *s, uint32_t *v)
{
	struct passwd *pw;
	int ret = parse_id_number(s, v);

	if (ret <= 0)
		return ret;
	pw = getpwnam(s);
	if (!pw)
		return -EINVAL;
	*v = pw->pw_uid;
	return 0;
}

int parse_gid(const char *s, uint32_t *v)
{
	struct group *gr;
	int ret = parse_id_number(s, v);

	if (ret <= 0)
		return ret;
	gr = getgrnam(s);
	if (!gr)
		return -EINVAL;
	*v = gr->gr_gid;
	return 0;
}

int parse_pid(const char *s, uint32_t *v)
{
	int ret = parse_u32(s, v);

	if (!ret && (*v == 0 || *v > INT32_MAX))
		ret = -ERANGE;
	return ret;
}

int parse_job_id(const char *s, uint64_t *v)
{
	int ret = parse_u64(s, v);

	if (!ret && *v == 0)
		ret = -ERANGE;
	return ret;
}

const char *format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	int i = -1;
	double d = (double)bytes;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
		return buf;
	}
	while (d >= 1024 && i < 5) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f%c", d, units[i]);
	return buf;
}
