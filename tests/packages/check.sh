#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/packages/check.sh: the engine behind `make check-packages` (not part
# of `make check`: the DKMS build under TCG alone takes minutes).
#
#   1. installs what is missing (tests/deps.sh, tests/packages/deps.sh),
#      builds the guest suite's drivers (make tests)
#   2. builds the packages (make debs) and checks what each one holds
#   3. lintian on the .changes: errors fail, the rest is shown
#   4. DKMS on the host, for every kernel with headers: add, build,
#      install the packaged sources, in private trees (the host's
#      /var/lib/dkms and /lib/modules stay untouched)
#   5. boots a guest with systemd and runs tests/packages/guest.sh there:
#      dpkg, DKMS for the running kernel, the installed system
#
# Output: TAP lines, saved to tests/packages/.last-check.log, ending with
# "N passed, N failed[, N skipped]"; exit 0 only if nothing failed.
# VM_TIMEOUT: seconds for the guest run (default 3600); XPMEM_PKG_GUEST=0
# stops after the host steps (the guest run is then one skip).

set -u
set -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
VERSION=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' Makefile)
DEBS=$PWD/debs
log=tests/packages/.last-check.log
out=$(mktemp)
tmp=$(mktemp -d)
trap 'rm -rf "$out" "$tmp"' EXIT
: >"$log"
passed=0 failed=0 skipped=0

say() { printf '%s\n' "$*" | tee -a "$log"; }
ok() { say "ok - $1"; passed=$((passed + 1)); }
not_ok() { say "not ok - $1"; failed=$((failed + 1)); }
diag() { sed 's/^/# /' | tee -a "$log"; }

# step NAME CMD...: one TAP line; CMD's output as diagnostics, its time too
step() {
	local name=$1 t0=$SECONDS rc
	shift
	"$@" >"$out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then ok "$name"; else not_ok "$name"; fi
	diag <"$out"
	say "# $name: $((SECONDS - t0)) s"
	return $rc
}

# --- 1, 2: dependencies, packages ------------------------------------------------
step dependencies_are_installed sh -c 'tests/deps.sh && tests/packages/deps.sh' || {
	say "$passed passed, $failed failed"
	exit 1
}
step kmod_test_drivers_build make --no-print-directory tests
step debs_build_with_dpkg_buildpackage tests/packages/debs.sh || {
	say "$passed passed, $failed failed"
	exit 1
}

# holds PACKAGE PATH...: the package has each of these files
holds() {
	local deb list p
	deb=$(ls "$DEBS/$1_${VERSION}"_*.deb) || return 1
	shift
	list=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
	for p in "$@"; do
		grep -qx -- "$p" <<<"$list" || { echo "${deb##*/} lacks $p"; return 1; }
	done
}
multi=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)
step libxpmem0_holds_the_shared_library holds libxpmem0 \
	"$multi/libxpmem.so.0" "$multi/libxpmem.so.0.0.0"
step libxpmem_dev_holds_header_libraries_pkg_config_and_manual holds libxpmem-dev \
	/usr/include/xpmem.h "$multi/libxpmem.so" "$multi/libxpmem.a" \
	"$multi/pkgconfig/xpmem.pc" "$multi/pkgconfig/cray-xpmem.pc" \
	/usr/share/man/man3/libxpmem.3.gz
step xpmem_utils_holds_tools_units_rules_and_slurm_scripts holds xpmem-utils \
	/usr/sbin/xpmemctl /usr/sbin/xpmemd /lib/systemd/system/xpmemd.service \
	/usr/lib/tmpfiles.d/xpmem.conf /lib/udev/rules.d/60-xpmem.rules \
	/usr/lib/modules-load.d/xpmem.conf /usr/share/bash-completion/completions/xpmemctl \
	/usr/share/man/man8/xpmemctl.8.gz /usr/share/man/man8/xpmemd.8.gz \
	/usr/share/man/man5/xpmemd.conf.5.gz /usr/share/xpmem/slurm/xpmem-prolog.sh \
	/usr/share/xpmem/slurm/xpmem-epilog.sh /etc/xpmem/xpmemd.conf.d/
step xpmem_dkms_holds_the_module_sources_and_dkms_conf holds xpmem-dkms \
	"/usr/src/xpmem-$VERSION/dkms.conf" "/usr/src/xpmem-$VERSION/Makefile" \
	"/usr/src/xpmem-$VERSION/module/compat/probe.sh" "/usr/src/xpmem-$VERSION/module/main.c"

# --- 3: lintian ---------------------------------------------------------------------
lint() {
	lintian --fail-on error --pedantic --display-info --show-overrides \
		"$DEBS/xpmem_${VERSION}_$(dpkg --print-architecture).changes" 2>&1 |
		grep -v '^running with root privileges'
}
step lintian_finds_no_errors lint

# --- 4: DKMS on the host, every kernel with headers ------------------------------------
dpkg-deb -x "$DEBS/xpmem-dkms_${VERSION}_all.deb" "$tmp/root"
dkms_private() {
	dkms --dkmstree "$tmp/dkms" --sourcetree "$tmp/root/usr/src" \
		--installtree "$tmp/modules" "$@" 2>&1 |
		{ grep -v "^readelf: Warning: Section '.comment'" || true; }
}
dkms_one() {
	local k=$1 f
	mkdir -p "$tmp/modules/$k"
	dkms_private build -m xpmem -v "$VERSION" -k "$k" || return 1
	dkms_private install --no-depmod -m xpmem -v "$VERSION" -k "$k" || return 1
	f=$(ls "$tmp/modules/$k/updates/dkms/"xpmem.ko*) || return 1
	echo "$f: $(modinfo -F vermagic "$f")"
	grep -h PROBE "$tmp/dkms/xpmem/$VERSION/$k/"*/log/make.log
	modinfo -F vermagic "$f" | grep -q "^$k "
}
mkdir -p "$tmp/dkms" "$tmp/modules"
step dkms_adds_the_packaged_sources dkms_private add -m xpmem -v "$VERSION"

# BUILD_EXCLUSIVE_CONFIG: a kernel whose .config lacks either option is
# skipped (status 77), not failed: the newest kernel's headers, with the
# option taken out of a copy of its .config (before the real build, which
# would make DKMS refuse a second one for the same kernel).
dkms_exclusive() {
	local k=$1 opt rc
	for opt in CONFIG_MMU_NOTIFIER CONFIG_HMM_MIRROR; do
		rm -rf "$tmp/fake"
		mkdir -p "$tmp/fake"
		grep -v "^$opt=" "/lib/modules/$k/build/.config" >"$tmp/fake/.config"
		dkms_private build -m xpmem -v "$VERSION" -k "$k" --kernelsourcedir "$tmp/fake"
		rc=$?
		echo "without $opt: dkms build exited with $rc"
		[ $rc -eq 77 ] || return 1
	done
}
newest=$(tests/kver.sh)
if [ -n "$newest" ]; then
	step dkms_skips_kernels_without_mmu_notifier_or_hmm_mirror dkms_exclusive "$newest"
else
	not_ok "a kernel with headers is installed"
fi
for kdir in /lib/modules/*/build/Makefile; do
	[ -e "$kdir" ] || continue
	k=${kdir#/lib/modules/}
	k=${k%/build/Makefile}
	step "dkms_builds_and_installs_xpmem_for_$k" dkms_one "$k"
done

# --- 5: the installed system, in a guest -------------------------------------------------
guest() {
	local t0=$SECONDS rc notok skip
	say "# guest: tests/vm/run --systemd -- tests/packages/guest.sh (the DKMS build takes minutes under TCG)"
	tests/vm/run --systemd --timeout "${VM_TIMEOUT:-3600}" -- tests/packages/guest.sh "$DEBS" \
		</dev/null 2>&1 | tee -a "$log" "$out"
	rc=${PIPESTATUS[0]}
	notok=$(grep -cE '^not ok( |$)' "$out")
	skip=$(grep -E '^ok( |$)' "$out" | grep -ciE '#[[:space:]]*skip')
	passed=$((passed + $(grep -cE '^ok( |$)' "$out") - skip))
	skipped=$((skipped + skip))
	failed=$((failed + notok))
	if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
		not_ok "the guest run exited with status $rc"
	fi
	say "# guest: $((SECONDS - t0)) s"
}
if [ "${XPMEM_PKG_GUEST:-1}" = 0 ]; then
	say "ok - the installed system in a guest # SKIP XPMEM_PKG_GUEST=0"
	skipped=$((skipped + 1))
else
	guest
fi

summary="$passed passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
say "$summary"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
