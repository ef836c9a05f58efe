// SPDX-License-Identifier: GPL-2.0
/*
 * monitor.c - `xpmemctl monitor': the kernel's events as they happen, one
 * line each (with -j one JSON object per line), until SIGINT or SIGTERM,
 * which end it with status 0. Joining the events group needs
 * CAP_NET_ADMIN.
 *
 * The signals stay blocked except inside ppoll(), so one that arrives
 * between two events is never lost. Each line is flushed at once: the
 * reader is often a pipe or a log.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "xpmemctl.h"

#define HAS(a)	XPMEM_CTL_HAS(e, XPMEM_A_EVENT_##a)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void timestamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	char zone[8];
	size_t n;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf + n, len - n, ".%03ld%s", (long)tv.tv_usec / 1000, zone);
}

static void json_event(const struct xpmem_ctl_event *e, const char *when, const char *type)
{
	char num[16];

	j_open('{');
	j_kstr("time", when);
	j_kstr("type", type);
	j_key("segid");
	if (HAS(SEGID))
		j_hex(e->segid);
	else
		j_null();
	j_ku64_if("pid", HAS(PID), e->pid);
	j_ku64_if("uid", HAS(UID), e->uid);
	j_ku64_if("peer_pid", HAS(PEER_PID), e->peer_pid);
	j_ku64_if("peer_uid", HAS(PEER_UID), e->peer_uid);
	j_ku64_if("job_id", HAS(JOB_ID), e->job_id);
	j_ku64_if("rule_id", HAS(RULE_ID), e->rule_id);
	j_kstr("quota", HAS(QUOTA) ? enum_name(XPMEM_CTL_ENUM_QUOTA, e->quota, num, sizeof(num))
				   : NULL);
	j_kstr("mode", HAS(MODE) ? enum_name(XPMEM_CTL_ENUM_MODE, e->mode, num, sizeof(num))
				 : NULL);
	j_close('}');
	j_end();
}

static void text_event(const struct xpmem_ctl_event *e, const char *when, const char *type)
{
	char num[16];

	fprintf(out, "%s %s", when, type);
	if (e->type == XPMEM_CTL_EVENT_LOST)
		fputs(" (the kernel dropped events; list again to resync)", out);
	if (HAS(SEGID))
		fprintf(out, " segid 0x%llx", (unsigned long long)e->segid);
	if (HAS(PID))
		fprintf(out, " pid %u", e->pid);
	if (HAS(UID))
		fprintf(out, " uid %u", e->uid);
	if (HAS(PEER_PID))
		fprintf(out, " peer-pid %u", e->peer_pid);
	if (HAS(PEER_UID))
		fprintf(out, " peer-uid %u", e->peer_uid);
	if (HAS(JOB_ID))
		fprintf(out, " job %llu", (unsigned long long)e->job_id);
	if (HAS(RULE_ID))
		fprintf(out, " rule %u", e->rule_id);
	if (HAS(QUOTA))
		fprintf(out, " quota %s", enum_name(XPMEM_CTL_ENUM_QUOTA, e->quota, num, sizeof(num)));
	if (HAS(MODE))
		fprintf(out, " mode %s", enum_name(XPMEM_CTL_ENUM_MODE, e->mode, num, sizeof(num)));
	fputc('\n', out);
}

static int print_event(const struct xpmem_ctl_event *e, void *arg)
{
	char when[48], num[16];
	const char *type;

	(void)arg;
	timestamp(when, sizeof(when));
	if (e->type == XPMEM_CTL_EVENT_LOST)
		type = "lost";
	else
		type = enum_name(XPMEM_CTL_ENUM_EVENT_TYPE, e->type, num, sizeof(num));
	if (json)
		json_event(e, when, type);
	else
		text_event(e, when, type);
	if (fflush(out) == EOF)
		return -errno;
	return 0;
}

int monitor_main(int argc, const char *argv[])
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct xpmem_ctl_events *ev;
	struct xpmem_ctl_error err;
	sigset_t block, wait_mask;
	struct pollfd pfd;
	int ret = EXIT_OK, n;
	FILE *buffered = out;

	if (argc > 1)
		return usage_error(argv[0], "unexpected argument `%s'", argv[1]);
	ev = xpmem_ctl_events_open(&err);
	if (!ev)
		return fail("cannot listen to the xpmem events", &err);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed reader shows as EPIPE */

	/* events stream straight out, not into main.c's buffer */
	out = stdout;
	fprintf(stderr, "%s: listening for xpmem events\n", prog);
	pfd.fd = xpmem_ctl_events_fd(ev);
	pfd.events = POLLIN;
	while (!stop) {
		n = ppoll(&pfd, 1, NULL, &wait_mask);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail_errno("cannot wait for events", -errno);
			break;
		}
		n = xpmem_ctl_events_read(ev, print_event, NULL);
		if (n == -EPIPE)
			break;		/* nobody reads any more: done */
		if (n < 0) {
			ret = fail("cannot read the events", xpmem_ctl_events_last_error(ev));
			break;
		}
	}
	out = buffered;
	xpmem_ctl_events_close(ev);
	return ret;
}
