# shellcheck shell=bash disable=SC2034
# lib.sh: helpers shared by the benchmark scripts (sourced, not run).
#
# Finds the build (MPP_BENCH_BUILD, else MPP_TEST_BUILD_DIR, else build/ of
# the source tree), mppcc (MPPCC, else BUILD/bin/mppcc) and the plain
# compiler (CC, else cc); reads the `mpp-bench:` tags of a kernel; times
# commands in microseconds; draws nothing itself (each script has its plot).

export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root_dir=$(dirname "$bench_dir")
build_dir=${MPP_BENCH_BUILD:-${MPP_TEST_BUILD_DIR:-$root_dir/build}}
build_dir=$(cd "$build_dir" 2>/dev/null && pwd || echo "$build_dir")
mppcc=${MPPCC:-$build_dir/bin/mppcc}
read -ra cc <<<"${CC:-cc}" # may carry options: "gcc -m32"
out_dir=$build_dir/bench

# The runs must not inherit runtime controls (MPP_STRESS, MPP_REPORT, ...):
# keep only the benchmark's own variables and MPP_CC (mppcc's compiler).
bench_clean_env() {
	local v
	for v in $(compgen -v MPP_); do
		case $v in
		MPP_BENCH_* | MPP_TEST_BUILD_DIR | MPP_CC) ;;
		*) unset "$v" ;;
		esac
	done
}

bench_die() {
	echo "${0##*/}: $*" >&2
	exit 2
}

# Checks that mppcc and its runtime are there; says which is missing.
bench_need_mppcc() {
	[ -x "$mppcc" ] || bench_die "mppcc not found at $mppcc (build first: make build)"
	if [ -z "${MPPCC:-}" ] && [ ! -f "$build_dir/lib/libmpp.a" ]; then
		bench_die "the runtime library $build_dir/lib/libmpp.a is not built: translated programs cannot be linked"
	fi
}

# bench_tag FILE NAME: the value of `/* mpp-bench: NAME=VALUE */` in FILE
# (empty when absent). Tags used: small= (arguments for the instruction
# count runs), args= (arguments for the full-size runs), cflags= (options
# after the source file, for every compiler).
bench_tag() {
	sed -n "s|^/\* mpp-bench: $2=\(.*\) \*/\$|\1|p" "$1" | head -n 1
}

# Runs a command, stdout to $BENCH_OUT and stderr to $BENCH_ERR (default
# /dev/null both). Sets bench_rc (its status), bench_us (wall-clock time)
# and bench_cpu_us (user + system CPU time of it and of the processes it
# waited for), both in microseconds.
bench_time() {
	local TIMEFORMAT='%3U %3S' t0 t1 u s tf=${BENCH_TMP:-${TMPDIR:-/tmp}}/bench_time.$$
	t0=${EPOCHREALTIME/./}
	{ time "$@" >"${BENCH_OUT:-/dev/null}" 2>"${BENCH_ERR:-/dev/null}"; } 2>"$tf"
	bench_rc=$?
	t1=${EPOCHREALTIME/./}
	bench_us=$((t1 - t0))
	read -r u s <"$tf"
	rm -f "$tf"
	bench_cpu_us=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.0f\n", (u + s) * 1e6 }')
}

# Ratio a/b with 3 decimals ("-" when either is missing or b is 0).
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-";
		else printf "%.3f\n", a / b }'
}

# Minimum, median and maximum of the numbers on stdin: "MIN MEDIAN MAX"
# ("- - -" when there are none).
bench_stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - -"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "%s %s %s\n", v[1], m, v[NR] }'
}
