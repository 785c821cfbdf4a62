#!/usr/bin/env bash
# hetero_test.sh: heterogeneous migration of one sequential C program
# between x86_64, i686 and big-endian s390x.
#
# Usage: tests/e2e/hetero_test.sh PROGRAM.c
#
# Builds PROGRAM.c for every available architecture, plainly and with mppcc
# (its own pragmas if it has any, else --mpp-auto), then:
#   plain   runs each plain build; programs whose output depends on the data
#           model (sizeof(long), byte order) print differently per architecture;
#   matrix  for every source architecture A: checkpoints at three points of
#           the run on A (MPP_CHECKPOINT_AT, status 75), and restarts each
#           state on every architecture B (3x3 pairs, A = B included). Where
#           the plain outputs of A and B are equal, the output before the
#           checkpoint followed by the output of the restarted run must equal
#           it, with the same exit status. Where they differ (the program
#           computes with the data model), the restart must end cleanly: an
#           exit status below 124 and no mpp error other than a refusal (status
#           1 and one "mpp: cannot restore" line: a value that does not fit),
#           never a crash or a timeout;
#   chain   x86_64 -> s390x -> i686 -> x86_64 in one run: checkpoint, restart on
#           the next architecture with a later checkpoint, and so on; the
#           concatenated output must equal the plain output (only when the
#           plain outputs of the three agree).
# Architectures that cannot be built or run here are skipped with the reason
# (i686 needs gcc -m32 (gcc-12-multilib) and qemu-i386-static, s390x needs
# s390x-linux-gnu-gcc (gcc-s390x-linux-gnu, libc6-dev-s390x-cross) and
# qemu-s390x-static); with fewer than two, the test exits 77 (skipped).
#
# Program tags (see migrate_test.sh): args=, stdin=, cflags= are used;
# stress-only programs are skipped (they cannot be checkpointed). Two more:
#   /* mpp-test: hetero-long */       the program's data depend on the width
#       of long although its output does not (a hash of unsigned long that
#       overflows, kept in a table): between architectures with another
#       sizeof(long) it is checked like a program whose outputs differ;
#   /* mpp-test: hetero-refuse=VAR */ a move to a narrower long may be refused
#       because of VAR (uninitialized memory whose garbage does not fit): such
#       a restart must be refused naming VAR, or give the plain output.
#
# Environment:
#   MPPCC                translator (default BUILD/bin/mppcc)
#   MPP_HETERO_ARCHS     architectures to try (default "x86_64 i686 s390x")
#   MPP_TEST_TIMEOUT     seconds allowed for each run (default 60)
#   MPP_TEST_WORKDIR     work directory (default: a new temporary directory)
#   MPP_TEST_KEEP=1      keep the work directory when the test passes
#
# Exit status: 0 passed, 1 failed, 2 usage, 77 skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

(($# == 1)) || {
	echo "usage: $0 PROGRAM.c" >&2
	exit 2
}
src=$1
[[ -f $src ]] || {
	echo "$0: $src: no such file" >&2
	exit 2
}
src=$(cd "$(dirname "$src")" && pwd)/$(basename "$src")
srcdir=$(dirname "$src")
name=$(basename "$src" .c)

build=${MPP_TEST_BUILD_DIR:-$root/build}
read -r -a mppcc_cmd <<<"${MPPCC:-$build/bin/mppcc}"
timeout_s=${MPP_TEST_TIMEOUT:-60}
keep=${MPP_TEST_KEEP:-0}
read -r -a want_archs <<<"${MPP_HETERO_ARCHS:-x86_64 i686 s390x}"
if [[ -n ${MPP_TEST_WORKDIR-} ]]; then
	work=$MPP_TEST_WORKDIR
	rm -rf "$work"
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-hetero.$name.XXXXXX")
fi
work=$(cd "$work" && pwd)
while IFS= read -r v; do
	case $v in MPP_LOG) ;; MPP_*) unset "$v" ;; esac
done < <(compgen -e)

say() { printf '%s\n' "$*"; }

# ---- Architectures ----------------------------------------------------------
. "$here/hetero_lib.sh"
hetero_detect "$work/probe" "${want_archs[@]}"
if ((${#archs[@]} < 2)); then
	say "SKIP $name: fewer than two architectures available (${archs[*]:-none})"
	rm -rf "$work"
	exit 77
fi

# ---- Tags -------------------------------------------------------------------
args=()
cflags=()
stdin_file=/dev/null
long_dep=0
refuse_var=""
while IFS= read -r tag; do
	[[ -n $tag ]] || continue
	case $tag in
	args=*) read -r -a args <<<"${tag#args=}" ;;
	stdin=*) stdin_file=$srcdir/${tag#stdin=} ;;
	cflags=*) read -r -a cflags <<<"${tag#cflags=}" ;;
	hetero-long) long_dep=1 ;;
	hetero-refuse=*) refuse_var=${tag#hetero-refuse=} ;;
	stress-only)
		say "SKIP $name: tagged stress-only (it cannot be checkpointed and restarted)"
		rm -rf "$work"
		exit 77
		;;
	*) ;;
	esac
done < <(grep -o 'mpp-test:[^*]*' "$src" | sed 's/^mpp-test:[[:space:]]*//; s/[[:space:]]*$//' || true)
variant=(--mpp-auto)
grep -q '^[[:space:]]*#[[:space:]]*pragma[[:space:]]\+mpp' "$src" && variant=()

# ---- Build ------------------------------------------------------------------
say "== $name (${archs[*]}; ${variant[*]:-pragmas})"
say "   work directory: $work"
failed=0
fail() {
	say "FAIL $*"
	failed=$((failed + 1))
}
for a in "${archs[@]}"; do
	read -r -a c <<<"$(cc_of "$a")"
	read -r -a x <<<"$(plain_extra "$a")"
	if ! "${c[@]}" "${x[@]}" -O2 -o "$work/plain.$a" "$src" "${cflags[@]}" >"$work/cc.$a.log" 2>&1; then
		say "FAIL [build $a] plain: ${c[*]} -O2 $src ${cflags[*]}"
		sed 's/^/  | /' "$work/cc.$a.log" | head -n 20
		exit 1
	fi
	if ! MPP_CC="${c[*]}" "${mppcc_cmd[@]}" -O2 "${variant[@]}" -o "$work/mpp.$a" "$src" "${cflags[@]}" \
		>"$work/mppcc.$a.log" 2>&1; then
		say "FAIL [build $a] MPP_CC=\"${c[*]}\" mppcc -O2 ${variant[*]} $src ${cflags[*]}"
		sed 's/^/  | /' "$work/mppcc.$a.log" | head -n 20
		exit 1
	fi
done

# run LABEL ARCH BINARY [VAR=VALUE...]: stdout in WORK/LABEL.out, stderr in
# WORK/LABEL.err, status in RC.
RC=0
run() {
	local label=$1 arch=$2 bin=$3
	shift 3
	local emu
	read -r -a emu <<<"$(emu_of "$arch")"
	RC=0
	timeout -k 5 "$timeout_s" env "$@" "${emu[@]}" "$bin" "${args[@]}" <"$stdin_file" \
		>"$work/$label.out" 2>"$work/$label.err" || RC=$?
}

# ---- Plain runs, polls ----------------------------------------------------------
declare -A prc polls
for a in "${archs[@]}"; do
	run "plain.$a" "$a" "$work/plain.$a"
	prc[$a]=$RC
	rm -f "$work/report.$a"
	run "count.$a" "$a" "$work/mpp.$a" MPP_REPORT="$work/report.$a"
	if [[ $RC != "${prc[$a]}" ]] || ! cmp -s "$work/plain.$a.out" "$work/count.$a.out"; then
		fail "[run $a] the translated program differs from the plain one on $a (status $RC, plain ${prc[$a]})"
		sed 's/^/  | /' "$work/count.$a.err" | tail -n 5
		continue
	fi
	polls[$a]=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^polls=/) s += substr($i, 7) } END { print s + 0 }' \
		"$work/report.$a")
	say "     plain on $a: exit ${prc[$a]}, $(wc -l <"$work/plain.$a.out") lines, ${polls[$a]} polls"
done
((failed == 0)) || {
	say "FAILED $name (files kept in $work)"
	exit 1
}
# same_plain A B: the plain runs on A and B agree (and, for hetero-long
# programs, so does the width of long)
same_plain() {
	((!long_dep)) || [[ ${longsize[$1]} == "${longsize[$2]}" ]] || return 1
	[[ ${prc[$1]} == "${prc[$2]}" ]] && cmp -s "$work/plain.$1.out" "$work/plain.$2.out"
}
# clean_end LABEL STATE: a restart whose output cannot be predicted ended
# as a program or as a refusal, not in a crash or with an mpp error.
clean_end() {
	local first
	first=$(head -n 1 "$work/$1.err")
	((RC < 124)) || return 1
	if ((RC == 1)) && [[ $first == "mpp: cannot restore '$2': "* ]]; then
		[[ ! -s $work/$1.out ]] && (($(wc -l <"$work/$1.err") == 1))
		return
	fi
	! grep -q '^mpp: ' "$work/$1.err"
}

# ---- Matrix ---------------------------------------------------------------------
pairs_ok=0
pairs_clean=0
for a in "${archs[@]}"; do
	p=${polls[$a]}
	if ((p < 1)); then
		fail "[matrix $a] the program passed no poll point"
		continue
	fi
	points=()
	for k in 1 2 3; do
		q=$((1 + (p - 1) * k / 4))
		if ((${#points[@]} == 0 || q > points[${#points[@]} - 1])); then
			points+=("$q")
		fi
	done
	for at in "${points[@]}"; do
		st=$work/$a.$at.state
		run "ck.$a.$at" "$a" "$work/mpp.$a" MPP_CHECKPOINT="$st" MPP_CHECKPOINT_AT="$at"
		if ((RC != 75)) || [[ ! -s $st ]]; then
			fail "[$a@$at] checkpoint: exit $RC, expected 75 and a state file"
			sed 's/^/  | /' "$work/ck.$a.$at.err" | tail -n 5
			continue
		fi
		for b in "${archs[@]}"; do
			label=rs.$a.$at.$b
			run "$label" "$b" "$work/mpp.$b" MPP_RESTART="$st"
			cat "$work/ck.$a.$at.out" "$work/$label.out" >"$work/$label.cat"
			if same_plain "$a" "$b"; then
				if [[ $RC == "${prc[$a]}" ]] && cmp -s "$work/plain.$a.out" "$work/$label.cat"; then
					pairs_ok=$((pairs_ok + 1))
				elif [[ -n $refuse_var ]] && ((RC == 1 && longsize[$b] < longsize[$a])) && [[ ! -s $work/$label.out ]] &&
					grep -q "^mpp: cannot restore '$st': '$refuse_var\[[0-9]*\]' .* which does not fit in a ${longsize[$b]}-byte 'long' on this architecture\$" "$work/$label.err"; then
					pairs_clean=$((pairs_clean + 1))
					say "note [$a@$at -> $b] refused as expected: $(head -n 1 "$work/$label.err" | sed "s|^mpp: cannot restore '$st': ||")"
				else
					fail "[$a@$at -> $b] restarted: exit $RC (plain ${prc[$a]}), output $(cmp -s "$work/plain.$a.out" "$work/$label.cat" && echo same || echo differs)"
					diff "$work/plain.$a.out" "$work/$label.cat" | head -n 6 | sed 's/^/  | /' || true
					sed 's/^/  | /' "$work/$label.err" | tail -n 5
				fi
			elif clean_end "$label" "$st"; then
				pairs_clean=$((pairs_clean + 1))
				((RC != 1)) || ! grep -q "^mpp: cannot restore" "$work/$label.err" ||
					say "note [$a@$at -> $b] refused: $(head -n 1 "$work/$label.err" | sed "s|^mpp: cannot restore '$st': ||")"
			else
				fail "[$a@$at -> $b] (the program depends on the data model) restarted: exit $RC, not a clean end"
				sed 's/^/  | /' "$work/$label.err" | tail -n 5
			fi
		done
	done
	say "ok   [matrix from $a] checkpoints at poll ${points[*]} ($(stat -c %s "$work/$a.${points[0]}.state") state bytes), restarted on ${archs[*]}"
done
say "     matrix: $pairs_ok restarts with the plain output; $pairs_clean checked for a clean end only (output that depends on the data model, or an expected refusal)"

# ---- Chain x86_64 -> s390x -> i686 -> x86_64 -----------------------------------------
chain=(x86_64 s390x i686 x86_64)
have_all=1
for a in x86_64 s390x i686; do
	[[ " ${archs[*]} " == *" $a "* ]] || have_all=0
done
if ((!have_all)); then
	say "skip [chain] x86_64 -> s390x -> i686 -> x86_64 needs all three architectures"
elif ! same_plain x86_64 s390x || ! same_plain x86_64 i686; then
	say "skip [chain] the program depends on the data model (its plain outputs differ, or it is tagged hetero-long)"
else
	p=${polls[x86_64]}
	st=$work/chain.state
	: >"$work/chain.cat"
	rm -f "$st"
	restart=()
	ok=1
	for i in 1 2 3; do
		a=${chain[$((i - 1))]}
		at=$((1 + (p - 1) * i / 4))
		((at > ${prev_at:-0})) || at=$((${prev_at:-0} + 1))
		prev_at=$at
		if ((at > p)); then
			break
		fi
		run "chain.$i" "$a" "$work/mpp.$a" "${restart[@]}" MPP_CHECKPOINT="$st" MPP_CHECKPOINT_AT="$at"
		cat "$work/chain.$i.out" >>"$work/chain.cat"
		if [[ -n $refuse_var ]] && ((RC == 1)) &&
			grep -q "^mpp: cannot restore '$st': '$refuse_var\[[0-9]*\]' .* which does not fit" "$work/chain.$i.err"; then
			say "note [chain] step $i on $a refused as expected: $(head -n 1 "$work/chain.$i.err" | sed "s|^mpp: cannot restore '$st': ||")"
			ok=0
			break
		fi
		if ((RC != 75)); then
			fail "[chain] step $i on $a (checkpoint at poll $at): exit $RC, expected 75"
			sed 's/^/  | /' "$work/chain.$i.err" | tail -n 5
			ok=0
			break
		fi
		restart=(MPP_RESTART="$st")
	done
	if ((ok)); then
		run chain.end x86_64 "$work/mpp.x86_64" "${restart[@]}"
		cat "$work/chain.end.out" >>"$work/chain.cat"
		if [[ $RC == "${prc[x86_64]}" ]] && cmp -s "$work/plain.x86_64.out" "$work/chain.cat"; then
			say "ok   [chain] x86_64 -> s390x -> i686 -> x86_64: same output"
		else
			fail "[chain] x86_64 -> s390x -> i686 -> x86_64: exit $RC, output $(cmp -s "$work/plain.x86_64.out" "$work/chain.cat" && echo same || echo differs)"
			sed 's/^/  | /' "$work/chain.end.err" | tail -n 5
		fi
	fi
fi

if ((failed)); then
	say "FAILED $name: $failed checks (files kept in $work)"
	exit 1
fi
say "PASS $name"
((keep)) || rm -rf "$work"
exit 0
