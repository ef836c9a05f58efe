#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - host-only tests of libxpmem, as TAP ("ok - name", "not ok - name",
# diagnostics "# ..."). Builds the library and the tests, checks what gets
# shipped (exported symbols, SONAME, pkg-config, install layout, static and
# C++ clients, the man page), then runs lib_test twice: plain, and with
# ASan/UBSan ($SAN_FLAGS, results named asan/...). Exits non-zero if any
# test failed.

# shellcheck disable=SC2317	# the tests are called through run()
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
: "${CC:=cc}"
: "${CXX:=c++}"
: "${SAN_FLAGS:=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all}"
export CC SAN_FLAGS

API="xpmem_attach xpmem_attach2 xpmem_attach_same xpmem_detach xpmem_get xpmem_init
xpmem_ioctl xpmem_make xpmem_release xpmem_remove xpmem_version"
VERSION=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' Makefile)
LIB=$TOP/libxpmem

TMP=$(mktemp -d /tmp/xpmem-unit.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0

diag() { sed 's/^/# /'; }

# run TEST: one TAP line named after the function; its output becomes
# diagnostics. A test that prints "SKIP: why" and returns 77 is skipped.
run() {
	local name=$1 out rc
	out=$("$name" 2>&1)
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "ok - $name # SKIP ${out#SKIP: }"
	elif [ $rc -eq 0 ]; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		[ -n "$out" ] && printf '%s\n' "$out" | diag
		failed=1
	fi
}

# A make that ignores the caller's make and directory settings.
clean_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PREFIX -u LIBDIR \
		-u INCLUDEDIR -u PKGCONFIGDIR -u DESTDIR make --no-print-directory "$@"
}

# ---- build ---------------------------------------------------------------

if ! out=$( { make --no-print-directory -C libxpmem &&
	      make --no-print-directory -C tests/unit; } 2>&1); then
	echo "not ok - library_and_tests_build"
	printf '%s\n' "$out" | diag
	exit 1
fi
echo "ok - library_and_tests_build"

# ---- what gets shipped ---------------------------------------------------

only_the_api_is_exported() {
	local got want
	got=$(nm -D --defined-only "$LIB/libxpmem.so.0" | awk '{print $3}' | sort)
	# shellcheck disable=SC2086	# one name per word
	want=$(printf '%s\n' $API | sort)
	[ "$got" = "$want" ] && return 0
	echo "exported:"; echo "$got"
	return 1
}

symbols_are_unversioned() {
	# The lineage's library has no symbol versions: a binary linked here
	# must also run against it, and the other way round.
	! readelf -V "$LIB/libxpmem.so.0" | grep -q 'Version definition' &&
	! readelf --dyn-syms -W "$LIB/libxpmem.so.0" | grep -q 'xpmem_[a-z_]*@'
}

soname_is_libxpmem_so_0() {
	readelf -d "$LIB/libxpmem.so.0.0.0" | grep -q 'SONAME.*\[libxpmem\.so\.0\]' &&
	[ "$(readlink "$LIB/libxpmem.so.0")" = libxpmem.so.0.0.0 ] &&
	[ -e "$LIB/libxpmem.so" ] &&
	[ "$(readlink -f "$LIB/libxpmem.so")" = "$LIB/libxpmem.so.0.0.0" ]
}

pkg_config_files_resolve() {
	local m libs
	command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; return 77; }
	for m in xpmem cray-xpmem; do
		libs=$(PKG_CONFIG_PATH=$LIB pkg-config --libs "$m") || return 1
		[[ " $libs " == *" -lxpmem "* ]] || { echo "$m: $libs"; return 1; }
		[ "$(PKG_CONFIG_PATH=$LIB pkg-config --modversion "$m")" = "$VERSION" ] ||
			{ echo "$m: version is not $VERSION"; return 1; }
		PKG_CONFIG_PATH=$LIB pkg-config --cflags "$m" >/dev/null || return 1
	done
}

# A minimal source tree to build and install from, so the install tests
# neither depend on nor rewrite the working tree's build outputs.
copy_tree() {
	local dst=$1
	mkdir -p "$dst/libxpmem" "$dst/module/uapi" &&
	cp Makefile "$dst/" &&
	cp libxpmem/Makefile libxpmem/xpmem.c libxpmem/libxpmem.map \
		libxpmem/*.pc.in "$dst/libxpmem/" &&
	cp module/uapi/xpmem.h module/uapi/xpmem_netlink.h "$dst/module/uapi/"
}

install_honours_destdir() {
	local src=$TMP/src-destdir dst=$TMP/destdir f
	copy_tree "$src" || return 1
	clean_make -C "$src/libxpmem" install DESTDIR="$dst" PREFIX=/usr >/dev/null || return 1
	for f in usr/lib/libxpmem.so.0.0.0 usr/lib/libxpmem.a usr/include/xpmem.h \
		 usr/include/xpmem_netlink.h usr/lib/pkgconfig/xpmem.pc \
		 usr/lib/pkgconfig/cray-xpmem.pc; do
		[ -f "$dst/$f" ] || { echo "missing $f"; return 1; }
	done
	[ "$(readlink "$dst/usr/lib/libxpmem.so.0")" = libxpmem.so.0.0.0 ] || return 1
	[ "$(readlink -f "$dst/usr/lib/libxpmem.so")" = "$dst/usr/lib/libxpmem.so.0.0.0" ] || return 1
	cmp "$dst/usr/include/xpmem.h" module/uapi/xpmem.h || return 1
	grep -qx 'prefix=/usr' "$dst/usr/lib/pkgconfig/xpmem.pc" || return 1
	grep -qx 'prefix=/usr' "$dst/usr/lib/pkgconfig/cray-xpmem.pc" || return 1
	# nothing outside DESTDIR/usr
	[ "$(ls -A "$dst")" = usr ] || { ls -A "$dst"; return 1; }
}

install_honours_directory_variables() {
	local src=$TMP/src-dirs dst=$TMP/dirs multi=lib/x86_64-linux-gnu pc
	copy_tree "$src" || return 1
	clean_make -C "$src/libxpmem" install DESTDIR="$dst" PREFIX=/usr \
		LIBDIR="/usr/$multi" INCLUDEDIR=/usr/include/xpmem \
		PKGCONFIGDIR=/usr/share/pkgconfig >/dev/null || return 1
	[ -f "$dst/usr/$multi/libxpmem.so.0.0.0" ] &&
	[ -f "$dst/usr/$multi/libxpmem.a" ] &&
	[ -f "$dst/usr/include/xpmem/xpmem.h" ] &&
	[ -f "$dst/usr/share/pkgconfig/cray-xpmem.pc" ] || return 1
	pc=$dst/usr/share/pkgconfig/xpmem.pc
	if ! grep -qx "libdir=\${prefix}/$multi" "$pc" ||
	   ! grep -qx "includedir=\${prefix}/include/xpmem" "$pc"; then
		cat "$pc"
		return 1
	fi
}

# Installed under /opt/xpmem (one of UCX's default search places), a client
# must build and run from nothing but `pkg-config xpmem` / `cray-xpmem`.
client_builds_from_installed_pkg_config() {
	local src=$TMP/src-opt dst=$TMP/opt m flags
	command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; return 77; }
	copy_tree "$src" || return 1
	clean_make -C "$src/libxpmem" install DESTDIR="$dst" PREFIX=/opt/xpmem >/dev/null || return 1
	cat > "$TMP/client.c" <<-'EOF'
		#include <stdio.h>
		#include <xpmem.h>
		int main(void)
		{
			/* no module on the host: -1, but linked and callable */
			printf("%d\n", xpmem_version() < 0 ? -1 : 0);
			return 0;
		}
	EOF
	for m in xpmem cray-xpmem; do
		flags=$(PKG_CONFIG_SYSROOT_DIR=$dst \
			PKG_CONFIG_PATH=$dst/opt/xpmem/lib/pkgconfig \
			pkg-config --cflags --libs "$m") || return 1
		# shellcheck disable=SC2086
		$CC -Wall -Werror -o "$TMP/client-$m" "$TMP/client.c" $flags || return 1
		LD_LIBRARY_PATH=$dst/opt/xpmem/lib "$TMP/client-$m" >/dev/null || return 1
	done
}

# What the clients' configure scripts try (AC_CHECK_LIB style: no header,
# a dummy prototype): UCX and SOS link xpmem_init, Open MPI, MPICH and
# libfabric xpmem_make; UCX also needs the xpmem_version declaration.
client_configure_checks_pass() {
	local fn
	for fn in xpmem_init xpmem_make xpmem_version; do
		printf 'char %s(void);\nint main(void) { return %s(); }\n' "$fn" "$fn" \
			> "$TMP/conftest.c"
		$CC -o "$TMP/conftest" "$TMP/conftest.c" -L"$LIB" -lxpmem ||
			{ echo "linking $fn failed"; return 1; }
	done
	printf '#include <xpmem.h>\nint main(void) { (void)xpmem_version; return 0; }\n' \
		> "$TMP/decl.c"
	$CC -Werror -I module/uapi -c -o "$TMP/decl.o" "$TMP/decl.c"
}

static_library_links() {
	cat > "$TMP/static.c" <<-'EOF'
		#include <stdio.h>
		#include <sys/mman.h>
		#include <xpmem.h>
		int main(void)
		{
			struct xpmem_addr a = { 1, 0 };
			if (xpmem_version() >= 0 || xpmem_attach(a, 4096, NULL) != MAP_FAILED)
				return puts("unexpected"), 1;
			return 0;
		}
	EOF
	$CC -Wall -Werror -I module/uapi -o "$TMP/static" "$TMP/static.c" \
		-L"$LIB" -Wl,-Bstatic -lxpmem -Wl,-Bdynamic -pthread || return 1
	# really static: the binary does not need libxpmem.so
	! readelf -d "$TMP/static" | grep -q 'libxpmem' || return 1
	[ -e /dev/xpmem ] && { echo "SKIP: /dev/xpmem exists"; return 77; }
	"$TMP/static"
}

header_compiles_as_cplusplus() {
	command -v "$CXX" >/dev/null || { echo "SKIP: no C++ compiler"; return 77; }
	cat > "$TMP/client.cc" <<-'EOF'
		#include <sys/ioctl.h>
		#include <sys/mman.h>
		#include <xpmem.h>
		int main()
		{
			xpmem_segid_t seg = xpmem_make(nullptr, XPMEM_MAXADDR_SIZE,
						       XPMEM_PERMIT_MODE, (void *)0600);
			xpmem_apid_t ap = xpmem_get(seg, XPMEM_RDWR, XPMEM_PERMIT_MODE, nullptr);
			xpmem_addr addr = { ap, 0 };
			void *p = xpmem_attach(addr, 4096, nullptr);
			void *q = xpmem_attach_same(addr, 4096);
			if (p != MAP_FAILED)
				xpmem_detach(p);
			if (q != MAP_FAILED)
				xpmem_detach(q);
			xpmem_release(ap);
			xpmem_remove(seg);
			return xpmem_init() + xpmem_version() + xpmem_ioctl(XPMEM_CMD_VERSION, nullptr);
		}
	EOF
	# linking proves the extern "C": mangled names would not resolve
	$CXX -std=c++11 -Wall -Wextra -Werror -I module/uapi -o "$TMP/client-cc" \
		"$TMP/client.cc" -L"$LIB" -lxpmem
}

# Every name <xpmem.h> defines must be usable with nothing else included.
header_is_self_contained() {
	cat > "$TMP/self.c" <<-'EOF'
		#include <xpmem.h>
		int main(void)
		{
			unsigned long cmds[] = {
				XPMEM_CMD_VERSION, XPMEM_CMD_MAKE, XPMEM_CMD_REMOVE,
				XPMEM_CMD_GET, XPMEM_CMD_RELEASE, XPMEM_CMD_ATTACH,
				XPMEM_CMD_DETACH, XPMEM_CMD_FORK_BEGIN, XPMEM_CMD_FORK_END,
			};
			struct xpmem_cmd_make make = { 0 };
			struct xpmem_cmd_get get = { 0 };
			struct xpmem_cmd_attach attach = { 0 };
			struct xpmem_addr addr = { 0, 0 };
			size_t all = XPMEM_MAXADDR_SIZE;
			return (int)(cmds[0] + make.size + get.flags + attach.flags +
				     addr.offset + all + XPMEM_RDONLY + XPMEM_RDWR +
				     XPMEM_PERMIT_MODE + XPMEM_ERRNO_NOPROC +
				     XPMEM_ATTACH_FLAGS_ALL + XPMEM_CURRENT_VERSION +
				     sizeof(XPMEM_DEV_PATH));
		}
	EOF
	$CC -std=gnu11 -Wall -Wextra -Werror -I module/uapi -c -o "$TMP/self.o" "$TMP/self.c"
}

man_page_renders_cleanly() {
	local warnings
	command -v man >/dev/null || { echo "SKIP: no man"; return 77; }
	warnings=$(MANWIDTH=80 man --warnings -l man/libxpmem.3 2>&1 >/dev/null)
	[ -z "$warnings" ] || { echo "$warnings"; return 1; }
	MANWIDTH=80 man -l man/libxpmem.3 2>/dev/null | grep -q 'xpmem_attach_same'
}

for t in only_the_api_is_exported symbols_are_unversioned \
	 soname_is_libxpmem_so_0 pkg_config_files_resolve \
	 install_honours_destdir install_honours_directory_variables \
	 client_builds_from_installed_pkg_config client_configure_checks_pass \
	 static_library_links header_compiles_as_cplusplus \
	 header_is_self_contained man_page_renders_cleanly; do
	run "$t"
done

# ---- the library's behaviour (lib_test.c), plain and sanitized ------------

tests/unit/build/lib_test 2>&1 | sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	tests/unit/build/lib_test-san 2>&1 |
	sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /' \
	    -e 's/^\(\(not \)\{0,1\}ok - \)/\1asan\//'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

exit $failed
