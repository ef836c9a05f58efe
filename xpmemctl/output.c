// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - how xpmemctl speaks: aligned tables and a minimal JSON writer
 * (both into `out`, which main.c shows only on success), and the error
 * reports: `xpmemctl: <what>: <strerror>' plus the kernel's own message,
 * or with -j also a {"error": {...}} document on stdout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xpmemctl.h"

/* ---- errors --------------------------------------------------------------- */

static void json_error(const char *what, const struct xpmem_ctl_error *err)
{
	FILE *saved = out;

	out = stdout;
	j_open('{');
	j_key("error");
	j_open('{');
	j_kstr("operation", what);
	j_ku64("errno", (uint64_t)-err->err);
	j_kstr("code", strerrorname_np(-err->err));
	j_kstr("message", strerror(-err->err));
	j_kstr("detail", err->msg[0] ? err->msg : NULL);
	j_kstr("kernel", err->kmsg[0] ? err->kmsg : NULL);
	j_kstr("attribute", err->attr);
	j_close('}');
	j_close('}');
	j_end();
	out = saved;
}

int fail(const char *what, const struct xpmem_ctl_error *err)
{
	int e = err->err < 0 ? -err->err : EIO;

	if (err->msg[0])
		fprintf(stderr, "%s: %s\n", prog, err->msg);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(e));
	if (err->kmsg[0])
		fprintf(stderr, "%s: kernel says: %s%s%s%s\n", prog, err->kmsg,
			err->attr ? " (attribute " : "", err->attr ? err->attr : "",
			err->attr ? ")" : "");
	else if (err->attr)
		fprintf(stderr, "%s: kernel says: attribute %s is the problem\n", prog, err->attr);
	if (json) {
		struct xpmem_ctl_error copy = *err;

		copy.err = -e;
		json_error(what, &copy);
	}
	return EXIT_FAIL;
}

int fail_errno(const char *what, int err)
{
	struct xpmem_ctl_error e = { .err = err };

	return fail(what, &e);
}

int ctl_fail(struct xpmem_ctl *ctl, const char *what)
{
	return fail(what, xpmem_ctl_last_error(ctl));
}

struct xpmem_ctl *ctl_open(void)
{
	struct xpmem_ctl_error err;
	struct xpmem_ctl *ctl = xpmem_ctl_open(&err);

	if (!ctl)
		fail("cannot reach the xpmem module", &err);
	return ctl;
}

const char *enum_name(enum xpmem_ctl_enum e, uint32_t v, char *buf, size_t len)
{
	const char *name = xpmem_ctl_name(e, v);

	if (name)
		return name;
	snprintf(buf, len, "%u", v);
	return buf;
}

/* ---- tables --------------------------------------------------------------- */

void table_init(struct table *t, const char *const *heads, unsigned int ncols)
{
	memset(t, 0, sizeof(*t));
	t->heads = heads;
	t->ncols = ncols;
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *cell;

	if (t->ncells == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		char **cells = realloc(t->cells, cap * sizeof(*cells));

		if (!cells)
			goto oom;
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&cell, fmt, ap) < 0)
		cell = NULL;
	va_end(ap);
	if (!cell)
		goto oom;
	t->cells[t->ncells++] = cell;
	return;
oom:
	/* a table we cannot hold is not worth limping on with */
	fprintf(stderr, "%s: out of memory\n", prog);
	exit(EXIT_FAIL);
}

static const char *head_text(const char *h)
{
	return h[0] == '>' ? h + 1 : h;
}

static void print_row(const struct table *t, const size_t *width, const char *const *row,
		      bool header)
{
	for (unsigned int c = 0; c < t->ncols; c++) {
		const char *s = header ? head_text(row[c]) : row[c];
		bool right = t->heads[c][0] == '>';
		bool last = c + 1 == t->ncols;

		if (c)
			fputs("  ", out);
		if (right)
			fprintf(out, "%*s", (int)width[c], s);
		else if (last)
			fputs(s, out);	/* no trailing blanks */
		else
			fprintf(out, "%-*s", (int)width[c], s);
	}
	fputc('\n', out);
}

void table_print(struct table *t)
{
	size_t width[32] = { 0 }, n;

	for (unsigned int c = 0; c < t->ncols && c < 32; c++)
		width[c] = strlen(head_text(t->heads[c]));
	for (size_t i = 0; i < t->ncells; i++) {
		n = strlen(t->cells[i]);
		if (n > width[i % t->ncols])
			width[i % t->ncols] = n;
	}
	print_row(t, width, t->heads, true);
	for (size_t i = 0; i + t->ncols <= t->ncells; i += t->ncols)
		print_row(t, width, (const char *const *)&t->cells[i], false);
	table_free(t);
}

/* Open a listing: a JSON array, or a table with @heads. */
void list_begin(struct table *t, const char *const *heads, unsigned int ncols)
{
	table_init(t, heads, ncols);
	if (json)
		j_open('[');
}

/* Close it with the dump's result: print it, or report @what failed. */
int list_end(struct table *t, struct xpmem_ctl *ctl, int dumped,
	     const char *what)
{
	if (dumped < 0) {
		table_free(t);
		return ctl_fail(ctl, what);
	}
	if (json) {
		j_close(']');
		j_end();
	} else {
		table_print(t);
	}
	return EXIT_OK;
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ---- JSON ------------------------------------------------------------------ */

static struct {
	int depth;
	bool first[64];
	bool after_key;
} js;

/* The comma before a value or key, unless it is the first in its parent. */
static void sep(void)
{
	if (js.after_key) {
		js.after_key = false;
		return;
	}
	if (js.depth > 0) {
		if (!js.first[js.depth])
			fputc(',', out);
		js.first[js.depth] = false;
	}
}

static void escaped(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void j_open(char c)
{
	sep();
	fputc(c, out);
	if (js.depth < 63)
		js.depth++;
	js.first[js.depth] = true;
}

void j_close(char c)
{
	fputc(c, out);
	if (js.depth > 0)
		js.depth--;
}

void j_key(const char *key)
{
	sep();
	escaped(key);
	fputc(':', out);
	js.after_key = true;
}

void j_str(const char *s)
{
	sep();
	if (s)
		escaped(s);
	else
		fputs("null", out);
}

void j_u64(uint64_t v)
{
	sep();
	fprintf(out, "%llu", (unsigned long long)v);
}

void j_hex(uint64_t v)
{
	sep();
	fprintf(out, "\"0x%llx\"", (unsigned long long)v);
}

void j_bool(bool v)
{
	sep();
	fputs(v ? "true" : "false", out);
}

void j_null(void)
{
	sep();
	fputs("null", out);
}

void j_end(void)
{
	fputc('\n', out);
	js.depth = 0;
	js.after_key = false;
}

void j_kstr(const char *key, const char *s)
{
	j_key(key);
	j_str(s);
}

void j_ku64(const char *key, uint64_t v)
{
	j_key(key);
	j_u64(v);
}

void j_ku64_if(const char *key, bool present, uint64_t v)
{
	j_key(key);
	if (present)
		j_u64(v);
	else
		j_null();
}

void j_khex(const char *key, uint64_t v)
{
	j_key(key);
	j_hex(v);
}
