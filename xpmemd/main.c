// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - xpmemd: keeps the site policy of xpmem.ko in force.
 *
 * One sd-event loop: SIGHUP reloads, SIGTERM/SIGINT stop; the nlctrl
 * notify socket tells when the module comes or goes (and a timer looks
 * again every few seconds, in case a notification was lost); the events
 * socket feeds the journal and the job files. Type=notify: READY=1 once
 * the policy is applied (or the module is known to be absent), RELOADING=1
 * around a reload, STATUS= a one-line summary, WATCHDOG=1 from sd-event.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "apply.h"
#include "config.h"
#include "family.h"
#include "jobs.h"
#include "jobstate.h"
#include "journal.h"
#include "xpmem_control.h"

#ifndef XPMEMD_VERSION
#define XPMEMD_VERSION "unknown"
#endif

#define RECHECK_USEC	(10 * 1000000ULL)

struct daemon {
	sd_event *e;
	const char *config_dir, *jobs_dir;
	struct xpmem_config cfg;		/* the configuration in force */
	struct xpmem_ctl *ctl;			/* NULL: module absent */
	struct xpmem_ctl_events *events;
	struct xpmem_family_watch *watch;
	sd_event_source *events_src, *watch_src, *recheck;
	uint32_t family;			/* its id when connected */
	struct xpmem_jobs *jobs;
	char problem[PATH_MAX + 320];		/* why the policy is not in force */
};

/* STATUS=, after PREFIX ("READY=1\n" or "") */
static void notify_status(struct daemon *d, const char *prefix)
{
	struct xpmem_ctl_policy pol = { 0 };
	unsigned int pending = d->jobs ? xpmem_jobs_pending(d->jobs) : 0;
	char sum[128], more[64] = "";

	xpmem_config_summary(&d->cfg, sum, sizeof(sum));
	if (pending)
		snprintf(more, sizeof(more), ", %u pending", pending);
	if (!d->ctl)
		sd_notifyf(0, "%sSTATUS=%s%swaiting for the xpmem module (%s%s)", prefix,
			   d->problem, d->problem[0] ? "; " : "", sum, more);
	else if (xpmem_ctl_policy_get(d->ctl, &pol) < 0)
		sd_notifyf(0, "%sSTATUS=%s%s", prefix, sum, more);
	else
		sd_notifyf(0, "%sSTATUS=%s, %u job%s%s", prefix, sum, pol.jobs,
			   pol.jobs == 1 ? "" : "s", more);
}

static void status(struct daemon *d)
{
	notify_status(d, "");
}

static void jobs_changed(void *arg)
{
	status(arg);
}

/* ---- the module: connect, apply, disconnect ------------------------------- */

static int on_event(const struct xpmem_ctl_event *ev, void *arg)
{
	struct daemon *d = arg;

	if (ev->type == XPMEM_CTL_EVENT_LOST)
		xpmem_log(LOG_WARNING, XPMEM_MSGID_EVENTS_LOST,
			  "events lost (the socket overflowed); resynchronising the job files");
	else
		xpmem_journal_event(ev, d->cfg.log_events);
	if (ev->type == XPMEM_CTL_EVENT_LOST || ev->type == XPMEM_EVENT_TYPE_JOB_ADDED ||
	    ev->type == XPMEM_EVENT_TYPE_JOB_REMOVED)
		xpmem_jobs_event(d->jobs, ev);
	return 0;
}

static int on_events(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct daemon *d = arg;
	int ret;

	(void)s;
	(void)fd;
	(void)revents;
	ret = xpmem_ctl_events_read(d->events, on_event, d);
	if (ret < 0 && ret != -EAGAIN)
		xpmem_log(LOG_WARNING, NULL, "reading events: %s", strerror(-ret));
	return 0;
}

static void disconnect(struct daemon *d)
{
	d->events_src = sd_event_source_disable_unref(d->events_src);
	xpmem_ctl_events_close(d->events);
	d->events = NULL;
	if (d->jobs)
		xpmem_jobs_connect(d->jobs, NULL);
	xpmem_ctl_close(d->ctl);
	d->ctl = NULL;
	d->family = 0;
}

/*
 * Without events the policy is still applied; only the journal entries
 * and the kernel-to-files job sync (then done on every recheck) are lost.
 */
static void subscribe(struct daemon *d)
{
	struct xpmem_ctl_error err;
	int ret;

	d->events = xpmem_ctl_events_open(&err);
	if (!d->events && err.err == -EOPNOTSUPP) {
		xpmem_log(LOG_WARNING, NULL, "running without events: %s; no event reaches "
			  "the journal, and jobs registered by others are mirrored into the "
			  "job files every %llu s", err.msg, RECHECK_USEC / 1000000);
		return;
	}
	if (!d->events) {
		xpmem_log(LOG_ERR, NULL, "cannot subscribe to the xpmem events: %s",
			  err.msg[0] ? err.msg : strerror(-err.err));
		return;
	}
	ret = sd_event_add_io(d->e, &d->events_src, xpmem_ctl_events_fd(d->events), EPOLLIN,
			      on_events, d);
	if (ret < 0) {
		xpmem_log(LOG_ERR, NULL, "cannot watch the events socket: %s", strerror(-ret));
		xpmem_ctl_events_close(d->events);
		d->events = NULL;
	}
}

static void log_applied(struct daemon *d, const struct xpmem_apply_stats *st, const char *why)
{
	char sum[128];

	xpmem_config_summary(&d->cfg, sum, sizeof(sum));
	xpmem_log(LOG_INFO, XPMEM_MSGID_APPLIED,
		  "%s: policy in force: %s (%u rule%s added, %u removed, %u quota%s set%s%s)",
		  why, sum, st->rules_added, st->rules_added == 1 ? "" : "s", st->rules_removed,
		  st->quotas_set, st->quotas_set == 1 ? "" : "s",
		  st->mode_changed ? ", mode changed" : "",
		  st->settings_changed ? ", visibility or segment limit changed" : "");
}

/* Open, subscribe, push the policy, then the jobs. 0 or -errno (logged). */
static int connect_module(struct daemon *d, uint32_t family, const char *why)
{
	struct xpmem_apply_stats st;
	struct xpmem_ctl_error err;
	char msg[PATH_MAX + 256];
	int ret;

	d->ctl = xpmem_ctl_open(&err);
	if (!d->ctl) {
		snprintf(d->problem, sizeof(d->problem), "cannot reach the xpmem module: %s",
			 err.msg[0] ? err.msg : strerror(-err.err));
		xpmem_log(LOG_ERR, XPMEM_MSGID_MODULE, "%s", d->problem);
		return err.err ? err.err : -EIO;
	}
	d->family = family;
	subscribe(d);
	ret = xpmem_apply_policy(d->ctl, &d->cfg, &st, msg, sizeof(msg));
	if (ret < 0) {
		snprintf(d->problem, sizeof(d->problem), "cannot apply the policy: %s", msg);
		xpmem_log(LOG_ERR, XPMEM_MSGID_APPLIED, "%s", d->problem);
		disconnect(d);
		return ret;
	}
	d->problem[0] = '\0';
	log_applied(d, &st, why);
	xpmem_jobs_connect(d->jobs, d->ctl);
	return 0;
}

/*
 * Is the family there, and is it the one we are connected to? FORCE: a
 * notification said it came or went, so reconnect even if the id is the
 * same (ids are recycled, if rarely).
 */
static int check_family(struct daemon *d, bool force)
{
	uint32_t id;
	int ret;

	ret = xpmem_family_lookup(&id);
	if (ret < 0) {
		xpmem_log(LOG_WARNING, NULL, "cannot list the netlink families: %s", strerror(-ret));
		return ret;
	}
	if (d->ctl && id && id == d->family && !force)
		return 0;
	if (d->ctl) {
		xpmem_log(LOG_NOTICE, XPMEM_MSGID_MODULE, id ? "the xpmem module was reloaded" :
			  "the xpmem module was unloaded; waiting for it");
		disconnect(d);
	}
	ret = id ? connect_module(d, id, "xpmem module present") : 0;
	status(d);
	return ret;
}

static int on_watch(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct daemon *d = arg;
	int ret;

	(void)s;
	(void)fd;
	(void)revents;
	ret = xpmem_family_watch_read(d->watch);
	if (ret < 0)
		xpmem_log(LOG_WARNING, NULL, "reading nlctrl notifications: %s", strerror(-ret));
	if (ret != 0)
		check_family(d, ret > 0);
	return 0;
}

static int on_recheck(sd_event_source *s, uint64_t usec, void *arg)
{
	static const struct xpmem_ctl_event resync = { .type = XPMEM_CTL_EVENT_LOST };
	struct daemon *d = arg;

	(void)usec;
	check_family(d, false);
	if (d->ctl && !d->events)
		xpmem_jobs_event(d->jobs, &resync);	/* no events to tell us */
	sd_event_source_set_time_relative(s, RECHECK_USEC);
	return 0;
}

/* ---- reload and stop ----------------------------------------------------------- */

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *arg)
{
	struct daemon *d = arg;
	struct xpmem_config next, old;
	struct xpmem_apply_stats st;
	char msg[PATH_MAX + 256], sum[128], undo[PATH_MAX + 256];
	int ret;

	(void)s;
	(void)si;
	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
	ret = xpmem_config_load(&next, d->config_dir, NULL);
	xpmem_config_summary(&d->cfg, sum, sizeof(sum));
	if (ret < 0) {
		xpmem_log(LOG_ERR, XPMEM_MSGID_CONFIG_ERROR, "reload refused, keeping %s: %s", sum,
			  ret == -EINVAL ? next.error : strerror(-ret));
		sd_notifyf(0, "READY=1\nSTATUS=reload refused (%s), keeping %s",
			   ret == -EINVAL ? next.error : strerror(-ret), sum);
		xpmem_config_free(&next);
		return 0;
	}
	if (d->ctl) {
		ret = xpmem_apply_policy(d->ctl, &next, &st, msg, sizeof(msg));
		if (ret < 0) {
			/* back to the previous policy, as far as the kernel lets us */
			if (xpmem_apply_policy(d->ctl, &d->cfg, NULL, undo, sizeof(undo)) < 0)
				xpmem_log(LOG_ERR, XPMEM_MSGID_APPLIED,
					  "cannot restore the previous policy either: %s", undo);
			xpmem_log(LOG_ERR, XPMEM_MSGID_APPLIED,
				  "reload failed, keeping %s: %s", sum, msg);
			sd_notifyf(0, "READY=1\nSTATUS=reload failed (%s), keeping %s", msg, sum);
			xpmem_config_free(&next);
			return 0;
		}
	}
	old = d->cfg;
	d->cfg = next;
	xpmem_config_free(&old);
	xpmem_jobs_set_root(d->jobs, d->cfg.cgroup_root);
	if (d->ctl)
		log_applied(d, &st, "reloaded");
	else
		check_family(d, false);	/* the new policy may be one it accepts */
	notify_status(d, "READY=1\n");
	return 0;
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *arg)
{
	(void)arg;
	(void)si;
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* ---- start ----------------------------------------------------------------------- */

static int fatal(const char *fmt, const char *what, int err)
{
	char line[PATH_MAX + 320];

	snprintf(line, sizeof(line), fmt, what);
	xpmem_log(LOG_ERR, XPMEM_MSGID_CONFIG_ERROR, "%s", line);
	sd_notifyf(0, "STATUS=%s\nERRNO=%d", line, err);
	sd_notify_barrier(0, 5 * 1000000ULL);
	return 1;
}

static int run(struct daemon *d)
{
	char err[256];
	sigset_t mask;
	int ret;

	ret = xpmem_config_load(&d->cfg, d->config_dir, NULL);
	if (ret < 0)
		return fatal("refusing to start: %s", ret == -EINVAL ? d->cfg.error :
			     strerror(-ret), ret == -EINVAL ? EINVAL : -ret);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	ret = sd_event_default(&d->e);
	if (ret < 0 ||
	    (ret = sd_event_add_signal(d->e, NULL, SIGTERM, on_term, d)) < 0 ||
	    (ret = sd_event_add_signal(d->e, NULL, SIGINT, on_term, d)) < 0 ||
	    (ret = sd_event_add_signal(d->e, NULL, SIGHUP, on_hup, d)) < 0 ||
	    (ret = sd_event_set_watchdog(d->e, true)) < 0 ||
	    (ret = sd_event_add_time_relative(d->e, &d->recheck, CLOCK_MONOTONIC, RECHECK_USEC,
					      0, on_recheck, d)) < 0 ||
	    (ret = sd_event_source_set_enabled(d->recheck, SD_EVENT_ON)) < 0)
		return fatal("cannot set up the event loop: %s", strerror(-ret), -ret);

	d->jobs = xpmem_jobs_new(d->e, d->jobs_dir, jobs_changed, d);
	if (!d->jobs)
		return fatal("cannot watch the job state directory: %s", strerror(errno), errno);
	xpmem_jobs_set_root(d->jobs, d->cfg.cgroup_root);

	d->watch = xpmem_family_watch_open(err, sizeof(err));
	if (!d->watch)
		return fatal("%s", err, EIO);
	ret = sd_event_add_io(d->e, &d->watch_src, xpmem_family_watch_fd(d->watch), EPOLLIN,
			      on_watch, d);
	if (ret < 0)
		return fatal("cannot watch nlctrl: %s", strerror(-ret), -ret);

	ret = check_family(d, false);
	if (ret < 0 && d->problem[0])
		return fatal("refusing to start: %s", d->problem, -ret);
	notify_status(d, "READY=1\n");
	ret = sd_event_loop(d->e);
	if (ret < 0)
		xpmem_log(LOG_ERR, NULL, "event loop failed: %s", strerror(-ret));
	return ret < 0 ? 1 : 0;
}

static void cleanup(struct daemon *d)
{
	disconnect(d);
	xpmem_jobs_free(d->jobs);
	sd_event_source_disable_unref(d->watch_src);
	sd_event_source_disable_unref(d->recheck);
	xpmem_family_watch_close(d->watch);
	xpmem_config_free(&d->cfg);
	sd_event_unref(d->e);
}

/* ---- command line ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xpmemd [--config-dir DIR] [--jobs-dir DIR]\n"
		"       xpmemd --check-config [--config-dir DIR]\n"
		"       xpmemd --show-config [--config-dir DIR]\n"
		"       xpmemd --version | --help\n"
		"\n"
		"Keeps the site policy of the xpmem module in force (see xpmemd(8)).\n"
		"\n"
		"  --config-dir DIR  read DIR/xpmemd.conf and DIR/xpmemd.conf.d/*.conf\n"
		"                    (default " XPMEM_CONFIG_DIR ")\n"
		"  --jobs-dir DIR    the registered jobs (default " XPMEM_JOBS_DIR ")\n"
		"  --check-config    validate the configuration, print a summary, exit 0 or 1\n"
		"  --show-config     print the effective configuration\n"
		"  --version         print the version\n"
		"  --help            print this help\n");
}

/* --check-config and --show-config */
static int check(const char *dir, bool show)
{
	struct xpmem_config cfg;
	char sum[128];
	int ret;

	ret = xpmem_config_load(&cfg, dir, stderr);
	if (ret < 0) {
		if (ret != -EINVAL)
			fprintf(stderr, "xpmemd: cannot read the configuration in %s: %s\n", dir,
				strerror(-ret));
		else if (cfg.nerrors > 1)
			fprintf(stderr, "xpmemd: %u errors in the configuration\n", cfg.nerrors);
		xpmem_config_free(&cfg);
		return 1;
	}
	if (show) {
		xpmem_config_show(&cfg, stdout);
	} else {
		xpmem_config_summary(&cfg, sum, sizeof(sum));
		printf("%s (%u file%s)\n", sum, cfg.nfiles, cfg.nfiles == 1 ? "" : "s");
	}
	xpmem_config_free(&cfg);
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "jobs-dir", required_argument, NULL, 'j' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "show-config", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .config_dir = XPMEM_CONFIG_DIR, .jobs_dir = XPMEM_JOBS_DIR };
	int c, mode = 0, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_dir = optarg;
			break;
		case 'j':
			d.jobs_dir = optarg;
			break;
		case 'C':
		case 'S':
			mode = c;
			break;
		case 'V':
			printf("xpmemd %s\n", XPMEMD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xpmemd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (mode)
		return check(d.config_dir, mode == 'S');

	xpmem_log_init();
	ret = run(&d);
	cleanup(&d);
	return ret;
}
