/* SPDX-License-Identifier: GPL-2.0 */
/*
 * journal.h - xpmemd's log: its own messages and the kernel's events,
 * as structured journal entries (MESSAGE_ID, XPMEM_* fields) when stderr
 * is connected to the journal, as plain lines on stderr otherwise.
 */
#ifndef XPMEMD_JOURNAL_H
#define XPMEMD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

struct xpmem_ctl_event;

/* MESSAGE_ID= of each kind of entry (listed in xpmemd(8)). */
#define XPMEM_MSGID_SEGMENT_MADE	"b23ff5db2a6345c2807b82e823e1fd34"
#define XPMEM_MSGID_SEGMENT_REMOVED	"89ab6c2bbf98485398cfba939fc467a2"
#define XPMEM_MSGID_DENIED		"10c9e68ae6624bc699c3dfff873ecb46"
#define XPMEM_MSGID_QUOTA		"ed6693e4b4aa4991bca4b63c45c79f42"
#define XPMEM_MSGID_POLICY		"4b2d9244a596438e8bd196ea5fb148d8"
#define XPMEM_MSGID_JOB_ADDED		"484b3f96e1a94dfb8576d257c7bb931d"
#define XPMEM_MSGID_JOB_REMOVED		"9adb00750a38455b9b5e39c096548085"
#define XPMEM_MSGID_EVENTS_LOST		"a5a5167ef736470e814758ad203a4ecb"
#define XPMEM_MSGID_APPLIED		"0ba7612f94cc49e583ef51cda6413882"
#define XPMEM_MSGID_CONFIG_ERROR	"1f29de972c264b89b2535dee4e130fa3"
#define XPMEM_MSGID_MODULE		"68fb139c319246009606c2f5b375b67c"
#define XPMEM_MSGID_JOB_STATE		"dc8d46832d83498199ec5b7e5e88a6eb"

/* Decide once where the log goes (the journal if stderr is journald's). */
void xpmem_log_init(void);

/* One message; MSGID (a MESSAGE_ID) may be NULL. */
__attribute__((format(printf, 3, 4)))
void xpmem_log(int prio, const char *msgid, const char *fmt, ...);

/* One kernel event, if its type is in MASK (bits 1 << XPMEM_EVENT_TYPE_*). */
void xpmem_journal_event(const struct xpmem_ctl_event *ev, uint32_t mask);

/* Render EV's human message, as xpmem_journal_event logs it. */
void xpmem_event_message(const struct xpmem_ctl_event *ev, char *buf, size_t len);

#endif /* XPMEMD_JOURNAL_H */
