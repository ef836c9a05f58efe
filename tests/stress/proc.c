// SPDX-License-Identifier: GPL-2.0
/*
 * proc.c - processes (privileges, waiting, what a hang looks like) and the
 * module's counters at rest, read through the raw netlink client of
 * tests/kmod/nlraw.c and /proc/xpmem/global_pages (see common.h).
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "nlraw.h"

void drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		fprintf(stderr, "dropping to uid %d: %s\n", NOBODY, strerror(errno));
		_exit(2);
	}
	/* credential changes clear it; peers of the same uid may read us */
	prctl(PR_SET_DUMPABLE, 1);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int wait_ms(pid_t pid, unsigned int ms)
{
	uint64_t end = now_ns() + ms * 1000000ULL;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return 0;
		if (now_ns() >= end)
			return -1;
		sleep_ms(5);
	}
}

const char *status_text(int status)
{
	static char buf[64];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by %s%s",
			 sig_name(WTERMSIG(status)),
			 WCOREDUMP(status) ? " (core)" : "");
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}

static void print_file(const char *path, const char *label, int max_lines)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return;
	while (n++ < max_lines && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		printf("#     %s%s\n", label, line);
	}
	fclose(f);
}

static void dump_task(const char *dir)
{
	char path[320], comm[64] = "?", state = '?', wchan[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/stat", dir);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%*d (%63[^)]) %c", comm, &state) != 2)
			state = '?';
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/wchan", dir);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(wchan, sizeof(wchan), f))
			wchan[0] = '\0';
		fclose(f);
	}
	printf("#   %s %s state %c wchan %s\n", dir, comm, state, wchan);
	snprintf(path, sizeof(path), "%s/stack", dir);
	print_file(path, "", 12);
}

void dump_group_stacks(void)
{
	pid_t pgrp = getpgrp();
	struct dirent *d, *t;
	DIR *proc = opendir("/proc");

	printf("# processes of group %d:\n", (int)pgrp);
	while (proc && (d = readdir(proc))) {
		char path[300];
		int pid, ppid, grp;
		FILE *f;
		DIR *tasks;

		if (sscanf(d->d_name, "%d", &pid) != 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		grp = -1;
		if (fscanf(f, "%*d (%*[^)]) %*c %d %d", &ppid, &grp) != 2)
			grp = -1;
		fclose(f);
		if (grp != pgrp || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		tasks = opendir(path);
		while (tasks && (t = readdir(tasks))) {
			char tdir[300];

			if (t->d_name[0] == '.')
				continue;
			snprintf(tdir, sizeof(tdir), "/proc/%d/task/%s", pid,
				 t->d_name);
			dump_task(tdir);
		}
		if (tasks)
			closedir(tasks);
	}
	if (proc)
		closedir(proc);
	fflush(stdout);
}

void show_maps_near(uint64_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	printf("# mappings of pid %d near %#llx:\n", (int)getpid(),
	       (unsigned long long)addr);
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;

		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 &&
		    hi + 0x10000 > addr && lo < addr + 0x10000)
			printf("#   %s", line);
	}
	if (f)
		fclose(f);
}

/* ---- the module at rest ------------------------------------------------------ */

bool read_global_pages(uint64_t *pinned, uint64_t *unpinned)
{
	FILE *f = fopen("/proc/xpmem/global_pages", "r");
	unsigned long long a, b;
	int n;

	if (!f)
		return false;
	n = fscanf(f, "all pages pinned by XPMEM: %llu\n"
		   "all pages unpinned by XPMEM: %llu", &a, &b);
	fclose(f);
	if (n != 2)
		return false;
	*pinned = a;
	*unpinned = b;
	return true;
}

static int take_stats(const struct nl_attrs *at, void *arg)
{
	static const int types[] = {
		XPMEM_A_STATS_SEGMENTS, XPMEM_A_STATS_PERMITS,
		XPMEM_A_STATS_ATTACHMENTS, XPMEM_A_STATS_ATTACHED_BYTES,
		XPMEM_A_STATS_MAPPED_PAGES, XPMEM_A_STATS_PAGES_MAPPED_TOTAL,
		XPMEM_A_STATS_PAGES_UNMAPPED_TOTAL,
	};
	struct xstats *st = arg;
	uint64_t *fields[] = {
		&st->segments, &st->permits, &st->attachments,
		&st->attached_bytes, &st->mapped_pages,
		&st->pages_mapped_total, &st->pages_unmapped_total,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (at->a[types[i]])
			*fields[i] = nla_u64(at->a[types[i]]);
	return 0;
}

int read_xstats(struct xstats *st)
{
	struct nl_msgbuf m;
	struct nl_reply r;
	int fd, ret;

	memset(st, 0, sizeof(*st));
	if (nl_family() < 0)
		return -ENOENT;
	fd = nl_open();
	if (fd < 0)
		return -errno;
	nl_start(&m, XPMEM_NL_CMD_GET_STATS);
	ret = nl_call(fd, &m, 0, take_stats, st, &r);
	close(fd);
	if (!ret && r.messages != 1)
		ret = -EPROTO;
	return ret;
}

static bool same_objects(const struct xstats *a, const struct xstats *b)
{
	return a->segments == b->segments && a->permits == b->permits &&
	       a->attachments == b->attachments &&
	       a->attached_bytes == b->attached_bytes &&
	       a->mapped_pages == b->mapped_pages;
}

bool counters_at_rest(const struct xstats *base, unsigned int ms)
{
	uint64_t end = now_ns() + ms * 1000000ULL, pinned = 0, unpinned = 0;
	bool pages_ok = false, objects_ok = false;
	struct xstats st;
	int ret;

	for (;;) {
		ret = read_xstats(&st);
		objects_ok = !ret && same_objects(&st, base);
		pages_ok = read_global_pages(&pinned, &unpinned) &&
			   pinned == unpinned;
		if ((objects_ok && pages_ok) || now_ns() >= end)
			break;
		sleep_ms(50);
	}
	if (ret)
		printf("# get-stats failed: %s\n", err_name(-ret));
	else
		printf("# objects now: %llu segments, %llu permits, %llu attachments, "
		       "%llu attached bytes, %llu mapped pages (before: %llu, %llu, "
		       "%llu, %llu, %llu)\n",
		       (unsigned long long)st.segments,
		       (unsigned long long)st.permits,
		       (unsigned long long)st.attachments,
		       (unsigned long long)st.attached_bytes,
		       (unsigned long long)st.mapped_pages,
		       (unsigned long long)base->segments,
		       (unsigned long long)base->permits,
		       (unsigned long long)base->attachments,
		       (unsigned long long)base->attached_bytes,
		       (unsigned long long)base->mapped_pages);
	printf("# global_pages: pinned %llu, unpinned %llu\n",
	       (unsigned long long)pinned, (unsigned long long)unpinned);
	return objects_ok && pages_ok;
}
