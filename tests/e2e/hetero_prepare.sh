#!/usr/bin/env bash
# hetero_prepare.sh: builds the runtime for every available cross target
# once (mppcc caches it beside libmpp.a), before the heterogeneous tests
# run in parallel; says which architectures are skipped and why. Exit
# status 77 (skipped) with fewer than two architectures.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MPP_TEST_BUILD_DIR:-$root/build}
read -r -a mppcc_cmd <<<"${MPPCC:-$build/bin/mppcc}"
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-hetero-prepare.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$here/hetero_lib.sh"
hetero_detect "$work/probe" x86_64 i686 s390x
printf 'int main(void)\n{\n#pragma mpp point\n\treturn 0;\n}\n' >"$work/t.c"
for a in "${archs[@]}"; do
	read -r -a c <<<"$(cc_of "$a")"
	t0=${EPOCHREALTIME/./}
	if ! MPP_CC="${c[*]}" "${mppcc_cmd[@]}" -O2 -o "$work/t.$a" "$work/t.c" >"$work/log" 2>&1; then
		echo "FAIL [$a] MPP_CC=\"${c[*]}\" mppcc cannot build a program:"
		sed 's/^/  | /' "$work/log" | head -n 20
		exit 1
	fi
	echo "ok   [$a] runtime ready for MPP_CC=\"${c[*]}\" ($(((${EPOCHREALTIME/./} - t0) / 1000)) ms)"
done
if ((${#archs[@]} < 2)); then
	echo "SKIP: fewer than two architectures available (${archs[*]:-none}): the hetero tests are skipped"
	exit 77
fi
echo "PASS: ${archs[*]}"
