#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/unit/splat.sh: the guest harness fails a run on every way a kernel
# reports memory corruption.  First on the host (fast): tests/vm/
# splat.patterns parses, matches a sample of each report the kernel prints
# (every pattern has one) and none of the lines a healthy guest prints
# while tests run.  Then in guests (one boot each, ≈6-10 s): corrupt.ko
# (tests/vm/corrupt/, built for KVER into tests/vm/.cache/) damages memory
# in one real way per boot, and tests/vm/run must answer "not ok - guest
# kernel log has no splat" and exit non-zero; a clean load must pass.
# TAP output; exit 0 only if nothing failed.  ≈50 s all told.

set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
KVER=${KVER:-$(tests/kver.sh)}
VM_DIR=$TOP/tests/vm
. "$VM_DIR/lib.sh"

failed=0
diag() { sed 's/^/# /'; }
ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=1; }

# One sample line of each report, as the kernel prints it (6.1 and 6.12).
REPORTS=$(cat <<'EOF'
[   41.100000] BUG: KASAN: slab-use-after-free in xpmem_detach+0x42/0x100 [xpmem]
[   41.100000] kernel BUG at lib/list_debug.c:56!
[   41.100000] WARNING: CPU: 1 PID: 212 at mm/gup.c:1101 __get_user_pages+0x5c1/0x6e0
[   41.100000] int3: 0000 [#1] PREEMPT SMP KASAN NOPTI
[   41.100000] Oops: 0002 [#1] PREEMPT SMP NOPTI
[   41.100000] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI
[   41.100000] Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI
[   41.100000] general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN NOPTI
[   41.100000] general protection fault: 0000 [#2] SMP
[   41.100000] Kernel panic - not syncing: Fatal exception
[   41.100000] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: xpmem_ioctl+0x1b0/0x1c0 [xpmem]
[   41.100000] Kernel panic - not syncing: corrupted stack end detected inside scheduler
[   41.100000] xpmem_test: Corrupted page table at address 7f0000000000
[   41.100000] usercopy: Kernel memory exposure attempt detected from SLUB object 'kmalloc-64' (offset 0, size 128)!
[   41.100000] detected buffer overflow in memcpy
[   41.100000] BUG: KFENCE: out-of-bounds write in redzone+0x1f/0x50 [corrupt]
[   41.100000] BUG: KCSAN: data-race in xpmem_fault / xpmem_detach
[   41.100000] BUG: KMSAN: uninit-value in xpmem_ioctl+0x12/0x40 [xpmem]
[   41.100000] UBSAN: shift-out-of-bounds in module/fault.c:88:23
[   41.100000] BUG kmalloc-64 (Not tainted): Right Redzone overwritten
[   41.100000] BUG kmalloc-64 (Tainted: G           OE     ): Object corrupt
[   41.100000] [Right Redzone overwritten] 0xffff88800535b580-0xffff88800535b580 @offset=1408. First byte 0x5a instead of 0xcc
[   41.100000] BUG corrupt_uaf (Tainted: G    B  OE     ): Poison overwritten
[   41.100000] BUG kmalloc-64 (Not tainted): Object padding overwritten
[   41.100000] BUG kmalloc-64 (Not tainted): Padding overwritten. 0xffff888004a3cfc0-0xffff888004a3cfff @offset=4032
[   41.100000] BUG kmalloc-128 (Not tainted): Freepointer corrupt
[   41.100000] BUG kmalloc-128 (Not tainted): Freechain corrupt
[   41.100000] BUG kmalloc-128 (Not tainted): Freelist Pointer check fails
[   41.100000] BUG kmalloc-64 (Tainted: G    B      ): Object already free
[   41.100000] BUG kmalloc-64 (Not tainted): Wrong object count. Counter is 3 but counted were 2
[   41.100000] BUG kmalloc-64 (Not tainted): Wrong number of objects. Found 31 but should be 32
[   41.100000] BUG kmalloc-64 (Not tainted): Invalid object pointer 0xffff888004a3c010
[   41.100000] BUG kmalloc-64 (Not tainted): Attempt to free object(0xffff888004a3c010) outside of slab
[   41.100000] BUG xpmem_seg (Tainted: G           OE     ): Objects remaining in xpmem_seg on __kmem_cache_shutdown()
[   41.100000] kmem_cache_destroy xpmem_seg: Slab cache still has objects when called from xpmem_exit+0x20/0x40 [xpmem]
[   41.100000] SLUB: kmalloc-64 3 slabs counted but counter=4
[   41.100000] FIX kmalloc-64: Restoring Right Redzone 0xffff888004a3c040-0xffff888004a3c047=0xcc
[   41.100000] pagealloc: memory corruption
[   41.100000] pagealloc: single bit error
[   41.100000] page dumped because: pagealloc: corrupted page details
[   41.100000] BUG: Bad page state in process insmod  pfn:04a3c
[   41.100000] Bad page state: 3 messages suppressed
[   41.100000] BUG: Bad page map in process xpmem_test  pte:8000000004a3c067 pmd:04b21067
[   41.100000] BUG: Bad rss-counter state mm:000000007e1ee3a0 type:MM_ANONPAGES val:-1
[   41.100000] BUG: non-zero pgtables_bytes on freeing mm: 4096
[   41.100000] xpmem_test: page allocation failure: order:10, mode:0x40dc0(GFP_KERNEL|__GFP_COMP|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0-1
[   41.100000] xpmem_test: vmalloc error: size 1073741824, exceeds total pages, mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0-1
[   41.100000] list_add corruption. prev->next should be next (ffff888004a3c000), but was ffff888004a3c100. (prev=ffff888004a3c200).
[   41.100000] list_del corruption, ffffc90000937b88->next is LIST_POISON1 (dead000000000100)
[   41.100000] list_add double add: new=ffff888004a3c000, prev=ffff888004a3c100, next=ffff888004a3c000.
[   41.100000] ODEBUG: free active (active state 0) object: 000000003b4b3e4c object type: timer_list hint: xpmem_timeout+0x0/0x40 [xpmem]
[   41.100000] refcount_t: underflow; use-after-free.
[   41.100000] WARNING: possible circular locking dependency detected
[   41.100000] WARNING: possible recursive locking detected
[   41.100000] WARNING: possible irq lock inversion dependency detected
[   41.100000] WARNING: inconsistent lock state
[   41.100000] WARNING: bad unlock balance detected!
[   41.100000] WARNING: held lock freed!
[   41.100000] WARNING: lock held when returning to user space!
[   41.100000] WARNING: xpmem_test/212 still has locks held!
[   41.100000] WARNING: suspicious RCU usage
[   41.100000] DEBUG_LOCKS_WARN_ON(lock->magic != lock)
[   41.100000] INFO: trying to register non-static key.
[   41.100000] [ BUG: Invalid wait context ]
[   41.100000] BUG: sleeping function called from invalid context at mm/gup.c:1130
[   41.100000] BUG: scheduling while atomic: xpmem_test/212/0x00000002
[   41.100000] unreferenced object 0xffff888004a3c000 (size 64):
[   41.100000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[   41.100000] kmemleak: Freeing unknown object at 0xffff888004a3c000
[   41.100000] kmemleak: Found object by alias at 0xffff888004a3c010
[   41.100000] kmemleak: Kernel memory leak detector disabled
[   41.100000] INFO: task xpmem_test:212 blocked for more than 120 seconds.
[   41.100000] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [xpmem_test:212]
[   41.100000] Watchdog detected hard LOCKUP on cpu 1
[   41.100000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[   41.100000] rcu: INFO: rcu_preempt self-detected stall on CPU
[   41.100000] BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 34s!
EOF
)

# What a healthy guest prints while the tests make processes die, the OOM
# killer work and test modules load.
ORDINARY=$(cat <<'EOF'
[   41.100000] xpmem_test[312]: segfault at 7f3a2c000000 ip 000055d1c2a3b4c5 sp 00007ffd4b3c2a10 error 4 in xpmem_test[55d1c2a3a000+5000] likely on CPU 1 (core 0, socket 1)
[   41.100000] Code: 48 89 e5 48 83 ec 10 89 7d fc 8b 45 fc 0f 0b 90 c9 c3 0f 1f 44 00 00
[   41.100000] traps: xpmem_test[313] general protection fault ip:401136 sp:7ffc0e1c4b50 error:0 in xpmem_test[401000+1000]
[   41.100000] traps: xpmem_test[314] trap invalid opcode ip:401136 sp:7ffc0e1c4b50 error:0 in xpmem_test[401000+1000]
[   41.100000] traps: xpmem_test[315] trap int3 ip:401137 sp:7ffc0e1c4b50 error:0 in xpmem_test[401000+1000]
[   41.100000] potentially unexpected fatal signal 7.
[   41.100000] CPU: 1 PID: 316 Comm: xpmem_test Not tainted 6.1.0-57-amd64 #1  Debian 6.1.192-3
[   41.100000] xpmem_test invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0
[   41.100000] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
[   41.100000] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0-1,global_oom,task_memcg=/,task=xpmem_test,pid=317,uid=0
[   41.100000] Out of memory: Killed process 317 (xpmem_test) total-vm:1052872kB, anon-rss:901120kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1800kB oom_score_adj:0
[   41.100000] Memory cgroup out of memory: Killed process 318 (xpmem_test) total-vm:66048kB, anon-rss:65536kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:160kB oom_score_adj:0
[   41.100000] oom_reaper: reaped process 317 (xpmem_test), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
[   41.100000] xpmem: module verification failed: signature and/or required key missing - tainting kernel
[   41.100000] xpmem: loading out-of-tree module taints kernel.
[   41.100000] Adding 262140k swap on /dev/vda.  Priority:-2 extents:1 across:262140k FS
[   41.100000] process 'xpmem_test' launched '/bin/sh' with NULL argv: empty string added
[   41.100000] xpmem-vm: command start 1234-5678
[   41.100000] corrupt: kind=none
[   41.100000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15627)
[   41.100000] kmemleak: Automatic memory scanning thread started
EOF
)

# --- the pattern file, on the host -------------------------------------------
if SPLAT=$(vm_splat_regex 2>&1); then
	ok "splat_patterns_parse_as_one_extended_regex"
else
	not_ok "splat_patterns_parse_as_one_extended_regex"
	printf '%s\n' "$SPLAT" | diag
	exit 1
fi

missed=$(printf '%s\n' "$REPORTS" | grep -vE -- "$SPLAT")
if [ -z "$missed" ]; then
	ok "every_kernel_report_sample_is_a_splat"
else
	not_ok "every_kernel_report_sample_is_a_splat"
	printf 'missed: %s\n' "$missed" | diag
fi

caught=$(printf '%s\n' "$ORDINARY" | grep -E -- "$SPLAT")
if [ -z "$caught" ]; then
	ok "ordinary_guest_lines_are_not_splats"
else
	not_ok "ordinary_guest_lines_are_not_splats"
	printf 'caught: %s\n' "$caught" | diag
fi

# Each pattern has a sample: the list above says what every line is for.
unsampled=
while IFS= read -r p; do
	case $p in ''|'#'*) continue ;; esac
	printf '%s\n' "$REPORTS" | grep -qE -- "$p" || unsampled+="$p"$'\n'
done <"$VM_DIR/splat.patterns"
if [ -z "$unsampled" ]; then
	ok "every_splat_pattern_has_a_sample_report"
else
	not_ok "every_splat_pattern_has_a_sample_report"
	printf '%s' "$unsampled" | sed 's/^/no sample for: /' | diag
fi

# --- real corruption in guests --------------------------------------------------
BUILD=$VM_CACHE/corrupt-$KVER
KO=$BUILD/corrupt.ko
if [ -z "$KVER" ] || [ ! -e "/lib/modules/$KVER/build/Makefile" ]; then
	echo "ok - corrupt_module_builds # SKIP no kernel headers (KVER=${KVER:-none})"
	exit $failed
fi
mkdir -p "$BUILD"
cp tests/vm/corrupt/corrupt.c tests/vm/corrupt/Kbuild "$BUILD/"
if out=$(make -C "/lib/modules/$KVER/build" M="$BUILD" modules 2>&1) && [ -f "$KO" ]; then
	ok "corrupt_module_builds_for_$KVER"
else
	not_ok "corrupt_module_builds_for_$KVER"
	printf '%s\n' "$out" | tail -n 20 | diag
	exit 1
fi

# guest KIND: boot once, insmod corrupt.ko kind=KIND; sets $out and $rc.
guest() {
	out=$(tests/vm/run --kver "$KVER" -- insmod "$KO" "kind=$1" 2>&1)
	rc=$?
}

# caught NAME KIND TEXT: the run fails on the splat, and the splat shown
# is the kernel's report TEXT.
caught() {
	local name=$1 kind=$2 text=$3
	guest "$kind"
	if [ "$rc" -ne 0 ] &&
		printf '%s\n' "$out" | grep -qx 'not ok - guest kernel log has no splat' &&
		printf '%s\n' "$out" | grep -q '^# .*'"$text"; then
		ok "$name"
	else
		not_ok "$name"
		echo "exit status $rc; wanted 'not ok - guest kernel log has no splat' and '$text'" | diag
		printf '%s\n' "$out" | head -n 40 | diag
	fi
}

guest none
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qx 'ok - guest kernel log has no splat' &&
	! printf '%s\n' "$out" | grep -q '^not ok'; then
	ok "clean_module_load_passes_the_harness"
else
	not_ok "clean_module_load_passes_the_harness"
	echo "exit status $rc" | diag
	printf '%s\n' "$out" | head -n 40 | diag
fi

caught slab_right_redzone_overwrite_fails_the_run redzone 'Redzone overwritten'
caught slab_write_after_free_fails_the_run use_after_free 'Poison overwritten'
caught page_write_after_free_fails_the_run page_after_free 'pagealloc: memory corruption'
caught list_double_del_fails_the_run list_double_del 'list_del corruption'

exit $failed
