#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# control.sh - host tests of the netlink client libxpmem/control.c against
# a fake kernel (control_test.c; --wrap routes its send, recv, recvmsg and
# setsockopt there), as TAP. Builds it twice, plain and with ASan/UBSan
# ($SAN_FLAGS, results named asan/...), runs both. Non-zero if any failed.

set -u
cd "$(dirname "$0")/../.." || exit 1
: "${CC:=cc}"
: "${PKG_CONFIG:=pkg-config}"
: "${SAN_FLAGS:=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all}"

BUILD=tests/unit/build
# shellcheck disable=SC2207	# pkg-config prints words
NL_CFLAGS=($($PKG_CONFIG --cflags libnl-genl-3.0)) NL_LIBS=($($PKG_CONFIG --libs libnl-genl-3.0))
FLAGS=(-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g -Imodule/uapi -Ilibxpmem
       "${NL_CFLAGS[@]}")
SRC=(tests/unit/control_test.c tests/unit/fake_netlink.c libxpmem/control.c libxpmem/control_ops.c
     libxpmem/control_events.c libxpmem/control_sets.c libxpmem/control_gen.c)
# shellcheck disable=SC2054	# the commas belong to -Wl
WRAP=(-Wl,--wrap=send -Wl,--wrap=recv -Wl,--wrap=recvmsg -Wl,--wrap=setsockopt)
failed=0

mkdir -p "$BUILD"
# shellcheck disable=SC2086	# SAN_FLAGS is a list of flags
if ! out=$($CC "${FLAGS[@]}" -o "$BUILD/control_test" "${SRC[@]}" "${WRAP[@]}" \
		"${NL_LIBS[@]}" 2>&1 &&
	   $CC "${FLAGS[@]}" $SAN_FLAGS -o "$BUILD/control_test-san" "${SRC[@]}" \
		"${WRAP[@]}" "${NL_LIBS[@]}" 2>&1); then
	echo "not ok - control_test_builds"
	printf '%s\n' "$out" | sed 's/^/# /'
	exit 1
fi
echo "ok - control_test_builds"

"$BUILD/control_test" 2>&1 | sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	"$BUILD/control_test-san" 2>&1 |
	sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /' \
	    -e 's/^\(\(not \)\{0,1\}ok - \)/\1asan\//'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

exit $failed
