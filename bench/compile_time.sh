#!/usr/bin/env bash
# compile_time.sh: what mppcc's translation adds to the compile time.
#
# Usage: bench/compile_time.sh [FILE.c...]
#        (default: bench/kernels/*.c, tests/programs/*.c and samples/*.c)
#
# Each file is compiled to an object file with `cc -O2 -c`, `mppcc -O2 -c`
# (its pragmas) and `mppcc -O2 --mpp-auto -c`, the three in turn, and the
# best of MPP_BENCH_COMPILES (3) is kept. Time is CPU time (user + system,
# of the compiler and of every process it ran), which other jobs on the
# machine disturb much less than wall time. mppcc's time includes the whole
# job: parsing with libclang, analysis, rewriting, and the cc run on the
# translated source. Target (docs: Quality bars): mppcc adds <= 1x,
# that is mppcc / cc <= 2. A row says PASS or MISS.
#
# Writes BUILD/bench/compile_time.txt and compile_time.png. Exit status: 0
# when every file compiled (missed targets included), 1 when a compiler
# failed on a file, 2 when it cannot run at all.
#
# Environment: MPP_BENCH_BUILD (build directory), MPPCC, CC, MPP_CC as for
# mppcc; MPP_BENCH_COMPILES (3); MPP_BENCH_CFLAGS (extra options, all three).

set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
bench_clean_env
bench_need_mppcc

reps=${MPP_BENCH_COMPILES:-3}
extra=${MPP_BENCH_CFLAGS:-}
max_ratio=2

work=$out_dir/compile_time.work
txt=$out_dir/compile_time.txt
png=$out_dir/compile_time.png
rm -rf "$work"
mkdir -p "$work" || bench_die "cannot create $work"
export BENCH_TMP=$work

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=("$bench_dir"/kernels/*.c "$root_dir"/tests/programs/*.c "$root_dir"/samples/*.c)
fi

failed=0
notes=()
names=()
modes=(cc pragma auto)
declare -A best bad

for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	d=${f%/*}
	name="${d##*/}/${f##*/}"
	names+=("$name")
	read -ra xflags <<<"$extra"
	for m in "${modes[@]}"; do best[$name.$m]=; done
	for ((r = 1; r <= reps; r++)); do
		for m in "${modes[@]}"; do
			[ "${bad[$name.$m]:-}" ] && continue
			base=$work/${name//\//_}.$m
			case $m in
			cc) cmd=("${cc[@]}" -O2 "${xflags[@]}" -c "$f" -o "$base.o") ;;
			pragma) cmd=("$mppcc" -O2 "${xflags[@]}" -c "$f" -o "$base.o") ;;
			auto) cmd=("$mppcc" -O2 --mpp-auto "${xflags[@]}" -c "$f" -o "$base.o") ;;
			esac
			BENCH_ERR=$base.log bench_time "${cmd[@]}"
			if [ $bench_rc != 0 ]; then
				failed=1
				bad[$name.$m]=1
				best[$name.$m]=
				notes+=("FAIL $name: ${cmd[*]} exited with status $bench_rc (see $base.log)")
				continue
			fi
			b=${best[$name.$m]}
			if [ -z "$b" ] || [ $bench_cpu_us -lt $b ]; then best[$name.$m]=$bench_cpu_us; fi
		done
	done
	echo "  $name" >&2
done

ms() { awk -v u="$1" 'BEGIN { if (u == "") print "-"; else printf "%.1f\n", u / 1000 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a != "" && a + 0 <= b + 0) }'; }

data=$work/compile_time.dat
: >"$data"
sum_cc=0 sum_p=0 sum_a=0
{
	echo "Compile time to an object file (CPU ms, user + system, best of $reps; target: mppcc / cc <= $max_ratio)"
	echo
	printf '| %-22s | %8s | %9s | %6s | %9s | %6s | %s\n' file "cc -O2" "mppcc" ratio "mppcc -a" ratio verdict
	printf '|%s\n' "------------------------|----------|-----------|--------|-----------|--------|--------"
	for n in "${names[@]}"; do
		c=${best[$n.cc]} p=${best[$n.pragma]} a=${best[$n.auto]}
		rp=$(bench_ratio "$p" "$c")
		ra=$(bench_ratio "$a" "$c")
		v=PASS
		if [ -z "$c" ] || [ -z "$p" ] || [ -z "$a" ]; then
			v=FAIL
		elif ! le "$rp" $max_ratio || ! le "$ra" $max_ratio; then
			v=MISS
		fi
		if [ -n "$c" ] && [ -n "$p" ] && [ -n "$a" ]; then
			sum_cc=$((sum_cc + c)) sum_p=$((sum_p + p)) sum_a=$((sum_a + a))
		fi
		printf '| %-22s | %8s | %9s | %6s | %9s | %6s | %s\n' "$n" "$(ms "$c")" "$(ms "$p")" "$rp" "$(ms "$a")" "$ra" "$v"
		echo "$n $rp $ra" >>"$data"
	done
	rp=$(bench_ratio $sum_p $sum_cc)
	ra=$(bench_ratio $sum_a $sum_cc)
	v=PASS
	le "$rp" $max_ratio && le "$ra" $max_ratio || v=MISS
	echo "all-files $rp $ra" >>"$data"
	printf '| %-22s | %8s | %9s | %6s | %9s | %6s | %s\n' "all files" "$(ms $sum_cc)" "$(ms $sum_p)" "$rp" \
		"$(ms $sum_a)" "$ra" "$v"
	echo
	echo "mppcc: pragmas of the file; mppcc -a: --mpp-auto. ratio = mppcc time / cc time."
	if [ ${#notes[@]} -gt 0 ]; then
		echo
		printf '%s\n' "${notes[@]}"
	fi
} | tee "$txt"

if command -v gnuplot >/dev/null; then
	gnuplot <<EOF 2>"$work/gnuplot.log" || echo "compile_time: gnuplot failed (see $work/gnuplot.log)" >&2
set terminal pngcairo size 1100,600 font "DejaVu Sans,10" noenhanced
set output "$png"
set datafile missing "-"
set title "mppcc compile time / cc -O2 compile time (target <= $max_ratio)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top vertical
set ylabel "mppcc / cc"
set yrange [0:*]
set xtics rotate by 45 right
set arrow 1 from graph 0, first $max_ratio to graph 1, first $max_ratio nohead dt 2 lw 2 lc rgb "red" front
plot "$data" using 2:xtic(1) title "mppcc" lc rgb "#1f77b4", \
     "" using 3 title "mppcc --mpp-auto" lc rgb "#ff7f0e"
EOF
else
	echo "compile_time: gnuplot not found, no plot" >&2
fi

echo "compile_time: table in $txt, plot in $png" >&2
exit $failed
