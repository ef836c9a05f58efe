# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host-side helpers for tests/vm/run: choose a kernel, extract and cache its
# uncompressed vmlinux, build and cache the guest initramfs, read the splat
# patterns.  Sourced, not run.

VM_DIR=${VM_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)}
VM_CACHE=${VM_CACHE:-$VM_DIR/.cache}

# Guest kernel modules the initramfs loads (dependencies are added); loop
# gives every guest kernel a block device for O_DIRECT (t_gup.c), even one
# whose modules are not in the shared root.
VM_MODULES=(virtio_pci virtio_blk virtio_console virtio_rng 9pnet_virtio 9p overlay loop)

vm_die() { echo "tests/vm: $*" >&2; exit 1; }

# vm_splat_regex: the patterns of splat.patterns (one ERE a line, '#'
# comments) as one ERE, each pattern in its own group.
vm_splat_regex() {
	local file=$VM_DIR/splat.patterns line re=
	[ -r "$file" ] || vm_die "no $file"
	while IFS= read -r line; do
		case $line in ''|'#'*) continue ;; esac
		re+=${re:+|}"($line)"
	done <"$file"
	[ -n "$re" ] || vm_die "$file has no patterns"
	grep -qE -- "$re" </dev/null
	[ $? = 2 ] && vm_die "$file has a pattern grep -E rejects"
	printf '%s\n' "$re"
}

# vm_image_release IMAGE: the kernel release an image was built as, from
# the bzImage header (kernel_version at 0x20E) or an ELF's banner.
vm_image_release() {
	local img=$1 off
	if [ "$(dd if="$img" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ]; then
		off=$(od -An -tu2 -j 526 -N 2 "$img" | tr -d ' ')
		dd if="$img" bs=1 skip=$((off + 512)) count=256 2>/dev/null |
			tr '\0' '\n' | head -n 1 | cut -d' ' -f1
	else
		LC_ALL=C grep -aom1 'Linux version [^ ]*' "$img" | cut -d' ' -f3
	fi
}

# Newest kernel that has both /lib/modules/KVER and /boot/vmlinuz-KVER,
# preferring one with headers (/lib/modules/KVER/build): that is the kernel
# the top-level Makefile builds the module for by default.
vm_default_kver() {
	local k any=
	for k in $(ls -1 /lib/modules 2>/dev/null | sort -rV); do
		[ -e "/boot/vmlinuz-$k" ] || continue
		if [ -e "/lib/modules/$k/build/Makefile" ]; then
			echo "$k"
			return 0
		fi
		[ -n "$any" ] || any=$k
	done
	[ -n "$any" ] && echo "$any"
}

# Run "$@" while holding the cache lock (serialises cache builds between
# concurrent runs; the runs themselves do not share anything else).
vm_locked() {
	mkdir -p "$VM_CACHE"
	(
		flock 9 || exit 1
		"$@"
	) 9>"$VM_CACHE/.lock"
}

# is_elf FILE: true if FILE starts with the ELF magic.
vm_is_elf() {
	[ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' \n')" = '177ELF' ]
}

# Offsets (decimal, one per line) at which the byte string MAGIC (a grep -P
# pattern of \xNN escapes) occurs in FILE.
vm_find_magic() {
	LC_ALL=C grep -obUaP "$1" "$2" 2>/dev/null | cut -d: -f1
}

# Decompress the payload of a bzImage into a plain ELF vmlinux.  The kernel
# image is a small setup stub followed by the compressed kernel: try each
# place where a known compressor's magic appears until one yields an ELF.
_vm_extract_vmlinux() {
	local src=$1 dst=$2 tmp="$2.tmp.$$" off magic tool
	for magic in '\xFD7zXZ\x00:xz -dc' '\x28\xB5\x2F\xFD:zstd -dcq' \
		     '\x1F\x8B\x08:gzip -dc'; do
		tool=${magic#*:}
		magic=${magic%%:*}
		command -v "${tool%% *}" >/dev/null || continue
		for off in $(vm_find_magic "$magic" "$src"); do
			# Trailing data after the stream makes the tool
			# complain: harmless, the ELF check decides.
			tail -c +"$((off + 1))" "$src" | $tool >"$tmp" 2>/dev/null
			if [ -s "$tmp" ] && vm_is_elf "$tmp"; then
				mv -f "$tmp" "$dst"
				return 0
			fi
		done
	done
	rm -f "$tmp"
	return 1
}

# vm_kernel KVER: print the path of the kernel image to boot, building the
# cached vmlinux first if needed.  Falls back to the bzImage if the payload
# cannot be extracted (slower boot, still works).
_vm_kernel_build() {
	local kver=$1 src="/boot/vmlinuz-$1" out="$VM_CACHE/vmlinux-$1"
	local stamp
	stamp=$(stat -Lc '%s %Y' "$src")
	if [ -s "$out" ] && [ "$(cat "$out.src" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	rm -f "$out" "$out.src"
	if _vm_extract_vmlinux "$src" "$out"; then
		echo "$stamp" >"$out.src"
	else
		echo "tests/vm: could not extract vmlinux from $src; booting the bzImage" >&2
	fi
}

vm_kernel() {
	local kver=$1 src="/boot/vmlinuz-$1"
	[ -e "$src" ] || vm_die "no $src (install linux-image-$kver)"
	[ -r "$src" ] || vm_die "$src is not readable (run as root)"
	vm_locked _vm_kernel_build "$kver" || vm_die "kernel cache build failed"
	if [ -s "$VM_CACHE/vmlinux-$kver" ]; then
		echo "$VM_CACHE/vmlinux-$kver"
	else
		echo "$src"
	fi
}

# The static busybox that goes into the initramfs.
vm_busybox() {
	local b
	for b in /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null)"; do
		[ -x "$b" ] || continue
		# ldd fails on a binary with no program interpreter.
		if ! ldd "$b" >/dev/null 2>&1; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

# Module files (in load order, no duplicates) for VM_MODULES on KVER; none
# for an empty KVER (a kernel with the drivers built in).
vm_module_files() {
	local kver=$1 m
	[ -n "$kver" ] || return 0
	for m in "${VM_MODULES[@]}"; do
		modprobe ${VM_MODROOT:+-d "$VM_MODROOT"} -S "$kver" --show-depends "$m" ||
			vm_die "module $m not found for $kver${VM_MODROOT:+ in $VM_MODROOT}"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# Everything the initramfs is made of, as one string: it changes when any
# input changes, and then the image is rebuilt.
_vm_initramfs_key() {
	local kver=$1 bb=$2
	{
		echo "kver $kver"
		sha256sum "$VM_DIR/init" "$VM_DIR/lib.sh"
		stat -Lc '%n %s %Y' "$bb"
		vm_module_files "$kver" | xargs -r stat -Lc '%n %s %Y'
	} | sha256sum | cut -d' ' -f1
}

_vm_initramfs_build() {
	local kver=$1 out=$2 bb key tmp f n base
	bb=$(vm_busybox) || vm_die "no static busybox (install busybox-static)"
	key=$(_vm_initramfs_key "$kver" "$bb") || return 1
	if [ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	tmp=$(mktemp -d "$VM_CACHE/initramfs.XXXXXX")
	mkdir -p "$tmp"/{bin,dev,proc,sys,run,tmp,lower,upper,newroot,lib/vm-modules}
	cp "$bb" "$tmp/bin/busybox"
	install -m 0755 "$VM_DIR/init" "$tmp/init"
	# The kernel opens /dev/console for init; without the node (when not
	# root) init reopens it from devtmpfs itself.
	mknod -m 0600 "$tmp/dev/console" c 5 1 2>/dev/null || true
	n=10
	while read -r f; do
		base=$(basename "$f")
		base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
		case $f in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -dcq "$f" ;;
		*.gz) gzip -dc "$f" ;;
		*) cat "$f" ;;
		esac >"$tmp/lib/vm-modules/$n-$base" || return 1
		n=$((n + 1))
	done < <(vm_module_files "$kver")
	(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$out.tmp" || return 1
	rm -rf "$tmp"
	mv -f "$out.tmp" "$out"
	echo "$key" >"$out.key"
}

# vm_initramfs KVER: print the path of the cached initramfs for KVER, or
# (KVER empty) of the one without modules, for a kernel that has the virtio,
# 9p and overlay drivers built in.  The modules come from the host's
# /lib/modules, or from VM_MODROOT/lib/modules (another root's kernel).
vm_initramfs() {
	local kver=$1 out="$VM_CACHE/initramfs-${1:-builtin}.cpio"
	[ -z "$kver" ] || [ -e "${VM_MODROOT:-}/lib/modules/$kver/modules.dep" ] ||
		vm_die "no ${VM_MODROOT:-}/lib/modules/$kver/modules.dep"
	vm_locked _vm_initramfs_build "$kver" "$out" || vm_die "initramfs build failed"
	echo "$out"
}
