#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/kver.sh: print the newest kernel release in /lib/modules that has
# headers (a build/Makefile), which is what the module is built for and the
# guest boots unless KVER is given.  Prints nothing if there is none yet.
ls -1 /lib/modules 2>/dev/null | sort -V | while read -r k; do
	[ -e "/lib/modules/$k/build/Makefile" ] && echo "$k"
done | tail -n 1
