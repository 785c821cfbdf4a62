#!/usr/bin/env bash
# pvm_examples_test.sh: every C program of Debian's pvm-examples package,
# unmodified, must go through mppcc wherever it goes through cc: compiled
# (-c) with cc, then with mppcc and with mppcc --mpp-auto; a file that cc
# compiles and mppcc refuses is a failure, with mppcc's first errors. These
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
flags=(-w -DHASSTDLIB -O2 -c)
fail=0 plain=0 refused=()
start=$(date +%s.%N)
for f in "${files[@]}"; do
	src=$work/$f
	obj=$work/out.o
	if ! cc "${flags[@]}" "$src" -o "$obj" >"$work/cc.log" 2>&1; then
		refused+=("$f ($(grep -m1 'error:' "$work/cc.log" | sed 's/.*error: //'))")
		continue
	fi
	plain=$((plain + 1))
	for mode in pragma auto; do
		opt=()
		[ $mode = auto ] && opt=(--mpp-auto)
		if ! (cd "$work" && "$mppcc" "${opt[@]}" "${flags[@]}" "$f" -o "$obj") >"$work/mppcc.log" 2>&1; then
			echo "FAIL: $f: cc compiles it, mppcc ${opt[*]:-(pragmas)} does not:"
			grep -m3 -E 'error|mppcc' "$work/mppcc.log" | sed 's/^/  /'
			fail=1
		fi
	done
done
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "pvm-examples: ${#files[@]} C programs; cc compiles $plain of them, in $secs s with mppcc's two modes"
for r in "${refused[@]}"; do
	echo "  cc refuses $r: left out"
done
if [ $fail = 0 ]; then
	echo "PASS: mppcc and mppcc --mpp-auto compile all $plain"
fi
exit $fail
