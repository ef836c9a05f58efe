// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - xpmemctl: the admin CLI of the xpmem control plane. A dispatch
 * table of subcommands (one file each), the global options, and the rule
 * that output is buffered and shown only when the command succeeds, so a
 * failure never leaves half a table or half a JSON document behind.
 *
 * With -o FILE that output goes to FILE instead, replaced atomically
 * (outfile.c), so a timer can keep a file for node_exporter up to date.
 *
 * Exit status: 0 ok, 1 failed, 2 usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xpmemctl.h"

const char *prog = "xpmemctl";
bool json;
FILE *out;
static const char *output;	/* -o/--output */

static const struct {
	const char *name;
	int (*main)(int argc, const char *argv[]);
	const char *summary;
	const char *usage;
} cmds[] = {
	{ "status", status_main, "Module version, policy mode and totals (the default)",
	  "[-j] status" },
	{ "segments", segments_main, "List the exported segments",
	  "[-j] segments" },
	{ "attachments", attachments_main, "List the attachments (or, with --permits, the permits)",
	  "[-j] attachments [--permits]" },
	{ "permits", permits_main, "List the access permits",
	  "[-j] permits" },
	{ "stats", stats_main, "Show the counters, globally or per uid or job",
	  "[-j] stats [all | uid [<uid>] | job [<id>]]\n"
	  "                           [--format <text | json | prometheus | openmetrics>]" },
	{ "policy", policy_main, "Show, set or reset the settings of the site policy",
	  "[-j] policy [show]\n"
	  "       %s policy set [compat | strict] [visibility <own | all>]\n"
	  "                     [default-max-segments <n | unlimited>]\n"
	  "       %s policy reset" },
	{ "rule", rule_main, "List, add or delete site-policy rules",
	  "[-j] rule [list]\n"
	  "       %s [-j] rule add <allow | deny> [uid <uid>] [gid <gid>] [peer-uid <uid>] [same-job]\n"
	  "       %s rule del <id>" },
	{ "job", job_main, "List, register or unregister batch jobs",
	  "[-j] job [list]\n"
	  "       %s job add <id> uid <uid> (cgroup <path> | cgroup-id <n>) [max-segments <n>]\n"
	  "                    [max-attached-bytes <size>] [max-mapped-pages <n>]\n"
	  "       %s job del <id>" },
	{ "quota", quota_main, "List or set the per-uid quotas",
	  "[-j] quota [list]\n"
	  "       %s quota set <uid> [max-segments <n>] [max-attached-bytes <size>]\n"
	  "                    [max-mapped-pages <n>]" },
	{ "revoke", revoke_main, "Remove a segment, or all segments of a pid, uid or job",
	  "[-j] revoke (segid <segid> | pid <pid> | uid <uid> | job <id>)" },
	{ "monitor", monitor_main, "Print events as they happen (until SIGINT or SIGTERM)",
	  "[-j] monitor" },
	{ "version", version_main, "Show the versions of xpmemctl and of the module",
	  "[-j] version" },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

const char *usage_of(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return cmds[i].usage;
	return "";
}

/* "Usage: xpmemctl ..." with every line of a multi-line usage prefixed. */
static void print_usage(FILE *f, const char *name)
{
	fprintf(f, "Usage: %s ", prog);
	fprintf(f, usage_of(name), prog, prog);	/* the %s are later lines */
	fputc('\n', f);
}

static void print_help(FILE *f)
{
	fprintf(f, "Usage: %s [-j | --json] [-o <file>] [<command> [<arguments>]]\n\n"
		"Commands (the default is status):\n", prog);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-12s  %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n"
		"Options:\n"
		"  -j, --json     print one JSON document (monitor: one per line)\n"
		"  -o, --output <file>\n"
		"                 write the output to <file> instead, replacing it\n"
		"                 atomically, and only if the command succeeds\n"
		"  -h, --help     show this help, or with a command its arguments\n"
		"  -v, --version  same as the version command\n\n"
		"Keywords may also be written as options: `uid 1000' or `--uid 1000'.\n"
		"Exit status: 0 ok, 1 failed, 2 usage error. See xpmemctl(8).\n");
}

bool is_kw(const char *arg, const char *kw)
{
	if (arg[0] == '-' && arg[1] == '-')
		arg += 2;
	return !strcmp(arg, kw);
}

int bad_value(const char *what, const char *value)
{
	fprintf(stderr, "%s: invalid %s: `%s'\n", prog, what, value);
	return EXIT_USAGE;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", prog, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage(stderr, cmd);
	return EXIT_USAGE;
}

const char *value_of(int argc, const char *argv[], int i, const char *cmd)
{
	if (i < argc)
		return argv[i];
	usage_error(cmd, "missing value after `%s'", argv[i - 1]);
	return NULL;
}

/*
 * -o FILE, --output FILE or --output=FILE at ARGV[*I]: keep FILE and step
 * *I past it. 0: not this option, 1: taken, -1: FILE is missing.
 */
static int output_option(int argc, const char *argv[], int *i)
{
	const char *arg = argv[*i];

	if (!strncmp(arg, "--output=", 9)) {
		output = arg + 9;
		return 1;
	}
	if (strcmp(arg, "-o") && strcmp(arg, "--output"))
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: missing file after `%s'\n", prog, arg);
		return -1;
	}
	output = argv[++*i];
	return 1;
}

/*
 * Take -j/--json, -o/--output and -h/--help out of a subcommand's
 * arguments, wherever they are. Returns 1 if help was asked for, -1 if
 * --output lacks its file.
 */
static int common_options(int *argc, const char *argv[])
{
	int i, j, help = 0, taken;

	for (i = j = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			help = 1;
		else if ((taken = output_option(*argc, argv, &i)) < 0)
			return -1;
		else if (!taken)
			argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = NULL;
	return help;
}

/*
 * Show what the command buffered, if it succeeded; a failed write fails.
 * With --output it goes to that file, or the file stays as it was.
 */
static int flush_output(struct outfile *of, char *buf, size_t len, int ret)
{
	if (output) {
		if (ret == EXIT_OK)
			ret = outfile_commit(of, buf, len);
		else
			outfile_discard(of);
		len = 0;
	}
	if (ret == EXIT_OK && len && fwrite(buf, 1, len, stdout) != len)
		ret = EXIT_FAIL;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the output: %s\n", prog, strerror(errno));
		ret = EXIT_FAIL;
	}
	return ret;
}

int main(int argc, const char *argv[])
{
	static const char *status_argv[] = { "status", NULL, NULL };
	struct outfile of = { .fd = -1 };
	const char **args;
	char *buf = NULL;
	size_t len = 0, i;
	int nargs, ret, at;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		at = 0;
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "--json")) {
			json = true;
		} else if ((ret = output_option(argc, argv, &at)) != 0) {
			if (ret < 0)
				return EXIT_USAGE;
			argc -= at;
			argv += at;
		} else if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
			print_help(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[0], "-v") || !strcmp(argv[0], "--version")) {
			argv[0] = "version";
			break;
		} else {
			fprintf(stderr, "%s: invalid option: `%s'\n", prog, argv[0]);
			fprintf(stderr, "Try `%s --help'.\n", prog);
			return EXIT_USAGE;
		}
	}
	if (argc == 0) {
		argc = 1;
		argv = status_argv;
	} else if (!strcmp(argv[0], "help")) {
		if (argc < 2) {
			print_help(stdout);
			return EXIT_OK;
		}
		argv++;
		argc--;
		argv[1] = "--help";
		argc = 2;
	}
	for (i = 0; i < NCMDS; i++)
		if (!strcmp(argv[0], cmds[i].name))
			break;
	if (i == NCMDS) {
		fprintf(stderr, "%s: invalid subcommand: `%s'\n", prog, argv[0]);
		fprintf(stderr, "Try `%s --help'.\n", prog);
		return EXIT_USAGE;
	}

	/* our own copy: common_options() edits it and needs a NULL slot */
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args) {
		perror(prog);
		return EXIT_FAIL;
	}
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	nargs = argc;
	ret = common_options(&nargs, args);
	if (ret) {
		if (ret > 0)
			print_usage(stdout, cmds[i].name);
		free(args);
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (output && cmds[i].main == monitor_main) {
		free(args);
		return usage_error("monitor", "--output takes a command's whole output; "
				   "monitor streams");
	}
	/* first: a file that cannot be written is said before anything is done */
	if (output && (ret = outfile_open(&of, output)) != EXIT_OK) {
		free(args);
		return ret;
	}
	out = open_memstream(&buf, &len);
	if (!out) {
		perror(prog);
		if (output)
			outfile_discard(&of);
		free(args);
		return EXIT_FAIL;
	}
	ret = cmds[i].main(nargs, args);
	fclose(out);
	ret = flush_output(&of, buf, len, ret);
	free(buf);
	free(args);
	return ret;
}
