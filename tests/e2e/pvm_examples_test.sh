#!/usr/bin/env bash
# pvm_examples_test.sh: every C program of Debian's pvm-examples package,
# unmodified, must go through mppcc wherever it goes through cc, in both
# modes (its pragmas, none here, and --mpp-auto): built (compiled and
# linked with libgpvm3 and libpvm3; mppcc adds the runtime and its PVM
# layer) when cc builds it alone, else compiled (-c) when cc compiles it
# (some need a file of their own beside them). A file that cc takes and
# mppcc refuses is a failure, with mppcc's first errors. These
# are old-style programs (K&R definitions, main without a return type,
# static locals, implicit declarations), the code mppcc meets in the field.
# Running them under migration is the PVM suite's work (tests/pvm: master1
# and slave1, spmd, timing and timing_slave, hello and hello_other,
# gexample, ptest). The sources are read from the installed package
# (examples.tar.gz and gexamples.tar.gz under /usr/share/doc/pvm-examples,
# or PVM_EXAMPLES_DIR); nothing of them is kept in this repository. Exit 77
# (skipped, with the reason) when the package or pvm3.h is absent.
set -uo pipefail
mppcc=${MPPCC:?MPPCC (the mppcc to test) is not set}
dir=${PVM_EXAMPLES_DIR:-/usr/share/doc/pvm-examples}
tars=()
for t in "$dir/examples.tar.gz" "$dir/gexamples.tar.gz"; do
	[[ -f $t ]] && tars+=("$t")
done
if ((${#tars[@]} == 0)); then
	echo "SKIP: pvm-examples is not installed ($dir/examples.tar.gz not found)"
	exit 77
fi
if ! printf '#include <pvm3.h>\n' | cc -E - >/dev/null 2>&1; then
	echo "SKIP: pvm3.h not found (install pvm-dev)"
	exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-pvmex.XXXXXX")
trap 'rm -rf "$work"' EXIT
for t in "${tars[@]}"; do
	tar -xzf "$t" -C "$work" || {
		echo "FAIL: cannot extract $t"
		exit 1
	}
done
mapfile -t files < <(cd "$work" && find . -name '*.c' | sed 's|^\./||' | sort)
if ((${#files[@]} == 0)); then
	echo "FAIL: no C program in ${tars[*]}"
	exit 1
fi
# the flags the PVM suite builds them with; -w: their warnings are many
flags=(-w -DHASSTDLIB -O2)
libs=(-lgpvm3 -lpvm3)
fail=0 linked=0 compiled=0 refused=()
start=$(date +%s.%N)
for f in "${files[@]}"; do
	src=$work/$f
	bin=$work/out.bin
	how=()
	if cc "${flags[@]}" "$src" -o "$bin" "${libs[@]}" >"$work/cc.log" 2>&1; then
		linked=$((linked + 1))
		how=("${libs[@]}")
	elif cc "${flags[@]}" -c "$src" -o "$bin" >"$work/cc.log" 2>&1; then
		compiled=$((compiled + 1))
		how=(-c)
	else
		refused+=("$f ($(grep -m1 'error:' "$work/cc.log" | sed 's/.*error: //'))")
		continue
	fi
	for mode in pragma auto; do
		opt=()
		[ $mode = auto ] && opt=(--mpp-auto)
		rm -f "$bin"
		if ! (cd "$work" && "$mppcc" "${opt[@]}" "${flags[@]}" "$f" -o "$bin" "${how[@]}") >"$work/mppcc.log" 2>&1 ||
			[ ! -s "$bin" ]; then
			echo "FAIL: $f: cc takes it (${how[*]}), mppcc ${opt[*]:-(pragmas)} does not:"
			grep -m3 -E 'error|mppcc|undefined' "$work/mppcc.log" | sed 's/^/  /'
			fail=1
		fi
	done
done
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "pvm-examples: ${#files[@]} C programs; cc builds $linked of them and compiles $compiled more; $secs s with mppcc's two modes"
for r in "${refused[@]}"; do
	echo "  cc refuses $r: left out"
done
if [ $fail = 0 ]; then
	echo "PASS: mppcc and mppcc --mpp-auto take all $((linked + compiled)) as cc does"
fi
exit $fail
