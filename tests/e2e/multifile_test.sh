#!/usr/bin/env bash
# multifile_test.sh: a program of two translation units (tests/e2e/multifile)
# built with mppcc --mpp-auto file by file (-c, then a link) and in one
# command; both must print what the plain build prints, as they are and
# under MPP_STRESS=1 and MPP_STRESS_EXEC=7, with captures really happening.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/multifile
mppcc=${MPPCC:-$here/../../build/bin/mppcc}
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-multifile.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
cc -O2 "$src/main.c" "$src/util.c" -o plain
./plain >expected
"$mppcc" -O2 --mpp-auto -c "$src/util.c" -o util.o
"$mppcc" -O2 --mpp-auto -c "$src/main.c" -o main.o
"$mppcc" main.o util.o -o separate
"$mppcc" -O2 --mpp-auto "$src/main.c" "$src/util.c" -o together
for bin in separate together; do
	for mode in "" MPP_STRESS=1 MPP_STRESS_EXEC=7; do
		rm -f report
		env $mode MPP_REPORT="$work/report" "./$bin" >out
		if ! cmp -s expected out; then
			echo "FAIL $bin ${mode:-plain}: output differs"
			fail=1
			continue
		fi
		caps=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^captures=/) { sub("captures=", "", $i); n += $i }} END { print n + 0 }' report)
		if [[ -n $mode && $caps -eq 0 ]]; then
			echo "FAIL $bin $mode: no capture happened"
			fail=1
			continue
		fi
		echo "ok   $bin ${mode:-plain} (captures $caps)"
	done
done
exit $fail
