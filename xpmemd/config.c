// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - parse and validate xpmemd.conf and its drop-ins.
 *
 * A small INI reader in the systemd style: "[Section]" headers, "Key=Value"
 * lines, "#" and ";" comments, blanks around keys and values ignored. Every
 * value is checked here (users and groups resolved, sizes and counts range
 * checked), so that applying never meets a bad one. Nothing unknown is
 * ignored: a misspelt key in a security policy is an error, reported as
 * "file:line: what is wrong" with the offending value.
 *
 * [Policy], [Jobs] and [Events] may appear in several files; the last value
 * wins. Each [Rule] section is one rule. [Quota] sections are keyed by
 * User=; the last one for a uid wins, and one that limits nothing (no
 * MaxSegments=, no other limit above 0) removes it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "xpmem_netlink.h"

enum section { S_NONE, S_POLICY, S_RULE, S_QUOTA, S_JOBS, S_EVENTS, S_BAD };

static const char *const section_names[] = {
	[S_POLICY] = "Policy", [S_RULE] = "Rule", [S_QUOTA] = "Quota",
	[S_JOBS] = "Jobs", [S_EVENTS] = "Events",
};

struct parser {
	struct xpmem_config *cfg;
	FILE *errlog;
	const char *path;		/* the file being read */
	unsigned int file, line;
	enum section sec;
	unsigned int sec_line;
	uint32_t seen;			/* keys given in this section */
	struct xpmem_cfg_rule rule;
	struct xpmem_cfg_quota quota;
};

static const char *const event_names[] = {
	[XPMEM_EVENT_TYPE_SEGMENT_MADE] = "segment-made",
	[XPMEM_EVENT_TYPE_SEGMENT_REMOVED] = "segment-removed",
	[XPMEM_EVENT_TYPE_ACCESS_DENIED] = "denied",
	[XPMEM_EVENT_TYPE_QUOTA_EXCEEDED] = "quota",
	[XPMEM_EVENT_TYPE_POLICY_CHANGED] = "policy",
	[XPMEM_EVENT_TYPE_JOB_ADDED] = "job-added",
	[XPMEM_EVENT_TYPE_JOB_REMOVED] = "job-removed",
};

#define NEVENTS	(sizeof(event_names) / sizeof(event_names[0]))

const char *xpmem_event_name(uint32_t type)
{
	return type < NEVENTS ? event_names[type] : NULL;
}

/* "file:line: what": the first one is kept, all go to the log. */
__attribute__((format(printf, 3, 4)))
static void complain_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	struct xpmem_config *cfg = p->cfg;
	char what[PATH_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!cfg->nerrors++) {
		if (line)
			snprintf(cfg->error, sizeof(cfg->error), "%s:%u: %s", p->path, line, what);
		else
			snprintf(cfg->error, sizeof(cfg->error), "%s: %s", p->path, what);
	}
	if (p->errlog) {
		if (line)
			fprintf(p->errlog, "%s:%u: %s\n", p->path, line, what);
		else
			fprintf(p->errlog, "%s: %s\n", p->path, what);
	}
}

#define complain(p, ...)	complain_at(p, (p)->line, __VA_ARGS__)

/* ---- values ---------------------------------------------------------- */

int xpmem_parse_count(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!strcmp(s, "infinity")) {
		*out = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int xpmem_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	char digits[32];
	const char *u;
	size_t len = strlen(s);
	unsigned int shift = 0;
	uint64_t v;
	int ret;

	if (len && (u = strchr(units, toupper((unsigned char)s[len - 1]))) && *u) {
		shift = 10 * (unsigned int)(u - units + 1);
		len--;
	}
	if (!len || len >= sizeof(digits))
		return -EINVAL;
	memcpy(digits, s, len);
	digits[len] = '\0';
	if (shift && !strcmp(digits, "infinity"))
		return -EINVAL;
	ret = xpmem_parse_count(digits, UINT64_MAX, &v);
	if (ret)
		return ret;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int xpmem_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* A uid (gid) by number or name; (uid_t)-1 is not one. */
static int parse_id(struct parser *p, const char *key, const char *v, bool group,
		    uint32_t *out)
{
	const char *what = group ? "group" : "user";
	uint64_t n;
	int ret;

	if (isdigit((unsigned char)v[0])) {
		ret = xpmem_parse_count(v, UINT32_MAX - 1, &n);
		if (ret) {
			complain(p, "invalid %s= value \"%s\" (%s id out of range or not a number)",
				 key, v, what);
			return -EINVAL;
		}
		*out = (uint32_t)n;
		return 0;
	}
	errno = 0;
	if (group) {
		struct group *gr = getgrnam(v);

		if (gr) {
			*out = gr->gr_gid;
			return 0;
		}
	} else {
		struct passwd *pw = getpwnam(v);

		if (pw) {
			*out = pw->pw_uid;
			return 0;
		}
	}
	if (errno && errno != ENOENT && errno != ESRCH)
		complain(p, "cannot look up %s \"%s\" for %s=: %s", what, v, key, strerror(errno));
	else
		complain(p, "unknown %s \"%s\" in %s=", what, v, key);
	return -EINVAL;
}

static int parse_enum(struct parser *p, const char *key, const char *v,
		      const char *a, const char *b, uint32_t *out)
{
	if (!strcmp(v, a) || !strcmp(v, b)) {
		*out = strcmp(v, a) ? 1 : 0;
		return 0;
	}
	complain(p, "invalid %s= value \"%s\" (expected %s or %s)", key, v, a, b);
	return -EINVAL;
}

/* An absolute, normalised directory name: no ".", "..", "//" or final "/". */
static int parse_root(struct parser *p, const char *v, char *out, size_t len)
{
	const char *why = NULL, *c;
	size_t n;

	if (v[0] != '/')
		why = "not an absolute path";
	else if (strlen(v) >= len)
		why = "too long";
	for (c = v; !why && *c && v[1]; c += n) {
		c++;			/* the '/' */
		n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			why = "not a normalised path: no \"//\", \".\", \"..\" or final \"/\"";
	}
	if (why) {
		complain(p, "invalid CgroupRoot= value \"%s\" (%s)", v, why);
		return -EINVAL;
	}
	strcpy(out, v);
	return 0;
}

static int parse_events(struct parser *p, const char *v, uint32_t *out)
{
	char buf[512], *tok, *save = NULL;
	uint32_t mask = 0;
	size_t i;

	if (strlen(v) >= sizeof(buf)) {
		complain(p, "invalid Log= value (too long)");
		return -EINVAL;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (!strcmp(tok, "all")) {
			mask |= XPMEM_LOG_ALL;
			continue;
		}
		if (!strcmp(tok, "none"))
			continue;
		for (i = 1; i < NEVENTS; i++)
			if (!strcmp(tok, event_names[i]))
				break;
		if (i == NEVENTS) {
			complain(p, "invalid Log= value \"%s\" (expected all, none or event names: "
				 "segment-made segment-removed denied quota policy job-added job-removed)",
				 tok);
			return -EINVAL;
		}
		mask |= 1u << i;
	}
	*out = mask;
	return 0;
}

/* ---- keys ------------------------------------------------------------ */

enum key {
	K_DEFAULTMODE, K_VISIBILITY, K_DEFAULTMAXSEG, K_ACTION, K_USER, K_GROUP,
	K_PEERUSER, K_SAMEJOB, K_MAXSEG, K_MAXBYTES, K_MAXPAGES, K_CGROUPROOT, K_LOG,
};

static const struct {
	enum section sec;
	const char *name;
} keys[] = {
	[K_DEFAULTMODE] = { S_POLICY, "DefaultMode" },
	[K_VISIBILITY] = { S_POLICY, "Visibility" },
	[K_DEFAULTMAXSEG] = { S_POLICY, "DefaultMaxSegments" },
	[K_ACTION] = { S_RULE, "Action" },
	[K_USER] = { S_RULE, "User" },		/* and S_QUOTA, see find_key */
	[K_GROUP] = { S_RULE, "Group" },
	[K_PEERUSER] = { S_RULE, "PeerUser" },
	[K_SAMEJOB] = { S_RULE, "SameJob" },
	[K_MAXSEG] = { S_QUOTA, "MaxSegments" },
	[K_MAXBYTES] = { S_QUOTA, "MaxAttachedBytes" },
	[K_MAXPAGES] = { S_QUOTA, "MaxMappedPages" },
	[K_CGROUPROOT] = { S_JOBS, "CgroupRoot" },
	[K_LOG] = { S_EVENTS, "Log" },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int find_key(enum section sec, const char *name)
{
	for (size_t k = 0; k < NKEYS; k++) {
		if (strcmp(keys[k].name, name))
			continue;
		if (keys[k].sec == sec || (k == K_USER && sec == S_QUOTA))
			return (int)k;
	}
	return -1;
}

/* A segment count of KEY= into *OUT; "infinity" (and 0) is unlimited. */
static int parse_segments(struct parser *p, const char *key, const char *v, uint32_t *out)
{
	uint64_t n;
	int ret = xpmem_parse_count(v, UINT32_MAX, &n);

	if (ret)
		complain(p, "invalid %s= value \"%s\" (%s)", key, v,
			 ret == -ERANGE ? "more than 4294967295" : "expected a number or infinity");
	else
		*out = (uint32_t)n;
	return ret;
}

static void set_key(struct parser *p, int k, const char *v)
{
	struct xpmem_config *cfg = p->cfg;
	int ret;

	switch (k) {
	case K_DEFAULTMODE:
		parse_enum(p, "DefaultMode", v, "compat", "strict", &cfg->mode);
		break;
	case K_VISIBILITY:
		parse_enum(p, "Visibility", v, "own", "all", &cfg->visibility);
		break;
	case K_DEFAULTMAXSEG:
		parse_segments(p, "DefaultMaxSegments", v, &cfg->default_max_segments);
		break;
	case K_ACTION:
		parse_enum(p, "Action", v, "allow", "deny", &p->rule.action);
		break;
	case K_USER:
		if (p->sec == S_QUOTA)
			parse_id(p, "User", v, false, &p->quota.uid);
		else if (!parse_id(p, "User", v, false, &p->rule.uid))
			p->rule.has_uid = true;
		break;
	case K_GROUP:
		if (!parse_id(p, "Group", v, true, &p->rule.gid))
			p->rule.has_gid = true;
		break;
	case K_PEERUSER:
		if (!parse_id(p, "PeerUser", v, false, &p->rule.peer_uid))
			p->rule.has_peer_uid = true;
		break;
	case K_SAMEJOB:
		if (xpmem_parse_bool(v, &p->rule.same_job))
			complain(p, "invalid SameJob= value \"%s\" (expected yes or no)", v);
		break;
	case K_MAXSEG:
		if (!parse_segments(p, "MaxSegments", v, &p->quota.max_segments))
			p->quota.has_max_segments = true;
		break;
	case K_MAXBYTES:
		ret = xpmem_parse_size(v, &p->quota.max_attached_bytes);
		if (ret)
			complain(p, "invalid MaxAttachedBytes= value \"%s\" (%s)", v,
				 ret == -ERANGE ? "too large" :
				 "expected a size like 512M, 64G or infinity");
		break;
	case K_MAXPAGES:
		ret = xpmem_parse_count(v, UINT64_MAX, &p->quota.max_mapped_pages);
		if (ret)
			complain(p, "invalid MaxMappedPages= value \"%s\" (%s)", v,
				 ret == -ERANGE ? "too large" : "expected a number or infinity");
		break;
	case K_CGROUPROOT:
		parse_root(p, v, cfg->cgroup_root, sizeof(cfg->cgroup_root));
		break;
	case K_LOG:
		parse_events(p, v, &cfg->log_events);
		break;
	}
}

/* ---- sections ---------------------------------------------------------- */

static int push_rule(struct parser *p)
{
	struct xpmem_config *cfg = p->cfg;
	struct xpmem_cfg_rule *grown;

	grown = realloc(cfg->rules, (cfg->nrules + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	cfg->rules = grown;
	p->rule.file = p->file;
	p->rule.line = p->sec_line;
	cfg->rules[cfg->nrules++] = p->rule;
	return 0;
}

/* The last [Quota] of a uid wins; one that limits nothing just removes the uid. */
static int push_quota(struct parser *p)
{
	struct xpmem_config *cfg = p->cfg;
	struct xpmem_cfg_quota *q = &p->quota, *grown;
	size_t i;

	for (i = 0; i < cfg->nquotas; i++)
		if (cfg->quotas[i].uid == q->uid)
			break;
	if (i < cfg->nquotas)
		memmove(&cfg->quotas[i], &cfg->quotas[i + 1],
			(--cfg->nquotas - i) * sizeof(*q));
	if (!q->has_max_segments && !q->max_attached_bytes && !q->max_mapped_pages)
		return 0;
	grown = realloc(cfg->quotas, (cfg->nquotas + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	cfg->quotas = grown;
	q->file = p->file;
	q->line = p->sec_line;
	cfg->quotas[cfg->nquotas++] = *q;
	return 0;
}

#define SEEN(k)		(1u << (k))

static int end_section(struct parser *p)
{
	int ret = 0;

	if (p->sec == S_RULE) {
		if (!(p->seen & SEEN(K_ACTION)))
			complain_at(p, p->sec_line, "[Rule] section without Action=");
		else
			ret = push_rule(p);
	} else if (p->sec == S_QUOTA) {
		if (!(p->seen & SEEN(K_USER)))
			complain_at(p, p->sec_line, "[Quota] section without User=");
		else
			ret = push_quota(p);
	}
	p->sec = S_NONE;
	return ret;
}

static int begin_section(struct parser *p, char *s)
{
	size_t len = strlen(s);
	int ret;

	ret = end_section(p);
	if (ret)
		return ret;
	p->sec_line = p->line;
	p->seen = 0;
	memset(&p->rule, 0, sizeof(p->rule));
	memset(&p->quota, 0, sizeof(p->quota));
	if (s[len - 1] != ']') {
		complain(p, "invalid section header \"%s\" (no closing ])", s);
		p->sec = S_BAD;
		return 0;
	}
	s[len - 1] = '\0';
	for (size_t i = S_POLICY; i <= S_EVENTS; i++) {
		if (!strcmp(s + 1, section_names[i])) {
			p->sec = (enum section)i;
			return 0;
		}
	}
	complain(p, "unknown section [%s] (expected Policy, Rule, Quota, Jobs or Events)", s + 1);
	p->sec = S_BAD;
	return 0;
}

static char *strip(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
			   end[-1] == '\n'))
		*--end = '\0';
	return s;
}

static void assignment(struct parser *p, char *s)
{
	char *eq = strchr(s, '='), *key, *value;
	int k;

	if (!eq) {
		complain(p, "not a [Section] or Key=Value line: \"%s\"", s);
		return;
	}
	*eq = '\0';
	key = strip(s);
	value = strip(eq + 1);
	if (p->sec == S_BAD)
		return;			/* already reported at the header */
	if (p->sec == S_NONE) {
		complain(p, "%s= outside of any section", key);
		return;
	}
	k = find_key(p->sec, key);
	if (k < 0) {
		complain(p, "unknown key %s= in [%s]", key, section_names[p->sec]);
		return;
	}
	if (!*value) {
		complain(p, "empty %s= value", key);
		return;
	}
	if ((p->sec == S_RULE || p->sec == S_QUOTA) && (p->seen & SEEN(k))) {
		complain(p, "%s= given twice in one [%s] section", key, section_names[p->sec]);
		return;
	}
	p->seen |= SEEN(k);
	set_key(p, k, value);
}

static int parse_file(struct parser *p, FILE *f)
{
	char *line = NULL, *s;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	p->line = 0;
	p->sec = S_NONE;
	while ((n = getline(&line, &cap, f)) >= 0) {
		p->line++;
		if (memchr(line, '\0', (size_t)n)) {
			complain(p, "NUL byte in line");
			continue;
		}
		s = strip(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[')
			ret = begin_section(p, s);
		else
			assignment(p, s);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	free(line);
	if (!ret)
		ret = end_section(p);
	return ret;
}

/* ---- files ------------------------------------------------------------- */

static int add_file(struct xpmem_config *cfg, const char *path)
{
	char **grown;

	grown = realloc(cfg->files, (cfg->nfiles + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	cfg->files = grown;
	cfg->files[cfg->nfiles] = strdup(path);
	if (!cfg->files[cfg->nfiles])
		return -ENOMEM;
	cfg->nfiles++;
	return 0;
}

static int is_dropin(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return de->d_name[0] != '.' && len > 5 && !strcmp(de->d_name + len - 5, ".conf");
}

static int lexical(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The main file (if it exists), then the drop-ins in lexical order. */
static int list_files(struct parser *p, const char *dir)
{
	struct xpmem_config *cfg = p->cfg;
	struct dirent **names = NULL;
	char path[PATH_MAX];
	struct stat st;
	int n, ret = 0;

	if (snprintf(path, sizeof(path), "%s/xpmemd.conf", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) == 0 || errno != ENOENT) {
		ret = add_file(cfg, path);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), "%s/xpmemd.conf.d", dir);
	n = scandir(path, &names, is_dropin, lexical);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		p->path = path;
		complain_at(p, 0, "cannot read the directory: %s", strerror(errno));
		p->path = NULL;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char file[PATH_MAX];

		if (!ret && snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name) <
		    (int)sizeof(file))
			ret = add_file(cfg, file);
		free(names[i]);
	}
	free(names);
	return ret;
}

static int read_file(struct parser *p)
{
	struct stat st;
	FILE *f;
	int ret;

	f = fopen(p->path, "re");
	if (!f || fstat(fileno(f), &st) < 0) {
		complain_at(p, 0, "cannot read: %s", strerror(errno));
		if (f)
			fclose(f);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		complain_at(p, 0, "is a directory");
		fclose(f);
		return 0;
	}
	ret = parse_file(p, f);
	fclose(f);
	if (ret == -EIO) {
		complain_at(p, 0, "read error");
		ret = 0;
	}
	return ret;
}

int xpmem_config_load(struct xpmem_config *cfg, const char *dir, FILE *errlog)
{
	struct parser p = { .cfg = cfg, .errlog = errlog };
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = XPMEM_MODE_COMPAT;
	cfg->visibility = XPMEM_VISIBILITY_OWN;
	cfg->default_max_segments = XPMEM_DEFAULT_MAX_SEGMENTS;
	cfg->log_events = XPMEM_LOG_ALL;
	strcpy(cfg->cgroup_root, XPMEM_CGROUP_ROOT);

	ret = list_files(&p, dir);
	for (unsigned int i = 0; !ret && i < cfg->nfiles; i++) {
		p.file = i;
		p.path = cfg->files[i];
		ret = read_file(&p);
	}
	if (ret)
		return ret;
	return cfg->nerrors ? -EINVAL : 0;
}

void xpmem_config_free(struct xpmem_config *cfg)
{
	for (unsigned int i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg->rules);
	free(cfg->quotas);
	cfg->files = NULL;
	cfg->rules = NULL;
	cfg->quotas = NULL;
	cfg->nfiles = 0;
	cfg->nrules = cfg->nquotas = 0;
}
