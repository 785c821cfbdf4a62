#!/usr/bin/env bash
# poll_overhead.sh: what poll points cost on compute kernels, and how soon a
# translated program acts on a vacate request.
#
# Usage: bench/poll_overhead.sh [KERNEL...]   (default: every bench/kernels/*.c)
#
# Each kernel is built three ways: plain (`cc -O2`), translated with its own
# pragmas (`mppcc -O2`) and translated with `mppcc -O2 --mpp-auto`. Then:
#   instr  instructions of the whole run under valgrind --tool=callgrind, at
#          the kernel's small size (tag `small=`), translated / plain;
#   time   best wall time of MPP_BENCH_RUNS runs (5) at full size, translated
#          / plain (the variants take turns, so drifting load hits all three);
#   polls  poll points passed in a full run (MPP_REPORT), hence the mean time
#          between two polls;
#   resp   responsiveness: with MPP_CHECKPOINT set, SIGUSR2 after 200 ms (at
#          most 40% of the plain run time), MPP_BENCH_VACATES times (5),
#          median and max of: cap, the time from the signal to the state
#          captured (vacate_us of the MPP_REPORT line: the runtime's clock
#          from the signal handler to the encoded state), which the target
#          is about; exit, from the signal to the exit with the checkpoint
#          written and fsync'ed (bench/sigtime.c);
#   state  bytes of the checkpoint file written on SIGUSR2; the first one of
#          each variant is restarted (MPP_RESTART) and the two outputs,
#          joined, must equal the plain output.
# Every variant must print the same stdout as the plain program, at both
# sizes. Targets (docs: Quality bars): overhead <= 1% in instructions and
# time, responsiveness <= 10 ms. A row says PASS or which targets it MISSes.
#
# Writes BUILD/bench/poll_overhead.txt (the tables), poll_overhead.png (the
# ratios and the responsiveness) and keeps binaries, outputs and translated
# sources in BUILD/bench/poll_overhead.work/. Exit status: 0 when every
# program built and behaved (missed targets included), 1 on a real failure
# (a build error, different output, a crash, a failed restart), 2 when it
# cannot run at all.
#
# Environment: MPP_BENCH_BUILD (build directory), MPPCC, CC, MPP_CC as for
# mppcc; MPP_BENCH_RUNS (5), MPP_BENCH_VACATES (5), MPP_BENCH_DELAY_MS (200),
# MPP_BENCH_CFLAGS (extra options for all three builds, e.g.
# -falign-loops=32), MPP_BENCH_TIMEOUT (seconds per run, 300),
# MPP_BENCH_NO_CALLGRIND=1 (skip the instruction counts).

set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
bench_clean_env
bench_need_mppcc
command -v valgrind >/dev/null || [ -n "${MPP_BENCH_NO_CALLGRIND:-}" ] ||
	bench_die "valgrind is missing (apt-get install valgrind, or MPP_BENCH_NO_CALLGRIND=1)"

runs=${MPP_BENCH_RUNS:-5}
vacates=${MPP_BENCH_VACATES:-5}
delay_max=${MPP_BENCH_DELAY_MS:-200}
extra=${MPP_BENCH_CFLAGS:-}
tmo=${MPP_BENCH_TIMEOUT:-300}
max_ratio=1.01 # <= 1% overhead
max_resp=10    # ms

work=$out_dir/poll_overhead.work
txt=$out_dir/poll_overhead.txt
png=$out_dir/poll_overhead.png
rm -rf "$work"
mkdir -p "$work" || bench_die "cannot create $work"
export BENCH_TMP=$work

# State files go to a temporary directory (TMPDIR): the checkpoint is
# written with fsync, so the file system is part of what is measured.
statedir=$(mktemp -d "${TMPDIR:-/tmp}/mpp-bench.XXXXXX") || bench_die "cannot create a temporary directory"
trap 'rm -rf "$statedir"' EXIT
statefs=$(df -PT "$statedir" 2>/dev/null | awk 'NR == 2 { print $2 }')

sigtime=$work/sigtime
"${cc[@]}" -O2 -o "$sigtime" "$bench_dir/sigtime.c" || bench_die "cannot build sigtime.c"

if [ $# -gt 0 ]; then
	kernels=("$@")
else
	kernels=()
	for f in "$bench_dir"/kernels/*.c; do
		k=${f##*/}
		kernels+=("${k%.c}")
	done
fi

failed=0
notes=()
fail() { # kernel, message
	failed=1
	notes+=("FAIL $1: $2")
	echo "  FAIL: $2" >&2
}
variants=(plain pragma auto)

# results, by "kernel.variant"
declare -A instr best cpu polls resp_med resp_max resp_end cap_med cap_max state restart delays

for k in "${kernels[@]}"; do
	src=$bench_dir/kernels/$k.c
	[ -f "$src" ] || { fail "$k" "no such kernel ($src)"; continue; }
	read -ra small <<<"$(bench_tag "$src" small)"
	read -ra args <<<"$(bench_tag "$src" args)"
	read -ra cflags <<<"$(bench_tag "$src" cflags)"
	read -ra xflags <<<"$extra"
	echo "== $k" >&2

	# build
	ok=1
	"${cc[@]}" -O2 "${xflags[@]}" -o "$work/$k.plain" "$src" "${cflags[@]}" 2>"$work/$k.plain.cc.log" ||
		{ fail "$k" "plain build failed (see $work/$k.plain.cc.log)"; ok=0; }
	"$mppcc" -O2 "${xflags[@]}" --mpp-emit="$work/emit-pragma" -o "$work/$k.pragma" "$src" "${cflags[@]}" \
		2>"$work/$k.pragma.cc.log" || { fail "$k" "mppcc failed (see $work/$k.pragma.cc.log)"; ok=0; }
	"$mppcc" -O2 "${xflags[@]}" --mpp-auto --mpp-emit="$work/emit-auto" -o "$work/$k.auto" "$src" "${cflags[@]}" \
		2>"$work/$k.auto.cc.log" || { fail "$k" "mppcc --mpp-auto failed (see $work/$k.auto.cc.log)"; ok=0; }
	[ $ok = 1 ] || continue

	# instructions at the small size
	if [ -z "${MPP_BENCH_NO_CALLGRIND:-}" ]; then
		echo "  callgrind (args: ${small[*]})" >&2
		for v in "${variants[@]}"; do
			timeout "$tmo" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
				"$work/$k.$v" "${small[@]}" >"$work/$k.$v.small.out" 2>"$work/$k.$v.callgrind.log"
			rc=$?
			n=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$work/$k.$v.callgrind.log")
			if [ $rc != 0 ] || [ -z "$n" ]; then
				fail "$k" "$v run under callgrind failed (status $rc, see $work/$k.$v.callgrind.log)"
				continue
			fi
			instr[$k.$v]=$n
			if [ "$v" != plain ] && ! cmp -s "$work/$k.plain.small.out" "$work/$k.$v.small.out"; then
				fail "$k" "$v output differs from plain at the small size"
			fi
		done
	fi

	# wall time at full size, variants in turn
	echo "  time (best of $runs, args: ${args[*]:-none})" >&2
	for v in "${variants[@]}"; do best[$k.$v]='' cpu[$k.$v]=''; done
	for ((r = 1; r <= runs; r++)); do
		for v in "${variants[@]}"; do
			BENCH_OUT=/dev/null
			[ $r = 1 ] && BENCH_OUT=$work/$k.$v.out
			BENCH_OUT=$BENCH_OUT BENCH_ERR=$work/$k.$v.err bench_time timeout "$tmo" "$work/$k.$v" "${args[@]}"
			if [ $bench_rc != 0 ]; then
				[ $r = 1 ] && fail "$k" "$v exited with status $bench_rc (stderr: $work/$k.$v.err)"
				continue
			fi
			b=${best[$k.$v]}
			if [ -z "$b" ] || [ $bench_us -lt $b ]; then best[$k.$v]=$bench_us; fi
			b=${cpu[$k.$v]}
			if [ -z "$b" ] || [ $bench_cpu_us -lt $b ]; then cpu[$k.$v]=$bench_cpu_us; fi
		done
	done
	for v in pragma auto; do
		cmp -s "$work/$k.plain.out" "$work/$k.$v.out" || fail "$k" "$v output differs from plain"
	done

	# poll count
	for v in pragma auto; do
		rm -f "$work/$k.$v.report"
		MPP_REPORT=$work/$k.$v.report timeout "$tmo" "$work/$k.$v" "${args[@]}" >"$work/$k.$v.report.out"
		rc=$?
		if [ $rc != 0 ] || ! cmp -s "$work/$k.plain.out" "$work/$k.$v.report.out"; then
			fail "$k" "$v with MPP_REPORT: status $rc or different output"
		fi
		polls[$k.$v]=$(sed -n 's/.* polls=\([0-9]*\).*/\1/p' "$work/$k.$v.report" 2>/dev/null | tail -n 1)
	done

	# responsiveness
	delay=$(awk -v d="$delay_max" -v t="${best[$k.plain]:-0}" 'BEGIN {
		x = t / 1000 * 0.4; if (t == 0 || x > d) x = d; printf "%.0f\n", x }')
	delays[$k]=$delay
	echo "  vacate ($vacates x SIGUSR2 after $delay ms)" >&2
	for v in pragma auto; do
		: >"$work/$k.$v.resp"
		: >"$work/$k.$v.cap"
		ends=0
		for ((r = 1; r <= vacates; r++)); do
			st=$statedir/$k.$v.state
			rm -f "$st" "$work/$k.$v.vacate.report"
			line=$(MPP_CHECKPOINT=$st MPP_REPORT=$work/$k.$v.vacate.report timeout "$tmo" "$sigtime" \
				-o "$work/$k.$v.vacate.$r.out" "$delay" "$work/$k.$v" "${args[@]}")
			read -r ms code <<<"$line"
			case $code in
			75)
				echo "$ms" >>"$work/$k.$v.resp"
				us=$(sed -n 's/.* vacate_us=\([0-9]*\)$/\1/p' "$work/$k.$v.vacate.report" 2>/dev/null | tail -n 1)
				[ -n "$us" ] || fail "$k" "$v vacated but its MPP_REPORT line has no vacate_us"
				awk -v u="${us:-0}" 'BEGIN { printf "%.3f\n", u / 1000 }' >>"$work/$k.$v.cap"
				[ -n "${state[$k.$v]:-}" ] || state[$k.$v]=$(stat -c %s "$st" 2>/dev/null)
				# the first checkpoint must restart and finish the run
				if [ -z "${restart[$k.$v]:-}" ]; then
					MPP_RESTART=$st timeout "$tmo" "$work/$k.$v" "${args[@]}" >"$work/$k.$v.restart.out"
					rc=$?
					if [ $rc = 0 ] && cat "$work/$k.$v.vacate.$r.out" "$work/$k.$v.restart.out" |
						cmp -s - "$work/$k.plain.out"; then
						restart[$k.$v]=ok
					else
						restart[$k.$v]=bad
						fail "$k" "$v restarted from its vacate checkpoint: status $rc or different output"
					fi
				fi
				;;
			0)
				# no poll acted on the signal before the program ended
				[ "$ms" != - ] && echo "$ms" >>"$work/$k.$v.resp"
				ends=$((ends + 1))
				;;
			*)
				fail "$k" "$v vacated by SIGUSR2: status ${code:-none} (sigtime: ${line:-no result})"
				;;
			esac
			rm -f "$st"
		done
		read -r _ med mx < <(bench_stats <"$work/$k.$v.resp")
		resp_med[$k.$v]=$med
		resp_max[$k.$v]=$mx
		resp_end[$k.$v]=$ends
		read -r _ med mx < <(bench_stats <"$work/$k.$v.cap")
		cap_med[$k.$v]=$med
		cap_max[$k.$v]=$mx
	done
done

# ---- tables -------------------------------------------------------------
fmt_ms() { awk -v x="$1" 'BEGIN { if (x == "-" || x == "") print "-"; else if (x < 10) printf "%.2f\n", x; else printf "%.0f\n", x }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a != "" && a + 0 <= b + 0) }'; }

data=$work/poll_overhead.dat
: >"$data"
{
	echo "Poll overhead and responsiveness (instr: callgrind at the small size; time: best wall time of"
	echo "$runs full-size runs; cap: ms from SIGUSR2 to the state captured, median/max of $vacates; exit: ms"
	echo "from SIGUSR2 to the exit, the state written to ${TMPDIR:-/tmp} (${statefs:-unknown file system}) with fsync;"
	echo "targets: ratio <= $max_ratio, cap <= $max_resp ms)"
	echo
	printf '| %-8s | %-12s | %-10s | %-11s | %-9s | %-13s | %-11s | %-14s | %-12s | %-11s | %s\n' \
		kernel "instr pragma" "instr auto" "time pragma" "time auto" "cap pragma ms" "cap auto ms" \
		"exit pragma ms" "exit auto ms" "state bytes" verdict
	printf '|%s\n' "----------|--------------|------------|-------------|-----------|---------------|-------------|----------------|--------------|-------------|---------"
	for k in "${kernels[@]}"; do
		ip=$(bench_ratio "${instr[$k.pragma]:-}" "${instr[$k.plain]:-}")
		ia=$(bench_ratio "${instr[$k.auto]:-}" "${instr[$k.plain]:-}")
		tp=$(bench_ratio "${best[$k.pragma]:-}" "${best[$k.plain]:-}")
		ta=$(bench_ratio "${best[$k.auto]:-}" "${best[$k.plain]:-}")
		miss=()
		if [ -z "${MPP_BENCH_NO_CALLGRIND:-}" ]; then
			le "$ip" $max_ratio || miss+=(instr-p)
			le "$ia" $max_ratio || miss+=(instr-a)
		fi
		le "$tp" $max_ratio || miss+=(time-p)
		le "$ta" $max_ratio || miss+=(time-a)
		rp=- ra=- cp=- ca=-
		for v in pragma auto; do
			r="$(fmt_ms "${resp_med[$k.$v]:-}")/$(fmt_ms "${resp_max[$k.$v]:-}")"
			[ "${resp_end[$k.$v]:-0}" != 0 ] && r="$r *${resp_end[$k.$v]}"
			[ "$r" = "-/-" ] && r=-
			c="$(fmt_ms "${cap_med[$k.$v]:-}")/$(fmt_ms "${cap_max[$k.$v]:-}")"
			[ "$c" = "-/-" ] && c=-
			if [ "${resp_end[$k.$v]:-0}" != 0 ] || ! le "${cap_max[$k.$v]:-}" $max_resp; then
				miss+=("resp-${v:0:1}")
			fi
			if [ $v = pragma ]; then
				rp=$r cp=$c
			else
				ra=$r ca=$c
			fi
		done
		verdict=PASS
		[ ${#miss[@]} -gt 0 ] && verdict="MISS ${miss[*]}"
		printf '| %-8s | %12s | %10s | %11s | %9s | %13s | %11s | %14s | %12s | %11s | %s\n' \
			"$k" "$ip" "$ia" "$tp" "$ta" "$cp" "$ca" "$rp" "$ra" "${state[$k.pragma]:--}" "$verdict"
		echo "$k $ip $ia $tp $ta ${resp_max[$k.pragma]:--} ${resp_max[$k.auto]:--} ${resp_med[$k.pragma]:--} ${resp_med[$k.auto]:--} ${cap_max[$k.pragma]:--} ${cap_max[$k.auto]:--}" >>"$data"
	done
	echo
	echo "MISS: instr-p/-a, time-p/-a = overhead above 1% (pragma/auto variant); resp-p/-a = a vacate's"
	echo "state was captured more than $max_resp ms after the request, or it was not acted on. '*N': in N"
	echo "of the $vacates runs the program reached its end (status 0) before any poll acted on the signal;"
	echo "its exit time is then the rest of the run."
	echo
	echo "Details: best wall time in s of $runs runs; cpu = the same ratio in user + system CPU time, less"
	echo "disturbed by other jobs; instructions of the plain program at the small size; polls in one"
	echo "full run (MPP_REPORT); interval = plain time / polls, the mean work between two polls"
	echo
	printf '| %-8s | %-7s | %-7s | %-7s | %-8s | %-8s | %-13s | %-10s | %-10s | %-13s | %-13s | %-10s | %s\n' \
		kernel plain pragma auto "cpu prag" "cpu auto" "plain instr" "polls prag" "polls auto" "interval prag" \
		"interval auto" "state auto" "delay ms"
	printf '|%s\n' "----------|---------|---------|---------|----------|----------|---------------|------------|------------|---------------|---------------|------------|---------"
	for k in "${kernels[@]}"; do
		s=()
		for v in "${variants[@]}"; do
			s+=("$(awk -v u="${best[$k.$v]:-}" 'BEGIN { if (u == "") print "-"; else printf "%.3f\n", u / 1e6 }')")
		done
		iv=()
		for v in pragma auto; do
			iv+=("$(awk -v u="${best[$k.plain]:-}" -v p="${polls[$k.$v]:-}" 'BEGIN {
				if (u == "" || p == "") print "-"; else if (p == 0) print "no polls";
				else { us = u / p; if (us < 1000) printf "%.2f us\n", us; else printf "%.1f ms\n", us / 1000 } }')")
		done
		printf '| %-8s | %7s | %7s | %7s | %8s | %8s | %13s | %10s | %10s | %13s | %13s | %10s | %s\n' \
			"$k" "${s[0]}" "${s[1]}" "${s[2]}" "$(bench_ratio "${cpu[$k.pragma]:-}" "${cpu[$k.plain]:-}")" \
			"$(bench_ratio "${cpu[$k.auto]:-}" "${cpu[$k.plain]:-}")" "${instr[$k.plain]:--}" \
			"${polls[$k.pragma]:--}" "${polls[$k.auto]:--}" "${iv[0]}" "${iv[1]}" "${state[$k.auto]:--}" \
			"${delays[$k]:--}"
	done
	if [ ${#notes[@]} -gt 0 ]; then
		echo
		printf '%s\n' "${notes[@]}"
	fi
} | tee "$txt"

# ---- plot ---------------------------------------------------------------
if command -v gnuplot >/dev/null; then
	gnuplot <<EOF 2>"$work/gnuplot.log" || echo "poll_overhead: gnuplot failed (see $work/gnuplot.log)" >&2
set terminal pngcairo size 1100,900 font "DejaVu Sans,10" noenhanced
set output "$png"
set datafile missing "-"
set multiplot layout 2,1 title "mpp poll points on compute kernels"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top vertical
set ylabel "overhead %  (translated / plain - 1)"
set title "Overhead (target <= 1%)"
set autoscale y
set xzeroaxis lt -1
t = ($max_ratio - 1) * 100
set arrow 1 from graph 0, first t to graph 1, first t nohead dt 2 lw 2 lc rgb "red" front
plot "$data" using ((\$2 - 1) * 100):xtic(1) title "instr pragma" lc rgb "#1f77b4", \
     "" using ((\$3 - 1) * 100) title "instr auto" lc rgb "#aec7e8", \
     "" using ((\$4 - 1) * 100) title "time pragma" lc rgb "#ff7f0e", \
     "" using ((\$5 - 1) * 100) title "time auto" lc rgb "#ffbb78"
unset arrow 1
set title "Responsiveness: SIGUSR2 to exit (median, max) and to the state captured (max), $vacates runs (target <= $max_resp ms to capture)"
set ylabel "ms (log scale)"
set logscale y
set xzeroaxis lt 0
set yrange [0.01:*]
set arrow 2 from graph 0, first $max_resp to graph 1, first $max_resp nohead dt 2 lw 2 lc rgb "red" front
plot "$data" using 8:xtic(1) title "exit, median pragma" lc rgb "#2ca02c", \
     "" using 6 title "exit, max pragma" lc rgb "#98df8a", \
     "" using 9 title "exit, median auto" lc rgb "#9467bd", \
     "" using 7 title "exit, max auto" lc rgb "#c5b0d5", \
     "" using 10 title "captured, max pragma" lc rgb "#d62728", \
     "" using 11 title "captured, max auto" lc rgb "#ff9896"
unset multiplot
EOF
else
	echo "poll_overhead: gnuplot not found, no plot" >&2
fi

echo "poll_overhead: table in $txt, plot in $png" >&2
exit $failed
