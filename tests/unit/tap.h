/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - the little runner the host C tests share: run(name, fn) prints
 * "ok - name" or "not ok - name" after fn, and CHECK(cond) turns a false
 * condition into a "# file:line: cond" diagnostic and a failed test.
 * main() returns `failed`.
 */
#ifndef XPMEM_UNIT_TAP_H
#define XPMEM_UNIT_TAP_H

#include <stdbool.h>
#include <stdio.h>

static int failed;
static bool ok_now;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		ok_now = false;						\
	}								\
} while (0)

static inline void run(const char *name, void (*fn)(void))
{
	ok_now = true;
	fn();
	printf("%sok - %s\n", ok_now ? "" : "not ", name);
	if (!ok_now)
		failed = 1;
}

#endif
