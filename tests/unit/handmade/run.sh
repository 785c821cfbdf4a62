#!/usr/bin/env bash
# run.sh: proves libmpp with programs translated by hand (walk.c, points.c),
# before and independently of mppcc. Each program is built against
# BUILD/lib/libmpp.a and must print the same stdout and exit with the same
# status as its run without any MPP_ variable when run with MPP_STRESS=1,
# MPP_STRESS=3, MPP_STRESS_EXEC=5, checkpointed with MPP_CHECKPOINT_AT
# (status 75) and restarted with MPP_RESTART (chains, concatenated output),
# and vacated by SIGUSR2 (walk only); MPP_REPORT must show the captures,
# and damaged state files must be refused with status 1.
#
# Usage: tests/unit/handmade/run.sh   (BUILD = MPP_TEST_BUILD_DIR or build/;
# CC picks the compiler, default cc, e.g. "gcc -m32" with a libmpp.a built
# by it; MPP_TEST_EMU runs the programs through an emulator, e.g.
# qemu-s390x-static, and then skips MPP_STRESS_EXEC, whose execve of
# /proc/self/exe needs binfmt_misc). Exit status 0 when everything passed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${MPP_TEST_BUILD_DIR:-$root/build}
lib=$build/lib/libmpp.a
# what a program linked with this libmpp.a needs (the sanitizer options of an
# MPP_SANITIZE build, as mppcc adds them), written beside it by the build
rtflags=()
if [[ -f $build/lib/libmpp.flags ]]; then
	read -r -a rtflags <"$build/lib/libmpp.flags" || true
fi
read -r -a cc <<<"${CC:-cc}"
read -r -a emu <<<"${MPP_TEST_EMU:-}"
while IFS= read -r v; do
	case $v in MPP_*) unset "$v" ;; esac
done < <(compgen -e)
[[ -f $lib ]] || {
	echo "run.sh: $lib not found (build first)" >&2
	exit 2
}
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-handmade.XXXXXX")
failed=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failed=1
}

# run NAME BIN ARGS... with extra environment in ENVS (array); sets RC.
RC=0
run() {
	local name=$1 bin=$2
	shift 2
	RC=0
	env "${ENVS[@]}" "${emu[@]}" "$bin" "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null || RC=$?
}

report_sum() {
	awk -v f="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "=");
		if (substr($i, 1, n - 1) == f) s += substr($i, n + 1) } } END { print s + 0 }' "$1"
}

check_prog() {
	local prog=$1
	shift
	local bin=$work/$prog
	if ! "${cc[@]}" "${rtflags[@]}" -O2 -Wall -Wextra -Werror -I "$root/runtime" -o "$bin" "$here/$prog.c" "$lib" -lm \
		>"$work/$prog.cc" 2>&1; then
		bad "$prog: build failed"
		sed 's/^/  | /' "$work/$prog.cc"
		return
	fi
	ENVS=()
	run "$prog.plain" "$bin" "$@"
	local plain_rc=$RC ref=$work/$prog.plain.out
	rm -f "$work/$prog.count"
	ENVS=(MPP_REPORT="$work/$prog.count")
	run "$prog.count" "$bin" "$@"
	local polls
	polls=$(report_sum "$work/$prog.count" polls)
	if ((polls < 4)); then
		bad "$prog: MPP_REPORT shows $polls polls"
		return
	fi
	echo "     $prog: exit $plain_rc, $(wc -l <"$ref") lines, $polls polls"

	local m modes=(MPP_STRESS=1 MPP_STRESS=3 MPP_STRESS_EXEC=5)
	((${#emu[@]} == 0)) || modes=(MPP_STRESS=1 MPP_STRESS=3)
	for m in "${modes[@]}"; do
		rm -f "$work/$prog.rep"
		ENVS=("$m" MPP_REPORT="$work/$prog.rep")
		run "$prog.m" "$bin" "$@"
		local caps
		caps=$(report_sum "$work/$prog.rep" captures)
		if [[ $RC != "$plain_rc" ]] || ! cmp -s "$ref" "$work/$prog.m.out"; then
			bad "$prog $m: exit $RC (plain $plain_rc) or output differs"
			sed 's/^/  | /' "$work/$prog.m.err" | tail -5
		elif ((caps == 0)); then
			bad "$prog $m: no captures in the report"
		else
			ok "$prog $m: same output, $(tail -n 1 "$work/$prog.rep")"
		fi
	done

	# checkpoint chains: at quarter points, at the first and at the last poll
	local chain
	for chain in "$((polls / 4)) $((polls / 2)) $((3 * polls / 4))" 1 "$polls"; do
		local st=$work/$prog.state cat=$work/$prog.cat at restart=() okc=1
		rm -f "$st"
		: >"$cat"
		for at in $chain; do
			ENVS=("${restart[@]}" MPP_CHECKPOINT="$st" MPP_CHECKPOINT_AT="$at")
			run "$prog.c" "$bin" "$@"
			cat "$work/$prog.c.out" >>"$cat"
			if ((RC != 75)) || [[ ! -s $st ]]; then
				bad "$prog checkpoint at $at: exit $RC, expected 75 and a state file"
				sed 's/^/  | /' "$work/$prog.c.err" | tail -5
				okc=0
				break
			fi
			restart=(MPP_RESTART="$st")
		done
		((okc)) || continue
		ENVS=(MPP_RESTART="$st")
		run "$prog.r" "$bin" "$@"
		cat "$work/$prog.r.out" >>"$cat"
		if [[ $RC != "$plain_rc" ]] || ! cmp -s "$ref" "$cat"; then
			bad "$prog checkpoints at $chain: restarted run exit $RC or output differs"
			sed 's/^/  | /' "$work/$prog.r.err" | tail -5
		else
			ok "$prog checkpoints at poll $chain ($(stat -c %s "$st") bytes), restarted: same output"
		fi
	done

	# damaged states are refused with status 1, nothing on stdout, file untouched
	[[ -s $st ]] || return 0
	cp "$st" "$work/good.state"
	local size
	size=$(stat -c %s "$work/good.state")
	head -c $((size / 2)) "$work/good.state" >"$work/bad.truncated"
	cp "$work/good.state" "$work/bad.flipped"
	printf '\x55' | dd of="$work/bad.flipped" bs=1 seek=$((size / 2)) conv=notrunc status=none
	: >"$work/bad.empty"
	cp "$here/$prog.c" "$work/bad.foreign"
	local f
	for f in "$work"/bad.*; do
		cp "$f" "$work/copy"
		ENVS=(MPP_RESTART="$f")
		run "$prog.g" "$bin" "$@"
		if ((RC != 1)) || [[ -s $work/$prog.g.out || ! -s $work/$prog.g.err ]] || ! cmp -s "$f" "$work/copy"; then
			bad "$prog: damaged state ${f##*.}: exit $RC, expected 1 with a message"
		else
			ok "$prog: ${f##*.} state refused: $(head -n 1 "$work/$prog.g.err")"
		fi
	done
}

# vacate PROG ARGS...: SIGUSR2 while running with MPP_CHECKPOINT, then restart.
vacate() {
	local prog=$1
	shift
	local bin=$work/$prog st=$work/$prog.vstate pid rc=0
	ENVS=()
	run "$prog.vplain" "$bin" "$@"
	local plain_rc=$RC
	rm -f "$st"
	(exec env MPP_CHECKPOINT="$st" "${emu[@]}" "$bin" "$@" >"$work/$prog.v1.out" 2>"$work/$prog.v1.err" </dev/null) &
	pid=$!
	sleep 0.4
	kill -USR2 "$pid"
	wait "$pid" || rc=$?
	if ((rc != 75)); then
		bad "$prog SIGUSR2: exit $rc, expected 75"
		return
	fi
	ENVS=(MPP_RESTART="$st")
	run "$prog.v2" "$bin" "$@"
	cat "$work/$prog.v1.out" "$work/$prog.v2.out" >"$work/$prog.vcat"
	if [[ $RC != "$plain_rc" ]] || ! cmp -s "$work/$prog.vplain.out" "$work/$prog.vcat"; then
		bad "$prog SIGUSR2: restarted run exit $RC or output differs"
	else
		ok "$prog SIGUSR2: exit 75 ($(stat -c %s "$st") bytes), restarted: same output"
	fi
}

check_prog walk
check_prog walk 7 1 extra-argument
check_prog points
check_prog points 9
if ((${#emu[@]})); then
	vacate walk 1000000 200000
else
	vacate walk 20000000 4000000
fi

if ((failed)); then
	echo "FAILED (files kept in $work)"
	exit 1
fi
rm -rf "$work"
echo PASS
