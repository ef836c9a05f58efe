// SPDX-License-Identifier: GPL-2.0
/*
 * jobstate_test.c - host tests of the job state files of /run/xpmem/jobs
 * (xpmemd/jobstate.c): the format round-trips, writes are atomic and
 * skipped when nothing changed, listing ignores everything but job files,
 * malformed files are refused with a reason, and the text the Slurm
 * prolog writes by hand parses. TAP lines "ok - name" / "not ok - name";
 * exit 1 if any failed. tests/unit/config.sh builds and runs it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobstate.h"
#include "tap.h"

static char tmpdir[] = "/tmp/xpmemd-jobstate-test.XXXXXX";


static void put(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static bool parses_to_error(const char *text, const char *why)
{
	struct xpmem_job_state st;
	char got[256] = "";
	int ret;

	ret = xpmem_jobstate_parse(text, &st, got, sizeof(got));
	if (ret != -EINVAL || !strstr(got, why)) {
		printf("# want -EINVAL \"%s\", got %d \"%s\"\n", why, ret, got);
		return false;
	}
	return true;
}

static void names_are_plain_decimal_ids(void)
{
	uint64_t id;

	CHECK(xpmem_jobstate_name("1234", &id) && id == 1234);
	CHECK(xpmem_jobstate_name("0", &id) && id == 0);
	CHECK(xpmem_jobstate_name("18446744073709551615", &id) && id == UINT64_MAX);
	CHECK(!xpmem_jobstate_name("18446744073709551616", &id));
	CHECK(!xpmem_jobstate_name("0123", &id));
	CHECK(!xpmem_jobstate_name("", &id));
	CHECK(!xpmem_jobstate_name(".1234.tmp", &id));
	CHECK(!xpmem_jobstate_name("12a", &id));
	CHECK(!xpmem_jobstate_name("+1", &id));
}

static void the_format_round_trips(void)
{
	struct xpmem_job_state a, b;
	char text[XPMEM_JOBSTATE_MAX];

	memset(&a, 0, sizeof(a));
	a.id = 77;
	a.uid = 1001;
	a.cgroup_id = 4242;
	strcpy(a.cgroup_path, "/sys/fs/cgroup/system.slice/slurmstepd.scope/job_77");
	a.max_segments = 12;
	a.max_attached_bytes = 1ULL << 40;
	a.max_mapped_pages = 99;
	CHECK(xpmem_jobstate_format(&a, text, sizeof(text)) > 0);
	CHECK(strstr(text, "\nid=77\nuid=1001\ncgroup-id=4242\ncgroup-path=/sys/") != NULL);
	CHECK(xpmem_jobstate_parse(text, &b, NULL, 0) == 0);
	CHECK(!memcmp(&a, &b, sizeof(a)));
	a.cgroup_id = 0;			/* pending: no id line at all */
	CHECK(xpmem_jobstate_format(&a, text, sizeof(text)) > 0);
	CHECK(!strstr(text, "cgroup-id"));
	CHECK(xpmem_jobstate_format(&a, text, 16) == -ENOSPC);
}

static void what_the_prolog_writes_parses(void)
{
	struct xpmem_job_state st;

	CHECK(xpmem_jobstate_parse("id=5\nuid=1000\ncgroup-path=/a/job_5\n", &st, NULL, 0) == 0);
	CHECK(st.id == 5 && st.uid == 1000 && !st.cgroup_id && !strcmp(st.cgroup_path, "/a/job_5"));
	CHECK(!st.max_segments && !st.max_attached_bytes && !st.max_mapped_pages);
	/* no final newline, comments, keys of a newer writer */
	CHECK(xpmem_jobstate_parse("# c\nfuture-key=x\nuid=1\nid=6\ncgroup-id=9", &st, NULL, 0) == 0);
	CHECK(st.id == 6 && st.uid == 1 && st.cgroup_id == 9);
}

static void malformed_files_say_why(void)
{
	CHECK(parses_to_error("uid=1\ncgroup-id=2\n", "no id= line"));
	CHECK(parses_to_error("id=1\ncgroup-id=2\n", "no uid= line"));
	CHECK(parses_to_error("id=1\nuid=2\n", "neither cgroup-id= nor cgroup-path="));
	CHECK(parses_to_error("id=1\nuid=2\ncgroup-id=0\n", "neither cgroup-id= nor cgroup-path="));
	CHECK(parses_to_error("id=1\nuid=x\ncgroup-id=2\n", "line 2: invalid uid \"x\""));
	CHECK(parses_to_error("id=1\nuid=4294967295\ncgroup-id=2\n", "invalid uid"));
	CHECK(parses_to_error("id=1\nuid=1\nmax-segments=4294967296\ncgroup-id=2\n",
			      "line 3: invalid max-segments"));
	CHECK(parses_to_error("id=1\nid=1\nuid=1\ncgroup-id=2\n", "line 2: id given twice"));
	CHECK(parses_to_error("id=1\nuid=1\ngarbage\n", "line 3: not key=value"));
	CHECK(parses_to_error("id= 1\nuid=1\ncgroup-id=2\n", "line 1: invalid id"));
}

static void writes_are_skipped_when_nothing_changed(void)
{
	struct xpmem_job_state a, b;
	char why[128];

	memset(&a, 0, sizeof(a));
	a.id = 31;
	a.uid = 5;
	a.cgroup_id = 8;
	CHECK(xpmem_jobstate_write(tmpdir, &a) == 1);
	CHECK(xpmem_jobstate_write(tmpdir, &a) == 0);
	a.max_segments = 1;
	CHECK(xpmem_jobstate_write(tmpdir, &a) == 1);
	CHECK(xpmem_jobstate_read(tmpdir, 31, &b, why, sizeof(why)) == 0);
	CHECK(b.max_segments == 1 && b.cgroup_id == 8);
	CHECK(xpmem_jobstate_read(tmpdir, 32, &b, why, sizeof(why)) == -ENOENT);
	CHECK(xpmem_jobstate_remove(tmpdir, 31) == 1);
	CHECK(xpmem_jobstate_remove(tmpdir, 31) == 0);
	CHECK(xpmem_jobstate_write("/nonexistent/xpmem", &a) == -ENOENT);
}

static void a_file_must_hold_its_own_job(void)
{
	struct xpmem_job_state st;
	char why[128] = "", big[XPMEM_JOBSTATE_MAX + 100];

	put("40", "id=41\nuid=1\ncgroup-id=2\n");
	CHECK(xpmem_jobstate_read(tmpdir, 40, &st, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "holds job 41") != NULL);
	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put("42", big);
	CHECK(xpmem_jobstate_read(tmpdir, 42, &st, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "larger than") != NULL);
	snprintf(why, sizeof(why), "%s/40", tmpdir);
	unlink(why);
}

static void listing_finds_only_job_files(void)
{
	char path[PATH_MAX];
	uint64_t *ids;
	int n;

	snprintf(path, sizeof(path), "%s/list", tmpdir);
	mkdir(path, 0755);
	for (const char *const *name = (const char *const[]){ "300", "20", "1000", ".20.99.tmp",
							     "README", "007", NULL }; *name; name++) {
		char file[PATH_MAX + 16];
		FILE *f;

		snprintf(file, sizeof(file), "%s/%s", path, *name);
		f = fopen(file, "w");
		if (f)
			fclose(f);
	}
	n = xpmem_jobstate_list(path, &ids);
	CHECK(n == 3);
	if (n == 3)
		CHECK(ids[0] == 20 && ids[1] == 300 && ids[2] == 1000);
	free(ids);
	CHECK(xpmem_jobstate_list("/nonexistent/xpmem", &ids) == 0 && ids == NULL);
}

int main(void)
{
	char cmd[PATH_MAX];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	run("jobstate_names_are_plain_decimal_ids", names_are_plain_decimal_ids);
	run("jobstate_the_format_round_trips", the_format_round_trips);
	run("jobstate_what_the_prolog_writes_parses", what_the_prolog_writes_parses);
	run("jobstate_malformed_files_say_why", malformed_files_say_why);
	run("jobstate_writes_are_skipped_when_nothing_changed",
	    writes_are_skipped_when_nothing_changed);
	run("jobstate_a_file_must_hold_its_own_job", a_file_must_hold_its_own_job);
	run("jobstate_listing_finds_only_job_files", listing_finds_only_job_files);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return failed;
}
