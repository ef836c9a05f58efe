// SPDX-License-Identifier: GPL-2.0
/*
 * probe.c - touch memory that may legitimately fault: a SIGSEGV or SIGBUS
 * inside a probe unwinds to the probe (per thread) and is reported as its
 * signal number; outside a probe the fault is a real crash.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static __thread sigjmp_buf probe_env;
static __thread volatile sig_atomic_t probe_active;
static __thread volatile sig_atomic_t probe_sig;
static __thread int probe_code;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!probe_active) {
		/* a real crash: say where, then let the fault repeat and kill us */
		printf("# pid %d: %s (si_code %d) at %p outside a probe\n",
		       (int)getpid(), sig_name(sig), si->si_code, si->si_addr);
		show_maps_near((uint64_t)si->si_addr);
		fflush(stdout);
		signal(sig, SIG_DFL);
		return;
	}
	probe_sig = sig;
	probe_code = si->si_code;
	probe_active = 0;
	siglongjmp(probe_env, 1);
}

void probes_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_NODEFER | SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

int probe_si_code(void)
{
	return probe_code;
}

/* the probes are separate functions so the jump target stays simple */
__attribute__((noinline))
int probe_read(const volatile void *addr, uint64_t *val)
{
	uint64_t v;

	probe_sig = 0;
	if (sigsetjmp(probe_env, 1) == 0) {
		probe_active = 1;
		v = *(const volatile uint64_t *)addr;
		probe_active = 0;
		if (val)
			*val = v;
	}
	return probe_sig;
}

__attribute__((noinline))
int probe_write(volatile void *addr, uint64_t val)
{
	probe_sig = 0;
	if (sigsetjmp(probe_env, 1) == 0) {
		probe_active = 1;
		*(volatile uint64_t *)addr = val;
		probe_active = 0;
	}
	return probe_sig;
}

__attribute__((noinline))
int probe_copy(const volatile void *addr, void *buf, size_t len)
{
	const volatile uint64_t *src = addr;
	uint64_t *dst = buf;

	probe_sig = 0;
	if (sigsetjmp(probe_env, 1) == 0) {
		probe_active = 1;
		for (size_t i = 0; i < len / 8; i++)
			dst[i] = src[i];
		probe_active = 0;
	}
	return probe_sig;
}
