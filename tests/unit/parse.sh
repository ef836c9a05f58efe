#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# parse.sh - host tests of xpmemctl's value parsers and cgroup lookup
# (parse_test.c against xpmemctl/parse.c and cgroup.c), as TAP: builds the
# test twice, plain and with ASan/UBSan ($SAN_FLAGS, results named
# asan/...), runs both. Exits non-zero if anything failed.

set -u
cd "$(dirname "$0")/../.." || exit 1
: "${CC:=cc}"
: "${SAN_FLAGS:=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all}"

BUILD=tests/unit/build
FLAGS=(-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g -Ixpmemctl)
SRC=(tests/unit/parse_test.c xpmemctl/parse.c xpmemctl/cgroup.c)
failed=0

mkdir -p "$BUILD"
# shellcheck disable=SC2086	# SAN_FLAGS is a list of flags
if ! out=$($CC "${FLAGS[@]}" -o "$BUILD/parse_test" "${SRC[@]}" 2>&1 &&
	   $CC "${FLAGS[@]}" $SAN_FLAGS -o "$BUILD/parse_test-san" "${SRC[@]}" 2>&1); then
	echo "not ok - parse_test_builds"
	printf '%s\n' "$out" | sed 's/^/# /'
	exit 1
fi
echo "ok - parse_test_builds"

"$BUILD/parse_test" 2>&1 | sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	"$BUILD/parse_test-san" 2>&1 |
	sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /' \
	    -e 's/^\(\(not \)\{0,1\}ok - \)/\1asan\//'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

exit $failed
