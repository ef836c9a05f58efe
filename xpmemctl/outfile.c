// SPDX-License-Identifier: GPL-2.0
/*
 * outfile.c - `--output FILE': what a command prints goes to FILE instead
 * of standard output, and all at once. It is written to a temporary file
 * in the same directory (".NAME.XXXXXX": hidden, and not matching the
 * "*.prom" that node_exporter's textfile collector reads) and renamed
 * over FILE only when the command succeeded. A reader sees the old file
 * or the new one, never half of one; a failed command leaves the old one.
 *
 * No fsync: the file is rewritten every few seconds and a reader only
 * needs it whole, which rename gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xpmemctl.h"

static int report(const struct outfile *of, const char *how, int err)
{
	fprintf(stderr, "%s: cannot write %s: %s%s\n", prog, of->path, how, strerror(err));
	return EXIT_FAIL;
}

int outfile_open(struct outfile *of, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) + 1 : 0;
	struct stat st;

	of->path = path;
	of->tmp = NULL;
	of->fd = -1;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return bad_value("output file", path);
	/* a directory would fail at the rename, after all the work */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return report(of, "", EISDIR);
	if (asprintf(&of->tmp, "%.*s.%s.XXXXXX", dirlen, path, base) < 0) {
		of->tmp = NULL;
		return report(of, "", ENOMEM);
	}
	of->fd = mkostemp(of->tmp, O_CLOEXEC);
	if (of->fd < 0) {
		int err = errno;

		free(of->tmp);
		of->tmp = NULL;
		return report(of, "", err);
	}
	return EXIT_OK;
}

int outfile_commit(struct outfile *of, const char *buf, size_t len)
{
	const char *how = "";
	int err = 0;

	while (len) {
		ssize_t n = write(of->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			goto err_unlink;
		}
		buf += n;
		len -= (size_t)n;
	}
	/* readable by node_exporter's own user, whatever the umask */
	if (fchmod(of->fd, 0644) < 0) {
		err = errno;
		goto err_unlink;
	}
	err = close(of->fd) < 0 ? errno : 0;
	of->fd = -1;
	if (err)
		goto err_unlink;
	if (rename(of->tmp, of->path) < 0) {
		err = errno;
		how = "cannot rename the temporary file over it: ";
		goto err_unlink;
	}
	free(of->tmp);
	of->tmp = NULL;
	return EXIT_OK;

err_unlink:
	outfile_discard(of);
	return report(of, how, err);
}

void outfile_discard(struct outfile *of)
{
	if (of->fd >= 0)
		close(of->fd);
	of->fd = -1;
	if (of->tmp)
		unlink(of->tmp);
	free(of->tmp);
	of->tmp = NULL;
}
