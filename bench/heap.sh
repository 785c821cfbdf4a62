#!/usr/bin/env bash
# heap.sh: what the heap costs.
#
# 1. Capture and restore of heap states (bench/heap/state.c, linked with
#    libmpp like a translated program): time of mpp_encode (capture) and of
#    dropping the heap, decoding and rebuilding it (restore), best of a few
#    rounds, and the state's size, against the number of heap blocks
#    (1 to 10^6 list nodes of 24 bytes, one pointer each) and against the
#    total size (1 KiB to 1 GiB in 16 blocks of doubles). Memory peaks at
#    about three times the largest size (heap, state, rebuilt heap).
# 2. The tracking allocator against glibc malloc: bench/heap/bintrees.c
#    (binary trees: nothing but malloc and free of one node size),
#    bench/heap/allocs.c (the binary-trees pattern plus strings and
#    realloc'd arrays) and bench/heap/wordfreq.c (a hash table of words,
#    the usual kind of allocation-heavy program), built plain and with
#    mppcc from their pragmas (one poll per round, so the difference is the
#    allocator): instructions (callgrind, small size), best CPU time and
#    best wall-clock time of 5 runs (full size). The target is at most 5%
#    more.
#
# Usage: bash bench/heap.sh   (MPP_BENCH_HEAP_MAX_BYTES lowers the largest
# size, default 1073741824; MPP_BENCH_HEAP_MAX_BLOCKS the most blocks,
# default 1000000). Tables and plot: BUILD/bench/heap.txt, heap.png.
# Exit status: 0 ran (targets may be missed: MISS), 1 a wrong output or a
# crash, 2 cannot run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_clean_env
bench_need_mppcc
[ -f "$build_dir/lib/libmpp.a" ] || bench_die "the runtime library $build_dir/lib/libmpp.a is not built"
command -v valgrind >/dev/null || bench_die "valgrind not found (install valgrind)"
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-bench-heap.XXXXXX")
trap 'rm -rf "$work"' EXIT
max_bytes=${MPP_BENCH_HEAP_MAX_BYTES:-1073741824}
max_blocks=${MPP_BENCH_HEAP_MAX_BLOCKS:-1000000}
status=0
table=$out_dir/heap.txt
: >"$table"
say() { printf '%s\n' "$*" | tee -a "$table"; }

"${cc[@]}" -O2 -I"$root_dir/runtime" -o "$work/state" "$here/heap/state.c" "$build_dir/lib/libmpp.a" ||
	bench_die "cannot build bench/heap/state.c"

# ---- 1. capture and restore ------------------------------------------------
say "capture and restore of heap states (best of the rounds; times in ms)"
say "$(printf '%-7s %10s %12s %12s %10s %10s %10s' series blocks data_bytes state_bytes capture restore "MB/s")"
: >"$work/blocks.dat"
: >"$work/bytes.dat"
row() { # SERIES ARG ROUNDS
	local line
	if ! line=$("$work/state" "$1" "$2" "$3" 2>"$work/state.err"); then
		say "FAIL state $1 $2: $(head -n 1 "$work/state.err")"
		status=1
		return
	fi
	read -r nb data sb cap res <<<"$line"
	echo "$nb $data $sb $cap $res" >>"$work/$1.dat"
	say "$(awk -v s="$1" -v nb="$nb" -v d="$data" -v sb="$sb" -v c="$cap" -v r="$res" 'BEGIN {
		printf "%-7s %10d %12d %12d %10.3f %10.3f %10.0f", s, nb, d, sb, c * 1000, r * 1000,
			((c + r) > 0 ? 2 * sb / (c + r) / 1e6 : 0) }')"
}
for n in 1 10 100 1000 10000 100000 1000000; do
	((n <= max_blocks)) || continue
	rounds=$((n >= 100000 ? 3 : 10))
	row blocks "$n" "$rounds"
done
for s in 1024 16384 262144 4194304 67108864 268435456 1073741824; do
	((s <= max_bytes)) || continue
	rounds=$((s >= 67108864 ? 2 : 10))
	row bytes "$s" "$rounds"
done
say "(MB/s: state bytes moved by capture and by restore, over their time)"

# ---- 2. the tracking allocator ------------------------------------------------
say ""
say "tracking allocator vs glibc malloc (translated / plain; target <= 1.05)"
say "$(printf '%-9s %13s %13s %6s %8s %8s %6s %8s %8s %6s %s' program instr_plain instr_mpp ratio \
	cpu_plain cpu_mpp ratio wall_plain wall_mpp ratio verdict)"
secs() { awk -v u="$1" 'BEGIN { printf "%.2f s", u / 1e6 }'; }
for prog in bintrees allocs wordfreq; do
	src=$here/heap/$prog.c
	small=$([ "$prog" = wordfreq ] && echo 300000 || echo 14)
	read -ra args <<<"$(bench_tag "$src" args)"
	"${cc[@]}" -O2 -o "$work/$prog.plain" "$src" || {
		say "FAIL $prog: plain build"
		status=1
		continue
	}
	"$mppcc" -O2 -o "$work/$prog.mpp" "$src" >"$work/mppcc.log" 2>&1 || {
		say "FAIL $prog: mppcc: $(head -n 1 "$work/mppcc.log")"
		status=1
		continue
	}
	"$work/$prog.plain" "${args[@]}" >"$work/p.out"
	"$work/$prog.mpp" "${args[@]}" >"$work/m.out"
	MPP_STRESS=3 "$work/$prog.mpp" "${args[@]}" >"$work/s.out"
	if ! cmp -s "$work/p.out" "$work/m.out" || ! cmp -s "$work/p.out" "$work/s.out"; then
		say "FAIL $prog: the translated program prints something else"
		status=1
		continue
	fi
	ir() {
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
			sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
	}
	ip=$(ir "$work/$prog.plain" "$small")
	im=$(ir "$work/$prog.mpp" "$small")
	bp="" bm="" wp="" wm=""
	for _ in 1 2 3 4 5; do
		bench_time "$work/$prog.plain" "${args[@]}"
		[[ -z $bp || $bench_cpu_us -lt $bp ]] && bp=$bench_cpu_us
		[[ -z $wp || $bench_us -lt $wp ]] && wp=$bench_us
		bench_time "$work/$prog.mpp" "${args[@]}"
		[[ -z $bm || $bench_cpu_us -lt $bm ]] && bm=$bench_cpu_us
		[[ -z $wm || $bench_us -lt $wm ]] && wm=$bench_us
	done
	ri=$(bench_ratio "$im" "$ip")
	rt=$(bench_ratio "$bm" "$bp")
	rw=$(bench_ratio "$wm" "$wp")
	verdict=$(awk -v r="$ri" 'BEGIN { print (r + 0 <= 1.05) ? "PASS" : "MISS (instructions)" }')
	say "$(printf '%-9s %13s %13s %6s %8s %8s %6s %8s %8s %6s %s' "$prog" "$ip" "$im" "$ri" \
		"$(secs "$bp")" "$(secs "$bm")" "$rt" "$(secs "$wp")" "$(secs "$wm")" "$rw" "$verdict")"
done
say "(instructions at the small size: bintrees and allocs 14, wordfreq 300000; times at the full size)"

# ---- plot ------------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
	gnuplot <<EOF 2>"$work/gnuplot.err" || echo "note: gnuplot failed: $(head -n 1 "$work/gnuplot.err")"
set terminal png size 1100,450
set output "$out_dir/heap.png"
set multiplot layout 1,2
set logscale xy
set grid
set key top left
set ylabel "ms"
set y2label "state MB"
set logscale y2
set y2tics
set xlabel "heap blocks (24-byte list nodes)"
set title "capture and restore vs blocks"
plot "$work/blocks.dat" using 1:(\$4*1000) with linespoints title "capture", \
     "$work/blocks.dat" using 1:(\$5*1000) with linespoints title "restore", \
     "$work/blocks.dat" using 1:(\$3/1e6) axes x1y2 with lines dt 2 title "state size"
set xlabel "data bytes (16 blocks)"
set title "capture and restore vs size"
plot "$work/bytes.dat" using 2:(\$4*1000) with linespoints title "capture", \
     "$work/bytes.dat" using 2:(\$5*1000) with linespoints title "restore", \
     "$work/bytes.dat" using 2:(\$3/1e6) axes x1y2 with lines dt 2 title "state size"
unset multiplot
EOF
	[ -s "$out_dir/heap.png" ] && echo "plot: $out_dir/heap.png"
else
	echo "note: gnuplot not found, no plot"
fi
echo "table: $table"
exit $status
