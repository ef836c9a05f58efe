/* SPDX-License-Identifier: GPL-2.0 */
/* runner.h - what the runner shares with the verdict helpers of harness.c */
#ifndef XPMEM_TEST_RUNNER_H
#define XPMEM_TEST_RUNNER_H

#include <sys/types.h>

#define EXIT_SKIP	77

/* one shared page per test run, written by whichever process fails first */
struct result {
	volatile int claimed;
	int skipped;
	pid_t pid;
	char reason[1024];
};

/* NULL outside a test (the driver itself, or an exec'd role) */
extern struct result *g_result;

#endif /* XPMEM_TEST_RUNNER_H */
