#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench/run.sh - run in the guest by `make bench`: load the module, print
# the ratios, unload. Boot with -cpu max,erms=off,fsrm=off (the Makefile
# does): TCG emulates rep movsb slowly and would flatter xpmem over CMA.
set -e
cd "$(dirname "$0")/.."
lsmod | grep -q '^xpmem ' || insmod module/xpmem.ko
bench/xpmem_bench
rmmod xpmem
