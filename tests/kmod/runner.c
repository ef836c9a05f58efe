// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - main() of the test drivers.
 *
 *   <driver> [-l] [-q] [-P prefix] [-t seconds] [name-substring...]
 *   <driver> --child <role> [args...]        (hidden: exec'd by tests)
 *
 * Each selected test runs in a forked child that leads its own process
 * group, with stdout/stderr captured through a pipe and an alarm() as a
 * timeout. When the child is gone the whole group is SIGKILLed and reaped
 * (the driver is a child subreaper), so a test never leaks processes into
 * the next one. Output: "ok - name", "not ok - name", "ok - name # SKIP
 * why", and "# " lines for everything else.
 */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xpmem.h>

#include "harness.h"
#include "runner.h"

#define MAX_TESTS	512
#define MAX_ROLES	64
#define MAX_OUTPUT	(128 * 1024)

struct result *g_result;

static struct test *tests[MAX_TESTS];
static int n_tests;
static struct role *roles[MAX_ROLES];
static int n_roles;

static const char *prefix = "";
static unsigned int default_timeout = 60;
static unsigned int timeout_scale = 1;

void test_register(struct test *t)
{
	if (n_tests == MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		abort();
	}
	tests[n_tests++] = t;
}

void role_register(struct role *r)
{
	if (n_roles == MAX_ROLES) {
		fprintf(stderr, "too many roles\n");
		abort();
	}
	roles[n_roles++] = r;
}

#ifdef __SANITIZE_ADDRESS__
/* leaks of the test programs are not what this suite is about */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0:allow_user_segv_handler=1";
}
#endif

static int test_cmp(const void *a, const void *b)
{
	const struct test *x = *(struct test *const *)a;
	const struct test *y = *(struct test *const *)b;

	if (x->order != y->order)
		return x->order - y->order;
	return x->line - y->line;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_prefixed(const char *text)
{
	const char *p = text;
	int lines = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		if (++lines > 400) {
			printf("# [output truncated]\n");
			break;
		}
		printf("# %.*s\n", len, p);
		p += len + (nl ? 1 : 0);
	}
}

struct output {
	char *buf;
	size_t len;
	bool truncated;
};

static bool read_output(int fd, struct output *out)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;	/* EOF: every process of the test is gone */
	if (out->len + n > MAX_OUTPUT) {
		out->truncated = true;
		n = MAX_OUTPUT - out->len;
	}
	memcpy(out->buf + out->len, tmp, n);
	out->len += n;
	out->buf[out->len] = 0;
	return true;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* note when the module's page counters stop balancing after a test */
static void leak_diagnostic(void)
{
	static long long last_gap;
	uint64_t pinned, unpinned;
	long long gap = 0;

	for (int i = 0; i < 40; i++) {
		if (!read_global_pages(&pinned, &unpinned))
			return;
		gap = (long long)(pinned - unpinned);
		if (gap == last_gap)
			return;
		usleep(50000);
	}
	printf("# global_pages after this test: pinned %llu, unpinned %llu "
	       "(%lld still pinned)\n", (unsigned long long)pinned,
	       (unsigned long long)unpinned, gap);
	last_gap = gap;
}

/* returns 0 pass, 1 fail, 2 skip */
static int run_one(const struct test *t)
{
	unsigned int timeout = (t->timeout ? t->timeout : default_timeout) *
			       timeout_scale;
	struct output out = { malloc(MAX_OUTPUT + 1), 0, false };
	double started = now(), deadline = started + timeout + 10;
	int pfd[2], status = 0, verdict;
	bool done = false, eof = false, hung = false, stuck = false;
	pid_t pid;

	if (!out.buf || pipe2(pfd, O_CLOEXEC)) {
		perror("runner");
		exit(2);
	}
	out.buf[0] = 0;
	memset(g_result, 0, sizeof(*g_result));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_IGN);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		setvbuf(stdout, NULL, _IOLBF, 0);
		alarm(timeout);
		t->fn();
		peer_exit(0);
	}
	setpgid(pid, pid);
	close(pfd[1]);

	/* until the test child is reaped (or given up on) */
	while (!done) {
		struct pollfd p = { eof ? -1 : pfd[0], POLLIN, 0 };
		pid_t w;
		int st;

		if (poll(&p, 1, 100) > 0 && !read_output(pfd[0], &out))
			eof = true;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == pid) {
				status = st;
				done = true;
			}
		if (!done && now() > deadline) {
			if (hung) {
				stuck = true;	/* SIGKILL did not end it */
				break;
			}
			kill(-pid, SIGKILL);
			hung = true;
			deadline = now() + 10;
		}
	}

	/* stragglers of the test (peers, exec'd roles) go now */
	kill(-pid, SIGKILL);
	deadline = now() + 10;
	while (!eof && now() < deadline) {
		struct pollfd p = { pfd[0], POLLIN, 0 };

		if (poll(&p, 1, 100) > 0 && !read_output(pfd[0], &out))
			eof = true;
	}
	if (!eof)
		stuck = true;
	close(pfd[0]);
	reap_all();

	if (stuck) {
		verdict = 1;
		printf("not ok - %s%s\n", prefix, t->name);
		printf("# processes of the test survived SIGKILL for 10 s "
		       "(stuck in the kernel?)\n");
	} else if (hung) {
		verdict = 1;
		printf("not ok - %s%s\n# did not finish in %u s\n", prefix,
		       t->name, timeout);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		   !g_result->claimed) {
		verdict = 0;
		printf("ok - %s%s\n", prefix, t->name);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP &&
		   g_result->skipped) {
		verdict = 2;
		printf("ok - %s%s # SKIP %s\n", prefix, t->name,
		       g_result->reason);
	} else {
		verdict = 1;
		printf("not ok - %s%s\n", prefix, t->name);
		if (g_result->claimed && !g_result->skipped)
			print_prefixed(g_result->reason);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			printf("# timed out after %u s\n", timeout);
		else
			printf("# test process %s\n", describe_status(status));
	}
	if (now() - started > 5)
		printf("# took %.1f s\n", now() - started);
	if (out.len) {
		print_prefixed(out.buf);
		if (out.truncated)
			printf("# [output truncated]\n");
	}
	leak_diagnostic();
	fflush(stdout);
	free(out.buf);
	return verdict;
}

static int run_role(int argc, char **argv)
{
	for (int i = 0; i < n_roles; i++)
		if (!strcmp(roles[i]->name, argv[0]))
			return roles[i]->fn(argc - 1, argv + 1);
	fprintf(stderr, "unknown role %s\n", argv[0]);
	return 2;
}

static void usage(const char *me)
{
	fprintf(stderr,
		"usage: %s [-l] [-q] [-P prefix] [-t seconds] [name-substring...]\n"
		"  -l         list the tests (those matching) and exit\n"
		"  -q         quick: skip the heavy tests\n"
		"  -P prefix  prefix every test name in the output\n"
		"  -t sec     default per-test timeout (60)\n"
		"  XPMEM_TEST_TIMEOUT_SCALE=n multiplies every timeout\n", me);
}

static bool selected(const struct test *t, int nfilt, char **filt)
{
	if (!nfilt)
		return true;
	for (int i = 0; i < nfilt; i++)
		if (strstr(t->name, filt[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	bool list = false, quick = false;
	int pass = 0, fail = 0, skipped = 0, opt;
	struct stat st;
	ssize_t n;

	n = readlink("/proc/self/exe", harness_self, sizeof(harness_self) - 1);
	if (n < 0) {
		perror("readlink /proc/self/exe");
		return 2;
	}
	harness_self[n] = 0;
	if (sysconf(_SC_PAGESIZE) != (long)PAGE_SZ) {
		fprintf(stderr, "these tests assume 4 KiB pages\n");
		return 2;
	}
	if (argc >= 3 && !strcmp(argv[1], "--child"))
		return run_role(argc - 2, argv + 2);

	while ((opt = getopt(argc, argv, "lqP:t:h")) != -1) {
		switch (opt) {
		case 'l': list = true; break;
		case 'q': quick = true; break;
		case 'P': prefix = optarg; break;
		case 't': default_timeout = atoi(optarg); break;
		default: usage(argv[0]); return opt == 'h' ? 0 : 2;
		}
	}
	if (getenv("XPMEM_TEST_TIMEOUT_SCALE"))
		timeout_scale = atoi(getenv("XPMEM_TEST_TIMEOUT_SCALE"));
	if (timeout_scale < 1)
		timeout_scale = 1;

	qsort(tests, n_tests, sizeof(tests[0]), test_cmp);
	for (int i = 1; i < n_tests; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(tests[i]->name, tests[j]->name)) {
				fprintf(stderr, "duplicate test %s\n",
					tests[i]->name);
				return 2;
			}

	if (list) {
		for (int i = 0; i < n_tests; i++)
			if (selected(tests[i], argc - optind, argv + optind))
				printf("%s%s\n", prefix, tests[i]->name);
		return 0;
	}

	/* XPMEM_TEST_NO_DEVCHECK=1: run anyway (to exercise the runner) */
	opt = stat(XPMEM_DEV_PATH, &st) ? errno : 0;
	if ((opt || !S_ISCHR(st.st_mode)) && !getenv("XPMEM_TEST_NO_DEVCHECK")) {
		const char *why = opt ? strerror(opt) : "not a character device";

		printf("not ok - %sdev_xpmem_is_available\n", prefix);
		printf("# %s: %s: is the xpmem module loaded? Nothing run.\n",
		       XPMEM_DEV_PATH, why);
		return 1;
	}

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	g_result = mmap(NULL, sizeof(*g_result), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_result == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (int i = 0; i < n_tests; i++) {
		if (!selected(tests[i], argc - optind, argv + optind))
			continue;
		if (quick && (tests[i]->flags & T_HEAVY)) {
			printf("ok - %s%s # SKIP heavy test, not run with -q\n",
			       prefix, tests[i]->name);
			skipped++;
			continue;
		}
		switch (run_one(tests[i])) {
		case 0: pass++; break;
		case 1: fail++; break;
		default: skipped++; break;
		}
	}
	printf("# %s: %d passed, %d failed, %d skipped\n", harness_self, pass,
	       fail, skipped);
	return fail ? 1 : 0;
}
