#!/usr/bin/env bash
# csmith_test.sh: differential test of mppcc --mpp-auto on random programs.
#
# Usage: tests/e2e/csmith_test.sh [SEEDS]
#
# For each seed, generates a program with csmith with pointers, structs and
# arrays (not: unions, which mpp saves only when they hold no pointer,
# bit-fields, packed structs, volatiles; few and small functions), builds it with
# `cc -O1 -w -I<csmith include dir>` and with `mppcc --mpp-auto` (same
# options), runs the plain program with argument 1 (csmith then prints the
# checksum of every global, not only the final one), and the translated one
# with MPP_STRESS=1 and MPP_STRESS=13: stdout and exit status must be equal.
# A seed whose plain run takes longer than MPP_CSMITH_PLAIN_TIMEOUT seconds
# (default 1) is skipped ("plain run too long").
#
# SEEDS (or MPP_CSMITH_SEEDS): a list of numbers and ranges, e.g. "1-20" (the
# default), "5 9 100-300". `make csmith` runs 1-250.
# Environment: MPPCC, CC (as in migrate_test.sh), CSMITH (default csmith),
# CSMITH_INCLUDE (default /usr/include/csmith), MPP_TEST_WORKDIR (kept when
# a seed fails), MPP_TEST_TIMEOUT (seconds for a translated run, default 60).
#
# A program mppcc refuses with its own diagnostic (file:line:col: error:,
# before any compiler ran) counts as skipped and is listed as such.
# Prints one line per seed and `csmith: N passed, M failed, K skipped`;
# exits 1 when a seed failed or when no seed captured any state at all.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seeds_spec=${1:-${MPP_CSMITH_SEEDS:-1-20}}
read -r -a mppcc_cmd <<<"${MPPCC:-${MPP_TEST_BUILD_DIR:-$root/build}/bin/mppcc}"
read -r -a cc_cmd <<<"${CC:-cc}"
csmith=${CSMITH:-csmith}
inc=${CSMITH_INCLUDE:-/usr/include/csmith}
plain_timeout=${MPP_CSMITH_PLAIN_TIMEOUT:-1}
run_timeout=${MPP_TEST_TIMEOUT:-60}
opts=(--no-unions --no-bitfields --no-packed-struct --no-volatiles
	--no-volatile-pointers --max-funcs 5 --max-block-depth 3
	--max-array-dim 2 --max-array-len-per-dim 8 --max-expr-complexity 6
	--max-struct-fields 5 --concise)
cflags=(-O1 -w -I"$inc")
workdir=${MPP_TEST_WORKDIR-}
# The translated programs run with no MPP_ variable but the ones set here.
while IFS= read -r v; do
	case $v in MPP_LOG) ;; MPP_*) unset "$v" ;; esac
done < <(compgen -e)

command -v "$csmith" >/dev/null || {
	echo "FAIL csmith: $csmith not found (install the csmith package)"
	exit 1
}
[[ -f $inc/csmith.h ]] || {
	echo "FAIL csmith: $inc/csmith.h not found (install libcsmith-dev or set CSMITH_INCLUDE)"
	exit 1
}
if [[ ${mppcc_cmd[0]} == */* && ! -x ${mppcc_cmd[0]} ]]; then
	echo "FAIL csmith: translator not found: ${mppcc_cmd[0]} (build it first: make; or set MPPCC)"
	exit 1
fi

if [[ -n $workdir ]]; then
	work=$workdir
	rm -rf "$work"
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-csmith.XXXXXX")
fi

seeds=()
for item in $seeds_spec; do
	if [[ $item =~ ^([0-9]+)-([0-9]+)$ ]]; then
		for ((s = BASH_REMATCH[1]; s <= BASH_REMATCH[2]; s++)); do seeds+=("$s"); done
	elif [[ $item =~ ^[0-9]+$ ]]; then
		seeds+=("$item")
	else
		echo "$0: bad seed list item '$item'" >&2
		exit 2
	fi
done


passed=0
failed=0
skipped=0
diagnosed=0
captures_total=0
failures=()

# report_sum FILE FIELD: sum of FIELD=value over the lines of an MPP_REPORT file.
report_sum() {
	[[ -s $1 ]] || {
		echo 0
		return
	}
	awk -v f="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "=");
		if (substr($i, 1, n - 1) == f) s += substr($i, n + 1) } } END { print s + 0 }' "$1"
}

# first_diff A B: the first differing line of two files, briefly.
first_diff() {
	diff "$1" "$2" | grep -m 2 '^[<>]' | tr '\n' ' ' | cut -c 1-160 || true
}

# check_seed S: sets verdict to ok, skip or fail, and why.
check_seed() {
	local s=$1 d=$work/$1 rc=0
	mkdir -p "$d"
	if ! "$csmith" --seed "$s" "${opts[@]}" -o "$d/p.c" >"$d/csmith.log" 2>&1; then
		verdict=fail why="csmith failed: $(head -n 1 "$d/csmith.log")"
		return
	fi
	if ! "${cc_cmd[@]}" "${cflags[@]}" -o "$d/plain" "$d/p.c" >"$d/cc.log" 2>&1; then
		verdict=skip why="plain build failed: $(head -n 1 "$d/cc.log")"
		return
	fi
	timeout -k 2 "$plain_timeout" "$d/plain" 1 >"$d/plain.out" 2>/dev/null || rc=$?
	if ((rc == 124 || rc == 137)); then
		verdict=skip why="plain run too long (> ${plain_timeout}s)"
		return
	fi
	local plain_rc=$rc
	rc=0
	"${mppcc_cmd[@]}" --mpp-auto "${cflags[@]}" -o "$d/mpp" "$d/p.c" >"$d/mppcc.log" 2>&1 || rc=$?
	if ((rc != 0)); then
		# mppcc's own refusal (a file:line:col: error: of the translator,
		# before any compiler ran) is a diagnosed program, not a failure;
		# an error of the compiler on translated code is a failure
		if grep -qE "^([^ ]*/)?p\.c:[0-9]+:[0-9]+: error: " "$d/mppcc.log" &&
			! grep -qE "In function|In file included from" "$d/mppcc.log"; then
			verdict=diagnosed why="$(grep -m1 -E 'error: ' "$d/mppcc.log" | sed 's/^[^ ]*p\.c:/p.c:/' | cut -c 1-240)"
			return
		fi
		verdict=fail why="mppcc exited with $rc: $(head -n 3 "$d/mppcc.log" | tr '\n' ' ' | cut -c 1-240)"
		return
	fi
	local n caps polls summary=""
	for n in 1 13; do
		rc=0
		rm -f "$d/report.$n"
		MPP_STRESS=$n MPP_REPORT="$d/report.$n" timeout -k 5 "$run_timeout" "$d/mpp" 1 \
			>"$d/stress$n.out" 2>"$d/stress$n.err" || rc=$?
		if ((rc == 124)); then
			verdict=fail why="MPP_STRESS=$n: timed out after ${run_timeout}s"
			return
		fi
		if ((rc != plain_rc)); then
			verdict=fail why="MPP_STRESS=$n: exit status $rc, plain $plain_rc $(head -n 1 "$d/stress$n.err")"
			return
		fi
		if ! cmp -s "$d/plain.out" "$d/stress$n.out"; then
			verdict=fail why="MPP_STRESS=$n: output differs: $(first_diff "$d/plain.out" "$d/stress$n.out")"
			return
		fi
		caps=$(report_sum "$d/report.$n" captures)
		polls=$(report_sum "$d/report.$n" polls)
		summary+="${summary:+, }STRESS=$n polls=$polls captures=$caps"
		captures_total=$((captures_total + caps))
	done
	verdict=ok why=$summary
}

echo "csmith: seeds $seeds_spec (${#seeds[@]}), work directory $work"
verdict=""
why=""
for s in "${seeds[@]}"; do
	check_seed "$s"
	case $verdict in
	ok)
		passed=$((passed + 1))
		echo "seed $s: ok ($why)"
		rm -rf "${work:?}/$s"
		;;
	skip)
		skipped=$((skipped + 1))
		echo "seed $s: skipped: $why"
		rm -rf "${work:?}/$s"
		;;
	diagnosed)
		skipped=$((skipped + 1))
		diagnosed=$((diagnosed + 1))
		echo "seed $s: skipped: refused by mppcc with a diagnostic: $why"
		rm -rf "${work:?}/$s"
		;;
	*)
		failed=$((failed + 1))
		failures+=("$s")
		echo "seed $s: FAIL: $why (files in $work/$s)"
		;;
	esac
done

echo "csmith: $diagnosed of the skipped seeds were refused by mppcc with a diagnostic"
echo "csmith: $passed passed, $failed failed, $skipped skipped"
if ((failed)); then
	echo "csmith: failing seeds: ${failures[*]}"
	exit 1
fi
if ((passed > 0 && captures_total == 0)); then
	echo "csmith: FAIL: no seed captured any state (captures=0 everywhere): is --mpp-auto placing poll points?"
	exit 1
fi
rm -rf "$work"
exit 0
