#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nocap.sh - host: a kernel without GENL_MCAST_CAP_NET_ADMIN (a multicast
# group only CAP_NET_ADMIN may join) gets no events group at all, since
# any user could join it and watch the others. Neither installed kernel
# lacks it, so this builds the objects that depend on the probe
# (netlink_gen.o, netlink.o) in a copy of module/ against the newest
# headers with that probe's answer turned to "no", and checks the group
# table came out empty while the real build has one group. Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
KVER=${KVER:-$(tests/kver.sh)}
KDIR=/lib/modules/$KVER/build
PROBE=XPMEM_HAVE_GENL_MCAST_CAP_NET_ADMIN
failed=0

if [ ! -d "$KDIR" ]; then
	echo "ok - module_builds_without_admin_only_multicast # SKIP no headers for $KVER"
	exit 0
fi
tmp=$(mktemp -d /tmp/xpmem-nocap.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# the group table's size in object OBJ: empty when nm gives it none
groups_size() {
	nm -S "$1" 2>/dev/null | awk '$NF == "xpmem_nl_mcgrps" { print (NF == 4 ? $2 : 0) }'
}

# build DIR [undef]: netlink_gen.o and netlink.o in DIR, the probe as found or turned off
build() {
	local dir=$1
	mkdir -p "$dir"
	git ls-files -co --exclude-standard module | tar -cf - -T - | tar -C "$dir" -xf - ||
		return 1
	echo 'obj-m := module/' >"$dir/Kbuild"
	module/compat/probe.sh "$KDIR" "$dir/module/compat/generated/config.h" >/dev/null || return 1
	if [ "${2:-}" = undef ]; then
		sed -i "s|^#define $PROBE 1|/* #undef $PROBE */|" "$dir/module/compat/generated/config.h"
		! grep -q "^#define $PROBE" "$dir/module/compat/generated/config.h" || return 1
	fi
	make -s -C "$KDIR" M="$dir" module/netlink_gen.o module/netlink.o
}

if out=$(build "$tmp/without" undef 2>&1); then
	echo "ok - module_builds_without_admin_only_multicast"
else
	echo "not ok - module_builds_without_admin_only_multicast"
	printf '%s\n' "$out" | sed 's/^/# /'
	exit 1
fi
if out=$(build "$tmp/with" 2>&1); then
	with=$(groups_size "$tmp/with/module/netlink_gen.o")
	without=$(groups_size "$tmp/without/module/netlink_gen.o")
	echo "# group table: $((0x${with:-0})) bytes with the probe, ${without:-?} without"
	if [ -n "$without" ] && [ $((0x${without:-0})) -eq 0 ] && [ $((0x${with:-0})) -gt 0 ]; then
		echo "ok - no_events_group_is_registered_without_admin_only_multicast"
	else
		echo "not ok - no_events_group_is_registered_without_admin_only_multicast"
		failed=1
	fi
else
	echo "not ok - no_events_group_is_registered_without_admin_only_multicast"
	printf '%s\n' "$out" | sed 's/^/# /'
	failed=1
fi
exit $failed
