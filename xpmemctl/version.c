// SPDX-License-Identifier: GPL-2.0
/*
 * version.c - `xpmemctl version': our version, and the module's if it is
 * loaded. Works without the module (exit 0), so scripts can always ask.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <xpmem.h>

#include "xpmemctl.h"

#ifndef XPMEMCTL_VERSION
#define XPMEMCTL_VERSION "unknown"
#endif

#define SYS_VERSION	"/sys/module/xpmem/version"
#define SYS_PARAMETERS	"/sys/module/xpmem/parameters/"

int module_version(char *buf, size_t len)
{
	FILE *f = fopen(SYS_VERSION, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return ret;
}

/* a bool module parameter: 1 (Y), 0 (N), or -errno (-ENOENT: not there) */
int module_bool_param(const char *name)
{
	char path[128];
	FILE *f;
	int c;

	snprintf(path, sizeof(path), SYS_PARAMETERS "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	c = fgetc(f);
	fclose(f);
	return c == 'Y' ? 1 : c == 'N' ? 0 : -EIO;
}

int device_version(void)
{
	int fd, v;

	fd = open(XPMEM_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(XPMEM_DEV_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	v = ioctl(fd, XPMEM_CMD_VERSION, NULL);
	if (v < 0)
		v = -errno;
	close(fd);
	return v;
}

const char *format_abi(char *buf, size_t len, int v)
{
	snprintf(buf, len, "%x.%x.%x", (v >> 16) & 0xfff, (v >> 12) & 0xf, v & 0xfff);
	return buf;
}

int version_main(int argc, const char *argv[])
{
	char mod[64], abi[32];
	bool loaded;
	int dev;

	if (argc > 1)
		return usage_error(argv[0], "unexpected argument `%s'", argv[1]);
	loaded = module_version(mod, sizeof(mod)) == 0;
	dev = device_version();
	if (json) {
		j_open('{');
		j_kstr("xpmemctl", XPMEMCTL_VERSION);
		j_kstr("module", loaded ? mod : NULL);
		j_kstr("interface", dev >= 0 ? format_abi(abi, sizeof(abi), dev) : NULL);
		j_close('}');
		j_end();
		return EXIT_OK;
	}
	fprintf(out, "xpmemctl %s\n", XPMEMCTL_VERSION);
	if (loaded)
		fprintf(out, "module   %s\n", mod);
	else
		fprintf(out, "module   not loaded\n");
	if (dev >= 0)
		fprintf(out, "device   %s (interface %s)\n", XPMEM_DEV_PATH,
			format_abi(abi, sizeof(abi), dev));
	return EXIT_OK;
}
