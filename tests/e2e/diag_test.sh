#!/usr/bin/env bash
# diag_test.sh: checks one mppcc diagnostic case.
#
# Usage: tests/e2e/diag_test.sh tests/e2e/diag/NAME.c
#
# Compiles NAME.c with `mppcc -c NAME.c -o WORK/NAME.o`, run from the
# case's directory so that file names in messages are just NAME.c, and
# compares with NAME.expected beside it:
#   first line   the expected exit status of mppcc (e.g. 1, or 0 for a case
#                that must be accepted)
#   other lines  the expected stderr, exactly
# Extra mppcc options for a case: a comment `/* mpp-test: cflags=... */` in
# NAME.c (e.g. --mpp-auto).
#
# MPPCC overrides the translator (default BUILD/bin/mppcc, BUILD being
# MPP_TEST_BUILD_DIR or the source tree's build/). MPP_TEST_DIAG_UPDATE=1 writes
# NAME.expected from the current behaviour instead of comparing (review the
# result before committing it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
(($# == 1)) || {
	echo "usage: $0 CASE.c" >&2
	exit 2
}
[[ -f $1 ]] || {
	echo "$0: $1: no such file" >&2
	exit 2
}
dir=$(cd "$(dirname "$1")" && pwd)
file=$(basename "$1")
case_name=${file%.c}
expected=$dir/$case_name.expected
read -r -a mppcc_cmd <<<"${MPPCC:-${MPP_TEST_BUILD_DIR:-$root/build}/bin/mppcc}"

if [[ ${mppcc_cmd[0]} == */* && ! -x ${mppcc_cmd[0]} ]]; then
	echo "FAIL diag.$case_name: translator not found: ${mppcc_cmd[0]} (build it first: make; or set MPPCC)"
	exit 1
fi

opts=()
while IFS= read -r tag; do
	case $tag in
	cflags=*) read -r -a opts <<<"${tag#cflags=}" ;;
	"") ;;
	*)
		echo "$0: $1: unknown tag 'mpp-test: $tag'" >&2
		exit 2
		;;
	esac
done < <(grep -o 'mpp-test:[^*]*' "$1" | sed 's/^mpp-test:[[:space:]]*//; s/[[:space:]]*$//' || true)

work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-diag.$case_name.XXXXXX")
trap 'rm -rf "$work"' EXIT
rc=0
(cd "$dir" && LC_ALL=C timeout 60 "${mppcc_cmd[@]}" "${opts[@]}" -c "$file" -o "$work/$case_name.o") \
	>"$work/stdout" 2>"$work/stderr" || rc=$?

if [[ ${MPP_TEST_DIAG_UPDATE:-0} == 1 ]]; then
	{
		echo "$rc"
		cat "$work/stderr"
	} >"$expected"
	echo "wrote $expected (exit status $rc)"
	exit 0
fi
if [[ ! -f $expected ]]; then
	echo "FAIL diag.$case_name: $expected is missing; mppcc exited with $rc and said:"
	sed 's/^/  | /' "$work/stderr"
	exit 1
fi
want_rc=$(head -n 1 "$expected")
tail -n +2 "$expected" >"$work/want"
status=0
if [[ $rc != "$want_rc" ]]; then
	echo "FAIL diag.$case_name: mppcc exited with $rc, expected $want_rc"
	status=1
fi
if ! cmp -s "$work/want" "$work/stderr"; then
	echo "FAIL diag.$case_name: stderr differs (diff -u expected actual):"
	diff -u "$work/want" "$work/stderr" | sed -n '3,42s/^/  | /p' || true
	status=1
fi
((status)) || echo "PASS diag.$case_name"
exit "$status"
