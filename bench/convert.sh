#!/usr/bin/env bash
# convert.sh: throughput of saving and restoring large arrays, against
# memcpy of the same bytes in the same process: encode (always native
# bytes: receiver makes right), decode of a state of this architecture
# (a copy), and decode of states written on s390x (byte swaps) and i686
# (copies for double and int, 4 -> 8 byte integers for long), for 64 MiB
# arrays of double, int and long (bench/convert.c, linked with libmpp;
# the foreign states come from the same program built for those targets
# and run under qemu). Best of 7 runs each, in CPU time of the thread.
#
# Targets: encode and same-architecture decode at least 50% of memcpy;
# decode with byte swaps at least 5 GB/s. Rows say PASS or MISS; a miss is
# not a failure. Exit status 0 when everything ran and the restored arrays
# hold the saved values, 1 otherwise, 2 when it cannot run.
#
# Output: BUILD/bench/convert.txt (table), convert.png (plot), work files
# in BUILD/bench/convert.work/. Foreign targets that cannot be built or run
# here (see tests/e2e/hetero_lib.sh) are skipped, saying so.
set -u
. "$(dirname "$0")/lib.sh"
share=$build_dir/share/mpp/runtime
[ -f "$build_dir/lib/libmpp.a" ] && [ -f "$share/SOURCES" ] || bench_die "build first (make build): $build_dir/lib/libmpp.a or $share/SOURCES missing"
work=$out_dir/convert.work
txt=$out_dir/convert.txt
png=$out_dir/convert.png
rm -rf "$work"
mkdir -p "$work/states"
bench_clean_env

if ! "${cc[@]}" -O2 -I "$share" -o "$work/convert" "$bench_dir/convert.c" "$build_dir/lib/libmpp.a" \
	>"$work/cc.log" 2>&1; then
	echo "convert: cannot build bench/convert.c:" >&2
	cat "$work/cc.log" >&2
	exit 1
fi

# States of the same program written by the other architectures.
. "$root_dir/tests/e2e/hetero_lib.sh"
hetero_detect "$work/probe" i686 s390x | sed 's/^/convert: /' >&2
hetero_detect "$work/probe" i686 s390x >/dev/null
srcs=()
while IFS= read -r f; do
	[ -n "$f" ] && [ "$f" != main.c ] && srcs+=("$share/$f")
done <"$share/SOURCES"
for a in "${archs[@]}"; do
	read -r -a c <<<"$(cc_of "$a")"
	read -r -a x <<<"$(plain_extra "$a")"
	read -r -a emu <<<"$(emu_of "$a")"
	if ! "${c[@]}" "${x[@]}" -O2 -I "$share" -o "$work/convert.$a" "$bench_dir/convert.c" "${srcs[@]}" \
		>"$work/cc.$a.log" 2>&1; then
		echo "convert: cannot build for $a (see $work/cc.$a.log): skipped" >&2
		continue
	fi
	for k in double int long; do
		"${emu[@]}" "$work/convert.$a" write $k "$work/states/$k.$a.state" ||
			echo "convert: writing a $k state on $a failed" >&2
	done
done

"$work/convert" run "$work/states" >"$work/rows.tsv" 2>"$work/run.err"
rc=$?
if [ $rc -ne 0 ]; then
	echo "convert: the measurement failed (status $rc):" >&2
	cat "$work/run.err" >&2
fi

# The table, with the targets.
{
	printf '%-7s %-34s %8s %8s  %s\n' data operation GB/s /memcpy target
	awk -F'\t' '{
		t = "-"
		if ($2 ~ /^encode/ || $2 ~ /same architecture/) t = ($4 >= 0.5 ? "PASS" : "MISS") " (>= 0.5 of memcpy)"
		if ($2 ~ /byte swap\)/) t = ($3 >= 5 ? "PASS" : "MISS") " (>= 5 GB/s)"
		printf "%-7s %-34s %8.2f %8.3f  %s\n", $1, $2, $3, $4, t
	}' "$work/rows.tsv"
	echo
	echo "GB/s: bytes of the array in this host's layout per second of CPU time (user and system, so"
	echo "page faults count; time spent waiting for a core on a busy machine does not); /memcpy: time of"
	echo "memcpy of the same bytes in the same run over this one's. encode includes the checksum, decode"
	echo "its verification, all the checks of the state against the program, and copying or converting"
	echo "into place: a decode takes about the time of the checksum plus that of memcpy or the swap loop."
	echo "Host: $(uname -m), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$txt"
cat "$txt"

if command -v gnuplot >/dev/null; then
	awk -F'\t' '{ printf "\"%s: %s\" %s\n", $1, $2, $3 }' "$work/rows.tsv" >"$work/plot.dat"
	gnuplot <<GP 2>"$work/gnuplot.log" || echo "convert: gnuplot failed (see $work/gnuplot.log)" >&2
set terminal pngcairo size 1100,650 font "DejaVu Sans,10" noenhanced
set output "$png"
set title "State encode and decode throughput, 64 MiB arrays (dashed: 5 GB/s, the byte-swapping target)"
set style data histograms
set style fill solid 0.85 border -1
set boxwidth 0.8
set grid ytics
set ylabel "GB/s"
set yrange [0:*]
set xtics rotate by 45 right
set key off
set arrow 1 from graph 0, first 5 to graph 1, first 5 nohead dt 2 lw 2 lc rgb "red" front
plot "$work/plot.dat" using 2:xtic(1) lc rgb "#1f77b4"
GP
else
	echo "convert: gnuplot not found, no plot" >&2
fi
echo "convert: table in $txt, plot in $png" >&2
[ $rc -eq 0 ] || exit 1
exit 0
