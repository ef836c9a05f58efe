#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/clients/run.sh: the engine behind `make check-clients`. Builds (or
# takes from the cache) UCX and Open MPI from Debian's source packages with
# --with-xpmem against this tree's libxpmem (build.sh), builds mpi_check with
# that Open MPI, and runs guest.sh in one guest with this tree's module.
# Output: the guest's TAP lines and bandwidth table, one "CLIENT: N passed,
# N failed" line per client, and last "N passed, N failed" (the guest's
# kernel log check counts as one more test). Exit 0 if all passed.

set -u
set -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
OUT=tests/.cache/clients
mkdir -p "$OUT"

t0=$(date +%s)
vars=$(tests/clients/build.sh) || { echo "0 passed, 1 failed"; exit 1; }
eval "$vars"
echo "# clients ready in $(( $(date +%s) - t0 )) s: UCX $UCX_VERSION, Open MPI $OMPI_VERSION"

if ! "$OMPI_PREFIX/bin/mpicc" -O2 -std=gnu11 -Wall -Wextra -Werror \
	-o "$OUT/mpi_check" tests/clients/mpi_check.c; then
	echo "not ok - mpi_check builds with Open MPI's mpicc"
	echo "0 passed, 1 failed"
	exit 1
fi

export XPMEM_CLIENTS_UCX=$UCX_PREFIX XPMEM_CLIENTS_UCX_BUILD=$UCX_BUILD
export XPMEM_CLIENTS_OMPI=$OMPI_PREFIX XPMEM_CLIENTS_MPI_CHECK=$PWD/$OUT/mpi_check
# TCG emulates rep movsb slowly: without erms/fsrm glibc copies the way
# hardware would (as make bench does)
tests/vm/run --mem 2048 --cpu max,erms=off,fsrm=off --timeout "${XPMEM_CLIENTS_TIMEOUT:-5400}" -- tests/clients/guest.sh |
	tee "$OUT/last.log" | grep --line-buffered -v -E '^[0-9]+ passed, [0-9]+ failed$'
rc=${PIPESTATUS[0]}
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ { p = $1; f = $3 } END { print p + 0, f + 0 }' "$OUT/last.log")
if grep -q '^ok - guest kernel log has no splat' "$OUT/last.log"; then
	p=$(( p + 1 ))
else
	f=$(( f + 1 ))
fi
[ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=1
echo "# check-clients took $(( $(date +%s) - t0 )) s"
echo "$p passed, $f failed"
[ "$f" = 0 ]
