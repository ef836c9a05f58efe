# SPDX-License-Identifier: GPL-2.0
# tests/mirror.sh: sourced, not run. debian_mirror prints the first Debian
# archive URI of this machine's own apt sources (deb822 .sources files,
# then one-line .list files), never the security archive, or nothing.
# The fresh root, the sid root and the clients' deb-src entry all use it,
# so no mirror is ever named in the tree.

debian_mirror() {
	local f
	{
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -e "$f" ] || continue
			awk '/^URIs:/ { for (i = 2; i <= NF; i++)
				if ($i !~ /security/) { print $i; exit } }' "$f"
		done
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -e "$f" ] || continue
			awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++)
				if ($i ~ /:\/\//) { print $i; exit } }' "$f"
		done
	} | head -n 1
}
