#!/usr/bin/env bash
# pvm_migrate.sh: how long a task of a PVM job is frozen when it migrates
# (docs/PROTOCOL.md), on the 3-host virtual machine of tests/pvm/.
#
# 1. State sizes: a job of 2 tasks; the root task (bench/pvm_state.c) holds
#    a heap array of S bytes and moves to the next host every 2 of its
#    migration points (MPP_MIGRATE_EVERY=2) while the other task waits in
#    pvm_recv. Per size: the median of each column of the MPP_EVENTS lines,
#    next to a raw TCP transfer of S bytes from h1 to h2 (bench/tcp_xfer.c,
#    the same path between namespaces as the migration's) and a memcpy of S
#    bytes, both measured in the same run.
# 2. Peers: jobs of 2 .. 64 tasks, a 1 KiB array, every peer idle in
#    pvm_recv; the median frozen time per job size and its slope per peer.
#
# Frozen time: "src" = spawn + notify + flush + capture + transfer of the
# migrate line (from the request to the destination's ACK, which it sends
# once the state is rebuilt); "+restore" adds restore_us of the matching
# arrive line (as the issue asks; it overlaps the end of the transfer and
# also holds the start of the next spare destination).
#
# Usage: bench/pvm_migrate.sh   (needs root for the namespaces, pvm, pvm-dev)
# Environment: MPP_BENCH_PVM_SIZES (bytes, "1024 65536 1048576 16777216
# 268435456"), MPP_BENCH_PVM_TASKS ("2 4 8 16 32 64"), MPP_BENCH_PVM_MOVES
# (2N+1 migration points per job, N = 8; at most 3 from 64 MiB on; the
# moves column counts the moves that happened), MPP_BENCH_PVM_REPS (TCP and
# memcpy repetitions, 21 up to 1 MiB, 5 above), MPP_BENCH_TIMEOUT (seconds
# per job, 600), MPP_BENCH_PVM_MODE (the virtual machine's mode, as
# tests/pvm/vm.sh --mode: netns, a namespace per host and a bridge, the
# default as root; loopback, 3 daemons on loopback addresses of one
# namespace, as the quality bar's small state "on loopback"; single).
# Writes BUILD/bench/pvm_migrate.txt and .png; work files in
# BUILD/bench/pvm_migrate.work/. Exit: 0 ran, 1 a job failed, 2 cannot run.

set -u
. "$(dirname "$0")/lib.sh"
bench_clean_env

sizes=${MPP_BENCH_PVM_SIZES:-1024 65536 1048576 16777216 268435456}
tasks=${MPP_BENCH_PVM_TASKS:-2 4 8 16 32 64}
moves=${MPP_BENCH_PVM_MOVES:-8}
reps=${MPP_BENCH_PVM_REPS:-}
tmo=${MPP_BENCH_TIMEOUT:-600}
mpprun=$build_dir/bin/mpprun
work=$out_dir/pvm_migrate.work
txt=$out_dir/pvm_migrate.txt
png=$out_dir/pvm_migrate.png

bench_need_mppcc
[ -x "$mpprun" ] || bench_die "mpprun not found at $mpprun (build first: make build)"
[ -f /usr/include/pvm3.h ] || bench_die "PVM is not installed (pvm, pvm-dev)"
command -v pvmd >/dev/null 2>&1 || [ -x /usr/lib/pvm3/lib/pvmd ] || bench_die "pvmd is not installed (pvm)"

rm -rf "$work"
mkdir -p "$work/bin" "$out_dir"
"$mppcc" -O2 -o "$work/bin/pvm_state" "$bench_dir/pvm_state.c" -lpvm3 >"$work/build.log" 2>&1 || {
	cat "$work/build.log"
	echo "pvm_migrate.sh: mppcc cannot build pvm_state.c"
	exit 1
}
"${cc[@]}" -O2 -o "$work/bin/tcp_xfer" "$bench_dir/tcp_xfer.c" >>"$work/build.log" 2>&1 || {
	cat "$work/build.log"
	echo "pvm_migrate.sh: cannot build tcp_xfer.c"
	exit 1
}

. "$root_dir/tests/pvm/lib.sh"
vm_start "$work/vm" "$work/bin" ${MPP_BENCH_PVM_MODE:+--mode "$MPP_BENCH_PVM_MODE"} || bench_die "cannot start the PVM virtual machine"
vm=$work/vm
# the TCP baseline goes from h1 to h2 like the state; one host: loopback
case " $VM_HOSTS " in
*" h2 "*) peer_host=h2 ;;
*) peer_host=127.0.0.1 ;;
esac
status=0
notes=()

# job NAME TASKS BYTES MOVES: one run of pvm_state; its events in
# $work/NAME.events. Status 0 when it printed its ok line.
job() {
	local name=$1 n=$2 s=$3 k=$4 pause=$((100 + $3 / 1048576 * 2))
	local rounds=$((2 * k + 1))
	vm_run "$vm" h1 env MPP_MIGRATE_EVERY=2 MPP_EVENTS="$work/$name.events" timeout "$tmo" "$mpprun" \
		pvm_state "$n" "$s" "$rounds" "$pause" >"$work/$name.out" 2>"$work/$name.err"
	local rc=$?
	if [ $rc != 0 ] || ! grep -q "^pvm_state: tasks=$n bytes=$s rounds=$rounds ok\$" "$work/$name.out"; then
		notes+=("$name: the job failed (status $rc): $(tail -n 2 "$work/$name.err" | tr '\n' ' ')")
		status=1
		return 1
	fi
	return 0
}

# medians FILE: "moves spawn notify flush capture transfer restore src total"
# over the migrations of the events FILE (medians in microseconds)
medians() {
	awk '
	function val(k,   i, a) { for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) return a[2] } return "" }
	$1 == "migrate" { to = val("to"); n++; sp[n] = val("spawn_us"); no[n] = val("notify_us"); fl[n] = val("flush_us")
		ca[n] = val("capture_us"); tr[n] = val("transfer_us"); src[n] = sp[n] + no[n] + fl[n] + ca[n] + tr[n]; dst[to] = n }
	$1 == "arrive" { at = val("at"); rs[at] = val("restore_us") }
	function med(v, m,   i, j, t, w) { for (i = 1; i <= m; i++) w[i] = v[i]
		for (i = 2; i <= m; i++) for (j = i; j > 1 && w[j - 1] > w[j]; j--) { t = w[j]; w[j] = w[j - 1]; w[j - 1] = t }
		if (m == 0) return "-"; return sprintf("%.0f", (m % 2) ? w[(m + 1) / 2] : (w[m / 2] + w[m / 2 + 1]) / 2) }
	END { m = 0; for (to in dst) if (to in rs) { m++; r[m] = rs[to]; tot[m] = src[dst[to]] + rs[to] }
		printf "%d %s %s %s %s %s %s %s %s\n", n, med(sp, n), med(no, n), med(fl, n), med(ca, n), med(tr, n),
			med(r, m), med(src, n), med(tot, m) }' "$1"
}

human() {
	awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%g MiB", b / 1048576; else if (b >= 1024) printf "%g KiB", b / 1024; else printf "%d B", b }'
}

port=$((20000 + $$ % 20000))
: >"$work/sizes.dat"
for s in $sizes; do
	k=$moves
	[ "$s" -ge 67108864 ] && [ "$k" -gt 3 ] && k=3
	job "size$s" 2 "$s" "$k" || continue
	read -r n sp no fl ca tr rs src tot <<<"$(medians "$work/size$s.events")"
	# the raw baselines, now, on the same machine state
	r=${reps:-$((s <= 1048576 ? 21 : 5))}
	port=$((port + 1))
	"$VM_SH" run "$vm" "$peer_host" "$work/bin/tcp_xfer" recv "$port" >"$work/tcp$s.recv" 2>&1 &
	rpid=$!
	vm_track_pid $rpid
	vm_run "$vm" h1 "$work/bin/tcp_xfer" send "$peer_host" "$port" "$s" "$r" >"$work/tcp$s.out" 2>&1
	wait $rpid
	vm_untrack_pid $rpid
	tcp=$(sed -n 's/^tcp_us=//p' "$work/tcp$s.out")
	mc=$("$work/bin/tcp_xfer" memcpy "$s" "$r" | sed -n 's/^memcpy_us=//p')
	[ -n "$tcp" ] || notes+=("size $s: the TCP baseline failed: $(cat "$work/tcp$s.out" "$work/tcp$s.recv")")
	echo "$s $n $sp $no $fl $ca $tr $rs $src $tot ${tcp:--} ${mc:--}" >>"$work/sizes.dat"
done

: >"$work/tasks.dat"
for t in $tasks; do
	job "tasks$t" "$t" 1024 "$moves" || continue
	read -r n sp no fl ca tr rs src tot <<<"$(medians "$work/tasks$t.events")"
	echo "$t $((t - 1)) $n $sp $no $fl $ca $tr $rs $src $tot" >>"$work/tasks.dat"
done

{
	echo "PVM migration, frozen time (medians, microseconds); mode $VM_MODE, hosts $VM_HOSTS"
	echo "MPP_MIGRATE_EVERY=2, the root task moves h1 -> h2 -> h3 -> h1 ..., state = heap array + runtime state"
	echo
	echo "State size sweep (2 tasks): tcp = raw TCP h1 -> $peer_host of the same bytes, memcpy = one copy"
	printf '%-9s %5s %7s %7s %7s %8s %9s %8s %9s %9s %9s %9s %8s\n' state moves spawn notify flush capture \
		transfer restore src +restore tcp memcpy xfer/tcp
	while read -r s n sp no fl ca tr rs src tot tcp mc; do
		printf '%-9s %5s %7s %7s %7s %8s %9s %8s %9s %9s %9s %9s %8s\n' "$(human "$s")" "$n" "$sp" "$no" "$fl" "$ca" \
			"$tr" "$rs" "$src" "$tot" "$tcp" "$mc" "$(bench_ratio "$tr" "$tcp")"
	done <"$work/sizes.dat"
	echo
	echo "Peer sweep (1 KiB array, idle peers in pvm_recv)"
	printf '%5s %5s %5s %7s %7s %7s %8s %9s %8s %9s %9s\n' tasks peers moves spawn notify flush capture transfer \
		restore src +restore
	while read -r t p n sp no fl ca tr rs src tot; do
		printf '%5s %5s %5s %7s %7s %7s %8s %9s %8s %9s %9s\n' "$t" "$p" "$n" "$sp" "$no" "$fl" "$ca" "$tr" "$rs" \
			"$src" "$tot"
	done <"$work/tasks.dat"
	# least-squares slope over the peers (x = peers)
	awk '{ x[NR] = $2; y[NR] = $10; z[NR] = $5 + $6 }
	function slope(v,   i, sx, sy, sxx, sxy) { for (i = 1; i <= NR; i++) { sx += x[i]; sy += v[i]; sxx += x[i] * x[i]; sxy += x[i] * v[i] }
		return (NR * sxx - sx * sx) ? (NR * sxy - sx * sy) / (NR * sxx - sx * sx) : 0 }
	END { if (NR >= 2) printf "per extra peer (least squares): src %.1f us, notify+flush %.1f us\n", slope(y), slope(z) }' "$work/tasks.dat"
	echo
	echo "Targets (issue 6, not asserted): small state <= 1000 us; each extra peer <= 50 us; large state"
	echo "transfer within 2x of tcp."
	for n in "${notes[@]}"; do echo "note: $n"; done
} | tee "$txt"

if command -v gnuplot >/dev/null 2>&1 && [ -s "$work/sizes.dat" ]; then
	gnuplot <<GP 2>"$work/gnuplot.log" || echo "pvm_migrate.sh: gnuplot failed: $(cat "$work/gnuplot.log")"
set terminal png size 1200,500
set output "$png"
set multiplot layout 1,2 title "PVM migration frozen time (mode $VM_MODE)"
set logscale xy
set xlabel "state bytes"
set ylabel "microseconds (median)"
set key top left
set grid
plot "$work/sizes.dat" using 1:9 with linespoints title "frozen (src)", \
     "$work/sizes.dat" using 1:10 with linespoints title "frozen + restore", \
     "$work/sizes.dat" using 1:7 with linespoints title "transfer", \
     "$work/sizes.dat" using 1:(\$11 > 0 ? \$11 : 1/0) with linespoints title "raw TCP h1->h2", \
     "$work/sizes.dat" using 1:12 with linespoints title "memcpy", \
     1000 with lines dashtype 2 title "1 ms target"
unset logscale
set logscale x 2
set xlabel "tasks in the job"
plot "$work/tasks.dat" using 1:10 with linespoints title "frozen (src)", \
     "$work/tasks.dat" using 1:(\$5 + \$6) with linespoints title "notify + flush", \
     "$work/tasks.dat" using 1:11 with linespoints title "frozen + restore"
unset multiplot
GP
else
	echo "pvm_migrate.sh: no plot (gnuplot missing or no data)"
fi
exit $status
