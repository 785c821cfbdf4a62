#!/usr/bin/env bash
# dmtcp.sh: mpp against a whole-process checkpointer, DMTCP: checkpoint
# time, restart time and image size (length and disk usage: mpp writes
# whole zero blocks as holes) at the same program point.
#
# The program is bench/footprint.c, built plain (cc -O2, run under DMTCP)
# and with mppcc -O2 (checkpointed by mpp), in three scenarios:
#   small: 1 MiB of live state in a process that filled 1 GiB of scratch
#          blocks and freed them (the memory stays mapped and resident, as
#          after any big temporary structure; no variable refers to it);
#   large: 256 MiB of live arrays and nothing else;
#   sparse: 1 MiB of live state and a live 1 GiB array from calloc of which
#          the program sets one double per MiB (mostly zero, never touched).
# Per repetition and scenario, taking turns:
#   mpp    MPP_CHECKPOINT_AT=1 run (the program's single point): checkpoint
#          time = from the point (the time the program writes in its READY
#          file just before it) until the state file is renamed into place
#          (capture, write, fsync; seen with inotify by bench/filetime.c);
#          the process's exit after it is shown apart. Restart =
#          MPP_RESTART run, start to exit.
#   DMTCP  dmtcp_launch --no-gzip (mpp does not compress either) under a
#          coordinator started by this script; when the program is at the
#          point (it waits there for a GO file), dmtcp_command --bcheckpoint
#          (blocks until the image is written), then `sync FILE` on the
#          image so that it is as durable as mpp's (included, and shown);
#          the process is killed; restart = dmtcp_restart of the image, start
#          to exit.
# Both restarted runs do the same rest of the program: one pass over the
# live state that prints a checksum, which must equal the checksum of an
# uninterrupted plain run (so a lazily mapped image pays for its reads).
# Medians of the repetitions; ratios are DMTCP / mpp of the same
# repetition, medians of those.
#
# DMTCP is not part of the project nor of Debian: build it beside the
# project (bench/README.md) and point MPP_BENCH_DMTCP at its install prefix
# (or its bin directory), or put dmtcp_launch on PATH.
#
# Environment: MPP_BENCH_DMTCP (see above), MPP_BENCH_DMTCP_REPS (5),
# MPP_BENCH_DMTCP_SMALL ("LIVE_MIB SCRATCH_MIB SPARSE_MIB", "1 1024 0"),
# MPP_BENCH_DMTCP_LARGE ("256 0 0"), MPP_BENCH_DMTCP_SPARSE ("1 0 1024"),
# MPP_BENCH_DMTCP_SCENARIOS ("small large sparse"), MPP_BENCH_DMTCP_GZIP=1
# (also DMTCP with its default gzip compression, slow on these
# incompressible numbers),
# MPP_BENCH_TIMEOUT (seconds per step, 600).
# Writes BUILD/bench/dmtcp.txt and dmtcp.png; work files (logs, no images)
# in BUILD/bench/dmtcp.work/.
# Exit: 0 ran, 1 a wrong output or a failed checkpoint or restart, 2 cannot
# run (no mppcc), 77 DMTCP is absent or cannot run here (the message says
# why; nothing is measured).

set -u
. "$(dirname "$0")/lib.sh"
bench_clean_env

reps=${MPP_BENCH_DMTCP_REPS:-5}
declare -A spec=([small]=${MPP_BENCH_DMTCP_SMALL:-1 1024 0} [large]=${MPP_BENCH_DMTCP_LARGE:-256 0 0}
	[sparse]=${MPP_BENCH_DMTCP_SPARSE:-1 0 1024})
read -ra names <<<"${MPP_BENCH_DMTCP_SCENARIOS:-small large sparse}"
gzip=${MPP_BENCH_DMTCP_GZIP:-0}
tmo=${MPP_BENCH_TIMEOUT:-600}
work=$out_dir/dmtcp.work
txt=$out_dir/dmtcp.txt
png=$out_dir/dmtcp.png

skip() {
	echo "dmtcp.sh: $*" >&2
	echo "dmtcp.sh: no DMTCP comparison was measured" >&2
	exit 77
}

[[ $reps =~ ^[1-9][0-9]*$ ]] || bench_die "MPP_BENCH_DMTCP_REPS must be a positive integer, not '$reps'"
for name in "${names[@]}"; do
	[ -n "${spec[$name]+set}" ] || bench_die "unknown scenario '$name' in MPP_BENCH_DMTCP_SCENARIOS (small, large, sparse)"
	[[ ${spec[$name]} =~ ^[1-9][0-9]*\ [0-9]+\ [0-9]+$ ]] ||
		bench_die "scenario $name must be \"LIVE_MIB SCRATCH_MIB SPARSE_MIB\" (LIVE_MIB >= 1), not '${spec[$name]}'"
done
bench_need_mppcc

# ---- find DMTCP ------------------------------------------------------------------
dmtcp_bin=
if [ -n "${MPP_BENCH_DMTCP:-}" ]; then
	for d in "$MPP_BENCH_DMTCP/bin" "$MPP_BENCH_DMTCP"; do
		[ -x "$d/dmtcp_launch" ] && dmtcp_bin=$d && break
	done
	[ -n "$dmtcp_bin" ] || skip "MPP_BENCH_DMTCP=$MPP_BENCH_DMTCP holds no dmtcp_launch (neither in bin/ nor directly)"
elif command -v dmtcp_launch >/dev/null; then
	dmtcp_bin=$(dirname "$(command -v dmtcp_launch)")
else
	skip "DMTCP not found: set MPP_BENCH_DMTCP to its install prefix or put dmtcp_launch on PATH (bench/README.md says how to build it beside the project)"
fi
for t in dmtcp_launch dmtcp_command dmtcp_coordinator dmtcp_restart; do
	[ -x "$dmtcp_bin/$t" ] || skip "$dmtcp_bin has dmtcp_launch but no $t: an incomplete DMTCP install"
done
dmtcp_version=$("$dmtcp_bin/dmtcp_launch" --version 2>&1 | head -n 1)

rm -rf "$work"
mkdir -p "$work/img" "$out_dir"
if ! "${cc[@]}" -O2 -Wno-unknown-pragmas -o "$work/footprint.plain" "$bench_dir/footprint.c" >"$work/build.log" 2>&1 ||
	! "$mppcc" -O2 -o "$work/footprint.mpp" "$bench_dir/footprint.c" >>"$work/build.log" 2>&1 ||
	! "${cc[@]}" -O2 -o "$work/filetime" "$bench_dir/filetime.c" >>"$work/build.log" 2>&1; then
	cat "$work/build.log" >&2
	echo "dmtcp.sh: cannot build bench/footprint.c or bench/filetime.c" >&2
	exit 1
fi

coord_pid=
cleanup() {
	# Only what this script started: the coordinator and a launched program.
	[ -n "${run_pid:-}" ] && kill -KILL "$run_pid" 2>/dev/null
	[ -n "$coord_pid" ] && kill "$coord_pid" 2>/dev/null && wait "$coord_pid" 2>/dev/null
	rm -rf "$work/img"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$dmtcp_bin/dmtcp_coordinator" --quiet --quiet --coord-port 0 --port-file "$work/port" \
	--ckptdir "$work/img" --timeout $((tmo * 8 * reps)) >"$work/coordinator.log" 2>&1 &
coord_pid=$!
for _ in $(seq 100); do
	[ -s "$work/port" ] && break
	kill -0 "$coord_pid" 2>/dev/null || break
	sleep 0.05
done
[ -s "$work/port" ] || skip "dmtcp_coordinator did not start: $(tail -n 3 "$work/coordinator.log" | tr '\n' ' ')"
port=$(cat "$work/port")

now_us() { echo "${EPOCHREALTIME/./}"; }
file_size() { stat -c %s "$1"; }
disk_size() { stat -c '%b %B' "$1" | awk '{ print $1 * $2 }'; } # allocated bytes: holes do not count
last_lines() { tail -n 4 "$1" 2>/dev/null | tr '\n' ' '; }
fail=
# Every step of a measurement sets these, or `fail` (a sentence).
ck_us="" rs_us="" img_bytes="" img_disk="" sync_us="" exit_us="" rss_kib=""

# Waits (at most tmo seconds) for the READY file of the program run_pid.
wait_ready() { # READY
	local deadline=$((SECONDS + tmo))
	while [ ! -s "$1" ]; do
		kill -0 "$run_pid" 2>/dev/null || return 1
		((SECONDS < deadline)) || return 1
		sleep 0.01
	done
}

# run_mpp LIVE SCRATCH SPARSE: one checkpoint and restart with mpp.
run_mpp() {
	local st=$work/img/mpp.state ready=$work/ready t_appear=- t_end="" rc="" t_point
	rm -f "$st" "$ready"
	"$work/filetime" "$work/img" mpp.state env MPP_CHECKPOINT="$st" MPP_CHECKPOINT_AT=1 timeout "$tmo" \
		"$work/footprint.mpp" "$1" "$2" "$3" "$ready" >"$work/mpp.out" 2>"$work/mpp.err"
	read -r t_appear t_end rc < <(tail -n 1 "$work/mpp.out")
	if [ "${rc:-}" != 75 ] || [ "$t_appear" = - ] || [ ! -s "$st" ] || [ ! -s "$ready" ]; then
		fail="mpp checkpoint run: status ${rc:-?} (75 expected): $(last_lines "$work/mpp.err")"
		return
	fi
	read -r t_point rss_kib _ <"$ready"
	ck_us=$((t_appear - t_point))
	exit_us=$((t_end - t_appear))
	img_bytes=$(file_size "$st")
	img_disk=$(disk_size "$st")
	sync_us=0
	local t0
	t0=$(now_us)
	MPP_RESTART=$st timeout "$tmo" "$work/footprint.mpp" "$1" "$2" "$3" "$ready" >"$work/mpp.rout" 2>"$work/mpp.rerr"
	rc=$?
	rs_us=$(($(now_us) - t0))
	if [ $rc -ne 0 ] || ! cmp -s "$work/mpp.rout" "$work/expected.$1.$2.$3"; then
		fail="mpp restart: status $rc, output '$(head -c 200 "$work/mpp.rout")', expected '$(cat "$work/expected.$1.$2.$3")': $(last_lines "$work/mpp.rerr")"
	fi
}

# run_dmtcp LIVE SCRATCH SPARSE GZIP(0|1): one checkpoint and restart with DMTCP.
run_dmtcp() {
	local ready=$work/ready go=$work/go t0 rc img z=--no-gzip
	[ "$4" = 1 ] && z=--gzip
	rm -f "$ready" "$go" "$work"/img/ckpt_* "$work"/img/dmtcp_restart_script*
	"$dmtcp_bin/dmtcp_launch" --join-coordinator --coord-port "$port" "$z" --ckptdir "$work/img" \
		"$work/footprint.plain" "$1" "$2" "$3" "$ready" "$go" >"$work/dmtcp.out" 2>"$work/dmtcp.err" &
	run_pid=$!
	if ! wait_ready "$ready"; then
		kill -KILL "$run_pid" 2>/dev/null
		wait "$run_pid" 2>/dev/null
		fail="dmtcp_launch: the program did not reach its point: $(last_lines "$work/dmtcp.err")"
		return
	fi
	read -r _ rss_kib _ <"$ready"
	t0=$(now_us)
	timeout "$tmo" "$dmtcp_bin/dmtcp_command" --coord-port "$port" --bcheckpoint >"$work/command.log" 2>&1
	rc=$?
	ck_us=$(($(now_us) - t0))
	img=$(find "$work/img" -name 'ckpt_*.dmtcp' | head -n 1)
	if [ $rc -ne 0 ] || [ -z "$img" ]; then
		kill -KILL "$run_pid" 2>/dev/null
		wait "$run_pid" 2>/dev/null
		fail="dmtcp_command --bcheckpoint: status $rc, no image: $(last_lines "$work/command.log") $(last_lines "$work/dmtcp.err")"
		return
	fi
	t0=$(now_us)
	sync "$img"
	sync_us=$(($(now_us) - t0))
	exit_us=0
	img_bytes=$(file_size "$img")
	img_disk=$(disk_size "$img")
	kill -KILL "$run_pid" 2>/dev/null
	wait "$run_pid" 2>/dev/null
	run_pid=
	: >"$go"
	t0=$(now_us)
	timeout "$tmo" "$dmtcp_bin/dmtcp_restart" --join-coordinator --coord-port "$port" "$img" \
		>"$work/dmtcp.rout" 2>"$work/dmtcp.rerr"
	rc=$?
	rs_us=$(($(now_us) - t0))
	if [ $rc -ne 0 ] || ! cmp -s "$work/dmtcp.rout" "$work/expected.$1.$2.$3"; then
		fail="dmtcp_restart: status $rc, output '$(head -c 200 "$work/dmtcp.rout")', expected '$(cat "$work/expected.$1.$2.$3")': $(last_lines "$work/dmtcp.rerr")"
	fi
	rm -f "$work"/img/ckpt_*
}

# ---- the expected outputs, and whether DMTCP runs here at all ---------------------------
for name in "${names[@]}"; do
	read -r l sc sp <<<"${spec[$name]}"
	if ! "$work/footprint.plain" "$l" "$sc" "$sp" "$work/ready" >"$work/expected.$l.$sc.$sp" 2>"$work/plain.err"; then
		echo "dmtcp.sh: the plain program failed: $(last_lines "$work/plain.err")" >&2
		exit 1
	fi
done
# A first small run: a DMTCP that cannot work here stops the benchmark with its error.
"$work/footprint.plain" 1 0 0 "$work/ready" >"$work/expected.1.0.0" 2>/dev/null
run_dmtcp 1 0 0 0
[ -z "$fail" ] || skip "DMTCP ($dmtcp_version, $dmtcp_bin) cannot checkpoint and restart a small program here: $fail"

# ---- the measurements -----------------------------------------------------------------
: >"$work/raw.tsv" # scenario tool rep ck_us rs_us sync_us img_bytes rss_kib exit_us img_disk
status=0
tools="mpp dmtcp"
[ "$gzip" = 1 ] && tools="$tools dmtcp-gzip"
for rep in $(seq "$reps"); do
	for name in "${names[@]}"; do
		read -r l sc sp <<<"${spec[$name]}"
		for tool in $tools; do
			fail=
			case "$tool" in
			mpp) run_mpp "$l" "$sc" "$sp" ;;
			dmtcp) run_dmtcp "$l" "$sc" "$sp" 0 ;;
			dmtcp-gzip) run_dmtcp "$l" "$sc" "$sp" 1 ;;
			esac
			if [ -n "$fail" ]; then
				echo "FAIL $name $tool rep $rep: $fail" | tee -a "$work/failures" >&2
				status=1
				continue
			fi
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$tool" "$rep" "$ck_us" "$rs_us" "$sync_us" \
				"$img_bytes" "$rss_kib" "$exit_us" "$img_disk" >>"$work/raw.tsv"
		done
	done
done

# ---- the table ---------------------------------------------------------------------
med() { # SCENARIO TOOL COLUMN: the median of a column of raw.tsv
	awk -F'\t' -v s="$1" -v t="$2" -v c="$3" '$1 == s && $2 == t { print $c }' "$work/raw.tsv" | bench_stats |
		cut -d' ' -f2
}
ratio_med() { # SCENARIO TOOL EXPR: the median over repetitions of EXPR(tool) / EXPR(mpp)
	awk -F'\t' -v s="$1" -v t="$2" -v e="$3" '
		function val(   ) { return e == "ck" ? $4 + $6 : e == "rs" ? $5 : e == "tot" ? $4 + $6 + $5 : e == "disk" ? $10 : $7 }
		$1 == s && $2 == "mpp" { m[$3] = val() }
		$1 == s && $2 == t { d[$3] = val() }
		END { for (r in d) if ((r in m) && m[r] > 0) print d[r] / m[r] }' "$work/raw.tsv" | bench_stats | cut -d' ' -f2
}
ms() { awk -v v="$1" 'BEGIN { if (v == "" || v == "-") print "-"; else printf "%.1f\n", v / 1000 }'; }
mib() { awk -v v="$1" 'BEGIN { if (v == "" || v == "-") print "-"; else printf "%.2f\n", v / 1048576 }'; }
x() { # a ratio, with two significant digits below 1
	awk -v v="$1" 'BEGIN { if (v == "" || v == "-") print "-"; else if (v >= 100) printf "%.0fx\n", v;
		else if (v >= 1) printf "%.1fx\n", v; else printf "%.2gx\n", v }'
}

: >"$work/plot.dat"
row_fmt='%-8s %-10s %8s %9s %9s %9s %8s %8s %10s %9s %7s\n'
{
	echo "mpp against DMTCP: checkpoint and restart at the same program point (medians of $reps runs)"
	echo "$dmtcp_version, images without compression$([ "$gzip" = 1 ] && echo ', and with gzip'); mpp state files with fsync."
	echo
	# shellcheck disable=SC2059
	printf "$row_fmt" scenario tool "RSS MiB" "file MiB" "disk MiB" "ckpt ms" "sync ms" "exit ms" "restart ms" "total ms" "vs mpp"
	for name in "${names[@]}"; do
		for tool in $tools; do
			ck=$(med "$name" "$tool" 4)
			[ "$ck" = - ] && continue
			sy=$(med "$name" "$tool" 6)
			rs=$(med "$name" "$tool" 5)
			img=$(med "$name" "$tool" 7)
			dsk=$(med "$name" "$tool" 10)
			rss=$(med "$name" "$tool" 8)
			ex=$(med "$name" "$tool" 9)
			ckt=$(awk -v a="$ck" -v b="$sy" 'BEGIN { print a + b }')
			tot=$(awk -v a="$ckt" -v b="$rs" 'BEGIN { print a + b }')
			if [ "$tool" = mpp ]; then
				vs=1.0x sy=- ex=$(ms "$ex")
			else
				vs=$(x "$(ratio_med "$name" "$tool" tot)") sy=$(ms "$sy") ex=-
			fi
			# shellcheck disable=SC2059
			printf "$row_fmt" "$name" "$tool" "$(awk -v v="$rss" 'BEGIN { printf "%.0f\n", v / 1024 }')" \
				"$(mib "$img")" "$(mib "$dsk")" "$(ms "$ckt")" "$sy" "$ex" "$(ms "$rs")" "$(ms "$tot")" "$vs"
			printf '"%s %s" %s %s %s\n' "$name" "$tool" "$(ms "$ckt")" "$(ms "$rs")" "$(mib "$dsk")" >>"$work/plot.dat"
		done
	done
	echo
	echo "ratios DMTCP / mpp (median over the runs of the ratio within each run)"
	printf '%-8s %-10s %10s %10s %10s %10s %10s\n' scenario tool file disk ckpt restart total
	for name in "${names[@]}"; do
		for tool in $tools; do
			[ "$tool" = mpp ] && continue
			printf '%-8s %-10s %10s %10s %10s %10s %10s\n' "$name" "$tool" "$(x "$(ratio_med "$name" "$tool" img)")" \
				"$(x "$(ratio_med "$name" "$tool" disk)")" "$(x "$(ratio_med "$name" "$tool" ck)")" "$(x "$(ratio_med "$name" "$tool" rs)")" "$(x "$(ratio_med "$name" "$tool" tot)")"
		done
	done
	echo
	for name in "${names[@]}"; do
		read -r l sc sp <<<"${spec[$name]}"
		printf '%s: %s MiB live' "$name" "$l"
		[ "$sc" != 0 ] && printf ', after %s MiB of scratch blocks filled and freed (still resident)' "$sc"
		[ "$sp" != 0 ] && printf ', plus a live %s MiB calloc array with one double set per MiB' "$sp"
		echo .
	done
	echo "RSS: resident size of the process at the point. file: length of the image (mpp's state file,"
	echo "DMTCP's ckpt_*.dmtcp); disk: the space it takes (st_blocks; mpp writes whole 4 KiB zero blocks"
	echo "as holes, which read as zeros and take no space)."
	echo "ckpt: mpp from the point until the state file is in place (capture, encode, write, fsync,"
	echo "rename); DMTCP dmtcp_command --bcheckpoint, then 'sync IMAGE' (sync ms, included). exit: mpp's"
	echo "process exit after the file is in place (not included; a DMTCP checkpoint leaves the process"
	echo "running). restart: start of MPP_RESTART / dmtcp_restart to the exit of the restarted program,"
	echo "whose rest is one pass over the live state. total: ckpt + restart."
	echo "Host: $(uname -m), $(nproc) cores, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
	[ -s "$work/failures" ] && {
		echo
		cat "$work/failures"
	}
} >"$txt"
cat "$txt"

if command -v gnuplot >/dev/null; then
	gnuplot <<GP 2>"$work/gnuplot.log" || echo "dmtcp.sh: gnuplot failed (see $work/gnuplot.log)" >&2
set terminal pngcairo size 1100,500 font "DejaVu Sans,10" noenhanced
set output "$png"
set multiplot layout 1,2 title "mpp against DMTCP at the same program point (medians of $reps)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.7
set logscale y
set yrange [0.1:*]
set grid ytics
set xtics rotate by 30 right
set key outside right top vertical
set ylabel "ms"
set title "checkpoint and restart time (log scale)"
plot "$work/plot.dat" using 2:xtic(1) title "checkpoint" lc rgb "#1f77b4", "" using 3 title "restart" lc rgb "#ff7f0e"
set ylabel "MiB"
set key off
set title "image on disk (log scale)"
plot "$work/plot.dat" using 4:xtic(1) title "image" lc rgb "#2ca02c"
unset multiplot
GP
else
	echo "dmtcp.sh: gnuplot not found, no plot" >&2
fi
echo "dmtcp.sh: table in $txt, plot in $png" >&2
exit $status
