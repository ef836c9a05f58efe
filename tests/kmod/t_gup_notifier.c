// SPDX-License-Identifier: GPL-2.0
/*
 * t_gup_notifier.c - the notifier behind GUP attachments (module/gup.c)
 * when an invalidation it saw start never ends there: another task's zap
 * of an attacher's mm in flight while the attacher exits, or while its
 * last GUP attachment goes. The attackers run as uid 65534; the kernel log
 * scan is the check (the free used to warn and leak the zap's mark).
 */
#define TEST_ORDER 38
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

/* the exporter drops and refills its buffer until told to stop */
struct zapper {
	struct exporter *ex;
	size_t len;
	volatile bool stop;
};

static void *zap_until_stopped(void *arg)
{
	struct zapper *z = arg;

	while (!z->stop)
		ex_do(z->ex, EX_CHURN, 0, z->len, 1);
	return NULL;
}

/*
 * The exporter's invalidations zap attachers' mms from its own task. An
 * attacher that exits meanwhile unlinks its GUP notifier first, so the
 * exporter's zap never ends there; the notifier's free must take that in
 * its stride (no warning, no leaked mark: the kernel log scan checks).
 */
TEST_EX(gup_attachers_exiting_in_the_middle_of_the_exporters_zaps,
	T_HEAVY, 300)
{
	const size_t pages = 4096;
	struct zapper z = { .len = PAGES(pages) };
	struct census before;
	struct exporter ex;
	pthread_t t;
	int exits;

	attack_begin(&before);
	require_gup();
	victim_start(&ex, pages, 0666);
	z.ex = &ex;
	CHECK(set_gup(true), "cannot set %s", GUP_KNOB);
	CHECK_EQ(pthread_create(&t, NULL, zap_until_stopped, &z), 0);
	for (exits = 0; exits < 40; exits++) {
		pid_t pid = fork_as(NOBODY, NULL);

		if (pid == 0) {
			volatile char *p = attach_ok(get_ok(ex.segid, XPMEM_RDONLY),
						     0, PAGES(pages));
			double end = now_sec() + 0.01 * (1 + exits % 5);

			while (now_sec() < end)
				for (size_t i = 0; i < pages; i++)
					(void)p[PAGES(i)];
			_exit(0);		/* with the attachment mapped */
		}
		WAIT_OK(pid);
	}
	z.stop = true;
	pthread_join(t, NULL);
	set_gup(false);
	exporter_quit(&ex);
	attack_end(&before);
}

/*
 * The same from the other side: nobody's last GUP attachment goes (DETACH,
 * so munmap) while another segment's exporter zaps nobody's plain
 * attachment of it. That zap holds only its own segment's i_mmap lock, so
 * the munmap's last put can unlink the GUP notifier in the middle of it.
 */
TEST_EX(gup_attachments_detached_in_the_middle_of_another_exporters_zaps,
	T_HEAVY, 300)
{
	const size_t pages = 4096;
	struct zapper z = { .len = PAGES(pages) };
	struct exporter big, small;
	struct census before;
	struct chan ch;
	pthread_t t;
	pid_t pid;

	attack_begin(&before);
	require_gup();
	victim_start(&big, pages, 0666);
	victim_start(&small, 4, 0666);
	z.ex = &big;
	pid = fork_nobody(&ch);
	if (pid == 0) {
		/* made while gup_attachments is N: it holds no notifier */
		volatile char *p = attach_ok(get_ok(big.segid, XPMEM_RDONLY),
					     0, PAGES(pages));
		xpmem_apid_t apid = get_ok(small.segid, XPMEM_RDONLY);
		double end;
		long cycles;

		send_u64(&ch, 1);
		recv_u64(&ch);			/* gup_attachments is Y */
		end = now_sec() + 2.0;
		for (cycles = 0; now_sec() < end; cycles++) {
			char *q = attach_ok(apid, 0, PAGES(4));

			for (size_t i = 0; i < pages; i += 8)
				(void)p[PAGES(i)];
			CHECK_PATTERN(q, 0, PAGE_SZ, 1);
			detach_ok(q);
		}
		note("%ld GUP attach-touch-detach cycles under the zaps", cycles);
		peer_exit(0);
	}
	CHECK_EQ(recv_u64(&ch), 1);
	CHECK(set_gup(true), "cannot set %s", GUP_KNOB);
	CHECK_EQ(pthread_create(&t, NULL, zap_until_stopped, &z), 0);
	send_u64(&ch, 0);
	WAIT_OK(pid);
	z.stop = true;
	pthread_join(t, NULL);
	set_gup(false);
	exporter_quit(&small);
	exporter_quit(&big);
	attack_end(&before);
}
