#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tests/unit/proto.sh - the netlink spec and everything generated from it
# agree (host only). Prints TAP lines.
cd "$(dirname "$0")/../.." || exit 1
fail=0
t() { if "$@" >/dev/null 2>&1; then echo "ok - $name"; else echo "not ok - $name"; fail=1; fi; }

name=generated_files_match_proto_spec t python3 proto/gen.py --check

# the family name, version and every command in the spec are in the header
name=uapi_header_has_every_spec_command t sh -c '
	for op in $(python3 -c "import yaml; [print(o[\"name\"]) for o in yaml.safe_load(open(\"proto/xpmem.yaml\"))[\"operations\"][\"list\"]]"); do
		c=XPMEM_NL_CMD_$(echo "$op" | tr a-z- A-Z_)
		grep -q "^	$c,\$" module/uapi/xpmem_netlink.h || exit 1
	done'

name=uapi_header_compiles_standalone t sh -c '
	printf "#include <xpmem_netlink.h>\nint main(void) { return XPMEM_NL_CMD_MAX > 0 ? 0 : 1; }\n" |
	${CC:-cc} -std=c11 -Wall -Werror -Imodule/uapi -x c - -o /dev/null'

name=uapi_header_compiles_as_cplusplus t sh -c '
	printf "#include <xpmem_netlink.h>\nint main() { return XPMEM_A_SEGMENT_MAX > 0 ? 0 : 1; }\n" |
	g++ -Wall -Werror -Imodule/uapi -x c++ - -o /dev/null'
exit $fail
