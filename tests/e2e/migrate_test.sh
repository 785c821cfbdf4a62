#!/usr/bin/env bash
# migrate_test.sh: end-to-end migration test of one sequential C program.
#
# Usage: tests/e2e/migrate_test.sh PROGRAM.c pragma|auto
#
# Builds PROGRAM.c plainly (`cc -O2`) and with mppcc (`mppcc -O2`, plus
# --mpp-auto for the `auto` variant; the `pragma` variant uses the program's
# own `#pragma mpp` points), then checks that the translated program prints
# the same stdout and exits with the same status as the plain one when it is
#   a  run with no MPP_ variable;
#   b  run with MPP_STRESS=1 (capture, drop and rebuild at every poll);
#   c  run with MPP_STRESS=7;
#   d  run with MPP_STRESS_EXEC=50 (state to a file, execve afresh, restore);
#   e  checkpointed and restarted: a chain of runs with MPP_CHECKPOINT_AT at
#      three points spread over the run (each must exit with status 75), each
#      restarted with MPP_RESTART, the last one run to the end; plus single
#      checkpoints at the first and at the last poll. The stdouts of a chain,
#      concatenated, must equal the plain stdout;
#   f  vacated: SIGUSR2 while running with MPP_CHECKPOINT (status 75), then
#      restarted (only programs tagged `vacate`);
#   g  restarted from a damaged state file (truncated, one byte flipped,
#      empty, not a state file): must be refused with status 1, no output,
#      and the file left untouched.
# A run with MPP_REPORT first learns P, the number of poll points the program
# passes. The reports of b, c and d must show captures, so a translator that
# does nothing cannot pass. When P/N would be very large, N is raised so that
# a stress run does at most MPP_TEST_MAX_CAPTURES captures (200000) and moves
# at most MPP_TEST_STRESS_BYTES bytes of state (2 GiB; exec mode:
# MPP_TEST_MAX_EXECS execs (2000) and an eighth of the bytes), the state's
# size being known from mode e; the output says so.
#
# Tags: per-program options, written in the program's source as comments, one
# tag per comment:
#   /* mpp-test: args=3 5 */        command-line arguments (split on blanks)
#   /* mpp-test: stdin=FILE */      stdin from FILE, relative to the program's
#                                   directory (default /dev/null); a restarted
#                                   process gets the same file from its start,
#                                   so read the input before the first poll
#   /* mpp-test: cflags=-lm */      extra options for both compilers, after
#                                   the source file
#   /* mpp-test: vacate */          also run mode f (the program must run long
#                                   enough for SIGUSR2 to arrive: the signal is
#                                   sent after 40% of the plain run time)
#   /* mpp-test: vacate-args=...*/  arguments for mode f only (implies vacate),
#                                   to make the program run long (~1 s)
#   /* mpp-test: stress-only */     run modes a-d only
#   /* mpp-test: pragma-only */     no --mpp-auto variant (see tests/e2e/CMakeLists.txt)
#   /* mpp-test: hetero-long */, /* mpp-test: hetero-refuse=VAR */
#                                   for hetero_test.sh (see there)
#
# Environment:
#   MPPCC                 translator command (default BUILD/bin/mppcc, where
#                         BUILD is MPP_TEST_BUILD_DIR or the source tree's build/)
#   CC                    plain compiler command (default cc)
#   MPP_CC                passed to mppcc only (its underlying compiler)
#   MPP_TEST_TIMEOUT      seconds allowed for each run (default 150: a loaded
#                         machine runs the stress modes several times slower)
#   MPP_TEST_WORKDIR      directory for binaries, outputs and state files
#                         (default: a new temporary directory)
#   MPP_TEST_KEEP=1       keep the work directory even when the test passes
#   MPP_TEST_EMIT=1       pass --mpp-emit=WORKDIR/emit to mppcc
#   MPP_TEST_MAX_CAPTURES, MPP_TEST_STRESS_BYTES, MPP_TEST_MAX_EXECS   see above
#   MPP_TEST_STACK_KB     stack limit of both builds' runs (ulimit -s), for
#                         builds with larger frames (ASan's redzones)
# Every other MPP_ variable except MPP_LOG is removed from the environment of
# the runs, so that mode a really runs with no MPP_ variable.
#
# Exit status: 0 passed, 1 failed (the failing modes are listed), 2 usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
	echo "usage: $0 PROGRAM.c pragma|auto" >&2
	exit 2
}
(($# == 2)) || usage
src=$1
variant=$2
case $variant in pragma | auto) ;; *) usage ;; esac
[[ -f $src ]] || {
	echo "$0: $src: no such file" >&2
	exit 2
}
src=$(cd "$(dirname "$src")" && pwd)/$(basename "$src")
srcdir=$(dirname "$src")
name=$(basename "$src" .c).$variant

# ---- Harness settings, read before the MPP_ variables are cleared --------
build=${MPP_TEST_BUILD_DIR:-$root/build}
read -r -a mppcc_cmd <<<"${MPPCC:-$build/bin/mppcc}"
read -r -a cc_cmd <<<"${CC:-cc}"
timeout_s=${MPP_TEST_TIMEOUT:-150}
keep=${MPP_TEST_KEEP:-0}
emit=${MPP_TEST_EMIT:-0}
max_captures=${MPP_TEST_MAX_CAPTURES:-200000}
max_execs=${MPP_TEST_MAX_EXECS:-2000}
if [[ -n ${MPP_TEST_STACK_KB-} ]]; then
	ulimit -s "$MPP_TEST_STACK_KB"
fi
stress_bytes=${MPP_TEST_STRESS_BYTES:-2147483648}
exec_bytes=$((stress_bytes / 8))
mpp_cc=${MPP_CC-}
mpp_cc_set=${MPP_CC+set}
if [[ -n ${MPP_TEST_WORKDIR-} ]]; then
	work=$MPP_TEST_WORKDIR
	rm -rf "$work"
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-e2e.$name.XXXXXX")
fi
work=$(cd "$work" && pwd)
while IFS= read -r v; do
	case $v in MPP_LOG) ;; MPP_*) unset "$v" ;; esac
done < <(compgen -e)

# ---- Tags -----------------------------------------------------------------
args=()
vacate_args=()
cflags=()
stdin_file=/dev/null
vacate=0
vacate_args_set=0
stress_only=0
while IFS= read -r tag; do
	[[ -n $tag ]] || continue
	case $tag in
	args=*) read -r -a args <<<"${tag#args=}" ;;
	stdin=*) stdin_file=$srcdir/${tag#stdin=} ;;
	cflags=*) read -r -a cflags <<<"${tag#cflags=}" ;;
	vacate) vacate=1 ;;
	vacate-args=*)
		vacate=1
		vacate_args_set=1
		read -r -a vacate_args <<<"${tag#vacate-args=}"
		;;
	stress-only) stress_only=1 ;;
	pragma-only) ;; # read by tests/e2e/CMakeLists.txt: no auto variant
	hetero-long | hetero-refuse=*) ;; # read by hetero_test.sh
	*)
		echo "$0: $src: unknown tag 'mpp-test: $tag'" >&2
		exit 2
		;;
	esac
done < <(grep -o 'mpp-test:[^*]*' "$src" | sed 's/^mpp-test:[[:space:]]*//; s/[[:space:]]*$//' || true)
((vacate_args_set)) || vacate_args=("${args[@]}")
[[ -r $stdin_file ]] || {
	echo "$0: $src: stdin file $stdin_file not readable" >&2
	exit 2
}

# ---- Reporting ------------------------------------------------------------
failed=()
say() { printf '%s\n' "$*"; }
ok() { say "ok   [$1] $2"; }

# fail MODE MESSAGE [STDOUT_FILE [STDERR_FILE [EXPECTED_STDOUT]]]
fail() {
	local mode=$1 msg=$2 out=${3-} err=${4-} exp=${5:-$work/plain.out}
	failed+=("$mode")
	say "FAIL [$mode] $msg"
	if [[ -n $out && -f $out ]] && ! cmp -s "$exp" "$out"; then
		say "  stdout differs from the plain run (first lines of diff -u plain this):"
		diff -u "$exp" "$out" | sed -n '3,32s/^/  | /p' || true
	fi
	if [[ -n $err && -s $err ]]; then
		say "  stderr of the translated run (last lines):"
		tail -n 12 "$err" | sed 's/^/  | /'
	fi
}

now_us() { echo "${EPOCHREALTIME/./}"; }

# ---- Runs -----------------------------------------------------------------
# run LABEL BINARY [VAR=VALUE...]: run BINARY with the program's arguments and
# stdin plus the given variables; stdout in WORK/LABEL.out, stderr in
# WORK/LABEL.err, exit status in RC (124: timed out).
RC=0
run() {
	local label=$1 bin=$2
	shift 2
	RC=0
	timeout -k 5 "$timeout_s" env "$@" "$bin" "${args[@]}" <"$stdin_file" \
		>"$work/$label.out" 2>"$work/$label.err" || RC=$?
	if ((RC == 124)); then
		say "note [$label] timed out after ${timeout_s}s"
	fi
	return 0
}

# report_sum FILE FIELD: sum of FIELD=value over the report lines in FILE.
report_sum() {
	awk -v f="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "=");
		if (substr($i, 1, n - 1) == f) s += substr($i, n + 1) } } END { print s + 0 }' "$1"
}

# same MODE LABEL_OR_FILE RC [ERR]: compare a run with the plain run.
same() {
	local mode=$1 out=$2 rc=$3 err=${4-}
	[[ -f $out ]] || out=$work/$out.out
	if [[ $rc != "$plain_rc" ]]; then
		fail "$mode" "exit status $rc, plain run exited with $plain_rc" "$out" "$err"
		return 1
	fi
	if ! cmp -s "$work/plain.out" "$out"; then
		fail "$mode" "stdout differs" "$out" "$err"
		return 1
	fi
	return 0
}

# ---- Build ----------------------------------------------------------------
say "== $name: $src"
say "   work directory: $work"
if ! "${cc_cmd[@]}" -O2 -o "$work/plain" "$src" "${cflags[@]}" >"$work/cc.log" 2>&1; then
	say "FAIL [build] plain build failed: ${cc_cmd[*]} -O2 -o plain $src ${cflags[*]}"
	sed 's/^/  | /' "$work/cc.log" | head -n 30
	exit 1
fi
if [[ ${mppcc_cmd[0]} == */* && ! -x ${mppcc_cmd[0]} ]]; then
	say "FAIL [build] translator not found: ${mppcc_cmd[0]} (build it first: make; or set MPPCC)"
	exit 1
fi
mpp_opts=(-O2)
[[ $variant == auto ]] && mpp_opts+=(--mpp-auto)
((emit)) && mpp_opts+=("--mpp-emit=$work/emit")
rc=0
if [[ -n $mpp_cc_set ]]; then
	MPP_CC=$mpp_cc "${mppcc_cmd[@]}" "${mpp_opts[@]}" -o "$work/mpp" "$src" "${cflags[@]}" >"$work/mppcc.log" 2>&1 || rc=$?
else
	"${mppcc_cmd[@]}" "${mpp_opts[@]}" -o "$work/mpp" "$src" "${cflags[@]}" >"$work/mppcc.log" 2>&1 || rc=$?
fi
if ((rc != 0)); then
	say "FAIL [build] ${mppcc_cmd[*]} ${mpp_opts[*]} -o mpp $src ${cflags[*]} exited with $rc:"
	sed 's/^/  | /' "$work/mppcc.log" | head -n 30
	exit 1
fi
mpp=$work/mpp

# ---- Plain reference --------------------------------------------------------
t0=$(now_us)
run plain "$work/plain"
plain_us=$(($(now_us) - t0))
plain_rc=$RC
if ((plain_rc == 124)); then
	say "FAIL [plain] the plain program timed out"
	exit 1
fi
say "     plain run: exit $plain_rc, $(wc -l <"$work/plain.out") lines, $((plain_us / 1000)) ms"

# ---- a: no MPP_ variable ----------------------------------------------------
t0=$(now_us)
run a "$mpp"
a_us=$(($(now_us) - t0))
same a a "$RC" "$work/a.err" && ok a "no MPP_ variable: same output ($((a_us / 1000)) ms)"

# ---- P from MPP_REPORT --------------------------------------------------------
rm -f "$work/report.count"
run count "$mpp" MPP_REPORT="$work/report.count"
same count count "$RC" "$work/count.err" || true
if [[ ! -s $work/report.count ]]; then
	fail report "MPP_REPORT=FILE wrote no report line (is the program translated and linked with libmpp?)" "" "$work/count.err"
	say "FAILED $name: ${failed[*]}"
	exit 1
fi
polls=$(report_sum "$work/report.count" polls)
say "     MPP_REPORT: $(tail -n 1 "$work/report.count")"
if ((polls < 1)); then
	fail report "the translated program passed no poll point (polls=0)"
	say "FAILED $name: ${failed[*]}"
	exit 1
fi

# ---- e: checkpoint chains -------------------------------------------------------
# chain MODE AT...: checkpoint at each AT in turn (restarting from the
# previous state), then restart and run to the end.
good_state=""
chain() {
	local mode=$1
	shift
	local state=$work/$mode.state cat=$work/$mode.cat i=0 at sizes=""
	local restart=()
	rm -f "$state"
	: >"$cat"
	for at in "$@"; do
		i=$((i + 1))
		run "$mode.$i" "$mpp" "${restart[@]}" MPP_CHECKPOINT="$state" MPP_CHECKPOINT_AT="$at"
		cat "$work/$mode.$i.out" >>"$cat"
		if ((RC != 75)); then
			fail "$mode" "run $i (${restart[*]:+restarted, }MPP_CHECKPOINT_AT=$at) exited with $RC, expected 75 (checkpoint written)" \
				"" "$work/$mode.$i.err"
			return 0
		fi
		if [[ ! -s $state ]]; then
			fail "$mode" "run $i (MPP_CHECKPOINT_AT=$at) exited with 75 but wrote no state file" "" "$work/$mode.$i.err"
			return 0
		fi
		sizes+="${sizes:+, }$(stat -c %s "$state")"
		[[ -n $good_state ]] || {
			good_state=$work/good.state
			cp "$state" "$good_state"
		}
		restart=(MPP_RESTART="$state")
	done
	run "$mode.end" "$mpp" MPP_RESTART="$state"
	cat "$work/$mode.end.out" >>"$cat"
	same "$mode" "$cat" "$RC" "$work/$mode.end.err" || return 0
	ok "$mode" "checkpoints at poll $* (state bytes: $sizes), restarted: same output"
}
if ((!stress_only)); then
	points=()
	for k in 1 2 3; do
		p=$((1 + (polls - 1) * k / 4))
		if ((${#points[@]} == 0 || p > points[${#points[@]} - 1])); then
			points+=("$p")
		fi
	done
	chain e "${points[@]}"
	((points[0] > 1)) && chain e1 1
	((points[${#points[@]} - 1] < polls)) && chain eP "$polls"
fi

# ---- b, c, d: stress ------------------------------------------------------------
# The size of one state, from the checkpoints above (a guess without them),
# bounds the work of a stress run.
state_bytes=65536
[[ -n $good_state ]] && state_bytes=$(stat -c %s "$good_state")
((state_bytes > 0)) || state_bytes=1

# stress MODE VAR N MAXCOUNT MAXBYTES: run with VAR=N and MPP_REPORT, N raised
# so that the run does at most MAXCOUNT captures of at most MAXBYTES in all;
# check the output and that state really travelled.
stress() {
	local mode=$1 var=$2 n=$3 cap=$4 note=""
	local bcap=$(($5 / state_bytes))
	((bcap >= 1)) || bcap=1
	((bcap < cap)) && cap=$bcap
	if ((polls / n > cap)); then
		n=$(((polls + cap - 1) / cap))
		note=" (raised from $3: P=$polls, state $state_bytes bytes)"
	fi
	rm -f "$work/report.$mode"
	run "$mode" "$mpp" "$var=$n" MPP_REPORT="$work/report.$mode"
	same "$mode" "$mode" "$RC" "$work/$mode.err" || return 0
	local caps=0 rest=0
	if [[ -s $work/report.$mode ]]; then
		caps=$(report_sum "$work/report.$mode" captures)
		rest=$(report_sum "$work/report.$mode" restores)
	fi
	# After an execve the report may come from the last process image only,
	# which may have restored without capturing again: count both there.
	local moved=$caps
	[[ $var == MPP_STRESS_EXEC ]] && moved=$((caps + rest))
	if ((polls >= n && moved == 0)); then
		fail "$mode" "$var=$n: same output but the report shows captures=$caps restores=$rest (P=$polls)" "" "$work/$mode.err"
		return 0
	fi
	ok "$mode" "$var=$n$note: same output, captures=$caps restores=$rest"
}
stress b MPP_STRESS 1 "$max_captures" "$stress_bytes"
stress c MPP_STRESS 7 "$max_captures" "$stress_bytes"
exec_n=50
((polls < 2 * exec_n)) && exec_n=$(((polls + 1) / 2))
stress d MPP_STRESS_EXEC "$exec_n" "$max_execs" "$exec_bytes"

# ---- f: vacate by SIGUSR2 ---------------------------------------------------------
vacate_run() {
	local saved_args=("${args[@]}")
	args=("${vacate_args[@]}")
	local ref=$work/plain.out ref_rc=$plain_rc ref_us=$plain_us
	if ((vacate_args_set)); then
		local t0
		t0=$(now_us)
		run vplain "$work/plain"
		ref_us=$(($(now_us) - t0))
		ref=$work/vplain.out
		ref_rc=$RC
	fi
	local delay_ms=$((ref_us * 2 / 5 / 1000))
	((delay_ms >= 30)) || delay_ms=30
	local state=$work/f.state
	rm -f "$state"
	(exec env MPP_CHECKPOINT="$state" "$mpp" "${args[@]}" <"$stdin_file" >"$work/f.1.out" 2>"$work/f.1.err") &
	local pid=$! sl who rc=0 t_sig t_exit
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	t_sig=$(now_us)
	kill -USR2 "$pid" 2>/dev/null || true
	sleep "$timeout_s" &
	sl=$!
	wait -n -p who "$pid" "$sl" || rc=$?
	t_exit=$(now_us)
	if [[ $who == "$sl" ]]; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		rc=124
	else
		kill "$sl" 2>/dev/null || true
		wait "$sl" 2>/dev/null || true
	fi
	if ((rc != 75)); then
		local why=""
		((rc == ref_rc)) && why=" (the program may have finished before the signal: plain run takes $((ref_us / 1000)) ms, signal sent after $delay_ms ms; use vacate-args for a longer run)"
		((rc == 140)) && why=" (killed by SIGUSR2: no handler installed)"
		fail f "SIGUSR2 with MPP_CHECKPOINT: exit status $rc, expected 75$why" "" "$work/f.1.err"
		args=("${saved_args[@]}")
		return 0
	fi
	run f.end "$mpp" MPP_RESTART="$state"
	cat "$work/f.1.out" "$work/f.end.out" >"$work/f.cat"
	args=("${saved_args[@]}")
	if [[ $RC != "$ref_rc" ]]; then
		fail f "restart after vacate: exit status $RC, plain run exited with $ref_rc" "$work/f.cat" "$work/f.end.err" "$ref"
	elif ! cmp -s "$ref" "$work/f.cat"; then
		fail f "restart after vacate: stdout differs" "$work/f.cat" "$work/f.end.err" "$ref"
	else
		ok f "SIGUSR2 after $delay_ms ms: exit 75 after $(((t_exit - t_sig) / 1000)) ms, $(stat -c %s "$state") state bytes; restarted: same output"
	fi
}
((vacate && !stress_only)) && vacate_run

# ---- g: damaged state files ---------------------------------------------------------
# refuse LABEL FILE: restarting from FILE must fail with status 1, print
# nothing on stdout, say why on stderr and leave FILE untouched.
refuse() {
	local label=$1 file=$2
	cp "$file" "$work/g.copy"
	run "g.$label" "$mpp" MPP_RESTART="$file"
	if ((RC != 1)); then
		fail g "restart from a $label state file: exit status $RC, expected 1 (state file refused)" "" "$work/g.$label.err"
	elif [[ -s $work/g.$label.out ]]; then
		fail g "restart from a $label state file: exit 1 but the program printed on stdout" "" "$work/g.$label.err"
	elif [[ ! -s $work/g.$label.err ]]; then
		fail g "restart from a $label state file: exit 1 but no message on stderr"
	elif ! cmp -s "$file" "$work/g.copy"; then
		fail g "restart from a $label state file changed the file"
	else
		ok g "$label state file refused: $(head -n 1 "$work/g.$label.err")"
	fi
}
if [[ -n $good_state ]] && ((!stress_only)); then
	size=$(stat -c %s "$good_state")
	head -c $((size / 2)) "$good_state" >"$work/truncated.state"
	refuse truncated "$work/truncated.state"
	cp "$good_state" "$work/flipped.state"
	off=$((size / 2))
	byte=$(od -An -tu1 -j "$off" -N1 "$good_state" | tr -d ' ')
	printf '%b' "\\0$(printf %03o $((byte ^ 255)))" |
		dd of="$work/flipped.state" bs=1 seek="$off" conv=notrunc status=none
	refuse flipped "$work/flipped.state"
	: >"$work/empty.state"
	refuse empty "$work/empty.state"
	cp "$src" "$work/foreign.state"
	refuse foreign "$work/foreign.state"
fi

if ((${#failed[@]})); then
	say "FAILED $name: modes ${failed[*]} (files kept in $work)"
	exit 1
fi
say "PASS $name (P=$polls)"
((keep)) || rm -rf "$work"
exit 0
