#!/usr/bin/env bash
# tests/pvm/hetero_test.sh CASE WORKDIR: PVM on a heterogeneous virtual
# machine (hetero.sh: h1 x86_64, h2 an s390x pvmd with s390x tasks, h3 i686
# tasks). CASE:
#   mixed     plain PVM (no mpp): an x86_64 root and an s390x and an i686
#             worker exchange every pvm_pk*/upk* type (programs/alltypes.c)
#   migrate   the same program built with mppcc for each architecture,
#             under MPP_MIGRATE_EVERY: each task moves x86_64 -> s390x ->
#             i686 -> x86_64 ..., and the output equals the run without
#             migration
# Exit status 77 (skip) without PVM, without the emulators or cross
# compilers, or when the s390x/i386 packages cannot be downloaded.
# MPP_PVM_HETERO_CACHE: where the packages are kept (default
# WORKDIR/../hetero-pkgs).
set -u
here=$(cd "$(dirname "$0")" && pwd)
case=${1:?usage: hetero_test.sh CASE WORKDIR}
work=${2:?usage: hetero_test.sh CASE WORKDIR}

. "$here/lib.sh"
. "$here/hetero.sh"
vm_require_pvm

die() {
	echo "FAIL: $*"
	exit 1
}

rm -rf "$work"
mkdir -p "$work/bin" || die "cannot create $work"
work=$(cd "$work" && pwd)
bin=$work/bin
HETERO_EP=$work
vm_hetero_prepare "${MPP_PVM_HETERO_CACHE:-$work/../hetero-pkgs}"

# build TOOL ARCH NAME SRC [ARGS...]: NAME for ARCH with TOOL (cc: the
# plain compiler of ARCH; mppcc: $MPPCC with MPP_CC set to it), as x86_64
# bin/NAME or as the program that the host of ARCH spawns (vm_hetero_task)
build() {
	local tool=$1 arch=$2 name=$3 src=$4 out cc=() env=() libs=()
	shift 4
	out=$bin/$name
	if [ "$arch" != x86_64 ]; then
		out=$work/$name.$arch
		read -r -a libs <<<"${HETERO_LIBS[$arch]}"
	fi
	if [ "$tool" = mppcc ]; then
		cc=("$MPPCC")
		[ "$arch" = x86_64 ] || env=(MPP_CC="${HETERO_CC[$arch]}")
	elif [ "$arch" = x86_64 ]; then
		cc=(cc)
	else
		read -r -a cc <<<"${HETERO_CC[$arch]}"
	fi
	if ! env "${env[@]}" "${cc[@]}" -O2 -o "$out" "$src" "$@" "${libs[@]}" -lpvm3 >"$work/build.$name.$arch.log" 2>&1; then
		die "cannot build $name for $arch with $tool: $(grep -v tmpnam "$work/build.$name.$arch.log" | head -n 5)"
	fi
	[ "$arch" = x86_64 ] || vm_hetero_task "$arch" "$name" "$out" || die "cannot install $name for $arch"
}

start_vm() {
	vm_start "$work/vm" "$bin" "${VM_HETERO_OPTS[@]}" || die "cannot start the heterogeneous virtual machine"
	echo "running in mode $VM_MODE on hosts: $VM_HOSTS"
	if [ "$VM_MODE" = single ]; then
		echo "SKIP: a heterogeneous virtual machine needs several hosts (netns or loopback mode); only single mode works here"
		exit 77
	fi
	# the console's view: two data formats, h2 is the s390x daemon
	printf 'conf\n' | vm_run "$work/vm" h1 pvm >"$work/conf.out" 2>&1
	grep -q '^3 hosts, 2 data formats' "$work/conf.out" && grep -Eq '^ *h2 +[0-9a-f]+ +LINUXS390 ' "$work/conf.out" ||
		die "conf does not show an s390x host h2 and 2 data formats: $(tr -s ' \n' ' ' <"$work/conf.out")"
	echo "ok: conf: $(grep -E '^ *h[0-9] ' "$work/conf.out" | awk '{ printf "%s %s, ", $1, $3 }')2 data formats"
}

case $case in
mixed)
	for a in x86_64 s390x i686; do
		build cc $a alltypes "$here/programs/alltypes.c"
	done
	start_vm
	rounds=60
	t0=$(date +%s.%N)
	vm_run "$work/vm" h1 timeout 120 "$bin/alltypes" $rounds h2 h3 >"$work/out" 2>"$work/err" ||
		die "alltypes failed: $(tail -n 5 "$work/err")"
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	printf '%s\n' "alltypes: $rounds rounds, 0 answers wrong" "worker 1 on h2: 64-bit longs, big-endian" \
		"worker 2 on h3: 32-bit longs, little-endian" | sort >"$work/expected"
	sort "$work/out" >"$work/out.sorted"
	if ! cmp -s "$work/expected" "$work/out.sorted"; then
		diff "$work/expected" "$work/out.sorted"
		die "alltypes on x86_64 with an s390x and an i686 worker: unexpected output"
	fi
	echo "ok: x86_64 root, s390x worker on h2, i686 worker on h3: $rounds rounds of every PVM type, all right ($secs s)"
	;;
*) die "unknown case '$case'" ;;
esac
echo "PASS: $case"
