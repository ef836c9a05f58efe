/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xpmemctl.h - what the subcommands of xpmemctl share: their entry points,
 * the global options, argument helpers, error reporting, and the output
 * helpers (aligned tables, a small JSON writer) of output.c.
 */
#ifndef XPMEMCTL_H
#define XPMEMCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"
#include "xpmem_control.h"

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define MOUNTINFO	"/proc/self/mountinfo"

extern const char *prog;	/* "xpmemctl" */
extern bool json;		/* -j/--json */
extern FILE *out;		/* what a command prints; shown only if it succeeds */

/* Each subcommand: argv[0] is its own name. Returns an exit status. */
int status_main(int argc, const char *argv[]);
int segments_main(int argc, const char *argv[]);
int attachments_main(int argc, const char *argv[]);
int permits_main(int argc, const char *argv[]);
int stats_main(int argc, const char *argv[]);
int policy_main(int argc, const char *argv[]);
int rule_main(int argc, const char *argv[]);
int job_main(int argc, const char *argv[]);
int quota_main(int argc, const char *argv[]);
int revoke_main(int argc, const char *argv[]);
int monitor_main(int argc, const char *argv[]);
int version_main(int argc, const char *argv[]);

/* The usage text of subcommand NAME (for "Usage:" lines and --help). */
const char *usage_of(const char *name);

/* ---- arguments ---- */
/* Is ARG the keyword KW, written as "kw" or "--kw"? */
bool is_kw(const char *arg, const char *kw);
/* "xpmemctl: invalid WHAT: `VALUE'", then EXIT_USAGE. */
int bad_value(const char *what, const char *value);
/* "xpmemctl: CMD: printf(FMT...)" and the usage of CMD, then EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Argument I of ARGV as the value of keyword ARGV[I-1], or NULL + message. */
const char *value_of(int argc, const char *argv[], int i, const char *cmd);

/* ---- versions (version.c) ---- */
/* The loaded module's MODULE_VERSION, from sysfs. -ENOENT: not loaded. */
int module_version(char *buf, size_t len);
/* 1 if the loaded module maps 2 MiB blocks with one PMD, 0 if not, -errno */
int module_bool_param(const char *name);
/* The interface version XPMEM_CMD_VERSION reports, or -errno. */
int device_version(void);
/* That version as "2.8.0". */
const char *format_abi(char *buf, size_t len, int version);

/* ---- the kernel ---- */
/* Connect, or report why not (exit 1 follows). */
struct xpmem_ctl *ctl_open(void);
/* Report the failure of WHAT ("cannot list segments") described by ERR. */
int fail(const char *what, const struct xpmem_ctl_error *err);
/* The same for a plain -errno. */
int fail_errno(const char *what, int err);
int ctl_fail(struct xpmem_ctl *ctl, const char *what);

/* ---- output ---- */
struct table {
	unsigned int ncols;
	const char *const *heads;	/* a leading '>' right-aligns the column */
	char **cells;
	size_t ncells, cap;
};
void table_init(struct table *t, const char *const *heads, unsigned int ncols);
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print to out (header, then the rows) and free the cells. */
void table_print(struct table *t);
void table_free(struct table *t);
void list_begin(struct table *t, const char *const *heads, unsigned int ncols);
int list_end(struct table *t, struct xpmem_ctl *ctl, int dumped,
	     const char *what);

/* JSON to out: commas and nesting are tracked, values are escaped. */
void j_open(char c);		/* '{' or '[' */
void j_close(char c);		/* '}' or ']' */
void j_key(const char *key);
void j_str(const char *s);	/* NULL prints null */
void j_u64(uint64_t v);
void j_hex(uint64_t v);		/* "0x..." (segids and addresses exceed 2^53) */
void j_bool(bool v);
void j_null(void);
void j_end(void);		/* after the last value: a newline */
/* Key and value in one go; the _if forms print null unless PRESENT. */
void j_kstr(const char *key, const char *s);
void j_ku64(const char *key, uint64_t v);
void j_ku64_if(const char *key, bool present, uint64_t v);
void j_khex(const char *key, uint64_t v);

/* ---- Prometheus text (metrics.c) ---- */
enum metrics_format {
	METRICS_PROMETHEUS,	/* the text format 0.0.4 (node_exporter's textfile) */
	METRICS_OPENMETRICS,	/* OpenMetrics 1.0.0, ending with "# EOF" */
};
struct metrics {
	struct xpmem_ctl_stats *v;
	size_t n, cap;
};
/* An xpmem_ctl_stats_cb: keep a copy of S. */
int metrics_add(const struct xpmem_ctl_stats *s, void *arg);
/* Print every family (HELP, TYPE, samples) of what was kept to out. */
void metrics_print(struct metrics *m, enum metrics_format fmt);
void metrics_free(struct metrics *m);
/* NAME="VALUE" with VALUE escaped (\\, \", \n) to F. */
void metrics_label(FILE *f, const char *name, const char *value);
/* Is S valid UTF-8 (no overlong forms, no surrogates)? */
bool metrics_utf8(const char *s);

/* ---- --output FILE (outfile.c) ---- */
struct outfile {
	const char *path;
	char *tmp;		/* the temporary file next to it */
	int fd;
};
/* Create the temporary file; EXIT_OK, or EXIT_FAIL with a message. */
int outfile_open(struct outfile *of, const char *path);
/* Write LEN bytes of BUF to it, make it 0644, rename it over the path. */
int outfile_commit(struct outfile *of, const char *buf, size_t len);
/* Remove the temporary file: the path keeps what it had. */
void outfile_discard(struct outfile *of);

/* The name of an enum value, or its number as text if unknown. */
const char *enum_name(enum xpmem_ctl_enum e, uint32_t v, char *buf, size_t len);

#endif /* XPMEMCTL_H */
