#!/usr/bin/env bash
# fuzz.sh: the libFuzzer target of the state decoder (fuzz_decode.c, with
# program.c as the program states are checked against).
#
# Usage: tests/fuzz/fuzz.sh build          build BUILD/fuzz/fuzz_decode
#        tests/fuzz/fuzz.sh run SECONDS    build, seed, fuzz for SECONDS
#        tests/fuzz/fuzz.sh seeds DIR      write fresh states of program.c
#                                          from every available architecture
#
# BUILD is MPP_TEST_BUILD_DIR or the source tree's build/ (configured and
# built: the runtime sources come from its share/mpp/runtime, mppcc links
# program.c for each architecture). The fuzzer is built with clang
# -fsanitize=fuzzer,address,undefined; without clang or its fuzzer runtime
# (Debian: clang, libclang-rt-14-dev) `build` and `run` say so and exit with
# 77 (skipped). `run` fuzzes a working corpus in BUILD/fuzz/corpus, seeded
# with the committed states of tests/fuzz/corpus (x86_64, i686 and s390x,
# format versions 1 and 2) and with fresh ones; findings go to
# BUILD/fuzz/artifacts and make it exit with 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MPP_TEST_BUILD_DIR:-$root/build}
build=$(cd "$build" && pwd)
out=$build/fuzz
share=$build/share/mpp/runtime
read -r -a clang <<<"${MPP_FUZZ_CC:-clang}"

usage() {
	echo "usage: $0 build | run SECONDS | seeds DIR" >&2
	exit 2
}

build_fuzzer() {
	local obj=$out/obj f flags
	if ! command -v "${clang[0]}" >/dev/null; then
		echo "SKIP: no ${clang[0]} (Debian: clang, libclang-rt-14-dev): the decoder fuzzer is not built"
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
		exit 77
	fi
	flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
		-fno-sanitize-recover=undefined -I "$share")
	# the runtime as an archive: objects are linked only when needed
	rm -f "$obj"/*.o "$obj/libmpp_fuzz.a"
	while IFS= read -r f; do
		[[ -z $f || $f == main.c ]] && continue
		"${clang[@]}" "${flags[@]}" -c "$share/$f" -o "$obj/${f%.c}.o"
	done <"$share/SOURCES"
	ar rcs "$obj/libmpp_fuzz.a" "$obj"/*.o
	"${clang[@]}" "${flags[@]}" -c "$here/program.c" -o "$obj/program.o"
	"${clang[@]}" "${flags[@]}" -c "$here/fuzz_decode.c" -o "$obj/fuzz_decode.o"
	"${clang[@]}" -fsanitize=fuzzer,address,undefined -o "$out/fuzz_decode" "$obj/fuzz_decode.o" \
		"$obj/program.o" "$obj/libmpp_fuzz.a"
	echo "built $out/fuzz_decode"
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
build) build_fuzzer ;;
seeds)
	[[ $# == 2 ]] || usage
	seeds "$2"
	;;
run)
	[[ $# == 2 ]] || usage
	build_fuzzer
	rm -rf "$out/corpus" "$out/artifacts"
	mkdir -p "$out/corpus" "$out/artifacts"
	cp "$here"/corpus/*.state "$out/corpus/"
	seeds "$out/corpus"
	log=$out/fuzz.log
	rc=0
	(cd "$out" && ./fuzz_decode -max_total_time="$2" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/" "$out/corpus" >"$log" 2>&1) || rc=$?
	grep -E '^#[0-9]+.*(pulse|DONE)' "$log" | tail -n 2
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
	if ((rc != 0)) || ls "$out/artifacts" | grep -q .; then
		echo "FAIL: the fuzzer found a problem (exit $rc); inputs in $out/artifacts, log $log:"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 10
		exit 1
	fi
	echo "PASS: $2 s of fuzzing, no finding"
	;;
*) usage ;;
esac
