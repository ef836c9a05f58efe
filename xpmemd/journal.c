// SPDX-License-Identifier: GPL-2.0
/*
 * journal.c - the log of xpmemd.
 *
 * Under systemd, stderr is a journald stream (JOURNAL_STREAM names it) and
 * every entry is sent with sd_journal_sendv(): MESSAGE, PRIORITY,
 * MESSAGE_ID and, for kernel events, XPMEM_EVENT= and friends, so that
 * `journalctl XPMEM_EVENT=denied` finds every refused access. Elsewhere
 * (a terminal, the tests) the same messages are plain stderr lines.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "config.h"
#include "journal.h"
#include "xpmem_control.h"

static bool to_journal;

void xpmem_log_init(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	to_journal = env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
		     fstat(STDERR_FILENO, &st) == 0 &&
		     st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

#define MAXFIELDS	16

struct entry {
	struct iovec iov[MAXFIELDS];
	char buf[MAXFIELDS][320];
	int n;
};

__attribute__((format(printf, 2, 3)))
static void field(struct entry *e, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (e->n == MAXFIELDS)
		return;
	va_start(ap, fmt);
	len = vsnprintf(e->buf[e->n], sizeof(e->buf[e->n]), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(e->buf[e->n]))
		len = sizeof(e->buf[e->n]) - 1;
	e->iov[e->n].iov_base = e->buf[e->n];
	e->iov[e->n].iov_len = (size_t)len;
	e->n++;
}

static void emit(struct entry *e, int prio, const char *msgid, const char *tag,
		 const char *msg)
{
	if (!to_journal) {
		fprintf(stderr, "xpmemd: %s%s%s\n", tag ? tag : "", tag ? ": " : "", msg);
		return;
	}
	field(e, "MESSAGE=%s", msg);
	field(e, "PRIORITY=%d", prio);
	field(e, "SYSLOG_IDENTIFIER=xpmemd");
	if (msgid)
		field(e, "MESSAGE_ID=%s", msgid);
	if (sd_journal_sendv(e->iov, e->n) < 0)
		fprintf(stderr, "<%d>%s\n", prio, msg);
}

void xpmem_log(int prio, const char *msgid, const char *fmt, ...)
{
	struct entry e = { .n = 0 };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(&e, prio, msgid, NULL, msg);
}

/* ---- events ------------------------------------------------------------- */

static const char *const msgids[] = {
	[XPMEM_EVENT_TYPE_SEGMENT_MADE] = XPMEM_MSGID_SEGMENT_MADE,
	[XPMEM_EVENT_TYPE_SEGMENT_REMOVED] = XPMEM_MSGID_SEGMENT_REMOVED,
	[XPMEM_EVENT_TYPE_ACCESS_DENIED] = XPMEM_MSGID_DENIED,
	[XPMEM_EVENT_TYPE_QUOTA_EXCEEDED] = XPMEM_MSGID_QUOTA,
	[XPMEM_EVENT_TYPE_POLICY_CHANGED] = XPMEM_MSGID_POLICY,
	[XPMEM_EVENT_TYPE_JOB_ADDED] = XPMEM_MSGID_JOB_ADDED,
	[XPMEM_EVENT_TYPE_JOB_REMOVED] = XPMEM_MSGID_JOB_REMOVED,
};

static const int prios[] = {
	[XPMEM_EVENT_TYPE_SEGMENT_MADE] = LOG_INFO,
	[XPMEM_EVENT_TYPE_SEGMENT_REMOVED] = LOG_INFO,
	[XPMEM_EVENT_TYPE_ACCESS_DENIED] = LOG_WARNING,
	[XPMEM_EVENT_TYPE_QUOTA_EXCEEDED] = LOG_WARNING,
	[XPMEM_EVENT_TYPE_POLICY_CHANGED] = LOG_NOTICE,
	[XPMEM_EVENT_TYPE_JOB_ADDED] = LOG_NOTICE,
	[XPMEM_EVENT_TYPE_JOB_REMOVED] = LOG_NOTICE,
};

#define HAS(ev, a)	XPMEM_CTL_HAS(ev, XPMEM_A_EVENT_##a)

/* " in job 7", or "" */
static const char *in_job(const struct xpmem_ctl_event *ev, char *buf, size_t len)
{
	buf[0] = '\0';
	if (HAS(ev, JOB_ID))
		snprintf(buf, len, " in job %" PRIu64, ev->job_id);
	return buf;
}

/* "uid 1000 (pid 345)", or "an unknown process" */
static const char *who(bool has, uint32_t uid, uint32_t pid, char *buf, size_t len)
{
	if (has)
		snprintf(buf, len, "uid %" PRIu32 " (pid %" PRIu32 ")", uid, pid);
	else
		snprintf(buf, len, "an unknown process");
	return buf;
}

void xpmem_event_message(const struct xpmem_ctl_event *ev, char *buf, size_t len)
{
	char a[64], b[64], job[48], rule[48];
	const char *quota;

	who(HAS(ev, PID), ev->uid, ev->pid, a, sizeof(a));
	in_job(ev, job, sizeof(job));
	switch (ev->type) {
	case XPMEM_EVENT_TYPE_SEGMENT_MADE:
		snprintf(buf, len, "%s%s exported segment 0x%016" PRIx64, a, job, ev->segid);
		break;
	case XPMEM_EVENT_TYPE_SEGMENT_REMOVED:
		snprintf(buf, len, "segment 0x%016" PRIx64 " of %s%s removed", ev->segid, a, job);
		break;
	case XPMEM_EVENT_TYPE_ACCESS_DENIED:
		if (HAS(ev, RULE_ID))
			snprintf(rule, sizeof(rule), "rule %" PRIu32, ev->rule_id);
		else
			snprintf(rule, sizeof(rule), "its mode bits or the default mode");
		snprintf(buf, len, "%s%s denied access to segment 0x%016" PRIx64 " of %s by %s",
			 a, job, ev->segid,
			 who(HAS(ev, PEER_UID), ev->peer_uid, ev->peer_pid, b, sizeof(b)), rule);
		break;
	case XPMEM_EVENT_TYPE_QUOTA_EXCEEDED:
		quota = HAS(ev, QUOTA) ? xpmem_ctl_name(XPMEM_CTL_ENUM_QUOTA, ev->quota) : NULL;
		snprintf(buf, len, "%s%s refused: over the %s quota%s", a, job,
			 quota ? quota : "a", HAS(ev, JOB_ID) ? " of its job or uid" : " of its uid");
		break;
	case XPMEM_EVENT_TYPE_POLICY_CHANGED:
		snprintf(buf, len, "site policy changed by %s, default mode %s", a,
			 ev->mode == XPMEM_MODE_STRICT ? "strict" : "compat");
		break;
	case XPMEM_EVENT_TYPE_JOB_ADDED:
	case XPMEM_EVENT_TYPE_JOB_REMOVED:
		snprintf(buf, len, "job %" PRIu64 " %s by %s", ev->job_id,
			 ev->type == XPMEM_EVENT_TYPE_JOB_ADDED ? "registered" : "unregistered", a);
		break;
	default:
		snprintf(buf, len, "event of unknown type %" PRIu32 " from %s", ev->type, a);
		break;
	}
}

void xpmem_journal_event(const struct xpmem_ctl_event *ev, uint32_t mask)
{
	struct entry e = { .n = 0 };
	const char *name = xpmem_event_name(ev->type);
	const char *quota;
	char msg[512];

	if (ev->type < 32 && name && !(mask & (1u << ev->type)))
		return;
	xpmem_event_message(ev, msg, sizeof(msg));
	if (name)
		field(&e, "XPMEM_EVENT=%s", name);
	else
		field(&e, "XPMEM_EVENT=%" PRIu32, ev->type);
	if (HAS(ev, SEGID))
		field(&e, "XPMEM_SEGID=0x%016" PRIx64, ev->segid);
	if (HAS(ev, PID))
		field(&e, "XPMEM_PID=%" PRIu32, ev->pid);
	if (HAS(ev, UID))
		field(&e, "XPMEM_UID=%" PRIu32, ev->uid);
	if (HAS(ev, PEER_PID))
		field(&e, "XPMEM_PEER_PID=%" PRIu32, ev->peer_pid);
	if (HAS(ev, PEER_UID))
		field(&e, "XPMEM_PEER_UID=%" PRIu32, ev->peer_uid);
	if (HAS(ev, JOB_ID))
		field(&e, "XPMEM_JOB=%" PRIu64, ev->job_id);
	if (HAS(ev, RULE_ID))
		field(&e, "XPMEM_RULE=%" PRIu32, ev->rule_id);
	quota = HAS(ev, QUOTA) ? xpmem_ctl_name(XPMEM_CTL_ENUM_QUOTA, ev->quota) : NULL;
	if (quota)
		field(&e, "XPMEM_QUOTA=%s", quota);
	if (ev->type == XPMEM_EVENT_TYPE_POLICY_CHANGED && HAS(ev, MODE))
		field(&e, "XPMEM_MODE=%s", ev->mode == XPMEM_MODE_STRICT ? "strict" : "compat");
	emit(&e, name ? prios[ev->type] : LOG_NOTICE, name ? msgids[ev->type] : NULL,
	     name ? name : "event", msg);
}
