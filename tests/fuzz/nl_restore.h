/* SPDX-License-Identifier: GPL-2.0 */
/* nl_restore.h - the policy back as it was after the fuzzer's root phase */
#ifndef XPMEM_FUZZ_NL_RESTORE_H
#define XPMEM_FUZZ_NL_RESTORE_H

#include <stdbool.h>

/* true if the family is back to compat with no rules, jobs or uid quotas */
bool nl_fuzz_restore_policy(void);

#endif
