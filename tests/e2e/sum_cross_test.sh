#!/usr/bin/env bash
# sum_cross_test.sh: the state checksum of format version 3 (runtime/sum.c)
# gives the same values on every architecture: tests/unit/test_sum.c, built
# without cmocka (-DSUM_STANDALONE) for x86_64, i686 and s390x (as
# tests/e2e/hetero_lib.sh builds and runs them), checks its fixed vectors,
# the reference at every length and alignment, and pieces against one shot,
# with every implementation of the stripe loop the target has (scalar
# everywhere, SSE2 and AVX2 on x86). Architectures that cannot be built or
# run here are skipped, saying so; with none but this host's, exit 77.
#
# Environment: MPP_TEST_WORKDIR, MPP_TEST_KEEP=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
if [[ -n ${MPP_TEST_WORKDIR-} ]]; then
	work=$MPP_TEST_WORKDIR
	rm -rf "$work"
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-sum-cross.XXXXXX")
fi
. "$here/hetero_lib.sh"
hetero_detect "$work/probe" x86_64 i686 s390x

failed=0
for a in "${archs[@]}"; do
	read -r -a c <<<"$(cc_of "$a")"
	read -r -a x <<<"$(plain_extra "$a")"
	read -r -a emu <<<"$(emu_of "$a")"
	if ! "${c[@]}" "${x[@]}" -O2 -Wall -Wextra -Werror -DSUM_STANDALONE -I "$root/runtime" -o "$work/sum.$a" \
		"$root/tests/unit/test_sum.c" "$root/runtime/sum.c" >"$work/cc.$a.log" 2>&1; then
		echo "FAIL [$a] build:"
		sed 's/^/  | /' "$work/cc.$a.log"
		failed=1
		continue
	fi
	if out=$("${emu[@]}" "$work/sum.$a" 2>&1); then
		echo "ok   [$a] $out"
	else
		echo "FAIL [$a]"
		sed 's/^/  | /' <<<"$out"
		failed=1
	fi
done
if ((failed == 0)) && [[ -z ${MPP_TEST_KEEP-} ]]; then
	rm -rf "$work"
fi
if ((failed)); then
	exit 1
fi
if ((${#archs[@]} < 2)); then
	echo "skip: no architecture but this host's can be built and run here"
	exit 77
fi
exit 0
