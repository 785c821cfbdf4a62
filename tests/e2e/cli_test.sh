#!/usr/bin/env bash
# cli_test.sh: mppcc's command-line errors, each with its exact message and
# exit status, a runtime control with a bad value (status 78), and which
# loops --mpp-auto polls and where polls go around a step loop (placement.c),
# and which functions mppcc writes twice (copies.c).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mppcc=${MPPCC:-$here/../../build/bin/mppcc}
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0

# expect NAME STATUS MESSAGE -- COMMAND...
expect() {
	local name=$1 status=$2 msg=$3
	shift 4
	local out rc=0
	out=$("$@" 2>&1 >/dev/null) || rc=$?
	if [[ $rc != "$status" || $out != "$msg" ]]; then
		echo "FAIL $name: exit $rc, stderr:"
		printf '  | %s\n' "$out"
		echo "  expected exit $status, stderr: $msg"
		fail=1
	else
		echo "ok   $name"
	fi
}

printf 'int main(void)\n{\n\treturn 0;\n}\n' >ok.c
expect missing-input 1 "mppcc: error: nofile.c: No such file or directory" -- "$mppcc" nofile.c -o x
expect unknown-option 2 "mppcc: error: unknown option '--mpp-bogus' (see --mpp-help)" -- "$mppcc" --mpp-bogus ok.c
expect no-input 2 "mppcc: error: no input files" -- "$mppcc"
expect o-with-c 2 "mppcc: error: cannot specify '-o' with '-c' and several source files" -- "$mppcc" -c ok.c ok.c -o x.o
expect missing-o-arg 2 "mppcc: error: missing file name after '-o'" -- "$mppcc" ok.c -o
expect bad-compiler 127 "mppcc: error: cannot run '/nonexistent/cc': No such file or directory" -- env MPP_CC=/nonexistent/cc "$mppcc" ok.c -o x

# the runtime refuses a bad control value before running anything
"$mppcc" ok.c -o prog >/dev/null 2>&1 || { echo "FAIL: cannot build ok.c"; exit 1; }
rc=0
MPP_STRESS=abc ./prog 2>err || rc=$?
if [[ $rc != 78 ]] || ! grep -q "MPP_STRESS" err; then
	echo "FAIL bad-control: exit $rc, stderr: $(cat err)"
	fail=1
else
	echo "ok   bad-control ($(cat err))"
fi
# --mpp-auto leaves short constant loops to the poll around them: with only
# short loops inside, the 200 steps of short_loops.c are all its polls; each
# look-alike polls on its own (-DONLY=K)
for only in 0 1 2 3 4 5; do
	rm -f report
	if ! "$mppcc" --mpp-auto -O2 -DONLY=$only -o short "$here/../programs/short_loops.c" -lm >build.log 2>&1 ||
		! MPP_REPORT=report ./short >/dev/null; then
		echo "FAIL short-loops ONLY=$only: build or run failed"
		sed 's/^/  | /' build.log
		fail=1
		continue
	fi
	polls=$(sed -n 's/.* polls=\([0-9]*\) .*/\1/p' report)
	if { ((only == 0)) && [[ $polls != 200 ]]; } || { ((only > 0)) && ((polls <= 200)); }; then
		echo "FAIL short-loops ONLY=$only: $polls polls (expected 200 for 0, more for a look-alike)"
		fail=1
	else
		echo "ok   short-loops ONLY=$only ($polls polls)"
	fi
done
# where polls go in placement.c (see there): a scan polls once per 4 of its
# iterations (on every one before its body was written 4 times over, 33723
# polls); a nest's short inner loop runs unpolled and the outer loop
# polls every 41 of its iterations, a long inner loop polls in chunks; a
# pragma loop calling bounded work is strip-mined. With --mpp-auto, the
# program's loop filling its 4096-element table adds one poll, and so does
# the strip-mined step loop of variant 2.
for spec in "1 auto 8470" "2 auto 202" "2 auto 20002 10000" "3 pragma 1"; do
	read -r only mode want arg <<<"$spec"
	opts=()
	[[ $mode == auto ]] && opts=(--mpp-auto)
	rm -f report
	if ! "$mppcc" "${opts[@]}" -O2 -DONLY=$only -o placement "$here/../programs/placement.c" >build.log 2>&1 ||
		! MPP_REPORT=report ./placement $arg >/dev/null; then
		echo "FAIL placement ONLY=$only $mode $arg: build or run failed"
		sed 's/^/  | /' build.log
		fail=1
		continue
	fi
	polls=$(sed -n 's/.* polls=\([0-9]*\) .*/\1/p' report)
	if { [[ $want == ">"* ]] && ((polls <= ${want#>})); } || { [[ $want != ">"* ]] && [[ $polls != "$want" ]]; }; then
		echo "FAIL placement ONLY=$only $mode $arg: $polls polls (expected $want)"
		fail=1
	else
		echo "ok   placement ONLY=$only $mode $arg ($polls polls)"
	fi
done
# which functions are written twice (copies.c, see there and README, How
# mppcc translates): subsets, walk and main get a restoring copy of their
# own; step's loop holds no call and old_style has no prototype: written once
rm -rf emit
if ! "$mppcc" -O2 --mpp-emit=emit -c -o copies.o "$here/../programs/copies.c" >build.log 2>&1; then
	echo "FAIL copies: translation failed"
	sed 's/^/  | /' build.log
	fail=1
else
	twice=$(grep -o '__mpp_slow_[a-z]*' emit/copies.c | sort -u | tr '\n' ' ')
	if [[ $twice != "__mpp_slow_main __mpp_slow_subsets __mpp_slow_walk " ]]; then
		echo "FAIL copies: restoring copies '$twice' (expected main, subsets and walk)"
		fail=1
	else
		echo "ok   copies: 3 functions written twice"
	fi
fi
exit $fail
