#!/usr/bin/env bash
# pvm_routes.sh: what a program that asks for direct routes
# (pvm_setopt(PvmRoute, PvmRouteDirect)) pays under mpp, whose PVM layer
# sends its messages through the daemons instead (docs/PROTOCOL.md,
# *Limits*). No migration happens: this is the cost of the routing alone.
#
# The subject is the Debian pvm-examples `timing` (a round-trip test and
# bandwidth tests of 100 B .. 1 MB with its slave `timing_slave`, direct
# routes asked for by both), unmodified, built with cc and with mppcc, run
# alternately on the 3-host virtual machine of tests/pvm/. PVM places the
# slave (round robin over the hosts): only runs with the slave on another
# host than the master count, until each build has RUNS of them. Per build:
# the median over those runs of the program's own averages (round trip in
# us, bandwidth in bytes/us), and the ratio mppcc / cc of those medians.
#
# Usage: bench/pvm_routes.sh   (needs root for the namespaces, pvm, pvm-dev,
# pvm-examples)
# Environment: MPP_BENCH_ROUTES_RUNS (counted runs per build, 7; at most 3x
# as many are made),
# MPP_BENCH_TIMEOUT (seconds per run, 300).
# Writes BUILD/bench/pvm_routes.txt and .png; work files in
# BUILD/bench/pvm_routes.work/. Exit: 0 ran, 1 a run failed, 2 cannot run,
# 77 pvm-examples is not installed.

set -u
. "$(dirname "$0")/lib.sh"
bench_clean_env

runs=${MPP_BENCH_ROUTES_RUNS:-7}
tmo=${MPP_BENCH_TIMEOUT:-300}
work=$out_dir/pvm_routes.work
txt=$out_dir/pvm_routes.txt
png=$out_dir/pvm_routes.png
ex=/usr/share/doc/pvm-examples/examples.tar.gz

bench_need_mppcc
[ -f /usr/include/pvm3.h ] || bench_die "PVM is not installed (pvm, pvm-dev)"
if [ ! -f "$ex" ]; then
	echo "pvm_routes.sh: SKIP: the pvm-examples package is not installed ($ex missing)"
	exit 77
fi

rm -rf "$work"
mkdir -p "$work/src" "$work/cc" "$work/mpp" "$work/ep" "$out_dir"
tar -C "$work/src" -xzf "$ex" || bench_die "cannot unpack $ex"
for p in timing timing_slave; do
	"${cc[@]}" -O2 -w -DHASSTDLIB -o "$work/cc/$p" "$work/src/examples/$p.c" -lpvm3 >>"$work/build.log" 2>&1 &&
		"$mppcc" -O2 -w -DHASSTDLIB -o "$work/mpp/$p" "$work/src/examples/$p.c" -lpvm3 >>"$work/build.log" 2>&1 || {
		cat "$work/build.log"
		echo "pvm_routes.sh: cannot build $p"
		exit 1
	}
done

. "$root_dir/tests/pvm/lib.sh"
# the hosts spawn timing_slave from ep/, which holds the build being run
vm_start "$work/vm" "$work/ep" || bench_die "cannot start the PVM virtual machine"
status=0

# numbers FILE: "remote rtt bw100 bw1000 bw10000 bw100000 bw1000000" of
# one run, remote 1 when the slave ran on another host (the host part of
# the two tids, "i'm tX" and "slave is task tY", differs)
numbers() {
	awk 'function host(t,   i, v) { sub(/^t/, "", t); v = 0
		for (i = 1; i <= length(t); i++) v = v * 16 + index("0123456789abcdef", substr(t, i, 1)) - 1
		return int(v / 262144) % 4096 }
	/^i.m t/ { me = host($2) } /^slave is task t/ { sl = host($4) }
	/^RTT Avg uSec/ { rtt = $4 } /^Avg Byte\/uSec/ { getline; bw[++n] = $2 }
	END { if (rtt == "" || n != 5 || me == "" || sl == "") exit 1
		printf "%d %s %s %s %s %s %s\n", me != sl, rtt, bw[1], bw[2], bw[3], bw[4], bw[5] }' "$1"
}

declare -A counted=([cc]=0 [mpp]=0)
for r in $(seq 1 $((3 * runs))); do
	[ "${counted[cc]}" -ge "$runs" ] && [ "${counted[mpp]}" -ge "$runs" ] && break
	for b in cc mpp; do
		[ "${counted[$b]}" -ge "$runs" ] && continue
		cp "$work/$b/timing_slave" "$work/ep/timing_slave"
		# its exit status means nothing (main ends without a return)
		vm_run "$work/vm" h1 timeout "$tmo" "$work/$b/timing" >"$work/$b.$r.out" 2>&1
		rc=$?
		if [ $rc = 124 ] || ! line=$(numbers "$work/$b.$r.out"); then
			echo "pvm_routes.sh: run $r of the $b build failed (status $rc): $(tail -n 2 "$work/$b.$r.out" | tr '\n' ' ')"
			status=1
			continue
		fi
		echo "$line" >>"$work/$b.all"
		if [ "${line%% *}" = 1 ]; then
			echo "${line#* }" >>"$work/$b.dat"
			counted[$b]=$((counted[$b] + 1))
		fi
	done
done
vm_stop "$work/vm"
for b in cc mpp; do
	[ "${counted[$b]}" -ge "$runs" ] || echo "pvm_routes.sh: only ${counted[$b]} runs of the $b build had the slave on another host"
	touch "$work/$b.dat"
done

# median of column C of FILE
med() {
	sort -g -k "$2,$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

names=("round trip, us" "100 B, bytes/us" "1 kB, bytes/us" "10 kB, bytes/us" "100 kB, bytes/us" "1 MB, bytes/us")
{
	echo "pvm-examples timing, slave on another host, $runs runs per build, medians (no migration; mpp routes through the daemons)"
	printf '%-18s %12s %12s %10s\n' "measure" "cc (direct)" "mppcc" "mppcc/cc"
	: >"$work/plot.dat"
	for c in 1 2 3 4 5 6; do
		a=$(med "$work/cc.dat" $c)
		m=$(med "$work/mpp.dat" $c)
		ratio=$(awk -v a="$a" -v m="$m" 'BEGIN { if (a + 0 > 0 && m != "-") printf "%.2f", m / a; else print "-" }')
		printf '%-18s %12s %12s %10s\n' "${names[$((c - 1))]}" "$a" "$m" "$ratio"
		[ "$c" -gt 1 ] && echo "\"${names[$((c - 1))]%%,*}\" $a $m" >>"$work/plot.dat"
	done
} | tee "$txt"

if command -v gnuplot >/dev/null 2>&1 && [ -s "$work/plot.dat" ]; then
	gnuplot <<GP 2>"$work/gnuplot.log" || echo "pvm_routes.sh: gnuplot failed: $(cat "$work/gnuplot.log")"
set terminal png size 800,500
set output "$png"
set title "pvm-examples timing: bandwidth, cc with direct routes vs mppcc (daemons)"
set style data histograms
set style fill solid 0.8
set ylabel "bytes/us (median of $runs runs)"
set xlabel "message size"
set key left top
plot "$work/plot.dat" using 2:xtic(1) title "cc (direct routes)", "" using 3 title "mppcc"
GP
	echo "wrote $txt and $png"
else
	echo "pvm_routes.sh: no plot (gnuplot missing or no data)"
fi
exit $status
