// SPDX-License-Identifier: GPL-2.0
/*
 * stress.c - the xpmem stress driver's master: starts the workers (half of
 * them as uid 65534), kills and respawns them at random, watches for hangs,
 * stops them at the deadline, then checks that the module's counters are
 * back where they started and prints what was done as TAP.
 *
 *   xpmem_stress [-n workers] [-t seconds] [-s seed] [-k kill-ms]
 *                [-H hang-seconds]
 *   xpmem_stress --rest     only: the counters are at rest (all zero)
 *
 * Run as root with /dev/xpmem world-usable (chmod 666) and no other xpmem
 * user around. Exit status 0 if every check held.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

struct board *board;

const char *const op_names[N_ROWS] = {
	"make", "get", "attach", "touch", "write", "detach", "release", "remove",
	"refill", "verify", "fork", "exit", "exporter-mremap",
	"exporter-mprotect", "exporter-munmap", "exporter-dontneed",
	"attachment-mremap", "attachment-mprotect", "attachment-dontneed",
	"attachment-munmap", "bad-call",
	"get-rdonly", "get-rdwr", "attach-fixed", "attach-same-address",
	"make-whole-space", "remove-foreign-segid", "release-twice",
	"get-bad-flags", "attach-bad-range", "detach-non-attachment",
	"make-bad-args", "attach-fixed-over-attachment", "child-parent-fd",
	"child-get", "child-attach", "child-make", "racer-get", "racer-release",
	"cleanup", "sys-attachment-madvise-dontneed", "sys-exporter-mremap",
};

const char *const check_names[N_CHECKS] = {
	"read", "read-hole", "write", "write-rdonly", "exporter-sees-write",
	"released-is-unmapped", "detached-is-unmapped", "munmapped-is-unmapped",
	"child-inherits-no-attachment", "child-cow-isolated", "racer-read",
	"racer-mprotect", "attachment-mremap-move",
	"attachment-mremap-grow", "attachment-mremap-shrink",
	"rdonly-attachment-mprotect-rw", "exporter-verify", "kill-9", "exit",
	"fork",
};

/* ---- reporting ---------------------------------------------------------------- */

static void vfail(int owner, const char *fmt, va_list ap)
{
	uint64_t n = __atomic_fetch_add(&board->unexpected, 1, __ATOMIC_SEQ_CST);
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (n < MAX_FAIL_MSGS)
		memcpy(board->msg[n], line, sizeof(line));
	if (n < 40) {
		printf("# FAIL (pid %d): %s\n", (int)getpid(), line);
		trace_dump(owner);
	}
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(-1, fmt, ap);
	va_end(ap);
}

void fail_about(int owner, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(owner, fmt, ap);
	va_end(ap);
}

bool expect(int row, long ret, const int *ok_errnos, const char *what)
{
	tally_add(&board->calls, row, ret);
	for (int k = 0; ok_errnos[k] >= 0; k++)
		if (ret == -ok_errnos[k])
			return true;
	fail("pid %d uid %d: %s: unexpected %s", (int)getpid(), (int)geteuid(),
	     what, err_name(-ret));
	return false;
}

void count_check(int check, int sig)
{
	tally_add(&board->checks, check, -(long)sig);
}

/* each worker (and each worker's child) keeps its ring on the board */
static int trace_ring = -1;
static bool trace_shown;

void trace_init(int wid)
{
	trace_ring = wid;
	board->trace_next[wid] = 0;
}

void trace(const char *fmt, ...)
{
	unsigned int k;
	va_list ap;

	if (trace_ring < 0)
		return;
	k = __atomic_fetch_add(&board->trace_next[trace_ring], 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vsnprintf(board->trace[trace_ring][k % TRACE_LINES], TRACE_LEN, fmt, ap);
	va_end(ap);
}

static void print_ring(int ring)
{
	unsigned int end = board->trace_next[ring];

	printf("# the last operations of %s %d (pid %d), oldest first:\n",
	       ring >= MAX_WORKERS ? "the child of worker" : "worker",
	       ring % MAX_WORKERS, (int)board->w[ring % MAX_WORKERS].pid);
	for (unsigned int k = end > TRACE_LINES ? end - TRACE_LINES : 0; k < end; k++)
		printf("#   %s\n", board->trace[ring][k % TRACE_LINES]);
}

void trace_dump(int other)
{
	if (trace_shown || trace_ring < 0)
		return;
	trace_shown = true;
	print_ring(trace_ring);
	if (other >= 0 && other != trace_ring)
		print_ring(other);
}

/* ---- the master ------------------------------------------------------------------- */

struct opts {
	int workers;
	unsigned int seconds;
	uint64_t seed;
	unsigned int kill_ms;
	unsigned int hang_s;
};

static bool killed[MAX_WORKERS];
static unsigned int kills, respawns, hangs;

static void spawn(int wid)
{
	pid_t pid;

	fflush(NULL);
	board->w[wid].heartbeat = now_ns();
	board->w[wid].op = N_OPS;
	pid = fork();
	if (pid < 0) {
		fail("fork of worker %d: %s", wid, err_name(errno));
		return;
	}
	if (pid == 0)
		worker_main(wid);
	board->w[wid].pid = pid;
	killed[wid] = false;
}

static void kill_worker(int wid)
{
	slot_mark_dying(wid);
	killed[wid] = true;
	kill(board->w[wid].pid, SIGKILL);
}

/* after the owner is gone: its segments are gone too, stably */
static void mark_dead(int wid)
{
	for (int s = 0; s < SLOTS; s++) {
		struct slot *sl = &board->s[wid][s];

		if (sl->seq & 1) {
			/* it died changing this slot: forget it */
			__atomic_store_n(&sl->flags, 0, __ATOMIC_SEQ_CST);
			sl->segid = 0;
			__atomic_add_fetch(&sl->seq, 1, __ATOMIC_SEQ_CST);
		} else if (sl->segid) {
			__atomic_store_n(&sl->flags, SF_GONE, __ATOMIC_SEQ_CST);
			__atomic_add_fetch(&sl->seq, 2, __ATOMIC_SEQ_CST);
		}
	}
}

static int worker_of(pid_t pid)
{
	for (int wid = 0; wid < board->nworkers; wid++)
		if (board->w[wid].pid == pid)
			return wid;
	return -1;
}

/* reap what died; respawn workers unless stopping. Returns workers reaped. */
static int reap(bool respawn)
{
	int status, wid, n = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		wid = worker_of(pid);
		if (wid < 0)
			continue;	/* an orphaned grandchild */
		n++;
		board->w[wid].pid = 0;
		if (!(WIFEXITED(status) && !WEXITSTATUS(status)) &&
		    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
		      (killed[wid] || board->w[wid].op == OP_EXIT)))
			fail("worker %d (pid %d) died during %s: %s", wid, (int)pid,
			     board->w[wid].op < N_OPS ? op_names[board->w[wid].op] :
			     "start-up", status_text(status));
		mark_dead(wid);
		if (respawn) {
			board->w[wid].spawns++;
			respawns++;
			spawn(wid);
		}
	}
	return n;
}

static void watchdog(const struct opts *o)
{
	uint64_t now = now_ns();

	for (int wid = 0; wid < board->nworkers; wid++) {
		struct wstate *ws = &board->w[wid];
		uint64_t hb = __atomic_load_n(&ws->heartbeat, __ATOMIC_RELAXED);

		if (!ws->pid || killed[wid] || hb > now ||
		    now - hb < o->hang_s * 1000000000ULL)
			continue;
		fail("worker %d (pid %d) is stuck in %s for %u s", wid, (int)ws->pid,
		     ws->op < N_OPS ? op_names[ws->op] : "start-up", o->hang_s);
		hangs++;
		dump_group_stacks();
		kill_worker(wid);
	}
}

static void progress(uint64_t start)
{
	uint64_t ops = 0;

	for (int op = 0; op < N_OPS; op++)
		ops += board->op_count[op];
	printf("# %3llu s: %llu operations, %llu stable checks, %u kills, "
	       "%llu failures\n", (unsigned long long)((now_ns() - start) / 1000000000ULL),
	       (unsigned long long)ops, (unsigned long long)board->stable_checks,
	       kills, (unsigned long long)board->unexpected);
}

static void run(const struct opts *o)
{
	uint64_t start = now_ns(), end = start + o->seconds * 1000000000ULL;
	uint64_t next_kill = start + o->kill_ms * 1000000ULL, next_note = start;
	struct rng r;
	int alive;

	rng_seed(&r, o->seed ^ 0xabcdef);
	for (int wid = 0; wid < o->workers; wid++)
		spawn(wid);
	while (now_ns() < end) {
		sleep_ms(50);
		reap(true);
		if (o->kill_ms && now_ns() >= next_kill) {
			int wid = rnd_below(&r, o->workers);

			if (board->w[wid].pid && !killed[wid]) {
				kill_worker(wid);
				kills++;
				count_check(C_KILL, 0);
			}
			next_kill = now_ns() + (o->kill_ms / 2 +
				    rnd_below(&r, o->kill_ms)) * 1000000ULL;
		}
		watchdog(o);
		if (now_ns() >= next_note) {
			progress(start);
			next_note += 10000000000ULL;
		}
	}
	__atomic_store_n(&board->stop, 1, __ATOMIC_SEQ_CST);
	end = now_ns() + o->hang_s * 1000000000ULL;
	for (;;) {
		reap(false);
		alive = 0;
		for (int wid = 0; wid < o->workers; wid++)
			alive += board->w[wid].pid != 0;
		if (!alive || now_ns() >= end)
			break;
		sleep_ms(20);
	}
	if (alive) {
		fail("%d workers did not stop within %u s", alive, o->hang_s);
		hangs++;
		dump_group_stacks();
		for (int wid = 0; wid < o->workers; wid++)
			if (board->w[wid].pid)
				kill_worker(wid);
	}
	/* everybody, grandchildren included (we are their subreaper) */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	progress(start);
}

static void report(const struct opts *o, bool at_rest)
{
	uint64_t ops = 0;

	printf("# operations:");
	for (int op = 0; op < N_OPS; op++) {
		ops += board->op_count[op];
		printf(" %s %llu%s", op_names[op],
		       (unsigned long long)board->op_count[op],
		       op + 1 < N_OPS ? "," : "\n");
	}
	printf("# xpmem calls by result:\n");
	tally_print(&board->calls, "  ", op_names, N_ROWS, NULL);
	printf("# memory checks by signal:\n");
	tally_print(&board->checks, "  ", check_names, N_CHECKS, signal_bucket_name);
	printf("# %llu checks on a stable state; %u kills, %u respawns, %u hangs\n",
	       (unsigned long long)board->stable_checks, kills, respawns, hangs);
	if (ops > 0 && board->stable_checks > 0)
		printf("ok - stress_ran_%d_workers_for_%u_s (%llu operations)\n",
		       o->workers, o->seconds, (unsigned long long)ops);
	else
		printf("not ok - stress_ran_%d_workers_for_%u_s (%llu operations, "
		       "%llu stable checks)\n", o->workers, o->seconds,
		       (unsigned long long)ops,
		       (unsigned long long)board->stable_checks);
	if (!board->unexpected) {
		printf("ok - stress_every_check_held\n");
	} else {
		printf("not ok - stress_every_check_held (%llu failures)\n",
		       (unsigned long long)board->unexpected);
		for (int k = 0; k < MAX_FAIL_MSGS && k < (int)board->unexpected; k++)
			printf("#   %s\n", board->msg[k]);
	}
	printf("%s - stress_counters_back_at_rest\n", at_rest ? "ok" : "not ok");
}

static int usage(void)
{
	fprintf(stderr, "usage: xpmem_stress [-n workers] [-t seconds] [-s seed] "
		"[-k kill-ms] [-H hang-seconds] [-o op,op...] [-x op,op...] [-R] | "
		"--rest\n");
	return 2;
}

/* -o make,get: only these operations; -x fork: all but these */
static bool parse_ops(const char *list, uint32_t *mask, bool only)
{
	char buf[512], *tok, *save;
	uint32_t named = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int op;

		for (op = 0; op < N_OPS && strcmp(tok, op_names[op]); op++)
			;
		if (op == N_OPS) {
			fprintf(stderr, "xpmem_stress: no operation \"%s\"\n", tok);
			return false;
		}
		named |= 1u << op;
	}
	*mask = only ? named : *mask & ~named;
	return true;
}

int main(int argc, char **argv)
{
	struct opts o = { 6, 60, 0, 1500, 60 };
	static const struct option longopts[] = {
		{ "rest", no_argument, NULL, 'r' }, { 0 },
	};
	struct xstats base;
	bool rest_only = false, at_rest;
	int c, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	o.seed = now_ns();
	uint32_t mask = (1u << N_OPS) - 1, board_flags = 0;

	while ((c = getopt_long(argc, argv, "n:t:s:k:H:o:x:R", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o.workers = atoi(optarg); break;
		case 't': o.seconds = strtoul(optarg, NULL, 0); break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'k': o.kill_ms = strtoul(optarg, NULL, 0); break;
		case 'H': o.hang_s = strtoul(optarg, NULL, 0); break;
		case 'r': rest_only = true; break;
		case 'R': board_flags |= NO_RACER; break;
		case 'o':
		case 'x':
			if (!parse_ops(optarg, &mask, c == 'o'))
				return usage();
			break;
		default: return usage();
		}
	}
	if (optind != argc || o.workers < 2 || o.workers > MAX_WORKERS || !o.hang_s)
		return usage();
	if (rest_only) {
		memset(&base, 0, sizeof(base));
		at_rest = counters_at_rest(&base, 10000);
		printf("%s - counters_at_rest_with_no_xpmem_user\n",
		       at_rest ? "ok" : "not ok");
		return at_rest ? 0 : 1;
	}
	ret = read_xstats(&base);
	if (ret) {
		printf("not ok - stress_reads_the_module_counters (get-stats: %s)\n",
		       err_name(-ret));
		return 1;
	}
	board = shared_alloc(sizeof(*board));
	board->nworkers = o.workers;
	board->seed = o.seed;
	board->op_mask = mask;
	board->flags = board_flags;
	setpgid(0, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	printf("# stress: %d workers (%d as uid %d), %u s, seed %llu, a kill every "
	       "~%u ms\n", o.workers, o.workers / 2, NOBODY, o.seconds,
	       (unsigned long long)o.seed, o.kill_ms);
	run(&o);
	at_rest = counters_at_rest(&base, 10000);
	report(&o, at_rest);
	return board->unexpected || !at_rest ? 1 : 0;
}
