#!/usr/bin/env bash
# hetero_fit_test.sh: values that cannot move to every architecture are
# refused by name, never truncated. Builds tests/e2e/hetero/fit.c for each
# available architecture; for every MODE of fit.c and every source
# architecture with 64-bit longs (x86_64, s390x), checkpoints after the
# value is stored and restarts on every other architecture. Each restart
# must do what tests/e2e/hetero/fit.expected says: `ok` (the output before
# the checkpoint and after the restart, together, equal the plain run on the
# source architecture) or `refused MESSAGE` (status 1, nothing on stdout, and
# exactly the line "mpp: cannot restore 'STATE': MESSAGE" on stderr).
# Pairs with an architecture that is not available are skipped, saying so;
# with fewer than two architectures, exit status 77 (skipped).
#
# Environment: MPPCC (translator), MPP_TEST_WORKDIR, MPP_TEST_KEEP=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MPP_TEST_BUILD_DIR:-$root/build}
read -r -a mppcc_cmd <<<"${MPPCC:-$build/bin/mppcc}"
src=$here/hetero/fit.c
expected=$here/hetero/fit.expected
if [[ -n ${MPP_TEST_WORKDIR-} ]]; then
	work=$MPP_TEST_WORKDIR
	rm -rf "$work"
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-hetero-fit.XXXXXX")
fi
work=$(cd "$work" && pwd)
while IFS= read -r v; do
	case $v in MPP_LOG) ;; MPP_*) unset "$v" ;; esac
done < <(compgen -e)

. "$here/hetero_lib.sh"
hetero_detect "$work/probe" x86_64 i686 s390x
if ((${#archs[@]} < 2)); then
	echo "SKIP: fewer than two architectures available (${archs[*]:-none})"
	rm -rf "$work"
	exit 77
fi
have() { [[ " ${archs[*]} " == *" $1 "* ]]; }

for a in "${archs[@]}"; do
	read -r -a c <<<"$(cc_of "$a")"
	if ! MPP_CC="${c[*]}" "${mppcc_cmd[@]}" -O2 -o "$work/fit.$a" "$src" >"$work/build.$a.log" 2>&1; then
		echo "FAIL [build $a] MPP_CC=\"${c[*]}\" mppcc -O2 $src"
		sed 's/^/  | /' "$work/build.$a.log" | head -n 20
		exit 1
	fi
done

RC=0
run() { # run LABEL ARCH MODE [VAR=VALUE...]
	local label=$1 arch=$2 mode=$3 emu
	shift 3
	read -r -a emu <<<"$(emu_of "$arch")"
	RC=0
	timeout -k 5 60 env "$@" "${emu[@]}" "$work/fit.$arch" "$mode" </dev/null \
		>"$work/$label.out" 2>"$work/$label.err" || RC=$?
}

failed=0 passed=0 skipped=0
while read -r mode from to what msg; do
	[[ -z $mode || $mode == \#* ]] && continue
	if ! have "$from" || ! have "$to"; then
		skipped=$((skipped + 1))
		continue
	fi
	state=$work/$mode.$from.state
	if [[ ! -f $state ]]; then
		run "plain.$mode.$from" "$from" "$mode"
		run "ck.$mode.$from" "$from" "$mode" MPP_CHECKPOINT="$state" MPP_CHECKPOINT_AT=5
		if ((RC != 75)); then
			echo "FAIL [mode $mode on $from] checkpoint: exit $RC, expected 75"
			sed 's/^/  | /' "$work/ck.$mode.$from.err" | tail -n 5
			failed=$((failed + 1))
			continue
		fi
	fi
	label=rs.$mode.$from.$to
	run "$label" "$to" "$mode" MPP_RESTART="$state"
	case $what in
	ok)
		if ((RC == 0)) && cat "$work/ck.$mode.$from.out" "$work/$label.out" | cmp -s - "$work/plain.$mode.$from.out"; then
			echo "ok   [mode $mode $from -> $to] restored, same output"
			passed=$((passed + 1))
		else
			echo "FAIL [mode $mode $from -> $to] expected a restore with the plain output: exit $RC"
			sed 's/^/  | /' "$work/$label.err" | tail -n 5
			failed=$((failed + 1))
		fi
		;;
	refused)
		want="mpp: cannot restore '$state': $msg"
		if ((RC == 1)) && [[ ! -s $work/$label.out && $(cat "$work/$label.err") == "$want" ]]; then
			echo "ok   [mode $mode $from -> $to] refused: $msg"
			passed=$((passed + 1))
		else
			echo "FAIL [mode $mode $from -> $to] expected status 1 and: $want"
			echo "  got status $RC and:"
			sed 's/^/  | /' "$work/$label.err" | head -n 5
			failed=$((failed + 1))
		fi
		;;
	*)
		echo "$0: bad line in $expected: $mode $from $to $what" >&2
		exit 2
		;;
	esac
done <"$expected"
((skipped == 0)) || echo "skip $skipped cases with an architecture that is not available here"
if ((failed)); then
	echo "FAILED: $failed of $((failed + passed)) cases (files kept in $work)"
	exit 1
fi
echo "PASS: $passed cases"
[[ ${MPP_TEST_KEEP:-0} == 1 ]] || rm -rf "$work"
