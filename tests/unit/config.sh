#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# config.sh - host tests of xpmemd, as TAP: builds config_test (the
# configuration reader), apply_test (the apply order against a fake
# kernel, and job registration) and jobstate_test (the job state files),
# plain and with ASan/UBSan ($SAN_FLAGS, results named asan/...), runs
# them; then builds xpmemd and checks its command line (--check-config
# exit codes and messages, --show-config, --version) and, with no xpmem
# module on the host, its sd_notify protocol: READY=1 while waiting for
# the module, RELOADING=1/READY=1 around a good and a bad reload, a
# refused start with a bad configuration, STOPPING=1. Non-zero if any
# test failed.

# shellcheck disable=SC2317	# the tests are called through run()
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
: "${CC:=cc}"
: "${PKG_CONFIG:=pkg-config}"
: "${SAN_FLAGS:=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all}"

BUILD=tests/unit/build
FLAGS=(-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g -Ixpmemd -Imodule/uapi -Ilibxpmem)
TMP=$(mktemp -d /tmp/xpmemd-unit.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0

diag() { sed 's/^/# /'; }

# build NAME SOURCES...: NAME and NAME-san, one TAP line
build() {
	local name=$1 out
	shift
	# shellcheck disable=SC2086	# SAN_FLAGS is a list of flags
	if ! out=$($CC "${FLAGS[@]}" -o "$BUILD/$name" "$@" 2>&1 &&
		   $CC "${FLAGS[@]}" $SAN_FLAGS -o "$BUILD/$name-san" "$@" 2>&1); then
		echo "not ok - ${name}_builds"
		printf '%s\n' "$out" | diag
		failed=1
		return 1
	fi
	echo "ok - ${name}_builds"
}

# runc NAME: run a C test plain and sanitized
runc() {
	"$BUILD/$1" 2>&1 | sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$BUILD/$1-san" 2>&1 |
		sed -e '/^\(not \)\{0,1\}ok - /!s/^/# /' \
		    -e 's/^\(\(not \)\{0,1\}ok - \)/\1asan\//'
	[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
}

# run TEST: one TAP line named after the function, its output as diagnostics
run() {
	local out
	if out=$("$1" 2>&1); then
		echo "ok - $1"
	else
		echo "not ok - $1"
		failed=1
	fi
	[ -n "$out" ] && printf '%s\n' "$out" | diag
	return 0
}

mkdir -p "$BUILD"
build config_test tests/unit/config_test.c xpmemd/config.c xpmemd/config_show.c &&
	runc config_test
build apply_test tests/unit/apply_test.c tests/unit/fake_kernel.c xpmemd/apply.c \
	xpmemd/config.c xpmemd/config_show.c && runc apply_test
build jobstate_test tests/unit/jobstate_test.c xpmemd/jobstate.c && runc jobstate_test

# ---- the command line -------------------------------------------------------------
XPMEMD=$TOP/xpmemd/xpmemd
if ! out=$(make -s -C xpmemd 2>&1); then
	echo "not ok - xpmemd_builds"
	printf '%s\n' "$out" | diag
	exit 1
fi
echo "ok - xpmemd_builds"

good=$TMP/good bad=$TMP/bad
mkdir -p "$good/xpmemd.conf.d" "$bad/xpmemd.conf.d"
cp xpmemd/xpmemd.conf.example "$good/xpmemd.conf"
printf '[Rule]\nAction=allow\nUser=0\n' >"$good/xpmemd.conf.d/50-more.conf"
printf '[Policy]\nDefaultMode=strict\n' >"$bad/xpmemd.conf"
printf '# comment\n[Rule]\nAction=allow\nSameJob=perhaps\n' >"$bad/xpmemd.conf.d/20-bad.conf"

check_config_accepts_the_example() {
	local out
	out=$("$XPMEMD" --check-config --config-dir "$good") || return 1
	echo "$out"
	[ "$out" = "strict, 3 rules, 1 quota (2 files)" ]
}

check_config_refuses_with_file_and_line() {
	local out rc
	out=$("$XPMEMD" --check-config --config-dir "$bad" 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" -eq 1 ] &&
	[ "$out" = "$bad/xpmemd.conf.d/20-bad.conf:4: invalid SameJob= value \"perhaps\" (expected yes or no)" ]
}

check_config_of_an_empty_dir_is_compat() {
	[ "$("$XPMEMD" --check-config --config-dir "$TMP/none")" = "compat, 0 rules, 0 quotas (0 files)" ]
}

show_config_prints_the_cgroup_root() {
	"$XPMEMD" --show-config --config-dir "$good" |
		grep -qx 'CgroupRoot=/sys/fs/cgroup/system.slice/slurmstepd.scope' &&
	! "$XPMEMD" --show-config --config-dir "$bad" >/dev/null 2>&1
}

version_help_and_usage_errors() {
	"$XPMEMD" --version | grep -qE '^xpmemd [0-9]+\.[0-9]+' &&
	"$XPMEMD" --help | grep -q -- '--check-config' &&
	{ "$XPMEMD" --bogus >/dev/null 2>&1; [ $? -eq 2 ]; } &&
	{ "$XPMEMD" extra >/dev/null 2>&1; [ $? -eq 2 ]; }
}

run check_config_accepts_the_example
run check_config_refuses_with_file_and_line
run check_config_of_an_empty_dir_is_compat
run show_config_prints_the_cgroup_root
run version_help_and_usage_errors

# ---- the daemon, with no module: sd_notify ------------------------------------------
# notify.py DIR ARGS...: run xpmemd ARGS with NOTIFY_SOCKET, act on its
# messages, print TAP lines. (Python: a datagram socket that also closes the
# fds of sd_notify_barrier().)
cat >"$TMP/notify.py" <<'EOF'
import os, signal, socket, subprocess, sys, time

tmp, xpmemd, good, bad, which = sys.argv[1:6]
path = os.path.join(tmp, "notify-" + which)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
conf = os.path.join(tmp, "conf-" + which)
jobs = os.path.join(tmp, "jobs-" + which)
os.makedirs(conf)
results = []

def setconf(src):
    subprocess.run(["rm", "-rf", conf]); subprocess.run(["cp", "-r", src, conf], check=True)

def wait_for(key, secs=10):
    """Messages until one has KEY (e.g. READY=1); returns all seen."""
    seen = []
    deadline = time.time() + secs
    while time.time() < deadline:
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            data, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(64))
        except socket.timeout:
            break
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                for i in range(0, len(payload) - len(payload) % 4, 4):
                    os.close(int.from_bytes(payload[i:i + 4], sys.byteorder))
        lines = data.decode().split("\n")
        seen += lines
        if key in lines:
            return seen, True
    return seen, False

def check(name, cond, seen):
    print(("ok - " if cond else "not ok - ") + "daemon_" + name)
    if not cond:
        for s in seen:
            print("#   " + s)
        results.append(name)

env = dict(os.environ, NOTIFY_SOCKET=path)
env.pop("JOURNAL_STREAM", None)
if which.endswith("refuse"):
    setconf(bad)
    p = subprocess.Popen([xpmemd, "--config-dir", conf, "--jobs-dir", jobs], env=env,
                         stderr=subprocess.PIPE, text=True)
    seen, _ = wait_for("READY=1", 5)
    rc = p.wait(10)
    err = p.stderr.read()
    status = [s for s in seen if s.startswith("STATUS=")]
    check("refuses_to_start_with_a_bad_config",
          rc == 1 and "READY=1" not in seen and "20-bad.conf:4: invalid SameJob=" in err and
          any("refusing to start: " in s and "20-bad.conf:4:" in s for s in status),
          seen + ["rc %d" % rc, err])
    sys.exit(1 if results else 0)

setconf(good)
p = subprocess.Popen([xpmemd, "--config-dir", conf, "--jobs-dir", jobs], env=env,
                     stderr=subprocess.PIPE, text=True)
seen, ready = wait_for("READY=1")
check("is_ready_while_the_module_is_absent",
      ready and any(s.startswith("STATUS=waiting for the xpmem module (strict, 3 rules, 1 quota")
                    for s in seen), seen)
check("creates_the_jobs_dir", os.path.isdir(jobs), [jobs])

# a good reload: RELOADING=1, READY=1, the new summary
os.unlink(os.path.join(conf, "xpmemd.conf.d", "50-more.conf"))
p.send_signal(signal.SIGHUP)
seen, ready = wait_for("READY=1")
check("reloads_a_good_config", "RELOADING=1" in seen and ready, seen)
seen2, _ = wait_for("NONE", 1)
seen += seen2
check("reload_updates_the_status",
      any(s.startswith("STATUS=waiting for the xpmem module (strict, 2 rules") for s in seen), seen)

# a bad reload: refused, the old policy kept, still running
with open(os.path.join(conf, "xpmemd.conf.d", "60-bad.conf"), "w") as f:
    f.write("[Quota]\nUser=1\nMaxSegments=lots\n")
p.send_signal(signal.SIGHUP)
seen, ready = wait_for("READY=1")
check("keeps_the_old_config_on_a_bad_reload",
      ready and p.poll() is None and
      any("reload refused" in s and "60-bad.conf:3: invalid MaxSegments=" in s and
          "keeping strict, 2 rules" in s for s in seen), seen)

p.send_signal(signal.SIGTERM)
seen, stopping = wait_for("STOPPING=1")
rc = p.wait(10)
err = p.stderr.read()
check("stops_on_sigterm", stopping and rc == 0, seen + ["rc %d" % rc] + err.splitlines())
sys.exit(1 if results else 0)
EOF

# the daemon once more, sanitized: leaks or UB on these paths fail its exit status
SRC=(xpmemd/main.c xpmemd/config.c xpmemd/config_show.c xpmemd/apply.c xpmemd/journal.c
     xpmemd/jobstate.c xpmemd/jobs.c xpmemd/family.c)
# shellcheck disable=SC2207	# pkg-config prints words
DEP_CFLAGS=($($PKG_CONFIG --cflags libnl-genl-3.0 libsystemd))
# shellcheck disable=SC2207
DEP_LIBS=($($PKG_CONFIG --libs libnl-genl-3.0 libsystemd))
# shellcheck disable=SC2086	# SAN_FLAGS is a list of flags
if out=$($CC "${FLAGS[@]}" "${DEP_CFLAGS[@]}" $SAN_FLAGS -o "$BUILD/xpmemd-san" "${SRC[@]}" \
		libxpmem/libxpmem-control.a "${DEP_LIBS[@]}" 2>&1); then
	echo "ok - xpmemd_san_builds"
else
	echo "not ok - xpmemd_san_builds"
	printf '%s\n' "$out" | diag
	failed=1
fi

if command -v python3 >/dev/null; then
	python3 "$TMP/notify.py" "$TMP" "$XPMEMD" "$good" "$bad" run || failed=1
	python3 "$TMP/notify.py" "$TMP" "$XPMEMD" "$good" "$bad" refuse || failed=1
	if [ -x "$BUILD/xpmemd-san" ]; then
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
			python3 "$TMP/notify.py" "$TMP" "$TOP/$BUILD/xpmemd-san" "$good" "$bad" \
			san-run | sed 's/^\(\(not \)\{0,1\}ok - \)/\1asan\//'
		[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
			python3 "$TMP/notify.py" "$TMP" "$TOP/$BUILD/xpmemd-san" "$good" "$bad" \
			san-refuse | sed 's/^\(\(not \)\{0,1\}ok - \)/\1asan\//'
		[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
	fi
else
	echo "ok - daemon_notify_protocol # SKIP no python3"
fi

exit $failed
