#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/packages/guest.sh DEBDIR: the installed-system test, in a guest
# booted with systemd (tests/packages/check.sh runs it through
# `tests/vm/run --systemd`).  Installs the .debs of DEBDIR with dpkg into
# the guest's throw-away root and checks what a site gets: xpmemd enabled
# but not started without the module; DKMS builds and installs xpmem.ko
# for the running kernel; modules-load.d loads it; udev gives /dev/xpmem
# mode 0666; xpmemd reaches READY once the module is there; xpmemctl,
# the Slurm scripts, the man pages; an example built with pkg-config
# against the installed header and library (shared and static) shares
# memory between two processes; the module suite against the installed
# module; removal keeps /etc/xpmem, purge removes it and the module.
# Nothing here uses the build tree's library, module or headers.
#
# Output: TAP "ok - name" / "not ok - name", "# ..." diagnostics.
# XPMEM_PKG_SUITE: name substrings for tests/kmod/suite.sh (default: a
# data-path sample), "all" for the whole suite, "none" to skip it.

# shellcheck disable=SC2317	# the tests are called through check()
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
REPO=$PWD
DEBS=${1:?usage: tests/packages/guest.sh DEBDIR}
KVER=$(uname -r)
VERSION=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' Makefile)
W=$(mktemp -d /tmp/xpmem-pkg.XXXXXX)
failed=0
export DEBIAN_FRONTEND=noninteractive

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=1; }
skip() { echo "ok - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }

# check NAME CMD...: one TAP line; CMD's output as diagnostics
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
	fi
	[ -n "$out" ] && printf '%s\n' "$out" | diag
	return 0
}

# wait_until TENTHS CMD...: poll CMD every 0.1 s, then once more loudly
wait_until() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}

deb() { ls "$W"/debs/"$1"_"$VERSION"_*.deb; }
is_active() { [ "$(systemctl is-active xpmemd)" = active ]; }
is_inactive() { ! systemctl -q is-active xpmemd; }
module_file() { modinfo -k "$KVER" -n xpmem 2>/dev/null; }

# dpkg reads the packages from /tmp, not through 9p.  In this throw-away
# root: a container's policy-rc.d (exit 101: no service may start) would
# stop the maintainer scripts from starting xpmemd, as it never does on a
# node; man-db's trigger would re-index every manual page under TCG.
mkdir -p "$W/debs"
cp "$DEBS"/*.deb "$W/debs/" || exit 1
rm -f /usr/sbin/policy-rc.d /var/lib/man-db/auto-update

# --- xpmem-utils without the module ---------------------------------------------
utils_without_module() {
	if module_file >/dev/null; then
		echo "an xpmem module is already installed for $KVER: $(module_file)"
		return 1
	fi
	dpkg -i "$(deb libxpmem0)" "$(deb xpmem-utils)" || return 1
	echo "is-enabled: $(systemctl is-enabled xpmemd), is-active: $(systemctl is-active xpmemd)"
	[ "$(systemctl is-enabled xpmemd)" = enabled ] && is_inactive
}
check utils_install_enables_xpmemd_but_does_not_start_it_without_the_module \
	utils_without_module

# --- DKMS ----------------------------------------------------------------------
dkms_install() {
	local t0=$SECONDS
	dpkg -i "$(deb xpmem-dkms)" "$(deb libxpmem-dev)" || {
		tail -n 30 /var/lib/dkms/xpmem/"$VERSION"/build/make.log 2>/dev/null
		return 1
	}
	echo "dpkg -i with the DKMS build took $((SECONDS - t0)) s"
	dkms status xpmem/"$VERSION" -k "$KVER"
	dkms status xpmem/"$VERSION" -k "$KVER" | grep -q ': installed$'
}
check dkms_builds_and_installs_the_module_for_the_running_kernel dkms_install

installed_module() {
	local f
	f=$(module_file) || return 1
	echo "$f: $(modinfo -F vermagic "$f")"
	case $f in /lib/modules/"$KVER"/updates/dkms/xpmem.ko*) ;; *) return 1 ;; esac
	modinfo -F vermagic "$f" | grep -q "^$KVER "
}
check installed_module_is_in_updates_dkms_with_the_running_kernel_vermagic installed_module

probed_for_the_target_kernel() {
	local log
	log=/var/lib/dkms/xpmem/$VERSION/$KVER/$(uname -m)/log/make.log
	grep -E "PROBE" "$log" && grep -F "make -C \"/lib/modules/$KVER/build\"" "$log"
}
check dkms_build_ran_the_compat_probes_for_the_target_kernel probed_for_the_target_kernel

# --- the module at boot: modules-load.d, udev ------------------------------------
modules_load() {
	[ ! -d /sys/module/xpmem ] || { echo "xpmem is loaded already"; return 1; }
	systemctl restart systemd-modules-load || return 1
	wait_until 50 test -d /sys/module/xpmem || return 1
	# the module that is loaded is the one DKMS installed
	local want have
	want=$(modinfo -F srcversion "$(module_file)")
	have=$(cat /sys/module/xpmem/srcversion)
	echo "srcversion loaded $have, installed $want"
	[ "$want" = "$have" ]
}
check modules_load_d_loads_the_installed_module modules_load

dev_mode() {
	udevadm settle
	wait_until 50 test -c /dev/xpmem || return 1
	stat -c '%F %a %U:%G' /dev/xpmem
	[ "$(stat -c %a /dev/xpmem)" = 666 ]
}
check dev_xpmem_is_a_character_device_of_mode_0666 dev_mode

# The module asks for 0666 itself; the packaged rule must apply too, so a
# site's override in /etc/udev/rules.d keeps working.
udev_rule() {
	udevadm test /sys/class/misc/xpmem 2>&1 | grep -E '60-xpmem\.rules:[0-9]+ MODE'
}
check udev_applies_the_packaged_rule_to_dev_xpmem udev_rule

# --- xpmemd: started by the postinst once the module is there ---------------------
xpmemd_ready() {
	dpkg -i "$(deb xpmem-utils)" || return 1
	wait_until 300 is_active || return 1
	# Type=notify: active means READY=1 arrived
	echo "status: $(systemctl show -p StatusText --value xpmemd)"
	[ "$(systemctl show -p Type --value xpmemd)" = notify ]
}
check xpmemd_reaches_ready_when_the_postinst_finds_the_module xpmemd_ready

ctl_status() {
	/usr/sbin/xpmemctl || return 1
	/usr/sbin/xpmemctl | grep -q "^module: *xpmem $(cat /sys/module/xpmem/version)"
}
check xpmemctl_reports_the_installed_module ctl_status

slurm() {
	local root=/sys/fs/cgroup/xpmem-pkg
	mkdir -p "$root/job_77" || return 1
	SLURM_JOB_ID=77 SLURM_JOB_UID=0 XPMEM_CGROUP_ROOT=$root \
		/usr/share/xpmem/slurm/xpmem-prolog.sh || return 1
	xpmemctl -j job list | grep '"id":77,' || return 1
	SLURM_JOB_ID=77 XPMEM_CGROUP_ROOT=$root /usr/share/xpmem/slurm/xpmem-epilog.sh || return 1
	rmdir "$root/job_77" "$root"
	! xpmemctl -j job list | grep -q '"id":77,'
}
check slurm_prolog_and_epilog_register_and_remove_a_job slurm

docs() {
	man -w xpmemctl xpmemd xpmemd.conf libxpmem &&
	test -s /usr/share/bash-completion/completions/xpmemctl &&
	test -s /usr/share/doc/xpmem-utils/xpmemd.conf.example &&
	test -d /etc/xpmem/xpmemd.conf.d
}
check manual_pages_completion_and_example_config_are_installed docs

# --- a program built against the installed files ---------------------------------
# The sources are copied away from the repository, so <xpmem.h> can only
# come from /usr/include and -lxpmem only from the installed library.
build_example() {
	cp examples/producer.c examples/consumer.c "$W/" || return 1
	cd "$W" || return 1
	local flags
	flags=$(pkg-config --cflags --libs xpmem) || return 1
	echo "pkg-config xpmem: $flags; cray-xpmem: $(pkg-config --cflags --libs cray-xpmem)"
	for p in producer consumer; do
		# shellcheck disable=SC2086	# flags are words
		cc -std=gnu11 -Wall -Werror -H -o "$p" "$p.c" $flags 2>"$p.h.txt" ||
			{ cat "$p.h.txt"; return 1; }
	done
	grep -m1 xpmem.h producer.h.txt
	grep -q '^\. /usr/include/xpmem.h$' producer.h.txt || return 1
	ldd producer | grep libxpmem
	ldd producer | grep -q "=> /.*/x86_64-linux-gnu/libxpmem.so.0 "
	local rc=$?
	cd "$REPO" || return 1
	return "$rc"
}
check example_builds_with_pkg_config_against_the_installed_header_and_library \
	build_example

# share W/PRODUCER W/CONSUMER: producer exports, consumer attaches and reads
share() {
	local segid size rc
	coproc PRODUCER { exec "$W/$1" 0600; }
	read -r -t 60 segid size <&"${PRODUCER[0]}" || return 1
	"$W/$2" "$segid" "$size"
	rc=$?
	echo >&"${PRODUCER[1]}"
	wait "$PRODUCER_PID" || rc=1
	return "$rc"
}
check two_processes_share_memory_through_the_installed_library share producer consumer

static_example() {
	cd "$W" || return 1
	# shellcheck disable=SC2046
	cc -std=gnu11 -Wall -Werror -o consumer-static consumer.c $(pkg-config --cflags xpmem) \
		-Wl,-Bstatic -lxpmem -Wl,-Bdynamic || return 1
	cd "$REPO" || return 1
	! ldd "$W/consumer-static" | grep libxpmem && share producer consumer-static
}
check the_installed_static_library_links_and_shares_memory static_example

# --- the module suite against the installed module --------------------------------
suite() {
	local sel=${XPMEM_PKG_SUITE:-attach_returns_page_aligned exporter_munmap_gives_attacher_sigbus remove_makes_attachers_sigbus release_detaches_all exporter_exit_gives_attachers_sigbus}
	case $sel in none) skip "kmod_suite_against_the_installed_module" "XPMEM_PKG_SUITE=none"; return ;; all) sel= ;; esac
	if ! grep -q XPMEM_KO tests/kmod/suite.sh; then
		skip "kmod_suite_against_the_installed_module" "tests/kmod/suite.sh does not take XPMEM_KO yet"
		return
	fi
	systemctl stop xpmemd
	# shellcheck disable=SC2086	# selections are words
	XPMEM_KO=$(module_file) XPMEM_SUITE_ASAN=0 tests/kmod/suite.sh $sel || failed=1
}
suite

# --- removal and purge ---------------------------------------------------------------
remove_keeps_config() {
	printf '[Policy]\nDefaultMode=compat\n' >/etc/xpmem/xpmemd.conf
	systemctl start xpmemd && wait_until 300 is_active || return 1
	dpkg -r xpmem-utils || return 1
	is_inactive && test -f /etc/xpmem/xpmemd.conf && ! test -e /usr/sbin/xpmemd
}
check remove_stops_xpmemd_and_keeps_etc_xpmem remove_keeps_config

purge() {
	dpkg --purge xpmem-utils || return 1
	! test -e /etc/xpmem && ! test -e /lib/systemd/system/xpmemd.service &&
		! test -e /etc/systemd/system/multi-user.target.wants/xpmemd.service
}
check purge_removes_etc_xpmem_and_the_unit purge

purge_dkms() {
	rmmod xpmem 2>/dev/null
	dpkg --purge xpmem-dkms libxpmem-dev libxpmem0 || return 1
	dkms status xpmem
	! module_file && ! test -e /usr/src/xpmem-"$VERSION" &&
		! ls /usr/lib/x86_64-linux-gnu/libxpmem* 2>/dev/null
}
check purge_removes_the_module_the_sources_and_the_library purge_dkms

rm -rf "$W"
exit $failed
