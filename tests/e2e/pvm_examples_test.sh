#!/usr/bin/env bash
# pvm_examples_test.sh: the C programs of Debian's pvm-examples package that
# make no PVM call, run unmodified through migrate_test.sh (--mpp-auto).
# The sources are read from the installed package (examples.tar.gz and
# gexamples.tar.gz under /usr/share/doc/pvm-examples, or PVM_EXAMPLES_DIR);
# nothing of them is kept in this repository. Exit 77 (skipped, with the
# reason) when the package is absent or when every program uses PVM.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${PVM_EXAMPLES_DIR:-/usr/share/doc/pvm-examples}
tars=()
for t in "$dir/examples.tar.gz" "$dir/gexamples.tar.gz"; do
	[[ -f $t ]] && tars+=("$t")
done
if ((${#tars[@]} == 0)); then
	echo "SKIP: pvm-examples is not installed ($dir/examples.tar.gz not found)"
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
plain=()
pvm=0
while IFS= read -r f; do
	if grep -qE '#[[:space:]]*include[[:space:]]*[<"]pvm3\.h[>"]|\bpvm_[a-z]+[[:space:]]*\(' "$f"; then
		pvm=$((pvm + 1))
	else
		plain+=("$f")
	fi
done < <(find "$work" -name '*.c' | sort)
echo "pvm-examples: $((pvm + ${#plain[@]})) C programs, $pvm of them call PVM"
if ((${#plain[@]} == 0)); then
	echo "SKIP: every C program of pvm-examples calls PVM; they run once the PVM layer exists"
	exit 77
fi
fail=0
for f in "${plain[@]}"; do
	MPP_TEST_WORKDIR="$work/run.$(basename "$f" .c)" "$here/migrate_test.sh" "$f" auto || fail=1
done
exit $fail
