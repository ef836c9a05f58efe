#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/clients/build.sh: build the real XPMEM clients of `make check-clients`
# from Debian's own source packages, against this tree's libxpmem:
#
#   - UCX (src:ucx) with --with-xpmem, plus its gtest binary;
#   - Open MPI (src:openmpi) with --with-xpmem and --with-ucx (that UCX).
#
# Everything lives under $XPMEM_CLIENTS_CACHE (~/.cache/xpmem-clients):
#   apt/              a private apt configuration with a deb-src entry for
#                     the machine's own Debian mirror (the machine's apt
#                     configuration is not touched)
#   src/              the source packages, as apt-get source left them
#   stage-ABI/        libxpmem installed as a site would (headers, .so, .pc)
#   ucx-VER-ABI/      UCX's build tree and its install (prefix/)
#   ompi-VER-ABI/     the same for Open MPI
# VER is the Debian source version, ABI a hash of what a client compiles and
# links against (xpmem.h and the symbol map): a build is redone only when one
# of them changes.  At run time the clients load the tree's libxpmem.so.0
# (LD_LIBRARY_PATH), so library changes under a stable ABI are tested
# without a rebuild.
#
# Prints "KEY=VALUE" lines on stdout for run.sh (UCX_PREFIX, UCX_BUILD,
# OMPI_PREFIX, STAGE); build logs go to each build directory's build.log.

set -eu
set -o pipefail

# From `make check-clients` this inherits the top-level Makefile's exports
# (CFLAGS with -Werror and our include path, CC, PREFIX...): the clients'
# configure scripts must see a plain environment, as on a site's machine.
unset CC CFLAGS CXXFLAGS CPPFLAGS LDFLAGS SAN_FLAGS VERSION PREFIX LIBDIR INCLUDEDIR \
	MAKEFLAGS MAKELEVEL MFLAGS

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
REPO=$PWD
. "$REPO/tests/mirror.sh"
CACHE=${XPMEM_CLIENTS_CACHE:-$HOME/.cache/xpmem-clients}
JOBS=${XPMEM_CLIENTS_JOBS:-$(nproc)}

say() { echo "tests/clients: $*" >&2; }
die() { say "$*"; exit 1; }

apt_config() {
	local dir=$CACHE/apt url suite
	url=$(debian_mirror)
	[ -n "$url" ] || die "no Debian mirror in /etc/apt: cannot fetch source packages"
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/sources.list.d"
	echo "deb-src $url $suite main" >"$dir/sources.list.new"
	cat >"$dir/apt.conf.new" <<-EOF
	Dir::Etc::SourceList "$dir/sources.list";
	Dir::Etc::SourceParts "$dir/sources.list.d";
	Dir::State::Lists "$dir/lists";
	Dir::Cache::Archives "$dir/archives";
	EOF
	mv "$dir/sources.list.new" "$dir/sources.list"
	mv "$dir/apt.conf.new" "$dir/apt.conf"
	export APT_CONFIG=$dir/apt.conf
}

# fetch PKG: the newest source of PKG in the suite, unpacked (with Debian's
# patches applied) under src/; prints "PKG VERSION DIRECTORY".  apt's index is
# refreshed once a day at most.
fetch() {
	local pkg=$1 ver dir upstream
	local stamp=$CACHE/apt/updated
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		apt-get -q -o Debug::NoLocking=1 update >&2 || die "apt-get update (private deb-src config) failed"
		touch "$stamp"
	fi
	ver=$(apt-cache showsrc "$pkg" 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)
	[ -n "$ver" ] || die "no source package $pkg in the deb-src index"
	mkdir -p "$CACHE/src"
	if [ ! -f "$CACHE/src/.$pkg-$ver.unpacked" ]; then
		say "fetching source package $pkg $ver"
		(cd "$CACHE/src" && apt-get -q -o Debug::NoLocking=1 source "$pkg=$ver" >&2) ||
			die "apt-get source $pkg=$ver failed"
		touch "$CACHE/src/.$pkg-$ver.unpacked"
	fi
	upstream=${ver#*:}
	dir=$CACHE/src/$pkg-${upstream%-*}
	[ -d "$dir" ] || die "apt-get source $pkg left no $dir"
	echo "$pkg $ver $dir"
}

# stage: libxpmem installed the way a site installs it, for the clients'
# configure scripts (--with-xpmem=DIR wants DIR/include and DIR/lib).
stage() {
	local dir=$CACHE/stage-$ABI
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		make -s -C "$REPO/libxpmem" all >&2
		make -s -C "$REPO/libxpmem" install DESTDIR="$dir" >&2
		touch "$dir/.done"
	fi
	echo "$dir/usr/local"
}

# build NAME SRCDIR KEY CONFIGURE-ARGS...: configure out of tree, run
# $after_configure there, make, install into BUILD/prefix; a .done stamp
# makes it a no-op next time.
build() {
	local name=$1 src=$2 key=$3; shift 3
	local dir=$CACHE/$name-$key t0
	if [ -f "$dir/.done" ]; then
		echo "$dir"
		return
	fi
	rm -rf "$dir"
	mkdir -p "$dir/build"
	t0=$(date +%s)
	say "building $name (log: $dir/build.log); this takes long the first time"
	(
		cd "$dir/build" &&
		"$src/configure" --prefix="$dir/prefix" "$@" &&
		$after_configure &&
		make -j"$JOBS" &&
		make install
	) >"$dir/build.log" 2>&1 || { tail -n 40 "$dir/build.log" >&2; die "$name: build failed (log: $dir/build.log)"; }
	say "$name built in $(( $(date +%s) - t0 )) s"
	touch "$dir/.done"
	echo "$dir"
}

command -v apt-get >/dev/null || die "apt-get not found: check-clients needs Debian's source packages"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

ABI=$(cat module/uapi/xpmem.h libxpmem/libxpmem.map | sha256sum | cut -c1-12)
apt_config
STAGE=$(stage)

read -r _ ucx_ver ucx_src < <(fetch ucx)
if [ ! -x "$ucx_src/configure" ]; then
	say "ucx: autogen.sh"
	(cd "$ucx_src" && ./autogen.sh) >"$CACHE/src/ucx-autogen.log" 2>&1 ||
		die "ucx: autogen.sh failed (log: $CACHE/src/ucx-autogen.log)"
fi
# Only what a node without RDMA hardware uses: the shared-memory transports
# (posix, sysv, xpmem, cma) and tcp; --enable-gtest for UCX's own tests,
# whose 1.13 sources trip gcc 12's newer warnings. -Werror is UCX's own:
# the library keeps it, the gtest Makefile loses it (a CXXFLAGS on make's
# command line would also drop the -fno-exceptions UCX's perftest needs).
gtest_without_werror() { sed -i 's/ -Werror\( \|$\)/\1/g' test/gtest/Makefile; }
after_configure=gtest_without_werror
UCX=$(build ucx "$ucx_src" "$ucx_ver-$ABI" \
	--with-xpmem="$STAGE" --enable-gtest --disable-numa --disable-doxygen-doc \
	--without-verbs --without-rdmacm --without-knem --without-cuda --without-rocm \
	--without-java --without-go --without-fuse3 --without-valgrind --without-mpi)
# configure's summary: "UCT modules:   < cma xpmem >"
grep -q '^configure: *UCT modules: .* xpmem ' "$UCX/build.log" ||
	die "ucx: configure did not enable the xpmem transport (see $UCX/build.log)"
[ -e "$UCX/prefix/lib/ucx/libuct_xpmem.so.0" ] ||
	die "ucx: libuct_xpmem.so.0 was not built (see $UCX/build.log)"

# UCX's gtest: one binary with every test; run.sh filters the xpmem ones.
if [ ! -x "$UCX/build/test/gtest/gtest" ]; then
	t0=$(date +%s)
	say "ucx: building the gtest binary (log: $UCX/gtest.log); this takes long the first time"
	make -C "$UCX/build/test/gtest" -j"$JOBS" gtest >"$UCX/gtest.log" 2>&1 ||
		{ tail -n 40 "$UCX/gtest.log" >&2; die "ucx: gtest build failed (log: $UCX/gtest.log)"; }
	say "ucx gtest built in $(( $(date +%s) - t0 )) s"
fi

read -r _ ompi_ver ompi_src < <(fetch openmpi)
# Debian's patches touch configure.ac and m4 files: regenerate, as its
# debian/rules does
if [ ! -f "$ompi_src/.xpmem-autogen" ]; then
	say "openmpi: autogen.pl (log: $CACHE/src/openmpi-autogen.log)"
	(cd "$ompi_src" && ./autogen.pl --force) >"$CACHE/src/openmpi-autogen.log" 2>&1 ||
		die "openmpi: autogen.pl failed (log: $CACHE/src/openmpi-autogen.log)"
	touch "$ompi_src/.xpmem-autogen"
fi
after_configure=true
# vader (the shared-memory BTL) gets its xpmem single-copy mechanism from
# --with-xpmem; pml/ucx and osc/ucx come from --with-ucx.
OMPI=$(build ompi "$ompi_src" "$ompi_ver-$ucx_ver-$ABI" \
	--with-xpmem="$STAGE" --with-ucx="$UCX/prefix" \
	--disable-mpi-fortran --disable-oshmem --disable-man-pages --disable-mpi-java \
	--without-verbs --without-ofi --without-psm --without-psm2 --without-cuda \
	--without-knem --with-hwloc=internal --with-libevent=internal --with-pmix=internal \
	--enable-mca-no-build=btl-openib,btl-usnic,btl-uct,coll-hcoll,mtl)
LD_LIBRARY_PATH=$REPO/libxpmem "$OMPI/prefix/bin/ompi_info" --parsable --all 2>/dev/null |
	grep -q '^mca:btl:vader:param:btl_vader_single_copy_mechanism:enumerator:value:[0-9]*:xpmem$' ||
	die "ompi: the vader BTL has no xpmem single-copy mechanism (see $OMPI/build/config.log)"

echo "STAGE=$STAGE"
echo "UCX_PREFIX=$UCX/prefix"
echo "UCX_BUILD=$UCX/build"
echo "UCX_VERSION=$ucx_ver"
echo "OMPI_PREFIX=$OMPI/prefix"
echo "OMPI_VERSION=$ompi_ver"
