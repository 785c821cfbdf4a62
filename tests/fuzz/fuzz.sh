#!/usr/bin/env bash
# fuzz.sh: the libFuzzer targets, built outside the main build with clang
# -fsanitize=fuzzer,address,undefined:
#   decode  the state decoder (fuzz_decode.c, with program.c as the program
#           states are checked against), corpus tests/fuzz/corpus
#   pragma  the #pragma mpp parser (fuzz_pragma.c over grammar/), corpus
#           tests/fuzz/corpus-pragma
#   ctl     the parser and checks of the PVM layer's control messages
#           (fuzz_ctl.c over runtime/ctlmsg.c), corpus tests/fuzz/corpus-ctl
#   state   the body of a STATE message as a migration destination reads
#           it (fuzz_state.c over runtime/pvm.c, pvm_group.c, pvm_upk.c and
#           libpvm3, which packs and unpacks without a daemon), corpus
#           tests/fuzz/corpus-state (written by
#           MPP_FUZZ_STATE_SEEDS=DIR BUILD/fuzz/fuzz_state)
#
# Usage: tests/fuzz/fuzz.sh build [TARGET...]        build BUILD/fuzz/fuzz_TARGET
#        tests/fuzz/fuzz.sh run SECONDS [TARGET...]  build, seed, fuzz each for SECONDS
#        tests/fuzz/fuzz.sh seeds DIR                write fresh states of program.c
#                                                    from every available architecture
# Without TARGET: all four, one after the other.
#
# BUILD is MPP_TEST_BUILD_DIR or the source tree's build/ (configured and
# built: the runtime sources come from its share/mpp/runtime, the pragma
# scanner and parser from its grammar/, mppcc links program.c for each
# architecture). Without clang or its fuzzer runtime (Debian: clang,
# libclang-rt-14-dev) `build` and `run` say so and exit with 77 (skipped);
# so does state without libpvm3 (Debian: pvm-dev).
# `run` fuzzes a working corpus in BUILD/fuzz/corpus-TARGET, seeded with the
# committed corpus (and, for decode, fresh states); findings go to
# BUILD/fuzz/artifacts-TARGET and make it exit with 1. A finding is
# replayed with `BUILD/fuzz/fuzz_TARGET FILE`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MPP_TEST_BUILD_DIR:-$root/build}
build=$(cd "$build" && pwd)
out=$build/fuzz
share=$build/share/mpp/runtime
read -r -a clang <<<"${MPP_FUZZ_CC:-clang}"

targets=(decode pragma ctl state)

usage() {
	echo "usage: $0 build [TARGET...] | run SECONDS [TARGET...] | seeds DIR (TARGET: ${targets[*]})" >&2
	exit 2
}

# Is clang there, and can it link a libFuzzer target? Else skip (77).
check_clang() {
	local obj=$out/obj/probe.$$ # the ctest runs of the targets may overlap
	if ! command -v "${clang[0]}" >/dev/null; then
		echo "SKIP: no ${clang[0]} (Debian: clang, libclang-rt-14-dev): the fuzzers are not built"
		exit 77
	fi
	[[ -f $share/SOURCES ]] || {
		echo "$0: $share/SOURCES missing: configure and build first" >&2
		exit 2
	}
	mkdir -p "$obj"
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return d && n > 9; }\n' >"$obj/probe.c"
	if ! "${clang[@]}" -fsanitize=fuzzer -o "$obj/probe" "$obj/probe.c" >"$obj/probe.log" 2>&1; then
		echo "SKIP: ${clang[0]} cannot link -fsanitize=fuzzer (Debian: libclang-rt-14-dev): $(head -n 1 "$obj/probe.log")"
		rm -rf "$obj"
		exit 77
	fi
	rm -rf "$obj"
}

# Can fuzz_state be built (libpvm3 and its header)? Else it is left out.
have_pvm() {
	printf '#include <pvm3.h>\nint main(void) { return pvm_getrbuf(); }\n' |
		"${clang[@]}" -x c -o /dev/null - -lpvm3 >/dev/null 2>&1 && return 0
	echo "SKIP: no libpvm3 (Debian: pvm-dev): fuzz_state is not built"
	return 1
}

# The targets of $@ that can be built here (in $todo).
buildable() {
	local t
	todo=()
	for t in "$@"; do
		[[ $t == state ]] && ! have_pvm && continue
		todo+=("$t")
	done
	((${#todo[@]})) || exit 77
}

flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)

# The runtime as an archive in $1 (objects are linked only when needed).
runtime_lib() {
	local f
	mkdir -p "$1"
	while IFS= read -r f; do
		[[ -z $f || $f == main.c ]] && continue
		"${clang[@]}" "${flags[@]}" -I "$share" -c "$share/$f" -o "$1/${f%.c}.o"
	done <"$share/SOURCES"
	ar rcs "$1/libmpp_fuzz.a" "$1"/*.o
}

build_one() {
	local obj=$out/obj/$1 g=$build/grammar f
	rm -rf "$obj"
	mkdir -p "$obj"
	case $1 in
	decode)
		runtime_lib "$obj/runtime"
		"${clang[@]}" "${flags[@]}" -I "$share" -c "$here/program.c" -o "$obj/program.o"
		"${clang[@]}" "${flags[@]}" -I "$share" -c "$here/fuzz_decode.c" -o "$obj/fuzz_decode.o"
		"${clang[@]}" -fsanitize=fuzzer,address,undefined -o "$out/fuzz_decode" "$obj/fuzz_decode.o" \
			"$obj/program.o" "$obj/runtime/libmpp_fuzz.a"
		;;
	pragma)
		# the scanner and parser flex and bison generated for this build
		[[ -f $g/pragma_parse.c && -f $g/pragma_scan.c ]] || {
			echo "$0: $g/pragma_parse.c or pragma_scan.c missing: build first" >&2
			exit 2
		}
		for f in "$root/grammar/pragma.c" "$g/pragma_parse.c" "$g/pragma_scan.c" "$here/fuzz_pragma.c"; do
			"${clang[@]}" "${flags[@]}" -Wno-unused-function -I "$root/grammar" -I "$g" -c "$f" \
				-o "$obj/$(basename "${f%.c}").o"
		done
		"${clang[@]}" -fsanitize=fuzzer,address,undefined -o "$out/fuzz_pragma" "$obj"/*.o
		;;
	ctl)
		# the control-message module and what it needs, as the runtime ships them
		for f in "$here/fuzz_ctl.c" "$share/ctlmsg.c" "$share/err.c" "$share/log.c"; do
			"${clang[@]}" "${flags[@]}" -I "$share" -c "$f" -o "$obj/$(basename "${f%.c}").o"
		done
		"${clang[@]}" -fsanitize=fuzzer,address,undefined -o "$out/fuzz_ctl" "$obj"/*.o
		;;
	state)
		# the PVM layer from the source tree (libmpp has it, the sources
		# shipped to mppcc do not), the rest of the runtime as shipped;
		# linked as mppcc links a PVM program (--wrap, mpp_pvm_wrap.h)
		runtime_lib "$obj/runtime"
		for f in fuzz_state fuzz_state_grp fuzz_state_upk; do
			"${clang[@]}" "${flags[@]}" -I "$root/runtime" -c "$here/$f.c" -o "$obj/$f.o"
		done
		# the state's connection (a large state's bytes), as it is
		"${clang[@]}" "${flags[@]}" -I "$root/runtime" -c "$root/runtime/statesock.c" -o "$obj/fuzz_state_sock.o"
		local wrap=() w
		for w in $(sed -n '/define MPP_PVM_WRAPPED/,/clang-format on/p' "$root/runtime/mpp_pvm_wrap.h" |
			grep -o 'X([a-z]*)' | sed 's/X(\(.*\))/\1/'); do
			wrap+=("-Wl,--wrap=pvm_$w")
		done
		"${clang[@]}" -fsanitize=fuzzer,address,undefined -o "$out/fuzz_state" "$obj"/fuzz_state*.o \
			"$obj/runtime/libmpp_fuzz.a" "${wrap[@]}" -lpvm3
		;;
	*) usage ;;
	esac
	echo "built $out/fuzz_$1"
}

# The committed corpus of a target.
corpus_of() {
	case $1 in
	decode) echo "$here/corpus" ;;
	*) echo "$here/corpus-$1" ;;
	esac
}

# run_one TARGET SECONDS: fuzz a working copy of the corpus; 1 on a finding.
run_one() {
	local t=$1 secs=$2 corpus=$out/corpus-$1 art=$out/artifacts-$1 log=$out/fuzz-$1.log rc=0
	rm -rf "$corpus" "$art"
	mkdir -p "$corpus" "$art"
	cp "$(corpus_of "$t")"/* "$corpus/"
	[[ $t == decode ]] && seeds "$corpus"
	# fuzz_state: libpvm3 says on stderr at each call that it finds no
	# daemon (the target's own findings go to libFuzzer's copy of stderr);
	# it leaks a fragment at each damaged carried message, which would
	# make libFuzzer scan the heap after most inputs: leaks are checked at
	# the end only, libpvm3's left out (fuzz_state.c)
	local quiet=()
	[[ $t == state ]] && quiet=(-close_fd_mask=2 -detect_leaks=0)
	(cd "$out" && "./fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		"${quiet[@]}" -artifact_prefix="$art/" "$corpus" >"$log" 2>&1) || rc=$?
	echo "$t: $(grep -E '^#[0-9]+.*(pulse|DONE)' "$log" | tail -n 1)"
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed "s/^/$t: /" || true
	if ((rc != 0)) || ls "$art" | grep -q .; then
		echo "FAIL: fuzz_$t found a problem (exit $rc); inputs in $art, log $log:"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 10
		return 1
	fi
	echo "PASS: fuzz_$t: $secs s of fuzzing, no finding"
}

# seeds DIR: states of program.c at several polls, from every architecture
# this machine can build and run (see tests/e2e/hetero_lib.sh).
seeds() {
	local dir=$1 work a c emu at
	work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-fuzz-seeds.XXXXXX")
	mkdir -p "$dir"
	. "$root/tests/e2e/hetero_lib.sh"
	hetero_detect "$work/probe" x86_64 i686 s390x
	for a in "${archs[@]}"; do
		read -r -a c <<<"$(cc_of "$a")"
		read -r -a emu <<<"$(emu_of "$a")"
		"${c[@]}" -O2 -I "$share" -c "$here/program.c" -o "$work/program.$a.o"
		MPP_CC="${c[*]}" "$build/bin/mppcc" -o "$work/program.$a" "$work/program.$a.o"
		# an empty environment and relative names: the states hold the
		# program's copies of argv and environ, nothing of this machine
		cp "$work/program.$a" "$dir/program.$a"
		for at in 1 4 9 14; do
			(cd "$dir" && env -i MPP_CHECKPOINT="$a-p$at.state" MPP_CHECKPOINT_AT=$at \
				"${emu[@]}" "./program.$a" >/dev/null 2>&1) || true
		done
		(cd "$dir" && env -i MPP_CHECKPOINT="$a-args.state" MPP_CHECKPOINT_AT=3 "${emu[@]}" "./program.$a" 5 \
			>/dev/null 2>&1) || true
		rm -f "$dir/program.$a"
	done
	rm -rf "$work"
	echo "seeds: $(find "$dir" -name '*.state' | wc -l) states in $dir (${archs[*]})"
}

case ${1-} in
build)
	shift
	(($#)) || set -- "${targets[@]}"
	check_clang
	buildable "$@"
	for t in "${todo[@]}"; do build_one "$t"; done
	;;
seeds)
	[[ $# == 2 ]] || usage
	seeds "$2"
	;;
run)
	[[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || usage
	secs=$2
	shift 2
	(($#)) || set -- "${targets[@]}"
	check_clang
	buildable "$@"
	for t in "${todo[@]}"; do build_one "$t"; done
	fail=0
	for t in "${todo[@]}"; do run_one "$t" "$secs" || fail=1; done
	exit $fail
	;;
*) usage ;;
esac
